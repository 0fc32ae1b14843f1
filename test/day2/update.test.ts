// `kubepki generate --update`: an edited cluster.yaml applied to an existing OUT, through the CLI.
import {afterAll, describe, expect, it} from 'vitest';
import {cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {CLI, kubepki} from '../helpers/run.js';
import {waitFor} from '../helpers/processes.js';
import {tempDir} from '../helpers/cluster.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-update-');
afterAll(() => tmp.remove());

/**
 * The files that list nodes or say when they were written: they change on every update. Not
 * cluster.yaml: it is the user's document, already edited here, and the update keeps it as it is.
 */
const LISTS = ['ansible/bundles.yml', 'ansible/inventory.ini', 'distribute.sh', 'manifest.json', 'restart.sh', 'trust-map.svg', 'verify.sh'];

/** A generated 2+2 OUT (the example), a copy per test. */
let pristine: string | undefined;
function freshOut(name: string): string {
  if (!pristine) {
    pristine = join(tmp.path, 'pristine');
    const config = join(tmp.path, 'example.yaml');
    writeFileSync(config, kubepki(['example']).stdout);
    const r = kubepki(['generate', '--config', config, '--out', pristine]);
    expect(r.status, r.stderr).toBe(0);
  }
  const out = join(tmp.path, name);
  cpSync(pristine, out, {recursive: true});
  return out;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the config is YAML as a user edits it
function editConfig(out: string, edit: (c: any) => void): void {
  const file = join(out, 'cluster.yaml');
  const config = parse(readFileSync(file, 'utf8'));
  edit(config);
  writeFileSync(file, stringify(config));
}
const update = (out: string) => kubepki(['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update']);

describe('generate --update', () => {
  it('adding a worker to a 2+2 OUT changes only that worker\'s files and the files that list nodes', () => {
    const out = freshOut('add');
    editConfig(out, c => { c.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']}); });
    const before = snapshot(out);
    const r = update(out);
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    const changed = differing(before, after);
    const others = changed.filter(p => !p.startsWith('pki/nodes/worker3/') && !p.startsWith('nodes/worker3/'));
    // kubeadm layout: the new worker's kubeadm configuration, and the steps script that lists nodes.
    expect(others).toEqual([...LISTS, 'kubeadm-steps.sh', 'kubeadm/worker3.yaml'].sort());
    expect(changed.filter(p => p.startsWith('pki/nodes/worker3/')).length).toBeGreaterThanOrEqual(2);
    expect(changed.some(p => p.startsWith('nodes/worker3/'))).toBe(true);
    // Every other key and certificate, byte for byte (the CAs among them).
    for (const [path, content] of before) if (path.startsWith('pki/') || path.startsWith('nodes/')) expect(after.get(path), path).toBe(content);
    expect(r.stdout).toMatch(/New nodes: worker3/);
    expect(r.stdout).toMatch(/^ {2}kubelet-server\/worker3 +certificate +pki\/nodes\/worker3\//m);
    expect(r.stdout).toMatch(/Changed: none/);
    expect(r.stdout).toMatch(/Nodes that must receive files again: worker3\n {2}bash .*\/distribute\.sh worker3\n/);
    const verify = kubepki(['verify', out]);
    expect(verify.status, verify.stdout).toBe(0);
    expect(readdirSync(tmp.path).filter(f => f.includes('kubepki-'))).toEqual([]);
  });

  it('removing a node removes its files, lists them first, and touches no other key or certificate', () => {
    const out = freshOut('remove');
    editConfig(out, c => { c.nodes = c.nodes.filter((n: {name: string}) => n.name !== 'worker2'); });
    const before = snapshot(out);
    const r = update(out);
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    const changed = differing(before, after);
    expect(changed.filter(p => !p.includes('/worker2/'))).toEqual([...LISTS, 'kubeadm-steps.sh', 'kubeadm/worker2.yaml'].sort());
    expect([...after.keys()].some(p => p.includes('worker2'))).toBe(false);
    expect(existsSync(join(out, 'nodes/worker2'))).toBe(false);
    expect(r.stdout.indexOf('Removed nodes: worker2')).toBeLessThan(r.stdout.indexOf('New'));
    expect(r.stdout).toMatch(/^ {2}kubelet-server\/worker2 +certificate +pki\/nodes\/worker2\/kubelet\.crt$/m);
    expect(r.stdout).toMatch(/No node needs files again/);
    expect(JSON.parse(after.get('manifest.json')!).nodes.worker2).toBeUndefined();
    expect(after.get('distribute.sh')).not.toMatch(/worker2/);
  });

  it('an extra SAN re-issues the apiserver certificate alone, and only control-plane nodes receive files again', () => {
    const out = freshOut('san');
    editConfig(out, c => { c.extraSANs = ['k8s.example.test', '10.0.0.9']; });
    const before = snapshot(out);
    const r = update(out);
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    const pki = differing(before, after).filter(p => p.startsWith('pki/'));
    expect(pki).toEqual(['pki/apiserver.crt', 'pki/apiserver.key']);
    expect(r.stdout).toMatch(/Changed \(1\):\n {2}apiserver +certificate +pki\/apiserver\.crt\n/);
    expect(r.stdout).toMatch(/distribute\.sh cp1 cp2\n/);
    const manifest = JSON.parse(after.get('manifest.json')!);
    const apiserver = manifest.certificates.find((c: {id: string}) => c.id === 'apiserver');
    expect(apiserver.dnsNames).toContain('k8s.example.test');
    expect(apiserver.ipAddresses).toContain('10.0.0.9');
    expect(kubepki(['verify', out]).status).toBe(0);
  });

  it('keeps the comments of OUT/cluster.yaml: an edited value is changed in place, every other byte stays', () => {
    const out = freshOut('comments');
    const file = join(out, 'cluster.yaml');
    const edited = `# our lab: ask Ann first\n${readFileSync(file, 'utf8')}`
      .replace('  - { name: worker1, ip: 192.168.56.23,', '  # rack 2\n  - { name: worker1, ip: 192.168.56.33,')
      .replace('ssh: { user: root, sudo: false }', 'ssh: { user: root, sudo: false }  # until LDAP');
    writeFileSync(file, edited);
    const r = update(out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kubelet-server\/worker1 +certificate/);
    expect(readFileSync(file, 'utf8')).toBe(edited);
    // Applied to OUT through another file: OUT's document is edited to it, its comments kept.
    const other = join(tmp.path, 'comments-other.yaml');
    writeFileSync(other, edited.replace('192.168.56.33', '192.168.56.34').replace(/ *#.*$/gm, ''));
    expect(kubepki(['generate', '--config', other, '--out', out, '--update']).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(edited.replace('192.168.56.33', '192.168.56.34'));
  });

  it('refuses a directory without a manifest (exit 2, --out named, nothing written) and --update with --force', () => {
    const out = join(tmp.path, 'not-kubepki');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const config = join(tmp.path, 'example.yaml');
    writeFileSync(config, kubepki(['example']).stdout);
    const r = kubepki(['generate', '--config', config, '--out', out, '--update']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out: .*no manifest\.json/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(out)).toEqual(['notes.txt']);
    const both = kubepki(['generate', '--config', config, '--out', out, '--update', '--force']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--update and --force/);
    const absent = kubepki(['generate', '--config', config, '--out', join(tmp.path, 'absent'), '--update']);
    expect(absent.status).toBe(2);
    expect(existsSync(join(tmp.path, 'absent'))).toBe(false);
  });

  it('interrupted, leaves OUT exactly as it was and no staging directory', async () => {
    const out = freshOut('interrupt');
    // A new key size changes every leaf: long enough to interrupt.
    editConfig(out, c => { c.pki.key = 'rsa-4096'; });
    const before = snapshot(out);
    const child = spawn(process.execPath, [CLI, 'generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update'], {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', d => { stderr += d; });
    await waitFor('key generation to start', () => /generating keys \d+\/\d+/.test(stderr) || child.exitCode !== null, 20_000, 20);
    child.kill('SIGINT');
    const code = await new Promise(resolve => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(differing(before, snapshot(out))).toEqual([]);
    expect(readdirSync(tmp.path).filter(f => f.includes('kubepki-'))).toEqual([]);
  });
});
