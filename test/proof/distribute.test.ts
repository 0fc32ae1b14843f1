// distribute.sh for real, on the sshd lab (test/helpers/sshd-lab.ts): every node name mapped to
// one sshd on 127.0.0.1 by an ssh config passed through the script, each node staged into its own
// directory with --root.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {existsSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {userInfo} from 'node:os';
import {join} from 'node:path';
import {generated, specFor, specWith} from '../helpers/cluster.js';
import {freePort, requireCommand, type Started} from '../helpers/processes.js';
import {SANDBOX_USER, filesUnder, startSshdLab, type SshdLab} from '../helpers/sshd-lab.js';
import {run} from '../helpers/run.js';
import type {Manifest} from '../../source/output/manifest.js';

describe('distribute.sh over real ssh', () => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  let sshd: Started;
  let sshConfig: string;
  let work: string;
  let shared: {path: string};
  let uid: number;
  let lab: SshdLab;

  beforeAll(async () => {
    out = await generated(specFor('kubeadm', 'kubeadm'));
    manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
    lab = await startSshdLab(Object.keys(manifest.nodes));
    ({sshConfig, work, sshd, uid} = lab);
    shared = {path: lab.shared};
  });

  afterAll(async () => {
    await lab?.stop();
    out?.remove();
  });

  const distribute = (stage: string, nodes: string[], options: string[] = ['--user', userInfo().username], dir = out.dir) => run('bash', [
    join(dir, 'distribute.sh'), '-F', sshConfig, ...options, '--root', `${stage}/{node}`, ...nodes,
  // A failed node's log is kept in TMPDIR: here, the lab's own directory.
  ], {cwd: '/', timeout: 120_000, env: {...process.env, TMPDIR: work}});

  const modeOf = (path: string) => statSync(path).mode & 0o777;

  it('every node receives exactly its bundle, keys 0600, the rest 0644, and a worker no CA key', () => {
    const stage = join(work, 'stage-all');
    const r = distribute(stage, []);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/shipped 4 node\(s\)/);
    expect(r.stdout).not.toMatch(/backed up/);
    const caKeys = new Set(manifest.authorities.map(a => a.key));
    for (const [node, info] of Object.entries(manifest.nodes)) {
      const root = join(stage, node);
      expect(filesUnder(root), node).toEqual(info.files.map(f => f.path).sort());
      for (const f of info.files) {
        expect(readFileSync(join(root, f.path)).equals(readFileSync(join(out.dir, f.source))), `${node}:${f.path}`).toBe(true);
        expect(modeOf(join(root, f.path)), `${node}:${f.path}`).toBe(f.secret ? 0o600 : 0o644);
      }
      if (!info.roles.includes('control-plane')) {
        expect(info.files.filter(f => caKeys.has(f.source))).toEqual([]);
        expect(filesUnder(root).filter(p => p.endsWith('ca.key'))).toEqual([]);
      }
    }
    expect(filesUnder(join(stage, 'cp1'))).toContain('/etc/kubernetes/pki/ca.key');
    expect(modeOf(join(stage, 'cp1', 'etc/kubernetes/pki'))).toBe(0o700);
  });

  it('distribute.sh worker1 ships only worker1', () => {
    const stage = join(work, 'stage-one');
    const r = distribute(stage, ['worker1']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(stage)).toEqual(['worker1']);
    expect(filesUnder(join(stage, 'worker1'))).toEqual(manifest.nodes.worker1!.files.map(f => f.path).sort());
  });

  it('a file already on the node: identical, left without a backup; different, backed up (path printed, mode kept) and replaced', () => {
    const stage = join(work, 'stage-again');
    expect(distribute(stage, ['cp1']).status).toBe(0);
    const again = distribute(stage, ['cp1']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/backed up/);
    const cert = join(stage, 'cp1', 'etc/kubernetes/pki/apiserver.crt');
    const key = join(stage, 'cp1', 'etc/kubernetes/pki/apiserver.key');
    writeFileSync(cert, 'an older certificate\n');
    writeFileSync(key, 'an older key\n');
    const third = distribute(stage, ['cp1']);
    expect(third.status, third.stderr).toBe(0);
    const backups = [...third.stdout.matchAll(/backed up (\S+) to (\S+)/g)].map(m => [m[1], m[2]]);
    expect(backups.map(b => b[0]).sort()).toEqual([cert, key].sort());
    for (const [original, backup] of backups) {
      expect(backup).toMatch(new RegExp(`^${original!.replace(/[.]/g, '\\.')}\\.kubepki-\\d{8}T\\d{6}Z\\.bak$`));
    }
    const backupOf = (path: string) => backups.find(b => b[0] === path)![1]!;
    expect(readFileSync(backupOf(cert), 'utf8')).toBe('an older certificate\n');
    expect(readFileSync(backupOf(key), 'utf8')).toBe('an older key\n');
    expect(modeOf(backupOf(key))).toBe(0o600);
    expect(readFileSync(cert).equals(readFileSync(join(out.dir, 'pki/apiserver.crt')))).toBe(true);
    expect(readFileSync(key).equals(readFileSync(join(out.dir, 'pki/apiserver.key')))).toBe(true);
  });

  it('a user that is not root installs with sudo: files owned by root with their modes, the private copy removed', () => {
    const stage = join(shared.path, 'stage-sudo');
    const r = distribute(stage, ['cp1', 'worker1'], ['--user', SANDBOX_USER, '--sudo']);
    expect(r.status, r.stderr + r.stdout + sshd.output()).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
    for (const node of ['cp1', 'worker1']) {
      const info = manifest.nodes[node]!;
      expect(filesUnder(join(stage, node))).toEqual(info.files.map(f => f.path).sort());
      for (const f of info.files) {
        const st = statSync(join(stage, node, f.path));
        expect([st.uid, st.gid, st.mode & 0o777], `${node}:${f.path}`).toEqual([0, 0, f.secret ? 0o600 : 0o644]);
      }
    }
    // mktemp -d made the private copies in /tmp as the sandbox user; none is left.
    const left = readdirSync('/tmp').filter(name => { try { return statSync(join('/tmp', name)).uid === uid; } catch { return false; } });
    expect(left).toEqual([]);
  });

  it('the config\'s ssh.sudo makes --sudo the default; without sudo a user that is not root is warned, and cannot write root\'s directories', async () => {
    const withSudo = await generated(specWith(c => { c.pki.key = 'ecdsa-p256'; c.ssh = {user: SANDBOX_USER, sudo: true}; }));
    try {
      const stage = join(shared.path, 'stage-config');
      const r = distribute(stage, ['worker2'], [], withSudo.dir);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(statSync(join(stage, 'worker2', 'var/lib/kubelet/pki/kubelet.key')).uid).toBe(0);
    } finally {
      withSudo.remove();
    }
    const refused = join(work, 'stage-no-sudo'); // inside the 0700 work directory: root's only
    const r = distribute(refused, ['worker2'], ['--user', SANDBOX_USER, '--no-sudo']);
    expect(r.status).not.toBe(0);
    expect(existsSync(join(refused, 'worker2', 'var/lib/kubelet/pki/kubelet.key'))).toBe(false);
    const bare = run('bash', [join(out.dir, 'distribute.sh'), '--dry-run', '--user', SANDBOX_USER, 'worker2'], {cwd: '/'});
    expect(bare.status).toBe(0);
    expect(bare.stderr).toMatch(/warning: kubepki-ssh is not root and sudo is off/);
  });

  it('--parallel at 12 nodes: every bundle with its modes; an unreachable node is named, and the printed --only line retries it alone', async () => {
    const big = await generated(specWith(c => {
      c.pki.key = 'ecdsa-p256';
      c.nodes = [
        ...[1, 2, 3].map(i => ({name: `cp${i}`, ip: `192.168.56.${20 + i}`, roles: ['control-plane', 'etcd']})),
        ...Array.from({length: 9}, (_, i) => ({name: `worker${i + 1}`, ip: `192.168.56.${30 + i}`, roles: ['worker']})),
      ];
    }));
    try {
      const names = big.plan.nodes.map(n => n.name);
      const closed = await freePort();
      const labConfig = join(work, 'ssh_config_12');
      // worker5 first points at a port nothing listens on (ssh takes the first value it finds).
      const write = (down?: string) => writeFileSync(labConfig, [
        ...(down ? [`Host ${down}`, `  Port ${closed}`, ''] : []),
        readFileSync(sshConfig, 'utf8').replace(/^Host .*$/m, `Host ${names.join(' ')}`),
      ].join('\n'));
      write('worker5');
      const stage = join(work, 'stage-12');
      const distribute12 = (extra: string[]) => run('bash', [join(big.dir, 'distribute.sh'), '-F', labConfig, '--user', userInfo().username, '--root', `${stage}/{node}`, ...extra], {cwd: '/', timeout: 300_000, env: {...process.env, TMPDIR: work}});
      const r = distribute12(['--parallel', '4']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/shipped 11 of 12 node\(s\); failed: worker5 \(logs in (\S+)\)/);
      const logs = /logs in (\S+)\)/.exec(r.stderr)![1]!;
      expect(readFileSync(join(logs, 'worker5.log'), 'utf8')).toMatch(/== worker5/);
      const retry = /retry only those: (.*)$/m.exec(r.stderr)![1]!;
      expect(retry).toContain('--only worker5');
      expect(readdirSync(stage).sort()).toEqual(names.filter(n => n !== 'worker5').sort());
      // worker5 is reachable again: the printed line, as it is, ships it alone.
      write();
      const again = run('bash', ['-c', retry], {cwd: '/', timeout: 120_000});
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/shipped 1 node\(s\)/);
      expect(again.stdout).toMatch(/^== worker5 /m);
      const bundles = JSON.parse(readFileSync(join(big.dir, 'manifest.json'), 'utf8')).nodes as Manifest['nodes'];
      for (const [node, info] of Object.entries(bundles)) {
        expect(filesUnder(join(stage, node)), node).toEqual(info.files.map(f => f.path).sort());
        for (const f of info.files) {
          const st = statSync(join(stage, node, f.path));
          expect([st.uid, st.mode & 0o777], `${node}:${f.path}`).toEqual([userInfo().uid, f.secret ? 0o600 : 0o644]);
        }
      }
    } finally {
      big.remove();
    }
  });

  it('the scripts pass shellcheck', () => {
    const shellcheck = requireCommand('shellcheck', 'shellcheck');
    for (const script of ['distribute.sh', 'verify.sh']) {
      const r = run(shellcheck, ['-s', 'bash', join(out.dir, script)]);
      expect(r.status, `${script}:\n${r.stdout}`).toBe(0);
    }
  });
});
