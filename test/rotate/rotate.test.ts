// kubepki rotate OUT start|issue|finish|status|abort. start, on both layouts and every authority:
// trust files become exactly old + new, leaves stay byte-identical, openssl accepts old leaves and
// a leaf of the new CA against every trust file, verify passes, abort restores the tree. The chain
// start → issue → finish (cluster CA, both layouts): openssl verifies every leaf against the new CA
// alone, no node bundle keeps the old CA, verify's retired check. Abort after issue, phase order,
// --new-keys; each refusal leaves OUT unchanged.
import {X509Certificate} from 'node:crypto';
import {cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCluster} from '../../source/build/index.js';
import {pemBlocks, publicKey256} from '../../source/build/rotate.js';
import {caCertHash} from '../../source/scripts/kubeadm-config.js';
import type {Manifest} from '../../source/output/manifest.js';
import {buildPlan} from '../../source/plan/plan.js';
import {InputError} from '../../source/spec/errors.js';
import {specFromFile} from '../../source/spec/load.js';
import type {Layout} from '../../source/spec/types.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {kubepki, openssl, run} from '../helpers/run.js';
import {differing, digests, manifestBody, snapshot} from '../helpers/snapshot.js';

/** The manifest without one document (a file a step adds that was not there before). */
const withoutDocument = (manifest: any, path: string) => ({...manifest, documents: manifest.documents.filter((d: {path: string}) => d.path !== path)});

const tmp = tempDir('kubepki-rotate-');
afterAll(() => tmp.remove());

const bases = new Map<string, string>();
async function base(layout: Layout, authorities: 'kubeadm' | 'single' = 'kubeadm', flow: 'shared-ca' | 'external-ca' = 'shared-ca'): Promise<string> {
  const name = `${layout}-${authorities}-${flow}`;
  if (!bases.has(name)) {
    const spec = specWith(c => { c.pki.layout = layout; c.pki.authorities = authorities; c.pki.key = 'ecdsa-p256'; c.kubeadm = {flow}; });
    const out = join(tmp.path, `base-${name}`);
    await buildCluster(buildPlan(spec), out);
    if (authorities === 'kubeadm') expect(kubepki(['user', 'add', 'alice', '--group', 'devs', '--out', out]).status).toBe(0);
    bases.set(name, out);
  }
  return bases.get(name)!;
}

let copies = 0;
/** A fresh copy of a generated OUT (modes kept: verify checks them). */
function copyOf(from: string): string {
  const out = join(tmp.path, `out-${++copies}`);
  cpSync(from, out, {recursive: true, preserveTimestamps: true});
  return out;
}

const manifestOf = (out: string): Manifest & {rotation?: any} => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
const text = (out: string, rel: string) => readFileSync(join(out, rel), 'utf8');
const fingerprints = (pem: string) => pemBlocks(pem).map(b => new X509Certificate(b).fingerprint256);
const caDataOf = (kubeconfig: string) => Buffer.from(/certificate-authority-data: (\S+)/.exec(kubeconfig)![1]!, 'base64').toString('utf8');

/** Every trust file of an authority: its master copy and each node's copy of it. */
function trustFiles(out: string, authority: string): string[] {
  const m = manifestOf(out);
  const cert = m.authorities.find(a => a.id === authority)!.cert;
  return [cert, ...Object.values(m.nodes).flatMap(n => n.files.filter(f => f.source === cert).map(f => `${n.bundle}${f.path}`))];
}

/** Every leaf file (certificate and key) and each node's copy of it. */
function leafFiles(out: string): string[] {
  const m = manifestOf(out);
  const own = new Set(m.certificates.flatMap(c => [c.cert, c.key]));
  return [...own, ...Object.values(m.nodes).flatMap(n => n.files.filter(f => own.has(f.source)).map(f => `${n.bundle}${f.path}`))];
}

/** A client certificate signed by `ca` with openssl, as an operator (or the next phase) would make one. */
function leafSignedBy(dir: string, caCert: string, caKey: string, name: string): string {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const crt = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  expect(openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]).status).toBe(0);
  expect(openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}/O=devs`, '-out', csr]).status).toBe(0);
  const signed = openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', '0x1234', '-days', '1', '-extfile', ext, '-out', crt]);
  expect(signed.status, signed.stderr).toBe(0);
  return crt;
}

const verifies = (caFile: string, cert: string) => openssl(['verify', '-CAfile', caFile, cert]);

describe.each(['kubeadm', 'hard-way'] as Layout[])('%s layout', layout => {
  describe.each(['ca', 'etcd-ca', 'front-proxy-ca'])('rotate start %s', authority => {
    let out: string;
    let before: Map<string, string>;
    let digestsBefore: Map<string, string>;
    let manifestBefore: object;
    let oldPem: string;
    beforeAll(async () => {
      out = copyOf(await base(layout));
      before = snapshot(out);
      digestsBefore = digests(out);
      manifestBefore = manifestBody(out);
      oldPem = text(out, manifestOf(out).authorities.find(a => a.id === authority)!.cert);
      const r = kubepki(['rotate', out, 'start', authority]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Started the rotation of CA ${authority}`);
      expect(r.stdout).toMatch(/bash .*distribute\.sh/);
      // The cluster CA: alice's kubeconfig must be handed to her again, a verifying balancer given the bundle.
      expect(r.stdout.includes('Hand each user their kubeconfig again before the restarts below'), r.stdout).toBe(authority === 'ca');
      if (authority === 'ca') expect(r.stdout).toMatch(/Hand each user .*: users\/alice\/[^ ]+\.conf\./);
      expect(r.stdout.includes('A load balancer in front of the apiservers that verifies their certificates must trust'), r.stdout).toBe(authority === 'ca');
    });

    it('every trust file (pki/, every node bundle, every kubeconfig of the authority, the users\') holds exactly old + new', () => {
      const m = manifestOf(out);
      const newPem = text(out, m.rotation.new.cert);
      const expected = [...fingerprints(oldPem), ...fingerprints(newPem)];
      expect(expected).toHaveLength(2);
      expect(m.rotation).toMatchObject({authority, phase: 'start', old: {fingerprint256: expected[0]}, new: {fingerprint256: expected[1]}});
      const files = trustFiles(out, authority);
      expect(files.length).toBeGreaterThan(1);
      for (const f of files) expect(fingerprints(text(out, f)), f).toEqual(expected);
      const kubeconfigs = [
        ...m.kubeconfigs.filter(k => k.authority === authority).map(k => k.file),
        ...(authority === 'ca' ? (m as any).users.map((u: any) => u.kubeconfig) : []),
      ];
      // Every layout's kubeconfigs trust the cluster CA; the other authorities are in none.
      expect(kubeconfigs.length > 0).toBe(authority === 'ca');
      for (const k of kubeconfigs) expect(fingerprints(caDataOf(text(out, k))), k).toEqual(expected);
      for (const node of Object.values(m.nodes)) {
        for (const f of node.files.filter(f => kubeconfigs.includes(f.source))) expect(text(out, `${node.bundle}${f.path}`)).toBe(text(out, f.source));
      }
    });

    it('the new CA has the old one\'s key type, its own key id and its own subject', () => {
      const m = manifestOf(out);
      const oldCa = new X509Certificate(oldPem);
      const newCa = new X509Certificate(text(out, m.rotation.new.cert));
      expect(newCa.publicKey.asymmetricKeyType).toBe(oldCa.publicKey.asymmetricKeyType);
      expect(newCa.subject).not.toBe(oldCa.subject);
      expect(m.rotation.new.keyId).toMatch(/^[0-9a-f]{40}$/);
      expect(m.rotation.new.keyId).not.toBe(m.rotation.old.keyId);
      expect(newCa.ca).toBe(true);
    });

    it('every leaf is byte-identical, and openssl accepts each old leaf of the authority against the bundle', () => {
      const after = snapshot(out);
      const leaves = leafFiles(out);
      expect(leaves.length).toBeGreaterThan(10);
      for (const f of leaves) expect(after.get(f), f).toBe(before.get(f));
      const m = manifestOf(out);
      const trust = join(out, m.authorities.find(a => a.id === authority)!.cert);
      const signed = m.certificates.filter(c => c.signer === authority);
      expect(signed.length).toBeGreaterThan(0);
      for (const c of signed) expect(verifies(trust, join(out, c.cert)).status, c.cert).toBe(0);
    });

    it('a leaf signed by the new CA verifies against every trust file, and not against the old CA alone', () => {
      const m = manifestOf(out);
      const leaf = leafSignedBy(tmp.path, join(out, m.rotation.new.cert), join(out, m.rotation.new.key), `${layout}-${authority}-new`);
      for (const f of trustFiles(out, authority)) expect(verifies(join(out, f), leaf).status, f).toBe(0);
      expect(verifies(join(out, m.rotation.old.cert), leaf).status).not.toBe(0);
    });

    it('the controller-manager signs with the old CA alone (cluster CA only)', () => {
      const m = manifestOf(out);
      if (authority !== 'ca') { expect(m.rotation.signing).toBeUndefined(); return; }
      expect(m.rotation.signing.installs.length).toBeGreaterThan(0);
      for (const i of m.rotation.signing.installs) {
        const copy = text(out, `nodes/${i.node}${i.path}`);
        expect(copy).toBe(oldPem);
      }
      if (layout === 'hard-way') {
        const unit = m.documents.find(d => d.kind === 'kube-controller-manager unit')!;
        expect(text(out, unit.path)).toContain(`--cluster-signing-cert-file=${m.rotation.signing.installs[0].path}`);
        expect(text(out, unit.path)).toMatch(/--root-ca-file=\/var\/lib\/kubernetes\/ca\.crt/);
      }
    });

    it('verify passes and status reports the phase', () => {
      const v = kubepki(['verify', out]);
      expect(v.status, v.stdout).toBe(0);
      expect(v.stdout).toContain('trust bundle old + new');
      const s = kubepki(['rotate', out, 'status', '--json']);
      expect(s.status).toBe(0);
      expect(JSON.parse(s.stdout).rotation).toMatchObject({authority, phase: 'start'});
      expect(kubepki(['rotate', out, 'status']).stdout).toContain(`Rotation of CA ${authority}`);
    });

    it('abort gives back every file of OUT byte-identical (SHA-256 and mode: every node bundle, trust file and leaf) and removes the new CA', () => {
      const newCert = manifestOf(out).rotation.new.cert;
      const r = kubepki(['rotate', out, 'abort']);
      expect(r.status, r.stderr).toBe(0);
      // Only the manifest's generatedAt and restart.sh (the restarts that read abort's trust files) differ from before the rotation;
      // kubeadm's cluster CA also gets rotate-steps.sh: start's steps made kubelet.conf of the bootstrapped kubelets and cluster-info old + new, abort's set them back.
      const outsideSteps = layout === 'kubeadm' && authority === 'ca';
      expect(differing(digestsBefore, digests(out))).toEqual(['manifest.json', 'restart.sh', ...(outsideSteps ? ['rotate-steps.sh'] : [])]);
      expect(withoutDocument(manifestBody(out), 'rotate-steps.sh')).toEqual(manifestBefore);
      if (outsideSteps) expect(text(out, 'rotate-steps.sh')).toMatch(/kube-public\/cluster-info, [^\n]*certificate-authority-data becomes the old CA alone again/);
      expect(existsSync(join(out, newCert))).toBe(false);
      expect(manifestOf(out).rotation).toBeUndefined();
      expect(kubepki(['verify', out]).status).toBe(0);
      expect(JSON.parse(kubepki(['rotate', out, 'status', '--json']).stdout).rotation).toBeNull();
    });
  });
});

describe('refusals: exit 2, the reason named, OUT unchanged', () => {
  const refused = (out: string, args: string[], message: RegExp | string) => {
    const before = snapshot(out);
    const r = kubepki(args);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(differing(before, snapshot(out))).toEqual([]);
  };

  it('a second start while one is under way; generate --update and renew meanwhile', async () => {
    const out = copyOf(await base('hard-way'));
    expect(kubepki(['rotate', out, 'start', 'etcd-ca']).status).toBe(0);
    refused(out, ['rotate', out, 'start', 'ca'], /a rotation of etcd-ca is already under way/);
    refused(out, ['rotate', out, 'start', 'etcd-ca'], /already under way/);
    refused(out, ['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update'], /in the middle of a rotation of CA etcd-ca/);
    refused(out, ['renew', out, 'all'], /in the middle of a rotation/);
  });

  it('a phase planned against another state of OUT (a second kubepki rotated meanwhile) is refused by the engine under its lock', async () => {
    const out = copyOf(await base('hard-way'));
    expect(kubepki(['rotate', out, 'start', 'front-proxy-ca']).status).toBe(0);
    const before = snapshot(out);
    const plan = buildPlan(specFromFile(join(out, 'cluster.yaml')));
    // A start prepared before the first one landed: it believed no rotation was under way.
    await expect(buildCluster(plan, out, {force: true, only: new Set(), rotation: {trust: {}, files: [], state: undefined, basedOn: undefined}}))
      .rejects.toSatisfy(e => e instanceof InputError && /rotation changed while this one was being prepared/.test(e.lines.join('\n')));
    expect(differing(before, snapshot(out))).toEqual([]);
  });

  it('an authority that is not one, and one this topology lacks', async () => {
    const out = copyOf(await base('kubeadm'));
    refused(out, ['rotate', out, 'start', 'apiserver'], /"apiserver" is not an authority; the authorities are ca, etcd-ca, front-proxy-ca/);
    refused(out, ['rotate', out, 'start'], /name the authority to rotate: ca, etcd-ca, front-proxy-ca/);
    const single = copyOf(await base('kubeadm', 'single'));
    refused(single, ['rotate', single, 'start', 'etcd-ca'], /\(pki.authorities: single\) has no etcd-ca; its CAs: ca/);
    refused(single, ['rotate', single, 'abort'], /no rotation is under way/);
  });

  it('an external CA (kubeadm external-ca flow, the CA key not in OUT)', async () => {
    const out = copyOf(await base('kubeadm', 'kubeadm', 'external-ca'));
    rmSync(join(out, 'pki/ca.key'));
    refused(out, ['rotate', out, 'start', 'ca'], /does not hold the ca key .*the CA is external/);
  });
});

describe('a single-CA cluster: the one CA fills every trust slot', () => {
  it('start makes every copy of it (etcd and front-proxy slots too) old + new; verify passes', async () => {
    const out = copyOf(await base('kubeadm', 'single'));
    const r = kubepki(['rotate', out, 'start', 'ca']);
    expect(r.status, r.stderr).toBe(0);
    const files = trustFiles(out, 'ca');
    expect(files.some(f => f.endsWith('/etc/kubernetes/pki/etcd/ca.crt'))).toBe(true);
    for (const f of files) expect(fingerprints(text(out, f))).toHaveLength(2);
    expect(kubepki(['verify', out]).status).toBe(0);
  });
});

describe('verify during a rotation fails what is not old + new', () => {
  const failsWith = (out: string, detail: RegExp) => {
    const v = kubepki(['verify', out]);
    expect(v.status).toBe(1);
    expect(v.stdout).toMatch(detail);
  };

  it('a kubeconfig that still trusts the old CA alone, a bundle in the wrong order, a leaf of a CA outside the bundle, a bundle without a rotation', async () => {
    const started = copyOf(await base('hard-way'));
    expect(kubepki(['rotate', started, 'start', 'ca']).status).toBe(0);
    const m = manifestOf(started);
    const oldPem = text(started, m.rotation.old.cert);
    const newPem = text(started, m.rotation.new.cert);

    const stale = copyOf(started);
    const admin = m.kubeconfigs.find(k => k.id === 'admin')!.file;
    writeFileSync(join(stale, admin), text(stale, admin).replace(/(certificate-authority-data: )\S+/, `$1${Buffer.from(oldPem).toString('base64')}`));
    failsWith(stale, /certificate-authority-data is not ca \(pki\/ca\.crt, 2 certificates\)/);

    const reversed = copyOf(started);
    writeFileSync(join(reversed, 'pki/ca.crt'), `${newPem}${oldPem}`);
    failsWith(reversed, /must hold the old CA then the new/);

    // A leaf signed by the new CA's own stand-in, which the bundle does not hold: not trusted.
    const foreign = copyOf(started);
    const strangerKey = join(tmp.path, 'stranger.key');
    const strangerCrt = join(tmp.path, 'stranger.crt');
    expect(openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', strangerKey, '-subj', '/CN=stranger', '-days', '1', '-out', strangerCrt]).status).toBe(0);
    const apiserver = m.certificates.find(c => c.id === 'apiserver')!;
    const leaf = leafSignedBy(tmp.path, strangerCrt, strangerKey, 'foreign-leaf');
    writeFileSync(join(foreign, apiserver.cert), readFileSync(leaf, 'utf8'));
    failsWith(foreign, /not signed by ca \(pki\/ca\.crt\)/);

    const aborted = copyOf(started);
    expect(kubepki(['rotate', aborted, 'abort']).status).toBe(0);
    writeFileSync(join(aborted, 'pki/ca.crt'), `${oldPem}${newPem}`);
    failsWith(aborted, /holds 2 certificates, and no rotation of ca is under way/);
  });
});

/** Every PEM block a file holds, and those in a kubeconfig's base64 data fields. */
function pemsIn(content: string): string[] {
  const blocks = [...content.matchAll(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g)].map(m => m[0]);
  for (const m of content.matchAll(/^\s*(?:certificate-authority-data|client-certificate-data|client-key-data):\s*(\S+)\s*$/gm)) {
    blocks.push(...pemsIn(Buffer.from(m[1]!, 'base64').toString('utf8')));
  }
  return blocks;
}

/** A --csr user's request signed with openssl by (caCert, caKey), standing in for the controller-manager, and handed to user finish. */
function signUser(out: string, name: string, caCert: string, caKey: string, tag: string) {
  const ext = join(tmp.path, `${name}-${tag}.ext`);
  const crt = join(tmp.path, `${name}-${tag}.crt`);
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  const signed = openssl(['x509', '-req', '-in', join(out, `users/${name}/${name}.csr`), '-CA', join(out, caCert), '-CAkey', join(out, caKey), '-set_serial', `0x${tag.length}77`, '-days', '30', '-extfile', ext, '-out', crt]);
  expect(signed.status, signed.stderr).toBe(0);
  const finished = kubepki(['user', 'finish', name, '--certificate', crt, '--out', out]);
  expect(finished.status, finished.stderr).toBe(0);
}

describe.each(['kubeadm', 'hard-way'] as Layout[])('%s layout: rotate ca start → issue → finish', layout => {
  let out: string;
  let before: Map<string, string>;
  let oldPem: string;
  let oldKey: string;
  let caCert: string;
  let caKey: string;
  let issued: string;
  const withCsrUser = layout === 'kubeadm';
  beforeAll(async () => {
    out = copyOf(await base(layout));
    const ca = manifestOf(out).authorities.find(a => a.id === 'ca')!;
    caCert = ca.cert;
    caKey = ca.key;
    if (withCsrUser) {
      expect(kubepki(['user', 'add', 'bob', '--group', 'devs', '--csr', '--out', out]).status).toBe(0);
      signUser(out, 'bob', caCert, caKey, 'old');
    }
    before = snapshot(out);
    oldPem = text(out, caCert);
    oldKey = text(out, caKey);
    const started = kubepki(['rotate', out, 'start', 'ca']);
    expect(started.status, started.stderr).toBe(0);
    const r = kubepki(['rotate', out, 'issue']);
    expect(r.status, r.stderr).toBe(0);
    issued = r.stdout;
    // kubeadm's own renewal would sign with the old CA's certificate (first in ca.crt) and the new key.
    expect(issued.includes('Until finish, do not run kubeadm certs renew or kubeadm upgrade apply'), issued).toBe(layout === 'kubeadm');
    expect(issued).toMatch(/Hand each user their kubeconfig again .*users\/alice\//);
  });

  it('issue: every leaf of ca issued by the new CA around its key (openssl, new CA alone), others byte-identical; trust old + new; the CA key the new one, the old kept in pki/rotation/ only; the controller-manager signs with the new CA; alice issued again; verify passes', () => {
    const m = manifestOf(out);
    expect(m.rotation).toMatchObject({authority: 'ca', phase: 'issue', old: {key: 'pki/rotation/ca-old.key'}, new: {key: caKey}});
    const newCa = join(out, m.rotation.new.cert);
    const newPem = text(out, m.rotation.new.cert);
    const ofCa = m.certificates.filter(c => c.signer === 'ca');
    expect(ofCa.length).toBeGreaterThan(5);
    for (const c of m.certificates) {
      if (c.signer !== 'ca') { expect(text(out, c.cert), c.cert).toBe(before.get(c.cert)); continue; }
      expect(text(out, c.cert), c.cert).not.toBe(before.get(c.cert));
      expect(verifies(newCa, join(out, c.cert)).status, c.cert).toBe(0);
      expect(verifies(join(out, m.rotation.old.cert), join(out, c.cert)).status, c.cert).not.toBe(0);
      expect(text(out, c.key), c.key).toBe(before.get(c.key));
    }
    for (const f of trustFiles(out, 'ca')) expect(fingerprints(text(out, f)), f).toEqual([...fingerprints(oldPem), ...fingerprints(newPem)]);
    expect(publicKey256(text(out, caKey))).toBe(publicKey256(newPem));
    expect(text(out, m.rotation.old.key)).toBe(oldKey);
    const nodeFiles = [...snapshot(out)].filter(([p]) => p.startsWith('nodes/'));
    expect(nodeFiles.filter(([, content]) => content.includes(oldKey.trim()))).toEqual([]);
    for (const i of m.rotation.signing.installs) expect(text(out, `nodes/${i.node}${i.path}`)).toBe(newPem);
    const alice = (m as any).users.find((u: any) => u.name === 'alice');
    expect(verifies(newCa, join(out, alice.cert)).status).toBe(0);
    expect(text(out, alice.key)).toBe(before.get(alice.key));
    expect(new X509Certificate(text(out, alice.cert)).validTo).toBe(new X509Certificate(before.get(alice.cert)!).validTo);
    expect(issued).toContain('phase 2 of 3 (issue)');
    expect(issued).toMatch(/bash .*distribute\.sh/);
    expect(issued).toContain('# Then restart what reads the changed files');
    expect(text(out, 'restart.sh')).toContain('kube-apiserver');
    if (withCsrUser) expect(issued).toMatch(/bob \(signed by the cluster[\s\S]*kubectl certificate approve kubepki-user-bob/);
    // A user added now is signed by the new CA (the certificate of the bundle whose key pki/ holds).
    expect(kubepki(['user', 'add', 'carol', '--group', 'devs', '--out', out]).status).toBe(0);
    expect(verifies(newCa, join(out, 'users/carol/carol.crt')).status).toBe(0);
    const v = kubepki(['verify', out]);
    expect(v.status, v.stdout).toBe(0);
    expect(v.stdout).toContain('trust bundle old + new (rotation: issue), new');
    // verify.sh too (openssl alone): the CA key is the new one, the second certificate of the bundle.
    const script = run('bash', [join(out, 'verify.sh')], {cwd: '/'});
    expect(script.status, script.stderr).toBe(0);
    expect(JSON.parse(kubepki(['rotate', out, 'status', '--json']).stdout)).toMatchObject({rotation: {phase: 'issue'}, phase: {number: 2, of: 3}, next: 'finish'});
  });

  it('finish: every leaf verifies against the new CA alone, no node bundle holds the old CA or any CA key on a worker, the old CA retired, verify passes (and fails when a file outside retired/ holds or trusts it)', () => {
    if (withCsrUser) {
      // bob's certificate is still the old CA's: finish would leave him locked out.
      const snap = snapshot(out);
      const refused = kubepki(['rotate', out, 'finish']);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/user bob \(signed by the cluster, --csr\) still holds a certificate of the old CA[\s\S]*kubectl certificate approve/);
      expect(differing(snap, snapshot(out))).toEqual([]);
      // The cluster signs it again with the new CA (the certificate and key the controller-manager now reads).
      signUser(out, 'bob', manifestOf(out).rotation.new.cert, caKey, 'new');
    }
    const r = kubepki(['rotate', out, 'finish']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('(phase 3 of 3): trust is the new CA alone');
    expect(r.stdout).toMatch(/bash .*distribute\.sh/);
    const m = manifestOf(out);
    expect(m.rotation).toBeUndefined();
    const record = (m as any).rotations[0];
    expect(record).toMatchObject({authority: 'ca', old: {fingerprint256: fingerprints(oldPem)[0]}, retired: expect.stringMatching(/^retired\/ca-\d{8}$/)});
    const newPem = text(out, caCert);
    expect(fingerprints(newPem)).toEqual([record.new.fingerprint256]);
    // Every leaf of the cluster CA, and the users', against the new CA alone.
    const leaves = [...m.certificates.filter(c => c.signer === 'ca').map(c => c.cert), ...(m as any).users.map((u: any) => u.cert)];
    for (const leaf of leaves) expect(verifies(join(out, caCert), join(out, leaf)).status, leaf).toBe(0);
    for (const f of trustFiles(out, 'ca')) expect(text(out, f), f).toBe(newPem);
    // No node bundle holds the old CA (a file, a bundle, a kubeconfig's data) or its key; no worker any CA key.
    const caKeys = new Set([...m.authorities.map(a => publicKey256(text(out, a.key))), record.old.publicKey256]);
    for (const [path, content] of snapshot(out)) {
      if (!path.startsWith('nodes/')) continue;
      for (const pem of pemsIn(content)) {
        if (pem.includes('PRIVATE KEY')) {
          expect(publicKey256(pem) === record.old.publicKey256, path).toBe(false);
          const node = path.split('/')[1]!;
          if (!m.nodes[node]!.roles.includes('control-plane')) expect(caKeys.has(publicKey256(pem)), path).toBe(false);
        } else if (pem.startsWith('-----BEGIN CERTIFICATE')) {
          expect(new X509Certificate(pem).fingerprint256, path).not.toBe(record.old.fingerprint256);
        }
      }
    }
    // retired/: the old certificate and key, private, in no bundle; the rotation's own files gone.
    expect(text(out, `${record.retired}/ca.crt`)).toBe(oldPem);
    expect(text(out, `${record.retired}/ca.key`)).toBe(oldKey);
    expect(statSync(join(out, record.retired)).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, `${record.retired}/ca.key`)).mode & 0o777).toBe(0o600);
    expect(Object.values(m.nodes).flatMap(n => n.files).filter(f => f.source.startsWith('retired/') || f.source.startsWith('pki/rotation/'))).toEqual([]);
    expect(existsSync(join(out, 'pki/rotation'))).toBe(false);
    if (layout === 'kubeadm') {
      const hashes = [...snapshot(out)].filter(([p]) => p.startsWith('kubeadm/')).flatMap(([, c]) => [...c.matchAll(/sha256:[0-9a-f]{64}/g)].map(x => x[0]));
      expect(hashes.length).toBeGreaterThan(0);
      expect(new Set(hashes)).toEqual(new Set([caCertHash(newPem)]));
      expect(r.stdout).toContain(`--discovery-token-ca-cert-hash is now ${caCertHash(newPem)}`);
      expect(r.stdout).toContain('set --cluster-signing-cert-file back to /etc/kubernetes/pki/ca.crt');
    } else {
      const unit = m.documents.find(d => d.kind === 'kube-controller-manager unit')!;
      expect(text(out, unit.path)).not.toContain('ca-signing.crt');
    }
    const v = kubepki(['verify', out]);
    expect(v.status, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/no file outside retired\/ holds or trusts the old CA/);
    expect(kubepki(['rotate', out, 'status']).stdout).toMatch(/No rotation under way[\s\S]*finished: ca on \d{4}-\d\d-\d\d \(old CA .* retired to retired\/ca-\d{8}\/\)/);

    // A node's CA file that still trusts the old CA, and the old key left beside the new: both named.
    const stale = copyOf(out);
    const cp1 = m.nodes.cp1!;
    const caCopy = cp1.files.find(f => f.source === caCert)!.path;
    const keyCopy = cp1.files.find(f => f.source === caKey)!.path;
    writeFileSync(join(stale, `${cp1.bundle}${caCopy}`), `${oldPem}${newPem}`);
    writeFileSync(join(stale, `${cp1.bundle}${keyCopy}.old`), oldKey);
    const failed = kubepki(['verify', stale]);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(new RegExp(`FAIL.*old CA .* is still in .*${caCopy.replaceAll('/', '\\/')} \\(the old CA\\); .*${keyCopy.replaceAll('/', '\\/')}\\.old \\(its key\\)`));
  });

  it('a later build (renew) carries retired/ and the rotations record; a second rotation of the authority retires beside it', () => {
    const record = (manifestOf(out) as any).rotations[0];
    const retired = snapshot(join(out, record.retired));
    expect(kubepki(['renew', out, 'apiserver']).status).toBe(0);
    expect(snapshot(join(out, record.retired))).toEqual(retired);
    expect((manifestOf(out) as any).rotations).toEqual([record]);
    expect(manifestOf(out).documents.filter(d => d.path.startsWith('retired/')).map(d => d.path).sort()).toEqual([`${record.retired}/ca.crt`, `${record.retired}/ca.key`]);
    // bob (--csr) would hold a certificate of this CA, now the old one: finish would refuse (tested above).
    if (withCsrUser) expect(kubepki(['user', 'remove', 'bob', '--out', out]).status).toBe(0);
    for (const phase of ['start ca', 'issue', 'finish']) expect(kubepki(['rotate', out, ...phase.split(' ')]).status, phase).toBe(0);
    const records = (manifestOf(out) as any).rotations;
    expect(records).toHaveLength(2);
    expect(records[1].retired).toBe(`${record.retired}-2`);
    expect(snapshot(join(out, record.retired))).toEqual(retired);
    expect(kubepki(['verify', out]).status).toBe(0);
  });
});

describe.each(['kubeadm', 'hard-way'] as Layout[])('%s layout: rotate ca, abort after issue', layout => {
  it('goes back to start, not to the old CA alone: trust stays old + new (a leaf of the new CA still verifies against every trust file while the nodes take the files), the old CA signs every leaf again, the controller-manager signs with the old CA from ca-signing.crt, alice issued again (kubeadm: bob, a --csr user the cluster signed with the new CA, gets the steps, and the second abort is refused until the old CA signs him again); a second abort then goes to the old CA alone', async () => {
    const out = copyOf(await base(layout));
    const m = manifestOf(out);
    const ca = m.authorities.find(a => a.id === 'ca')!;
    const oldPem = text(out, ca.cert);
    const oldKey = text(out, ca.key);
    // kubeadm: bob, a user the cluster signs (--csr), signed by the old CA.
    const withCsrUser = layout === 'kubeadm';
    if (withCsrUser) {
      expect(kubepki(['user', 'add', 'bob', '--group', 'devs', '--csr', '--out', out]).status).toBe(0);
      signUser(out, 'bob', ca.cert, ca.key, 'old');
    }
    const beforeStart = digests(out);
    const manifestBefore = manifestBody(out);
    expect(kubepki(['rotate', out, 'start', 'ca']).status).toBe(0);
    const atStart = manifestOf(out).rotation;
    const trustAtStart = new Map(trustFiles(out, 'ca').map(f => [f, text(out, f)]));
    const newKey = text(out, atStart.new.key);
    expect(kubepki(['rotate', out, 'issue']).status).toBe(0);
    // The cluster signs bob again with the new CA, as issue's steps say.
    if (withCsrUser) signUser(out, 'bob', atStart.new.cert, ca.key, 'new');
    // What abort does from here, as status and --help say it.
    expect(kubepki(['rotate', out, 'status']).stdout).toMatch(/To go back to phase start \(the old CA signs again, leaves issued anew by it, trust still old \+ new\): kubepki rotate \S+ abort; a second abort, once every node has those files, goes back to the old CA alone/);
    expect(kubepki(['rotate', '--help']).stdout.replace(/\s+/g, ' ')).toContain('from issue to start (the old CA signs again and re-issues every leaf, trust stays old + new');
    // What a node presents until it has the abort's files: a leaf of the new CA.
    const leaves = m.certificates.filter(c => c.signer === 'ca');
    const ofNewCa = join(tmp.path, `of-new-ca-${layout}.crt`);
    cpSync(join(out, leaves[0]!.cert), ofNewCa);

    const r = kubepki(['rotate', out, 'abort']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Back to phase start (1 of 3) of the rotation of CA ca');
    expect(r.stdout).toMatch(/Trust stays old \+ new/);
    // status tells the history as it is: the leaves were not kept, the old CA issued them anew.
    const status = kubepki(['rotate', out, 'status']).stdout;
    expect(status).toMatch(/phase start \(1 of 3\)/);
    expect(status).toMatch(/1\. start: every trust file of the authority became old \+ new; every leaf kept, then issued anew by the old CA when an abort went back from issue \(\d{4}-\d\d-\d\dT/);
    expect(r.stdout).toMatch(/Next, once every node has these files and restarted[^:]*: kubepki rotate \S+ abort again goes back to the old CA alone/);
    expect(r.stdout).toMatch(/bash .*distribute\.sh/);
    expect(r.stdout).toContain('# Then restart what reads the changed files');
    expect(r.stdout).toMatch(/Hand each user their kubeconfig again before the restarts below \(the one from issue holds a certificate of the new CA, refused once a second abort makes trust the old CA alone\): users\/alice\//);
    expect(r.stdout).toContain(layout === 'kubeadm' ? '(its --cluster-signing-cert-file since start) holds the old certificate again, and ca.key the old key; keep the flag as start set it' : "(its unit's --cluster-signing-cert-file since start) holds the old certificate again");
    expect(r.stdout).not.toContain('back to /etc/kubernetes/pki/ca.crt');
    if (withCsrUser) expect(r.stdout).toMatch(/bob \(signed by the cluster: kubepki holds no certificate of the old CA for it\)[\s\S]*kubectl certificate approve kubepki-user-bob/);
    // The rotation as start recorded it (and when the abort went back), and trust as start left it, byte for byte.
    expect(manifestOf(out).rotation).toEqual({...atStart, backFromIssueAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)});
    for (const [f, content] of trustAtStart) {
      expect(text(out, f), f).toBe(content);
      expect(verifies(join(out, f), ofNewCa).status, f).toBe(0);
    }
    expect(text(out, ca.key)).toBe(oldKey);
    expect(text(out, atStart.new.key)).toBe(newKey);
    expect(existsSync(join(out, 'pki/rotation/ca-old.key'))).toBe(false);
    for (const i of atStart.signing.installs) expect(text(out, `nodes/${i.node}${i.path}`)).toBe(oldPem);
    if (layout === 'hard-way') {
      const unit = manifestOf(out).documents.find(d => d.kind === 'kube-controller-manager unit')!;
      expect(text(out, unit.path)).toContain(`--cluster-signing-cert-file=${atStart.signing.installs[0].path}`);
    }
    const oldCa = join(out, atStart.old.cert);
    for (const c of leaves) {
      expect(verifies(oldCa, join(out, c.cert)).status, c.cert).toBe(0);
      expect(digests(out).get(c.key), c.key).toBe(beforeStart.get(c.key));
    }
    expect(verifies(oldCa, join(out, 'users/alice/alice.crt')).status).toBe(0);
    const v = kubepki(['verify', out]);
    expect(v.status, v.stdout).toBe(0);
    expect(v.stdout).toContain('trust bundle old + new (rotation: start), old');
    expect(kubepki(['rotate', out, 'status']).stdout).toMatch(/phase start \(1 of 3\)[\s\S]*To go back to the old CA alone: kubepki rotate \S+ abort/);

    if (withCsrUser) {
      // bob's certificate is the new CA's: the old CA alone would lock him out.
      const snap = digests(out);
      const refused = kubepki(['rotate', out, 'abort']);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/rotate abort: user bob \(signed by the cluster, --csr\) still holds a certificate of the new CA, which nothing trusts after abort[\s\S]*kubectl certificate approve kubepki-user-bob/);
      expect(differing(snap, digests(out))).toEqual([]);
      signUser(out, 'bob', atStart.old.cert, ca.key, 'old-again');
    }
    const second = kubepki(['rotate', out, 'abort']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('Aborted the rotation of CA ca');
    expect(second.stdout).toContain(layout === 'kubeadm' ? 'may name ca.crt again' : "The controller-manager's unit names /var/lib/kubernetes/ca.crt again for --cluster-signing-cert-file");
    expect(second.stdout).toMatch(/Hand each user their kubeconfig again before the restarts below \(the one they have trusts the new CA too, which is gone\): users\/alice\//);
    for (const f of trustFiles(out, 'ca')) expect(text(out, f), f).toBe(oldPem);
    expect(verifies(join(out, ca.cert), ofNewCa).status).not.toBe(0);
    // As before start, but for the leaves the old CA issued anew (and what embeds one): certificates and kubeconfigs, never a key or a trust file.
    const reissued = new Set([...leaves.map(c => c.cert), ...m.kubeconfigs.map(k => k.file), 'users/alice/alice.crt', 'users/alice/alice.conf', 'users/bob/bob.crt', 'users/bob/bob.conf']);
    const copies = Object.values(m.nodes).flatMap(n => n.files.filter(f => reissued.has(f.source)).map(f => `${n.bundle}${f.path}`));
    const changed = differing(beforeStart, digests(out));
    expect(changed.filter(p => !reissued.has(p) && !copies.includes(p))).toEqual(['manifest.json', 'restart.sh', ...(layout === 'kubeadm' ? ['rotate-steps.sh'] : [])]);
    expect(changed.length).toBeGreaterThan(leaves.length);
    expect(withoutDocument(manifestBody(out), 'rotate-steps.sh')).toEqual(manifestBefore);
    expect(kubepki(['verify', out]).status).toBe(0);
  });
});

describe('kubeadm layout: rotate etcd-ca, phases in order, issue --new-keys, abort after issue', () => {
  it('issue and finish refuse out of order (exit 2, the phase named, nothing written); issue --new-keys gives the etcd leaves new keys; abort goes back to start (the old CA and its key sign the leaves again, trust old + new), a second abort to the old CA alone', async () => {
    const out = copyOf(await base('kubeadm'));
    const refused = (args: string[], message: RegExp) => {
      const snap = snapshot(out);
      const r = kubepki(['rotate', out, ...args]);
      expect(r.status, r.stdout).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(differing(snap, snapshot(out))).toEqual([]);
    };
    refused(['issue'], /rotate issue: no rotation is under way .* issue comes after start/);
    refused(['finish'], /rotate finish: no rotation is under way .* finish comes after issue/);
    const m = manifestOf(out);
    const etcd = m.authorities.find(a => a.id === 'etcd-ca')!;
    const oldPem = text(out, etcd.cert);
    const oldKey = text(out, etcd.key);
    const before = snapshot(out);
    expect(kubepki(['rotate', out, 'start', 'etcd-ca']).status).toBe(0);
    refused(['finish'], /the rotation of etcd-ca .* is in phase start \(1 of 3\); finish comes after issue/);
    const r = kubepki(['rotate', out, 'issue', '--new-keys']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('(new keys; same names, SANs and usages)');
    refused(['issue'], /already in phase issue \(2 of 3/);
    const newCa = join(out, manifestOf(out).rotation.new.cert);
    const leaves = m.certificates.filter(c => c.signer === 'etcd-ca');
    for (const c of leaves) {
      expect(text(out, c.key), c.key).not.toBe(before.get(c.key));
      expect(verifies(newCa, join(out, c.cert)).status, c.cert).toBe(0);
    }
    expect(kubepki(['verify', out]).status).toBe(0);

    const back = kubepki(['rotate', out, 'abort']);
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/Back to phase start .* the old CA signs again .* \d+ certificates were issued anew by it/);
    expect(back.stdout).toMatch(/bash .*distribute\.sh/);
    expect(text(out, etcd.key)).toBe(oldKey);
    for (const f of trustFiles(out, 'etcd-ca')) expect(fingerprints(text(out, f)), f).toEqual([...fingerprints(oldPem), ...fingerprints(text(out, manifestOf(out).rotation.new.cert))]);
    for (const c of leaves) expect(verifies(join(out, manifestOf(out).rotation.old.cert), join(out, c.cert)).status, c.cert).toBe(0);
    expect(kubepki(['verify', out]).status).toBe(0);
    const aborted = kubepki(['rotate', out, 'abort']);
    expect(aborted.status, aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain('Aborted the rotation of CA etcd-ca');
    expect(text(out, etcd.cert)).toBe(oldPem);
    expect(text(out, etcd.key)).toBe(oldKey);
    expect(existsSync(join(out, 'pki/rotation'))).toBe(false);
    for (const f of trustFiles(out, 'etcd-ca')) expect(text(out, f), f).toBe(oldPem);
    for (const c of leaves) expect(verifies(join(out, etcd.cert), join(out, c.cert)).status, c.cert).toBe(0);
    // Leaves of the other CAs never changed.
    for (const c of m.certificates.filter(x => x.signer !== 'etcd-ca')) expect(text(out, c.cert), c.cert).toBe(before.get(c.cert));
    expect(manifestOf(out).rotation).toBeUndefined();
    expect(kubepki(['verify', out]).status).toBe(0);
  });
});

describe('a single apiserver: every phase restarts it, an outage', () => {
  it('start and issue are refused (exit 2, how long, nothing written) without --allow-outage, and run with it', async () => {
    const spec = specWith(c => {
      c.pki.layout = 'kubeadm'; c.pki.key = 'ecdsa-p256';
      c.nodes = [{name: 'cp1', ip: '192.168.56.21', roles: ['control-plane', 'etcd']}, {name: 'worker1', ip: '192.168.56.23', roles: ['worker']}];
    });
    const out = join(tmp.path, 'single-apiserver');
    await buildCluster(buildPlan(spec), out);
    const refused = (args: string[]) => {
      const snap = snapshot(out);
      const r = kubepki(['rotate', out, ...args]);
      expect(r.status, r.stdout).toBe(2);
      expect(r.stderr).toMatch(/single apiserver \(cp1\)[\s\S]*outage of the API: about 40-60 s each time[\s\S]*--allow-outage/);
      expect(differing(snap, snapshot(out))).toEqual([]);
    };
    refused(['start', 'front-proxy-ca']);
    expect(kubepki(['rotate', out, 'start', 'front-proxy-ca', '--allow-outage']).status).toBe(0);
    refused(['issue']);
    expect(kubepki(['rotate', out, 'issue', '--allow-outage']).status).toBe(0);
  });
});
