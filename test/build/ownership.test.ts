// OUT's old tree, swapped out at the end of a run, holds the CA keys: a kill -9 at any moment of
// its removal must leave something the next run's sweep removes (issue 21, item 6). And root
// updating an OUT that belongs to someone else leaves it theirs (issue 21, item 12).
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {spawn, spawnSync} from 'node:child_process';
import {chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, watch, writeFileSync, chmodSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {sweepLeftovers} from '../../source/output/claim.js';
import {ROOT, kubepki} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';
import {bundleChild, smallConfig} from '../helpers/ownership.js';

vi.setConfig({testTimeout: 180_000, hookTimeout: 120_000});

const tmp = tempDir('kubepki-ownership-');
afterAll(() => tmp.remove());

// The child builds an old tree of many files, stages a small new one and swaps them with the
// engine's own commitStagingNow; the test kills it while the old tree is being removed.
const CHILD = `
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {commitStagingNow, createStaging, snapshotOutput} from ${JSON.stringify(join(ROOT, 'source/output/write.ts'))};
const target = process.argv[2];
for (let d = 0; d < 6; d++) {
  mkdirSync(join(target, 'pki' + d), {recursive: true});
  for (let f = 0; f < 50; f++) writeFileSync(join(target, 'pki' + d, f + '.key'), 'old key');
}
writeFileSync(join(target, 'manifest.json'), 'old');
const before = snapshotOutput(target);
const staging = createStaging(target);
writeFileSync(join(staging, 'manifest.json'), 'new');
commitStagingNow(staging, target, before);
process.stdout.write('swapped');
`;

let child: string;
beforeAll(async () => { child = await bundleChild(tmp.path, 'swap', CHILD); });

/** Runs the child on a fresh OUT; kill -9 once the old tree is set aside, after `delayMs`. */
async function swapKilled(parent: string, delayMs: number): Promise<NodeJS.Signals | null> {
  const target = join(parent, 'out');
  const proc = spawn(process.execPath, [child, target], {stdio: 'ignore'});
  mkdirSync(parent, {recursive: true});
  const watcher = watch(parent, (_event, name) => {
    if (!String(name).endsWith('-previous')) return;
    watcher.close();
    setTimeout(() => proc.kill('SIGKILL'), delayMs);
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const signal = await new Promise<NodeJS.Signals | null>(resolve => proc.on('close', (_code, s) => resolve(s)));
  clearTimeout(timer);
  watcher.close();
  return signal;
}

describe('kill -9 while the old tree is removed after the swap', () => {
  it('20 kills at random moments: the next run\'s sweep leaves OUT alone beside it, the old keys gone', async () => {
    let killedMidway = 0;
    for (let i = 0; i < 20; i++) {
      const parent = join(tmp.path, `swap${i}`);
      mkdirSync(parent);
      const signal = await swapKilled(parent, Math.random() * 15);
      if (signal === 'SIGKILL' && readdirSync(parent).length > 1) killedMidway++;
      sweepLeftovers(join(parent, 'out'));
      expect(readdirSync(parent), `run ${i}`).toEqual(['out']);
      // The old tree whole (killed between the two renames: put back), or the new one alone.
      const out = join(parent, 'out');
      const files = readdirSync(out, {recursive: true}).map(String).filter(f => f.endsWith('.key'));
      if (readFileSync(join(out, 'manifest.json'), 'utf8') === 'old') expect(files.length, `run ${i}`).toBe(6 * 50);
      else expect(files, `run ${i}`).toEqual([]);
    }
    // The loop means something only if some kills landed during the removal.
    expect(killedMidway).toBeGreaterThan(0);
  });
});

describe('root updating an OUT that belongs to someone else', () => {
  it('--update keeps the owner of every file and the mode of the top folder', () => {
    if (process.getuid?.() !== 0) throw new Error('this test runs as root (it gives OUT to another user)');
    const {file, config} = smallConfig(tmp.path);
    const out = join(tmp.path, 'theirs');
    expect(kubepki(['generate', '--config', file, '--out', out]).status).toBe(0);
    const entries = (dir: string): string[] => readdirSync(dir, {recursive: true}).map(String).map(p => join(dir, p));
    for (const path of [out, ...entries(out)]) chownSync(path, 4321, 4321);
    chmodSync(out, 0o750);
    // A change, so that files are written anew: a worker's IP.
    config.nodes[1].ip = '192.168.56.99';
    writeFileSync(join(out, 'cluster.yaml'), stringify(config));
    chownSync(join(out, 'cluster.yaml'), 4321, 4321);
    const r = kubepki(['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update']);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o750);
    const notTheirs = [out, ...entries(out)].filter(p => statSync(p).uid !== 4321 || statSync(p).gid !== 4321);
    expect(notTheirs).toEqual([]);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(spawnSync('stat', ['-c', '%u', join(out, 'pki/ca.key')], {encoding: 'utf8'}).stdout.trim()).toBe('4321');
  });
});
