// kubepki rotate OUT start|status|abort: the first phase of a CA rotation, on both layouts and
// every authority. Trust files become exactly old + new, leaves stay byte-identical, openssl
// accepts old leaves and a leaf of the new CA against every trust file, verify passes, abort
// restores the tree; each refusal leaves OUT unchanged.
import {X509Certificate} from 'node:crypto';
import {cpSync, existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCluster} from '../../source/build/index.js';
import {pemBlocks} from '../../source/build/rotate.js';
import type {Manifest} from '../../source/output/manifest.js';
import {buildPlan} from '../../source/plan/plan.js';
import {InputError} from '../../source/spec/errors.js';
import {specFromFile} from '../../source/spec/load.js';
import type {Layout} from '../../source/spec/types.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {kubepki, openssl} from '../helpers/run.js';
import {differing, snapshot} from '../helpers/snapshot.js';

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
    let oldPem: string;
    beforeAll(async () => {
      out = copyOf(await base(layout));
      before = snapshot(out);
      oldPem = text(out, manifestOf(out).authorities.find(a => a.id === authority)!.cert);
      const r = kubepki(['rotate', out, 'start', authority]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Started the rotation of CA ${authority}`);
      expect(r.stdout).toMatch(/bash .*distribute\.sh/);
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

    it('abort restores every trust file byte-identical and removes the new CA', () => {
      const newCert = manifestOf(out).rotation.new.cert;
      const r = kubepki(['rotate', out, 'abort']);
      expect(r.status, r.stderr).toBe(0);
      // Only the manifest (its generatedAt), cluster.yaml's "Written by" comment and restart.sh (the
      // restarts that read abort's trust files) may differ from before the rotation.
      expect(differing(before, snapshot(out)).filter(p => p !== 'cluster.yaml')).toEqual(['manifest.json', 'restart.sh']);
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
