// rotate start on a real control plane (hard way): once the bundle is in place and the apiserver
// restarted, a client certificate signed by the new CA is accepted, and one by the old CA still is.
// Then issue (the controller-manager signs CSRs with the new CA) and finish (a client of the old
// CA is refused, the admin's re-issued certificate accepted).
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {boot, json, type Booted} from '../helpers/control-plane.js';
import {bin, waitReady} from '../helpers/k8s.js';
import {waitFor} from '../helpers/processes.js';
import {signUserCsr} from '../controlplane/checks.js';
import {parseUnit} from '../../source/scripts/units.js';
import {kubepki, openssl} from '../helpers/run.js';

const CONFIG = `
apiVersion: kubepki/v1
kind: Cluster
name: rotating
endpoint: { host: 192.168.57.21, port: 6443 }
network: { serviceCIDR: 10.32.0.0/24, clusterDomain: cluster.local }
nodes:
  - { name: cp1, ip: 192.168.57.21, roles: [control-plane, etcd] }
pki: { authorities: kubeadm, key: ecdsa-p256, layout: hard-way }
`;

describe('rotate start ca on a real control plane (hard way)', () => {
  let c: Booted;
  let work: string;
  let unitBefore: string;
  const unitFile = () => join(c.bundle('cp1'), 'etc/systemd/system/kube-controller-manager.service');
  beforeAll(async () => {
    c = await boot({config: CONFIG});
    work = mkdtempSync(join(c.lab.dir, 'rotate-'));
    unitBefore = readFileSync(unitFile(), 'utf8');
  }, 600_000);
  afterAll(async () => { await c?.down(); }, 60_000);

  /** A kubeconfig for a client certificate signed by (caCert, caKey), trusting `trust`; kept outside OUT. */
  function clientOf(name: string, caCert: string, caKey: string, trust: string): string {
    const key = join(work, `${name}.key`);
    expect(openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]).status).toBe(0);
    const csr = join(work, `${name}.csr`);
    expect(openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}/O=kubepki-rotation`, '-out', csr]).status).toBe(0);
    const ext = join(work, `${name}.ext`);
    writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    const crt = join(work, `${name}.crt`);
    const signed = openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', '0x2a', '-days', '1', '-extfile', ext, '-out', crt]);
    expect(signed.status, signed.stderr).toBe(0);
    const b64 = (file: string) => readFileSync(file).toString('base64');
    const file = join(work, `${name}.kubeconfig`);
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'x',
      clusters: [{name: 'c', cluster: {server: 'https://192.168.57.21:6443', 'certificate-authority-data': b64(trust)}}],
      users: [{name: 'u', user: {'client-certificate-data': b64(crt), 'client-key-data': b64(key)}}],
      contexts: [{name: 'x', context: {cluster: 'c', user: 'u'}}],
    }), {mode: 0o600});
    return file;
  }
  const whoami = (kubeconfig: string) => c.kubectl('cp1', kubeconfig)(['auth', 'whoami', '-o', 'json']);

  it('before: a certificate of a CA the apiserver does not trust is refused; after start and a restart of the apiserver, the new CA\'s and the old CA\'s are both accepted', async () => {
    const ca = c.manifest.authorities.find(a => a.id === 'ca')!;
    // A stand-in for the new CA, made before the rotation: refused, so the check below can fail.
    const strangerKey = join(work, 'stranger-ca.key');
    const strangerCrt = join(work, 'stranger-ca.crt');
    expect(openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', strangerKey, '-subj', '/CN=stranger', '-days', '1', '-out', strangerCrt]).status).toBe(0);
    const stranger = whoami(clientOf('stranger-user', strangerCrt, strangerKey, join(c.out, ca.cert)));
    expect(stranger.status).not.toBe(0);
    expect(stranger.stderr).toMatch(/Unauthorized|must be logged in/i);

    // One apiserver here: every phase restarts it, an outage the test accepts.
    const started = kubepki(['rotate', c.out, 'start', 'ca', '--allow-outage']);
    expect(started.status, started.stderr).toBe(0);
    const rotation = JSON.parse(readFileSync(join(c.out, 'manifest.json'), 'utf8')).rotation;
    // The apiserver reads --client-ca-file (now the bundle) from its node's copy when it starts.
    await c.restart('cp1', 'kube-apiserver');
    await waitReady('cp1 apiserver after the rotation started', c.admin);

    const bundle = join(c.out, ca.cert);
    const byNew = whoami(clientOf('new-ca-user', join(c.out, rotation.new.cert), join(c.out, rotation.new.key), bundle));
    expect(byNew.status, byNew.stderr).toBe(0);
    expect(json(byNew).status.userInfo.username).toBe('new-ca-user');
    const byOld = whoami(clientOf('old-ca-user', join(c.out, ca.cert), join(c.out, ca.key), bundle));
    expect(byOld.status, byOld.stderr).toBe(0);
    expect(json(byOld).status.userInfo.username).toBe('old-ca-user');
    // The admin's kubeconfig (certificate kept, trust now old + new) still works.
    expect(json(c.admin(['auth', 'whoami', '-o', 'json'])).status.userInfo.username).toBe('admin');
    rmSync(work, {recursive: true, force: true});
  }, 300_000);

  it('the controller-manager: its unit as it was (signing file = ca.crt, now the bundle) cannot sign; the rotated unit signs CSRs with the old CA', async () => {
    const rotation = JSON.parse(readFileSync(join(c.out, 'manifest.json'), 'utf8')).rotation;
    expect(rotation?.authority).toBe('ca');
    const launch = (unit: string) => c.lab.start('cp1', [bin('kube-controller-manager'), ...parseUnit(unit).args], c.bundle('cp1'));
    await c.processes.get('cp1/kube-controller-manager')!.stop();
    // Kubernetes' CSR signer loads exactly one certificate (pkg/controller/certificates/signer/ca_provider.go).
    const before = launch(unitBefore);
    try {
      await waitFor('the unchanged controller-manager to refuse the bundle', () => /expected 1 certificate, found 2/.test(before.output()) || before.child.exitCode !== null, 120_000, 1000);
      expect(before.output()).toMatch(/expected 1 certificate, found 2/);
    } finally {
      await before.stop();
    }
    const after = readFileSync(unitFile(), 'utf8');
    expect(after).toContain(`--cluster-signing-cert-file=${rotation.signing.installs[0].path}`);
    const rotated = launch(after);
    try {
      const signed = await signUserCsr(c, 'csr-during-rotation', [], join(c.out, 'pki/ca.crt'));
      expect(signed.issuer).toBe(rotation.old.subject.replace(/, /g, ','));
      expect(signed.verified).toBe(true);
    } finally {
      await rotated.stop();
    }
  }, 300_000);

  it('issue, then the restarts: the controller-manager (its unit as issue wrote it) signs CSRs with the new CA; finish, then the apiserver\'s restart: a client of the old CA is refused, the admin accepted', async () => {
    mkdirSync(work, {recursive: true});
    const issued = kubepki(['rotate', c.out, 'issue', '--allow-outage']);
    expect(issued.status, issued.stderr).toBe(0);
    const rotation = JSON.parse(readFileSync(join(c.out, 'manifest.json'), 'utf8')).rotation;
    expect(rotation.phase).toBe('issue');
    // A client of the old CA (its key kept in pki/rotation/ until finish): accepted while trust is old + new.
    const byOld = clientOf('old-ca-user-2', join(c.out, rotation.old.cert), join(c.out, rotation.old.key), join(c.out, 'pki/ca.crt'));
    await c.restart('cp1', 'kube-apiserver');
    await waitReady('cp1 apiserver after issue', c.admin);
    expect(whoami(byOld).status).toBe(0);
    const manager = c.lab.start('cp1', [bin('kube-controller-manager'), ...parseUnit(readFileSync(unitFile(), 'utf8')).args], c.bundle('cp1'));
    try {
      const signed = await signUserCsr(c, 'csr-after-issue', [], join(c.out, rotation.new.cert));
      expect(signed.issuer).toBe(rotation.new.subject.replace(/, /g, ','));
      expect(signed.verified).toBe(true);
    } finally {
      await manager.stop();
    }

    const finished = kubepki(['rotate', c.out, 'finish', '--allow-outage']);
    expect(finished.status, finished.stderr).toBe(0);
    expect(readFileSync(unitFile(), 'utf8')).not.toContain('ca-signing.crt');
    await c.restart('cp1', 'kube-apiserver');
    await waitReady('cp1 apiserver after finish', c.admin);
    const refused = whoami(byOld);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/Unauthorized|must be logged in/i);
    expect(json(c.admin(['auth', 'whoami', '-o', 'json'])).status.userInfo.username).toBe('admin');
    rmSync(work, {recursive: true, force: true});
  }, 300_000);
});
