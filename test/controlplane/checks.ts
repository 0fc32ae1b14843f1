// Checks shared by the control-plane tests: each asks the real components, never a stand-in for them.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync} from 'node:fs';
import {join, dirname} from 'node:path';
import {tmpdir} from 'node:os';
import type {Booted} from '../helpers/control-plane.js';
import {bin as kubeadmBin, json} from '../helpers/k8s.js';
import type {Kubectl} from '../helpers/k8s.js';
import {CLI, ROOT} from '../helpers/run.js';
import {realKubectl, waitFor, type Started} from '../helpers/processes.js';

const openssl = (args: string[], input?: string) => execFileSync('openssl', args, {encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe']});

/** Waits until each lease has a holder; returns holder identities by lease name. */
export async function leaseHolders(admin: Kubectl, leases: string[]): Promise<Record<string, string>> {
  const holders: Record<string, string> = {};
  await waitFor(`leases ${leases.join(', ')}`, () => {
    for (const lease of leases) {
      const r = admin(['get', 'lease', lease, '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}']);
      if (r.status === 0 && r.stdout.trim()) holders[lease] = r.stdout.trim();
    }
    return leases.every(l => holders[l]);
  }, 150_000, 2000);
  return holders;
}

/** A user's CSR through the real API: created, approved, signed by the controller-manager. */
export async function signUserCsr(c: Booted, user: string, groups: string[], caFile: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kubepki-csr-'));
  try {
    const key = join(dir, 'user.key');
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
    const subject = `/CN=${user}${groups.map(g => `/O=${g}`).join('')}`;
    const csr = openssl(['req', '-new', '-key', key, '-subj', subject]);
    const name = `kubepki-test-${user}`;
    const created = c.admin(['apply', '-f', '-'], {input: JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: {name},
      spec: {request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: 3600, usages: ['client auth']},
    })});
    if (created.status !== 0) throw new Error(created.stderr);
    const approved = c.admin(['certificate', 'approve', name]);
    if (approved.status !== 0) throw new Error(approved.stderr);
    let issued = '';
    await waitFor(`CSR ${name} to be signed`, () => {
      const r = c.admin(['get', 'csr', name, '-o', 'jsonpath={.status.certificate}']);
      issued = r.status === 0 ? r.stdout.trim() : '';
      return issued !== '';
    }, 120_000, 1000);
    const pem = Buffer.from(issued, 'base64').toString('utf8');
    const certFile = join(dir, 'user.crt');
    writeFileSync(certFile, pem);
    const text = openssl(['x509', '-in', certFile, '-noout', '-subject', '-issuer', '-nameopt', 'RFC2253']);
    let verified = true;
    try { openssl(['verify', '-CAfile', caFile, certFile]); } catch { verified = false; }
    return {
      subject: /subject=(.*)/.exec(text)![1]!.split(',').reverse().join(','),
      issuer: /issuer=(.*)/.exec(text)![1]!,
      verified,
      certificate: pem,
      key: readFileSync(key, 'utf8'),
    };
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

/**
 * A shell on a lab host, for running lines kubepki printed exactly as a person would paste them:
 * `kubectl` is the real kubectl (KUBECONFIG: the given kubeconfig, as the host has it),
 * `kubeadm` the built one and `kubepki` the built CLI. With a node's name, the host holds that node's bundle.
 */
export function shellOn(c: Booted, host: string, o: {kubeconfig?: string; bundle?: string} = {}) {
  const bin = join(c.lab.dir, 'shell-bin');
  mkdirSync(bin, {recursive: true});
  writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nexec ${realKubectl()} --request-timeout=20s "$@"\n`, {mode: 0o755});
  writeFileSync(join(bin, 'kubepki'), `#!/bin/sh\nexec ${process.execPath} ${CLI} "$@"\n`, {mode: 0o755});
  writeFileSync(join(bin, 'kubeadm'), `#!/bin/sh\nexec ${kubeadmBin('kubeadm')} "$@"\n`, {mode: 0o755});
  const env = ['-u', 'KUBECONFIG', `PATH=${bin}:${process.env.PATH}`, `KUBECACHEDIR=${c.lab.dir}/kube-cache`, ...(o.kubeconfig ? [`KUBECONFIG=${o.kubeconfig}`] : [])];
  return (line: string, timeout = 60_000) => c.lab.run(host, ['env', ...env, 'sh', '-c', line], {bundle: o.bundle, timeout});
}

/** A kubelet stand-in on the node's address, port 10250, with that node's files. */
export function standInKubelet(c: Booted, node: string, files: {cert: string; key: string; ca: string}): Started {
  const ip = c.manifest.nodes[node]!.ip;
  return c.lab.start(node, [process.execPath, join(ROOT, 'test/helpers/kubelet-standin.mjs'), files.cert, files.key, files.ca, ip, '10250'], c.bundle(node));
}

/** A certificate for an existing key, signed by the cluster CA of OUT, with exactly these names. */
export function issueWith(c: Booted, o: {key: string; cn: string; org?: string; serverAuth?: boolean; clientAuth?: boolean; dns?: string[]; ip?: string[]}): string {
  const ca = c.manifest.authorities.find(a => a.id === 'ca')!;
  const dir = mkdtempSync(join(tmpdir(), 'kubepki-issue-'));
  try {
    const usages = [o.serverAuth && 'serverAuth', o.clientAuth && 'clientAuth'].filter(Boolean).join(',');
    const sans = [...(o.dns ?? []).map(d => `DNS:${d}`), ...(o.ip ?? []).map(i => `IP:${i}`)].join(',');
    writeFileSync(join(dir, 'ext'), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${usages}\n${sans ? `subjectAltName=${sans}\n` : ''}`);
    const csr = openssl(['req', '-new', '-key', o.key, '-subj', `/CN=${o.cn}${o.org ? `/O=${o.org}` : ''}`]);
    writeFileSync(join(dir, 'csr'), csr);
    return openssl(['x509', '-req', '-in', join(dir, 'csr'), '-CA', join(c.out, ca.cert), '-CAkey', join(c.out, ca.key), '-CAcreateserial', '-days', '30', '-extfile', join(dir, 'ext'), '-CAserial', join(dir, 'serial')]);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

/** A kubeconfig like a kubelet's, for a new key with the given identity; placed in the node's bundle. Returns its path on the node. */
export function brokenKubeconfig(c: Booted, node: string, identity: {cn: string; o: string}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubepki-broken-'));
  try {
    const key = join(dir, 'key');
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
    const cert = issueWith(c, {key, cn: identity.cn, org: identity.o, clientAuth: true});
    const kubelet = c.manifest.kubeconfigs.find(k => k.id === 'kubelet' && k.node === node)!;
    const ca = readFileSync(join(c.out, c.manifest.authorities.find(a => a.id === 'ca')!.cert));
    const b64 = (x: string | Buffer) => Buffer.from(x).toString('base64');
    const inNode = '/var/lib/kubepki-test/broken.kubeconfig';
    const file = join(c.bundle(node), inNode);
    mkdirSync(dirname(file), {recursive: true});
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'broken',
      clusters: [{name: 'c', cluster: {server: kubelet.server, 'certificate-authority-data': b64(ca)}}],
      users: [{name: 'u', user: {'client-certificate-data': b64(cert), 'client-key-data': b64(readFileSync(key))}}],
      contexts: [{name: 'broken', context: {cluster: 'c', user: 'u'}}],
    }), {mode: 0o600});
    return inNode;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

export {json};
