// A lab of hosts for the control-plane tests: one network namespace per node (and one for the
// endpoint and one for the test's own clients), joined by a bridge that lives in a namespace of
// its own, so the addresses in the certificates (192.168.x, 10.x) are the ones dialled and no
// packet reaches the host's network. Names resolve through the hosts file each sandbox gets.
// Every namespace, process and directory the lab makes is removed by down().
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {randomBytes} from 'node:crypto';
import {ROOT} from './run.js';
import {start, type Started} from './processes.js';

export interface LabHost {
  name: string;
  ip: string;
  /** Extra names for the hosts file (a DNS endpoint). */
  aliases?: string[];
}

function ip(args: string[]) {
  const r = spawnSync('ip', args, {encoding: 'utf8', timeout: 20_000});
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error}`);
}

const SANDBOX = join(ROOT, 'test/helpers/sandbox.sh');

export class Lab {
  readonly id = `kp${randomBytes(3).toString('hex')}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'kubepki-lab-'));
  private readonly namespaces: string[] = [];
  private readonly processes: Started[] = [];
  private readonly hostsFile = join(this.dir, 'hosts');
  private sandboxes = 0;

  constructor(readonly hosts: LabHost[], readonly prefix: number) {}

  ns(host: string) { return `${this.id}-${host}`; }

  /** Builds the namespaces, the bridge and the links; writes the hosts file. */
  up() {
    const hub = this.ns('hub');
    ip(['netns', 'add', hub]);
    this.namespaces.push(hub);
    ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    this.hosts.forEach((host, i) => {
      const ns = this.ns(host.name);
      ip(['netns', 'add', ns]);
      this.namespaces.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // Created inside the host's namespace, so nothing ever appears in the root namespace.
      ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', hub]);
      ip(['-n', ns, 'addr', 'add', `${host.ip}/${this.prefix}`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', hub, 'link', 'set', `p${i}`, 'master', 'br0']);
      ip(['-n', hub, 'link', 'set', `p${i}`, 'up']);
    });
    writeFileSync(this.hostsFile, [
      '127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback',
      ...this.hosts.map(h => [h.ip, h.name, ...(h.aliases ?? [])].join(' ')),
    ].join('\n') + '\n');
    return this;
  }

  /** A new sandbox directory: what a process's writes under /etc and /var/lib land in. */
  private sandbox(): string {
    const work = join(this.dir, `sandbox-${++this.sandboxes}`);
    mkdirSync(work);
    return work;
  }

  /**
   * argv that runs a command on a host: in its namespace, in a sandbox holding `bundle`. `work`:
   * the sandbox of an earlier process, whose writes it sees (a restarted etcd finds its data dir).
   * `share`: absolute paths that are `bundle`'s own directories, bound in place rather than copied
   * (`bundle` is then a node's disk: every process on the node reads and writes the same files there).
   */
  argv(host: string, command: string[], bundle?: string, work = this.sandbox(), share: string[] = []): string[] {
    if (share.length && !bundle) throw new Error('share needs the disk it shares from');
    return ['ip', 'netns', 'exec', this.ns(host), ...(share.length ? ['env', `KUBEPKI_SHARE=${share.join(' ')}`] : []), SANDBOX, host, bundle ?? '/nonexistent', work, this.hostsFile, ...command];
  }

  /** Runs to completion on a host. */
  run(host: string, command: string[], options: {bundle?: string; input?: string; timeout?: number; share?: string[]} = {}) {
    const [cmd, ...args] = this.argv(host, command, options.bundle, undefined, options.share);
    const r = spawnSync(cmd!, args, {encoding: 'utf8', input: options.input ?? '', timeout: options.timeout ?? 60_000});
    // Timed out (a loaded machine): an answer like any failure, so bounded waits can try again.
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      return {status: null, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}\n(timed out after ${options.timeout ?? 60_000} ms)`};
    }
    if (r.error) throw r.error;
    return {status: r.status, stdout: r.stdout, stderr: r.stderr};
  }

  /**
   * Starts a long-running process on a host; down() stops it by PID. `work` as for argv(); the
   * result names the sandbox it runs in, for a restart on the same disk.
   */
  start(host: string, command: string[], bundle?: string, work = this.sandbox(), share: string[] = []): Started & {work: string} {
    const [cmd, ...args] = this.argv(host, command, bundle, work, share);
    const started = start(cmd!, args);
    this.processes.push(started);
    return {...started, work};
  }

  async down() {
    await Promise.all(this.processes.map(p => p.stop()));
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns], {timeout: 20_000});
    rmSync(this.dir, {recursive: true, force: true});
  }
}
