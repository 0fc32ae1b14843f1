import {spawn, spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: {cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeout?: number} = {}): Ran {
  const r = spawnSync(command, args, {
    cwd: options.cwd, input: options.input ?? '', env: options.env ?? process.env,
    encoding: 'utf8', timeout: options.timeout ?? 120_000,
  });
  if (r.error) throw r.error;
  return {status: r.status, stdout: r.stdout, stderr: r.stderr};
}

/** The built CLI (npm test builds it first), with stdin a pipe: never a terminal. */
export const kubepki = (args: string[], options: {cwd?: string; input?: string} = {}) => run(process.execPath, [CLI, ...args], options);

export const openssl = (args: string[], cwd?: string) => run('openssl', args, {cwd});

/** Like run(), without blocking the event loop: for clients of servers that live in the test process. */
export function runAsync(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number} = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
    child.on('error', reject);
    child.on('close', status => { clearTimeout(timer); resolve({status, stdout, stderr}); });
  });
}
