// distribute.sh for real: sshd on 127.0.0.1, every node name mapped to it by an ssh config passed
// through the script, each node staged into its own directory with --root.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import {userInfo} from 'node:os';
import {join, relative} from 'node:path';
import {generated, specFor} from '../helpers/cluster.js';
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

describe('distribute.sh over real ssh', () => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  let sshd: Started;
  let sshConfig: string;
  let work: string;

  beforeAll(async () => {
    const sshdPath = requireCommand('sshd', 'openssh-server');
    const keygen = requireCommand('ssh-keygen', 'openssh-client');
    requireCommand('scp', 'openssh-client');
    out = await generated(specFor('kubeadm', 'kubeadm'));
    manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
    work = join(out.dir, '..', 'ssh');
    mkdirSync(work, {mode: 0o700});
    for (const key of ['host_key', 'client_key']) {
      const r = run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, key)]);
      expect(r.status, r.stderr).toBe(0);
    }
    writeFileSync(join(work, 'authorized_keys'), readFileSync(join(work, 'client_key.pub')), {mode: 0o600});
    mkdirSync('/run/sshd', {recursive: true, mode: 0o755}); // sshd's privilege-separation directory
    const port = await freePort();
    writeFileSync(join(work, 'sshd_config'), [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(work, 'host_key')}`,
      `AuthorizedKeysFile ${join(work, 'authorized_keys')}`, `PidFile ${join(work, 'sshd.pid')}`,
      'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
      'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp', '',
    ].join('\n'));
    sshConfig = join(work, 'ssh_config');
    writeFileSync(sshConfig, [
      `Host ${Object.keys(manifest.nodes).join(' ')}`, '  HostName 127.0.0.1', `  Port ${port}`,
      `  IdentityFile ${join(work, 'client_key')}`, '  IdentitiesOnly yes', '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null', '  LogLevel ERROR', '  BatchMode yes', '  ConnectTimeout 10', '',
    ].join('\n'));
    sshd = start(sshdPath, ['-D', '-e', '-f', join(work, 'sshd_config')]);
    await waitFor('sshd to listen', () => new Promise<boolean>(resolve => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    }), 15_000).catch(error => { throw new Error(`${error.message}\n${sshd.output()}`); });
  });

  afterAll(async () => {
    await sshd?.stop();
    out?.remove();
  });

  const distribute = (stage: string, nodes: string[]) => run('bash', [
    join(out.dir, 'distribute.sh'), '-F', sshConfig, '--user', userInfo().username, '--root', `${stage}/{node}`, ...nodes,
  ], {cwd: '/', timeout: 120_000});

  it('every node receives exactly its bundle, keys 0600, and a worker no CA key', () => {
    const stage = join(work, 'stage-all');
    const r = distribute(stage, []);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/shipped 4 node\(s\)/);
    const caKeys = new Set(manifest.authorities.map(a => a.key));
    for (const [node, info] of Object.entries(manifest.nodes)) {
      const root = join(stage, node);
      expect(filesUnder(root), node).toEqual(info.files.map(f => f.path).sort());
      for (const f of info.files) {
        expect(readFileSync(join(root, f.path)).equals(readFileSync(join(out.dir, f.source))), `${node}:${f.path}`).toBe(true);
        if (f.secret) expect(statSync(join(root, f.path)).mode & 0o777, `${node}:${f.path}`).toBe(0o600);
      }
      if (!info.roles.includes('control-plane')) {
        expect(info.files.filter(f => caKeys.has(f.source))).toEqual([]);
        expect(filesUnder(root).filter(p => p.endsWith('ca.key'))).toEqual([]);
      }
    }
    expect(filesUnder(join(stage, 'cp1'))).toContain('/etc/kubernetes/pki/ca.key');
  });

  it('distribute.sh worker1 ships only worker1', () => {
    const stage = join(work, 'stage-one');
    const r = distribute(stage, ['worker1']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(stage)).toEqual(['worker1']);
    expect(filesUnder(join(stage, 'worker1'))).toEqual(manifest.nodes.worker1!.files.map(f => f.path).sort());
  });

  it('the scripts pass shellcheck', () => {
    const shellcheck = requireCommand('shellcheck', 'shellcheck');
    for (const script of ['distribute.sh', 'verify.sh']) {
      const r = run(shellcheck, ['-s', 'bash', join(out.dir, script)]);
      expect(r.status, `${script}:\n${r.stdout}`).toBe(0);
    }
  });
});
