// Real servers started by tests: loopback only, stopped by PID, every wait bounded.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, readdirSync, realpathSync} from 'node:fs';
import {createServer} from 'node:net';
import {dirname, join} from 'node:path';

/** A component the tests need. Missing means the test fails and says what to install. */
export function requireCommand(name: string, install: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const path = join(dir, name);
    if (dir && existsSync(path)) return path;
  }
  throw new Error(`${name} is not installed: this test runs the real ${name} (install with: apt-get install -y ${install}; .ci/run does)`);
}

/**
 * /usr/bin/kubectl on these machines dispatches on the server's version and would connect to
 * the kubeconfig's server first; the real binaries kubectl.1.NN sit beside it.
 */
export function realKubectl(): string {
  const dispatcher = requireCommand('kubectl', 'kubectl (on the machine image)');
  const dir = dirname(realpathSync(dispatcher));
  const versions = readdirSync(dir).filter(f => /^kubectl\.1\.\d+$/.test(f))
    .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
  if (versions.length === 0) {
    // A plain kubectl install: the binary itself is the real one.
    const probe = spawnSync(dispatcher, ['version', '--client', '-o', 'json'], {encoding: 'utf8', timeout: 10_000});
    if (probe.status === 0) return dispatcher;
    throw new Error(`no kubectl.1.NN beside ${dispatcher}`);
  }
  return join(dir, versions.at(-1)!);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function start(command: string, args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string} = {}): Started {
  const child = spawn(command, args, {env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe']});
  let log = '';
  child.stdout!.on('data', d => { log = (log + d).slice(-20_000); });
  child.stderr!.on('data', d => { log = (log + d).slice(-20_000); });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* already gone */ } }, 5_000);
    await exited;
    clearTimeout(timer);
  };
  return {child, output: () => log, stop};
}

/** Poll `check` until it returns true, at most `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, everyMs));
  }
}
