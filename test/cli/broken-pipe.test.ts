// A reader that goes away (`kubepki generate … 2>&1 | head -3`) is a failure like any other for a
// command that writes OUT (issue 20, item 1): staging removed, lock released, exit non-zero, and
// nothing more written to the closed stream. OUT is as it was, or complete and verified; nothing
// is left beside OUT or in TMPDIR.
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {spawn, spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {parse, stringify} from 'yaml';
import {CLI, ROOT, kubepki, run} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';
import {smallConfig} from '../helpers/ownership.js';
import {waitFor} from '../helpers/processes.js';
import {Terminal} from '../helpers/tmux.js';

vi.setConfig({testTimeout: 120_000, hookTimeout: 120_000});

const tmp = tempDir('kubepki-pipe-');
afterAll(() => tmp.remove());
const childTmp = join(tmp.path, 'tmpdir');

let small: string;
let pristine: string;
beforeAll(() => {
  mkdirSync(childTmp);
  small = smallConfig(tmp.path).file;
  pristine = join(tmp.path, 'pristine', 'out');
  expect(kubepki(['generate', '--config', small, '--out', pristine]).status).toBe(0);
});

let made = 0;
const freshParent = () => {
  const dir = join(tmp.path, `p${++made}`);
  mkdirSync(dir);
  return dir;
};

type Closed = 'stdout' | 'stderr';

/** Runs the CLI with its `closed` pipe closed from the start: its first write there fails. */
async function runClosing(args: string[], closed: Closed) {
  const child = spawn(process.execPath, [CLI, ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, TMPDIR: childTmp}});
  let stdout = '';
  let stderr = '';
  if (closed === 'stdout') child.stdout!.destroy();
  else child.stdout!.on('data', d => { stdout += d; });
  if (closed === 'stderr') child.stderr!.destroy();
  else child.stderr!.on('data', d => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  return {code, signal, stdout, stderr};
}

const manifestOf = (out: string) => (existsSync(join(out, 'manifest.json')) ? readFileSync(join(out, 'manifest.json'), 'utf8') : undefined);

/** OUT as it was, or complete and verified; nothing beside it; nothing in TMPDIR. */
function expectWhole(out: string, before: string | undefined) {
  const after = manifestOf(out);
  if (after !== before) {
    const v = kubepki(['verify', out]);
    expect(v.status, v.stdout).toBe(0);
  }
  expect(readdirSync(dirname(out))).toEqual(existsSync(out) ? [basename(out)] : []);
  expect(readdirSync(childTmp)).toEqual([]);
  return after !== before;
}

/** Each command, on a fresh OUT: its arguments. */
const COMMANDS: Record<string, (out: string) => string[]> = {
  generate: out => ['generate', '--config', small, '--out', out],
  'generate --update': out => {
    const config = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
    config.nodes.push({name: 'worker7', ip: '192.168.56.47', roles: ['worker']});
    writeFileSync(join(out, 'cluster.yaml'), stringify(config));
    return ['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update'];
  },
  renew: out => ['renew', out, 'all', '--new-keys'],
  'user add': out => ['user', 'add', 'jane', '--group', 'dev', '--out', out],
};

describe('a closed stdout or stderr while a command writes OUT', () => {
  const cases = Object.keys(COMMANDS).flatMap(name => (['stdout', 'stderr'] as Closed[]).map(closed => [name, closed] as const));
  it.each(cases)('%s with its %s closed: exit 1 (0 when it writes nothing there), OUT whole, nothing left', async (name, closed) => {
    const parent = freshParent();
    const out = join(parent, 'out');
    if (name !== 'generate') cpSync(pristine, out, {recursive: true});
    const args = COMMANDS[name]!(out);
    const before = manifestOf(out);
    const r = await runClosing(args, closed);
    expect(r.signal).toBe(null);
    expect(r.stderr).not.toMatch(/unexpected error/);
    const changed = expectWhole(out, before);
    if (closed === 'stdout') {
      // The report could not be printed: a failure, and stderr says what OUT holds.
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(changed ? /stopped \(its output was closed, EPIPE\) after .* was written/ : /stopped \(its output was closed, EPIPE\)/);
    } else if (r.code !== 0) {
      expect(r.code).toBe(1);
    } else {
      // renew writes nothing to stderr: nothing failed, the change is complete.
      expect(name).toBe('renew');
      expect(changed).toBe(true);
      expect(r.stdout).not.toBe('');
    }
  });

  it('kubepki generate … 2>&1 | head -3: exit 1, nothing beside OUT (was: exit 1, no word, staging with keys and the lock left)', () => {
    const parent = freshParent();
    const out = join(parent, 'out');
    // Enough RSA keys that progress lines keep coming after head has gone.
    const config = parse(readFileSync(small, 'utf8'));
    config.pki.key = 'rsa-2048';
    const slow = join(parent, '..', `slow${made}.yaml`);
    writeFileSync(slow, stringify(config));
    const r = run('bash', ['-c', `node ${JSON.stringify(CLI)} generate --config ${JSON.stringify(slow)} --out ${JSON.stringify(out)} --force 2>&1 | head -3 >/dev/null; echo "\${PIPESTATUS[0]}"`],
      {env: {...process.env, TMPDIR: childTmp}});
    expect(r.stdout.trim()).toBe('1');
    expectWhole(out, undefined);
  });
});

describe('the wizard\'s line prompts into a pipe that closes', () => {
  it('kubepki --plain | head -c 120: stops, says so on stderr, writes nothing', async () => {
    const cwd = join(tmp.path, 'plain');
    mkdirSync(cwd);
    const term = new Terminal(cwd, ['--plain', '2>', 'err.txt', '|', 'head', '-c', '120', '>', 'first.txt']);
    const said = () => (existsSync(join(cwd, 'err.txt')) ? readFileSync(join(cwd, 'err.txt'), 'utf8') : '');
    try {
      // Each answer makes it write again; once head has gone, a write fails.
      await waitFor('the wizard to stop', () => { term.send('Enter'); return said().includes('stopped'); }, 60_000, 500);
      expect(said()).toBe('\nkubepki: stopped (its output was closed, EPIPE); nothing was written.\n');
      expect(readdirSync(cwd).filter(f => !f.startsWith('.exit-')).sort()).toEqual(['err.txt', 'first.txt']);
    } finally {
      term.close();
    }
  });
});

describe('the repository', () => {
  it('.gitignore covers kubepki\'s staging directories and lock files beside an output directory', () => {
    for (const file of ['.pki-out.kubepki-123-0123abcd/pki/ca.key', '.pki-out.kubepki-123-0123abcd-previous/pki/ca.key', '.pki-out.kubepki.lock', '.pki-out.kubepki.lock.break', 'deploy/.cluster.kubepki-9-deadbeef/pki/ca.key']) {
      expect(spawnSync('git', ['-C', ROOT, 'check-ignore', '-q', file]).status, `${file} is not ignored`).toBe(0);
    }
  });
});
