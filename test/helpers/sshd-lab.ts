// The sshd lab of distribute.sh's proofs: sshd on 127.0.0.1, every node name mapped to it by an
// ssh config, so each "node" is reached over real ssh and staged into its own directory with
// --root. sshd runs in a mount namespace of its own, chrooted into a tmpfs root (mode 0755: this
// machine's / is 0700, which no other user may cross) holding the host's /usr, /etc, /tmp, /var,
// /dev, /proc and /run, where copies of /etc/passwd, /etc/group, /etc/shadow and /etc/sudoers
// bind-mounted over the real ones add a user that exists only there (kubepki-ssh, passwordless
// sudo). The host's files and users are never changed; the mounts end with sshd.
import {chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import {userInfo} from 'node:os';
import {join, relative} from 'node:path';
import {tempDir} from './cluster.js';
import {freePort, requireCommand, start, waitFor, type Started} from './processes.js';
import {run} from './run.js';

/** The sandbox's user: a name and an id no account on this machine has. */
export const SANDBOX_USER = 'kubepki-ssh';
function freeId(file: string, from: number): number {
  const taken = new Set(readFileSync(file, 'utf8').split('\n').map(l => Number(l.split(':')[2])));
  let id = from;
  while (taken.has(id)) id++;
  return id;
}

export interface SshdLab {
  /** The ssh config (pass with -F) that maps every node name to the lab's sshd. */
  sshConfig: string;
  port: number;
  /** A 0700 directory only root may enter. */
  work: string;
  /** A 0755 directory the sandbox user may reach. */
  shared: string;
  /** The sandbox user's uid. */
  uid: number;
  sshd: Started;
  stop: () => Promise<void>;
}

/** The files a node staged under `dir` received, as absolute paths on the node. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter(e => e.isFile())
    .map(e => `/${relative(dir, join(e.parentPath, e.name))}`)
    .sort();
}

export async function startSshdLab(nodes: string[]): Promise<SshdLab> {
  const sshdPath = requireCommand('sshd', 'openssh-server');
  const keygen = requireCommand('ssh-keygen', 'openssh-client');
  requireCommand('scp', 'openssh-client');
  requireCommand('sudo', 'sudo');
  const unshare = requireCommand('unshare', 'util-linux');
  const private_ = tempDir('kubepki-ssh-');
  const work = private_.path;
  // What the sandbox user must reach (its home, its authorized keys, its stage) lies outside
  // the 0700 work directory.
  const shared = tempDir('kubepki-ssh-shared-');
  chmodSync(shared.path, 0o755);
  const uid = Math.max(freeId('/etc/passwd', 20000), freeId('/etc/group', 20000));
  const home = join(shared.path, 'home');
  mkdirSync(home, {mode: 0o700});
  chownSync(home, uid, uid);
  for (const key of ['host_key', 'client_key']) {
    const r = run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, key)]);
    if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
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
    'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp', 'MaxStartups 100', '',
  ].join('\n'));
  const sshConfig = join(work, 'ssh_config');
  writeFileSync(sshConfig, [
    `Host ${nodes.join(' ')}`, '  HostName 127.0.0.1', `  Port ${port}`,
    `  IdentityFile ${join(work, 'client_key')}`, '  IdentitiesOnly yes', '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null', '  LogLevel ERROR', '  BatchMode yes', '  ConnectTimeout 30', '',
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
  const sshd = start(unshare, ['--mount', '--propagation', 'private', 'sh', '-c', sandbox, 'sandbox', newRoot, etc, sshdPath, '-D', '-e', '-f', join(work, 'sshd_config')]);
  const stop = async () => {
    await sshd.stop();
    private_.remove();
    shared.remove();
  };
  await waitFor('sshd to listen', () => new Promise<boolean>(resolve => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  }), 15_000).catch(async error => { const output = sshd.output(); await stop(); throw new Error(`${error.message}\n${output}`); });
  return {sshConfig, port, work, shared: shared.path, uid, sshd, stop};
}
