// The user commands are as safe as generate (issue 21, items 1, 5 and 7 and the ENOTEMPTY race):
// they hold OUT's lock while they read and write it, so concurrent ones never lose a user and a
// user add during an --update costs the update nothing; a signal leaves OUT as it was or with the
// change complete, a kill -9 leaves what the next run finishes or undoes; a full or read-only disk
// is one line and exit 1. After every run: nothing beside OUT, nothing in TMPDIR, no staging or
// journal file inside OUT, and the manifest lists exactly the users whose files exist.
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {spawn, spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync, openSync, writeSync, closeSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {parse, stringify} from 'yaml';
import {CLI, kubepki} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';
import {mountTmpfs, smallConfig} from '../helpers/ownership.js';
import {waitFor} from '../helpers/processes.js';

vi.setConfig({testTimeout: 300_000, hookTimeout: 120_000});

const tmp = tempDir('kubepki-user-safety-');
afterAll(() => tmp.remove());
/** The children's TMPDIR: nothing may be left in it. */
const childTmp = join(tmp.path, 'tmpdir');

let pristine: string;
let configFile: string;
beforeAll(() => {
  mkdirSync(childTmp);
  configFile = smallConfig(tmp.path).file;
  pristine = join(tmp.path, 'pristine', 'out');
  const r = kubepki(['generate', '--config', configFile, '--out', pristine]);
  expect(r.status, r.stderr).toBe(0);
});

let made = 0;
/** A copy of the pristine OUT, alone in a fresh parent. */
function freshOut(): string {
  const out = join(tmp.path, `p${++made}`, 'out');
  cpSync(pristine, out, {recursive: true});
  return out;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Runs the CLI (TMPDIR private); `act` may signal the live child. */
async function runCli(args: string[], act: (child: ReturnType<typeof spawn>) => Promise<void> | void = () => {}): Promise<Ran> {
  const child = spawn(process.execPath, [CLI, ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, TMPDIR: childTmp}});
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', d => { stdout += d; });
  child.stderr!.on('data', d => { stderr += d; });
  const closed = new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.on('close', (code, signal) => resolve([code, signal])));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  await act(child);
  const [code, signal] = await closed;
  clearTimeout(timer);
  return {code, signal, stdout, stderr, pid: child.pid!};
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const manifestUsers = (out: string): {name: string; key: string; cert?: string; kubeconfig?: string}[] => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).users ?? [];

/** Nothing left anywhere, and users and manifest agree. */
function expectClean(out: string, what: string) {
  expect(readdirSync(dirname(out)), `${what}: beside OUT`).toEqual([basename(out)]);
  expect(readdirSync(childTmp), `${what}: in TMPDIR`).toEqual([]);
  expect(readdirSync(out).filter(f => f.includes('kubepki')), `${what}: in OUT`).toEqual([]);
  const dirs = existsSync(join(out, 'users')) ? readdirSync(join(out, 'users')) : [];
  expect(dirs.filter(d => d.startsWith('.')), `${what}: in OUT/users`).toEqual([]);
  const listed = manifestUsers(out);
  expect(listed.map(u => u.name).sort(), `${what}: the manifest lists every user whose files exist`).toEqual([...dirs].sort());
  for (const u of listed) {
    expect(readdirSync(join(out, 'users', u.name)).sort(), `${what}: ${u.name}'s files`)
      .toEqual([u.key, u.cert, u.kubeconfig].filter(Boolean).map(f => basename(f!)).sort());
  }
}

const add = (out: string, name: string) => ['user', 'add', name, '--group', 'dev', '--out', out];

describe('concurrent user commands', () => {
  it('20 pairs of user add at once (random offsets): no user lost; the same name twice: one wins, the other exits 2 saying it exists', async () => {
    const out = freshOut();
    for (let i = 0; i < 20; i++) {
      const same = i % 4 === 3;
      const names = same ? [`same${i}`, `same${i}`] : [`a${i}`, `b${i}`];
      const offset = Math.random() * 300;
      const [first, second] = await Promise.all([
        runCli(add(out, names[0]!)),
        sleep(offset).then(() => runCli(add(out, names[1]!))),
      ]);
      const runs = [first, second];
      for (const r of runs) expect(r.stderr, `pair ${i}`).not.toMatch(/unexpected error|ENOTEMPTY|EEXIST/);
      if (same) {
        expect(runs.map(r => r.code).sort(), `pair ${i}: ${first.stderr}${second.stderr}`).toEqual([0, 2]);
        expect(runs.find(r => r.code === 2)!.stderr).toContain('already exists');
      } else {
        expect(runs.map(r => r.code), `pair ${i}: ${first.stderr}${second.stderr}`).toEqual([0, 0]);
      }
      expectClean(out, `pair ${i}`);
    }
    expect(manifestUsers(out).length).toBe(15 * 2 + 5);
  });

  it('a user add during a long --update waits for it: the update keeps its work, the user is added after', async () => {
    const out = freshOut();
    const config = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
    // Enough new RSA keys that the update takes a while.
    for (let n = 3; n < 6; n++) config.nodes.push({name: `worker${n}`, ip: `192.168.56.${40 + n}`, roles: ['worker']});
    config.pki.key = 'rsa-2048';
    writeFileSync(join(out, 'cluster.yaml'), stringify(config));
    let user: Ran | undefined;
    const update = await runCli(['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update'], async child => {
      await waitFor('the update to make keys', () => existsSync(join(dirname(out), '.out.kubepki.lock')) || child.exitCode !== null, 60_000, 5);
      user = await runCli(add(out, 'jane'));
    });
    expect(update.code, update.stderr).toBe(0);
    expect(update.stderr).not.toContain('changed while kubepki was generating');
    expect(user!.stderr).toContain(`waiting for another kubepki (PID ${update.pid})`);
    // Added once the update is done; or, on a machine so loaded that the update outlasts the
    // wait, refused naming it, having changed nothing.
    if (user!.code === 0) expect(manifestUsers(out).map(u => u.name)).toEqual(['jane']);
    else {
      expect(user!.code).toBe(2);
      expect(user!.stderr).toContain(`another kubepki (PID ${update.pid}) is writing this output directory`);
      expect(manifestUsers(out)).toEqual([]);
    }
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).nodes).toHaveProperty('worker5');
    expectClean(out, 'update + add');
  });
});

describe('interrupted user commands', () => {
  it('20 runs of user add, renew or remove, each signalled (INT, TERM, HUP or KILL) at a random moment: OUT as it was or changed in full, the next run sweeps a killed one', async () => {
    const out = freshOut();
    expect((await runCli(add(out, 'base'))).code).toBe(0);
    const exitFor = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as Record<string, number>;
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'];
    let interrupted = 0;
    for (let i = 0; i < 20; i++) {
      const users = manifestUsers(out).map(u => u.name);
      const pick = users.length && i % 3 ? users[Math.floor(Math.random() * users.length)]! : '';
      const args = !pick ? add(out, `u${i}`) : i % 3 === 1 ? ['user', 'renew', pick, '--out', out] : ['user', 'remove', pick, '--out', out];
      const signal = signals[i % signals.length]!;
      // From the moment it holds OUT's lock to the end of its run.
      const lock = join(dirname(out), '.out.kubepki.lock');
      const r = await runCli(args, async child => {
        await waitFor('the lock', () => existsSync(lock) || child.exitCode !== null, 30_000, 2);
        if (i % 2 === 0 && child.exitCode === null) {
          // Every other run is caught for certain while it holds the lock: frozen, signalled,
          // resumed (a random delay alone can miss every run on a fast machine).
          child.kill('SIGSTOP');
          child.kill(signal);
          child.kill('SIGCONT');
        } else {
          await sleep(Math.random() * 250);
          child.kill(signal);
        }
      });
      const what = `run ${i} (${args.slice(0, 3).join(' ')}, ${signal})`;
      expect(r.stderr, what).not.toMatch(/unexpected error/);
      if (signal === 'SIGKILL') {
        // The next command that writes OUT finishes or undoes what the killed one left.
        const next = await runCli(['user', 'remove', 'nobody', '--out', out]);
        expect(next.code, next.stderr).toBe(2);
      } else if (r.signal === null) {
        expect([0, exitFor[signal]], `${what}: ${r.stderr}`).toContain(r.code);
        if (r.code !== 0) {
          interrupted++;
          expect(r.stderr, what).toMatch(new RegExp(`interrupted \\(${signal}\\)(; nothing was changed| after .* was written: the change is complete)`));
        }
      } else {
        expect(r.signal, what).toBe(signal); // before Node installed its handlers: nothing was claimed yet
      }
      expectClean(out, what);
    }
    expect(interrupted).toBeGreaterThan(0);
  });
});

describe('a full or read-only disk during user commands', () => {
  const mount = join(tmp.path, 'small-disk');
  let unmount: () => void;
  beforeAll(() => { unmount = mountTmpfs(mount, '2m'); });
  afterAll(() => unmount());

  it('ENOSPC at every point of user add, renew and remove: exit 0 or 1 with one line, nothing left, OUT consistent', async () => {
    const out = join(mount, 'out');
    cpSync(pristine, out, {recursive: true});
    expect((await runCli(add(out, 'keep'))).code).toBe(0);
    // Fill the disk, then give back a few pages at a time.
    const fillerPath = join(mount, '.filler');
    const fd = openSync(fillerPath, 'w');
    const page = Buffer.alloc(4096, 1);
    let size = 0;
    try {
      for (;;) { writeSync(fd, page); size += page.length; }
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    let failed = 0;
    for (let pages = 0; pages <= 12; pages++) {
      truncateSync(fillerPath, size - pages * 4096);
      const other = pages % 2 ? ['user', 'remove', `n${pages - 1}`, '--out', out] : ['user', 'renew', 'keep', '--out', out];
      for (const args of [add(out, `n${pages}`), other]) {
        const r = await runCli(args);
        const what = `${args.slice(0, 3).join(' ')} with ${pages} pages free`;
        if (r.code !== 0) {
          failed++;
          if (args[1] === 'remove' && r.stderr.includes('has no user')) continue;
          expect(r.code, `${what}: ${r.stderr}`).toBe(1);
          expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
          expect(r.stderr, what).toMatch(/^kubepki: cannot write .*: no space left on the device \(ENOSPC\)/);
        }
        const beside = readdirSync(mount).filter(f => f !== '.filler');
        expect(beside, `${what}: beside OUT`).toEqual(['out']);
        expect(readdirSync(out).filter(f => f.includes('kubepki')), `${what}: in OUT`).toEqual([]);
        const dirs = existsSync(join(out, 'users')) ? readdirSync(join(out, 'users')) : [];
        expect(dirs.filter(d => d.startsWith('.')), what).toEqual([]);
        expect(manifestUsers(out).map(u => u.name).sort(), what).toEqual([...dirs].sort());
        expect(readdirSync(childTmp), what).toEqual([]);
      }
      truncateSync(fillerPath, size);
    }
    expect(failed).toBeGreaterThan(3);
    expect(kubepki(['verify', out]).status).toBe(0);
  });

  it('a read-only OUT: exit 1, one line naming it, nothing left', async () => {
    const parent = join(tmp.path, 'ro-parent');
    const out = join(parent, 'out');
    const unmountOut = mountTmpfs(out, '2m');
    try {
      cpSync(pristine, out, {recursive: true});
      expect(spawnSync('mount', ['-o', 'remount,ro', out]).status).toBe(0);
      const r = await runCli(add(out, 'jane'));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^kubepki: cannot write .*out: the file system is read-only \(EROFS\); nothing was changed\./);
      expect(readdirSync(parent)).toEqual(['out']);
      expect(readdirSync(childTmp)).toEqual([]);
    } finally {
      unmountOut();
    }
  });
});
