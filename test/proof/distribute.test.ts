// distribute.sh for real: sshd on 127.0.0.1, every node name mapped to it by an ssh config passed
// through the script, each node staged into its own directory with --root.
// sshd runs in a mount namespace of its own, chrooted into a tmpfs root (mode 0755: this machine's
// / is 0700, which no other user may cross) holding the host's /usr, /etc, /tmp, /var, /dev, /proc
// and /run, where copies of /etc/passwd, /etc/group, /etc/shadow and /etc/sudoers bind-mounted
// over the real ones add a user that exists only there (kubepki-ssh, passwordless sudo). The
// host's files and users are never changed; the mounts end with sshd.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import {userInfo} from 'node:os';
import {join, relative} from 'node:path';
import {generated, specFor, specWith, tempDir} from '../helpers/cluster.js';
import {freePort, requireCommand, start, waitFor, type Started} from '../helpers/processes.js';
import {run} from '../helpers/run.js';
import type {Manifest} from '../../source/output/manifest.js';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter(e => e.isFile())
    .map(e => `/${relative(dir, join(e.parentPath, e.name))}`)
    .sort();
}

/** The sandbox's user: a name and an id no account on this machine has. */
const SANDBOX_USER = 'kubepki-ssh';
function freeId(file: string, from: number): number {
  const taken = new Set(readFileSync(file, 'utf8').split('\n').map(l => Number(l.split(':')[2])));
  let id = from;
  while (taken.has(id)) id++;
  return id;
}

describe('distribute.sh over real ssh', () => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  let sshd: Started;
  let sshConfig: string;
  let work: string;
  let shared: ReturnType<typeof tempDir>;
  let uid: number;

  beforeAll(async () => {
    const sshdPath = requireCommand('sshd', 'openssh-server');
    const keygen = requireCommand('ssh-keygen', 'openssh-client');
    requireCommand('scp', 'openssh-client');
    requireCommand('sudo', 'sudo');
    const unshare = requireCommand('unshare', 'util-linux');
    out = await generated(specFor('kubeadm', 'kubeadm'));
    manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
    work = join(out.dir, '..', 'ssh');
    mkdirSync(work, {mode: 0o700});
    // What the sandbox user must reach (its home, its authorized keys, its stage) lies outside
    // the 0700 work directory.
    shared = tempDir('kubepki-ssh-shared-');
    chmodSync(shared.path, 0o755);
    uid = Math.max(freeId('/etc/passwd', 20000), freeId('/etc/group', 20000));
    const home = join(shared.path, 'home');
    mkdirSync(home, {mode: 0o700});
    chownSync(home, uid, uid);
    for (const key of ['host_key', 'client_key']) {
      const r = run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, key)]);
      expect(r.status, r.stderr).toBe(0);
    }
    const keys = join(shared.path, 'authorized_keys');
    mkdirSync(keys, {mode: 0o755});
    for (const [name, owner] of [[userInfo().username, userInfo().uid], [SANDBOX_USER, uid]] as const) {
      writeFileSync(join(keys, name), readFileSync(join(work, 'client_key.pub')), {mode: 0o600});
      chownSync(join(keys, name), owner, owner);
    }
    // The namespace's account files: the host's, plus the sandbox user.
    const etc = join(work, 'etc');
    mkdirSync(etc);
    const add = (file: string, line: string, mode: number) => {
      writeFileSync(join(etc, file), `${readFileSync(`/etc/${file}`, 'utf8').trimEnd()}\n${line}\n`, {mode});
      chmodSync(join(etc, file), mode);
    };
    add('passwd', `${SANDBOX_USER}:x:${uid}:${uid}:kubepki test:${home}:/bin/bash`, 0o644);
    add('group', `${SANDBOX_USER}:x:${uid}:`, 0o644);
    add('shadow', `${SANDBOX_USER}:*:20000:0:99999:7:::`, 0o640);
    writeFileSync(join(etc, 'sudoers'), `Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n${SANDBOX_USER} ALL=(root) NOPASSWD: ALL\n`, {mode: 0o440});
    chmodSync(join(etc, 'sudoers'), 0o440);
    mkdirSync('/run/sshd', {recursive: true, mode: 0o755}); // sshd's privilege-separation directory
    const port = await freePort();
    writeFileSync(join(work, 'sshd_config'), [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(work, 'host_key')}`,
      `AuthorizedKeysFile ${keys}/%u`, `PidFile ${join(work, 'sshd.pid')}`,
      'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
      'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp', '',
    ].join('\n'));
    sshConfig = join(work, 'ssh_config');
    writeFileSync(sshConfig, [
      `Host ${Object.keys(manifest.nodes).join(' ')}`, '  HostName 127.0.0.1', `  Port ${port}`,
      `  IdentityFile ${join(work, 'client_key')}`, '  IdentitiesOnly yes', '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null', '  LogLevel ERROR', '  BatchMode yes', '  ConnectTimeout 10', '',
    ].join('\n'));
    const newRoot = join(work, 'root');
    mkdirSync(newRoot);
    const sandbox = [
      'set -eu', 'new=$1 etc=$2', 'shift 2',
      'mount -t tmpfs -o mode=0755 kubepki-sshd "$new"',
      'for d in usr etc tmp dev proc run var; do mkdir "$new/$d"; done',
      'for d in usr etc tmp var; do mount --bind "/$d" "$new/$d"; done',
      'for d in dev proc run; do mount --rbind "/$d" "$new/$d"; done',
      'for l in bin sbin lib lib64; do if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$new/$l"; fi; done',
      'for f in passwd group shadow sudoers; do mount --bind "$etc/$f" "$new/etc/$f"; done',
      'exec chroot "$new" "$@"',
    ].join('\n');
    // unshare, sh and chroot exec sshd: the PID started is sshd's, stopped by PID.
    sshd = start(unshare, ['--mount', '--propagation', 'private', 'sh', '-c', sandbox, 'sandbox', newRoot, etc, sshdPath, '-D', '-e', '-f', join(work, 'sshd_config')]);
    await waitFor('sshd to listen', () => new Promise<boolean>(resolve => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    }), 15_000).catch(error => { throw new Error(`${error.message}\n${sshd.output()}`); });
  });

  afterAll(async () => {
    await sshd?.stop();
    out?.remove();
    shared?.remove();
  });

  const distribute = (stage: string, nodes: string[], options: string[] = ['--user', userInfo().username], dir = out.dir) => run('bash', [
    join(dir, 'distribute.sh'), '-F', sshConfig, ...options, '--root', `${stage}/{node}`, ...nodes,
  ], {cwd: '/', timeout: 120_000});

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
      const lab = join(work, 'ssh_config_12');
      // worker5 first points at a port nothing listens on (ssh takes the first value it finds).
      const write = (down?: string) => writeFileSync(lab, [
        ...(down ? [`Host ${down}`, `  Port ${closed}`, ''] : []),
        readFileSync(sshConfig, 'utf8').replace(/^Host .*$/m, `Host ${names.join(' ')}`),
      ].join('\n'));
      write('worker5');
      const stage = join(work, 'stage-12');
      const distribute12 = (extra: string[]) => run('bash', [join(big.dir, 'distribute.sh'), '-F', lab, '--user', userInfo().username, '--root', `${stage}/{node}`, ...extra], {cwd: '/', timeout: 300_000});
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
      run('rm', ['-rf', '--', logs]);
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
