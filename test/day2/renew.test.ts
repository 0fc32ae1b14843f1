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
    // renew applies no edit of cluster.yaml: --update applies it (the validity alone re-issues nothing).
    expect(kubepki(['renew', out, 'worker1']).status).toBe(2);
    expect(kubepki(['generate', '--config', file, '--out', out, '--update']).status).toBe(0);
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

  it('refuses while cluster.yaml has edits not applied (naming them and --update), even for an OUT whose manifest has no spec; renews and keeps cluster.yaml as it is once they are undone', () => {
    const out = generate('edited', '8760h', 'ecdsa-p256');
    const file = join(out, 'cluster.yaml');
    const original = readFileSync(file, 'utf8');
    const config = parse(original);
    config.nodes = config.nodes.filter((n: {name: string}) => n.name !== 'worker2');
    config.nodes.find((n: {name: string}) => n.name === 'worker1').ip = '192.168.56.33';
    config.endpoint.host = '192.168.56.40';
    writeFileSync(file, stringify(config));
    const before = snapshot(out);
    const r = kubepki(['renew', out, 'kube-scheduler']);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`renew: ${out}/cluster.yaml has changes not applied to ${out}; renew renews from the plan ${out} was built with and changes nothing else, so nothing was changed:`);
    expect(r.stderr).toContain('kubepki:   endpoint.host: "192.168.56.20" → "192.168.56.40"\n');
    expect(r.stderr).toContain('kubepki:   nodes: "worker2" removed\n');
    expect(r.stderr).toContain('kubepki:   nodes (worker1).ip: "192.168.56.23" → "192.168.56.33"\n');
    expect(r.stderr).toContain('kubepki:   apiserver would be re-issued: SANs +192.168.56.40 -192.168.56.20\n');
    expect(r.stderr).toContain(`--out ${out} --update`);
    // A node the edit dropped is still named as OUT's: the refusal, not "no such node".
    expect(kubepki(['renew', out, 'worker2']).stderr).toContain('has changes not applied');
    expect(differing(before, snapshot(out))).toEqual([]);

    // An OUT written before the manifest recorded its spec: the plan's differences tell.
    const manifest = manifestOf(out);
    delete manifest.spec;
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const old = kubepki(['renew', out, 'kube-scheduler']);
    expect(old.status).toBe(2);
    expect(old.stderr).toContain('kubepki:   node worker2\'s files would be removed\n');
    expect(old.stderr).toContain('kubepki:   node worker1: 192.168.56.23 [worker] → 192.168.56.33 [worker]\n');
    expect(old.stderr).toContain('kubepki:   endpoint https://192.168.56.20:6443 → https://192.168.56.40:6443\n');

    // Undone, with a comment of the user's: the renewal changes the scheduler's files alone, and cluster.yaml stays byte for byte.
    const commented = `# our lab cluster: ask Ann before editing\n${original}`;
    writeFileSync(file, commented);
    const snap = snapshot(out);
    const ok = kubepki(['renew', out, 'kube-scheduler']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(commented);
    const scheduler = [
      ...manifest.certificates.filter((c: {id: string}) => c.id === 'kube-scheduler').map((c: {cert: string}) => c.cert),
      ...manifest.kubeconfigs.filter((k: {id: string}) => k.id === 'kube-scheduler').map((k: {file: string}) => k.file),
    ].map(f => f.split('/').at(-1));
    expect(scheduler.length).toBeGreaterThan(1);
    // Besides the scheduler's files: the manifest, and restart.sh, which now holds this renewal's restarts.
    expect(differing(snap, snapshot(out)).filter(p => !scheduler.includes(p.split('/').at(-1)))).toEqual(['manifest.json', 'restart.sh']);
    expect(kubepki(['verify', out]).status).toBe(0);
  });

  it('a damaged file: a leaf is issued anew and said so (renew of it, renew of another, --update); a damaged CA or service-account pair is refused with what to do', () => {
    const out = generate('damaged', '8760h', 'ecdsa-p256');
    const damage = () => writeFileSync(join(out, 'pki/apiserver.crt'), 'garbage\n');
    const said = /\nDamaged in OUT, so issued anew \(1\):\n {2}pki\/apiserver\.crt {2,}the certificate cannot be read\n/;
    for (const args of [['renew', out, 'apiserver'], ['renew', out, 'kube-scheduler'], ['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update']]) {
      damage();
      const r = kubepki(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(said);
      expect(kubepki(['verify', out]).status, args.join(' ')).toBe(0);
    }
    // A kubeconfig that no longer holds its certificate is rendered anew, the same way.
    const scheduler = manifestOf(out).kubeconfigs.find((k: {id: string}) => k.id === 'kube-scheduler').file;
    writeFileSync(join(out, scheduler), 'garbage\n');
    const kubeconfig = kubepki(['renew', out, 'admin']);
    expect(kubeconfig.stdout).toContain(`${scheduler.padEnd(36)} the kubeconfig does not hold its certificate and key`);
    expect(kubepki(['verify', out]).status).toBe(0);

    const before = snapshot(out);
    writeFileSync(join(out, 'pki/ca.key'), 'garbage\n');
    const ca = kubepki(['renew', out, 'apiserver']);
    expect(ca.status).toBe(2);
    expect(ca.stderr).toContain(`CA ca cannot be reused: the key cannot be read (pki/ca.crt, pki/ca.key). Nothing was changed; restore the CA's own files from a backup or from a node that holds them (cp1:/etc/kubernetes/pki/ca.crt, cp1:/etc/kubernetes/pki/ca.key)`);
    writeFileSync(join(out, 'pki/ca.key'), before.get('pki/ca.key')!);
    writeFileSync(join(out, 'pki/sa.key'), 'garbage\n');
    const sa = kubepki(['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update']);
    expect(sa.status).toBe(2);
    expect(sa.stderr).toContain('service-account key pair cannot be carried over: the key cannot be read (pki/sa.key, pki/sa.pub). A new pair would make every service-account token invalid. Nothing was changed.');
    expect(sa.stderr).toContain(`copy the pair back from a control-plane node (cp1:/etc/kubernetes/pki/sa.key and its public key) or from a backup; or make a new pair on purpose: kubepki renew ${out} service-account.`);
    writeFileSync(join(out, 'pki/sa.key'), before.get('pki/sa.key')!);
    expect(differing(before, snapshot(out))).toEqual([]);
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
