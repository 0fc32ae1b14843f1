import {spawnSync} from 'node:child_process';
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
