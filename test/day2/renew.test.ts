// `kubepki renew` and verify's expiry warning, through the CLI.
import {afterAll, describe, expect, it} from 'vitest';
import {spawn} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {CLI, kubepki} from '../helpers/run.js';
import {waitFor} from '../helpers/processes.js';
import {tempDir} from '../helpers/cluster.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-renew-');
afterAll(() => tmp.remove());

const daysLeft = (pem: string) => Math.floor((new Date(new X509Certificate(pem).validTo).getTime() - Date.now()) / 86_400_000);
const manifestOf = (out: string) => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));

function generate(name: string, validity = '8760h', key?: string): string {
  const config = parse(kubepki(['example']).stdout);
  config.pki.validity.certificate = validity;
  if (key) config.pki.key = key;
  const file = join(tmp.path, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  const out = join(tmp.path, name);
  const r = kubepki(['generate', '--config', file, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

describe('renew', () => {
  it('one certificate: only it changes (its key kept), its holders are the nodes to redistribute; --new-keys replaces the key', () => {
    const out = generate('one');
    const before = snapshot(out);
    const r = kubepki(['renew', out, 'apiserver']);
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    const pki = differing(before, after).filter(p => p.startsWith('pki/'));
    expect(pki).toEqual(['pki/apiserver.crt']);
    expect(after.get('pki/apiserver.key')).toBe(before.get('pki/apiserver.key'));
    expect(new X509Certificate(after.get('pki/apiserver.crt')!).serialNumber).not.toBe(new X509Certificate(before.get('pki/apiserver.crt')!).serialNumber);
    // Same identity and SANs.
    expect(new X509Certificate(after.get('pki/apiserver.crt')!).subjectAltName).toBe(new X509Certificate(before.get('pki/apiserver.crt')!).subjectAltName);
    expect(differing(before, after).filter(p => !p.startsWith('pki/') && p.startsWith('nodes/')).every(p => /^nodes\/cp[12]\//.test(p))).toBe(true);
    expect(r.stdout).toMatch(/keys kept/);
    const minute = (pem: string) => `${new Date(new X509Certificate(pem).validTo).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(r.stdout).toContain(`\n  ${'apiserver'.padEnd(36)} valid until ${minute(after.get('pki/apiserver.crt')!)} (was ${minute(before.get('pki/apiserver.crt')!)})\n`);
    expect(r.stdout).toContain('Kept byte-identical: ');
    expect(r.stdout).toMatch(/, and the 3 CAs \(never replaced\)\n/);
    // Components read certificates at start: the restart steps (kube-apiserver alone) follow the copy line.
    expect(r.stdout).toMatch(/distribute\.sh cp1 cp2\n# Then restart what reads the changed files, and only that[^\n]*\n## 1\. kube-apiserver, one node at a time/);
    expect(r.stdout).toMatch(/bash .*distribute\.sh cp1 cp2\n/);
    expect(kubepki(['verify', out]).status).toBe(0);

    const fresh = kubepki(['renew', out, 'apiserver', '--new-keys']);
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(readFileSync(join(out, 'pki/apiserver.key'), 'utf8')).not.toBe(after.get('pki/apiserver.key'));
    expect(readFileSync(join(out, 'pki/ca.key'), 'utf8')).toBe(before.get('pki/ca.key'));
    expect(kubepki(['verify', out]).status).toBe(0);
  });

  it('a node: every certificate of that node, and the kubeconfigs embedding them are rewritten around the new certificate', () => {
    const out = generate('node');
    const before = snapshot(out);
    const r = kubepki(['renew', out, 'cp1']);
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    const changed = differing(before, after);
    const keys = [...before.keys()].filter(p => p.endsWith('.key'));
    for (const k of keys) expect(after.get(k), k).toBe(before.get(k));
    const manifest = manifestOf(out);
    const cp1Certs = manifest.certificates.filter((c: {node: string | null}) => c.node === 'cp1');
    expect(cp1Certs.length).toBeGreaterThan(0);
    for (const c of cp1Certs) expect(changed, c.cert).toContain(c.cert);
    // Nothing else: shared certificates are named by id. (kubeadm: cp1 holds the one pre-made kubelet.conf.)
    const certFiles = new Set(manifest.certificates.map((c: {cert: string}) => c.cert));
    expect(changed.filter(p => certFiles.has(p) && !p.startsWith('pki/nodes/cp1/'))).toEqual([]);
    const kubeconfig = manifest.kubeconfigs.find((k: {id: string; node: string | null}) => k.id === 'kubelet' && k.node === 'cp1');
    const client = manifest.certificates.find((c: {id: string; node: string | null}) => c.id === 'kubelet-client' && c.node === 'cp1');
    expect(changed).toContain(kubeconfig.file);
    const text = after.get(kubeconfig.file)!;
    const embedded = /client-certificate-data: (\S+)/.exec(text)?.[1];
    expect(embedded && Buffer.from(embedded, 'base64').toString()).toBe(after.get(client.cert));
    expect(r.stdout).toMatch(/Nodes that must receive files again: cp1\n/);
  });

  it('--expiring-within renews exactly the certificates that expire within it; verify warns about them first', () => {
    const out = generate('expiring', '10d');
    // Warned: every leaf has 9 days left.
    const warned = kubepki(['verify', out]);
    expect(warned.status).toBe(0);
    // Every leaf certificate and every kubeconfig (which embeds one) has 9 days left.
    const leaves = manifestOf(out).certificates.length + manifestOf(out).kubeconfigs.length;
    expect(warned.stdout).toMatch(new RegExp(`warning: ${leaves} expire within 30d`));
    expect(warned.stdout).toMatch(/kubepki renew .* --expiring-within 30d/);
    expect(kubepki(['verify', out, '--expiring-within', '5d']).stdout).not.toMatch(/warning/);
    // A year from now on: renew worker1's first, so that the rest are the expiring ones.
    const file = join(out, 'cluster.yaml');
    const config = parse(readFileSync(file, 'utf8'));
    config.pki.validity.certificate = '8760h';
    writeFileSync(file, stringify(config));
    expect(kubepki(['renew', out, 'worker1']).status).toBe(0);
    const before = snapshot(out);
    const r = kubepki(['renew', out, '--expiring-within', '30d']);
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    const changed = differing(before, after);
    const manifest = manifestOf(out);
    for (const c of manifest.certificates) {
      if (c.node === 'worker1') expect(changed, c.cert).not.toContain(c.cert);
      else expect(changed, c.cert).toContain(c.cert);
      expect(daysLeft(after.get(c.cert)!), c.cert).toBeGreaterThan(360);
    }
    for (const a of manifest.authorities) expect(after.get(a.cert)).toBe(before.get(a.cert));
    expect(after.get('pki/sa.key')).toBe(before.get('pki/sa.key'));
    expect(r.stdout).not.toMatch(/^ {2}service-account /m);
    const again = kubepki(['renew', out, '--expiring-within', '30d']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/Nothing to renew/);
    expect(differing(after, snapshot(out))).toEqual([]);
    const verify = kubepki(['verify', out]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).not.toMatch(/warning/);
  });

  it('a certificate named by its file (kubelet.crt, as it is called on disk): every node\'s copy of that certificate', () => {
    const out = generate('by-file');
    const before = snapshot(out);
    const r = kubepki(['renew', out, 'kubelet.crt']);
    expect(r.status, r.stderr).toBe(0);
    expect(differing(before, snapshot(out)).filter(p => p.startsWith('pki/'))).toEqual(['pki/nodes/cp1/kubelet.crt', 'pki/nodes/cp2/kubelet.crt', 'pki/nodes/worker1/kubelet.crt', 'pki/nodes/worker2/kubelet.crt']);
  });

  it('bad input: exit 2, the field named, nothing written', () => {
    const out = generate('bad');
    const before = snapshot(out);
    const unknown = kubepki(['renew', out, 'nosuch']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/renew: "nosuch" is neither a certificate id/);
    const duration = kubepki(['renew', out, '--expiring-within', 'soon']);
    expect(duration.status).toBe(2);
    expect(duration.stderr).toMatch(/--expiring-within: "soon"/);
    const nothing = kubepki(['renew', out]);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toMatch(/name what to renew/);
    const notOut = kubepki(['renew', tmp.path, 'all']);
    expect(notOut.status).toBe(2);
    expect(notOut.stderr).toMatch(/no manifest\.json/);
    expect(differing(before, snapshot(out))).toEqual([]);
    expect(kubepki(['verify', out, '--expiring-within', 'x']).status).toBe(2);
  });

  it('interrupted (twice): exit 130 after the cleanup, OUT exactly as it was, no staging left', async () => {
    const out = generate('interrupt', '8760h', 'rsa-3072');
    const before = snapshot(out);
    const staging = () => readdirSync(tmp.path).filter(f => f.startsWith('.interrupt.kubepki-'));
    const keysInStaging = () => staging().some(d => readdirSync(join(tmp.path, d), {recursive: true}).some(f => String(f).endsWith('.key')));
    const child = spawn(process.execPath, [CLI, 'renew', out, 'all', '--new-keys'], {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', d => { stderr += d; });
    const closed = new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.on('close', (code, signal) => resolve([code, signal])));
    await waitFor('a new key in the staging directory', () => keysInStaging() || child.exitCode !== null, 60_000, 5);
    child.kill('SIGINT');
    // A second Ctrl+C during the cleanup must not meet the default action.
    await new Promise(r => setTimeout(r, 50));
    child.kill('SIGINT');
    const [code, signal] = await closed;
    expect({code, signal}, stderr).toEqual({code: 130, signal: null});
    expect(stderr).toContain(`interrupted (SIGINT); the unfinished files were removed and ${out} is as it was.`);
    expect(differing(before, snapshot(out))).toEqual([]);
    expect(staging()).toEqual([]);
  }, 120_000);
});
