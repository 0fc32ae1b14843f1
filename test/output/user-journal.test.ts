// A user change killed with SIGKILL at every step of it (issue 21, item 5): the child process
// counts the file-system calls of commitUser / dropUser and kills itself at call k; the next
// run's sweep (sweepUserChanges, under OUT's lock) then leaves the change done in full or not at
// all: no staging or journal file, no marker, and a manifest that lists exactly the users whose
// files exist, each with its files all old or all new.
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {sweepUserChanges} from '../../source/output/users.js';
import {ROOT} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';
import {bundleChild} from '../helpers/ownership.js';

vi.setConfig({testTimeout: 180_000, hookTimeout: 60_000});

const tmp = tempDir('kubepki-journal-');
afterAll(() => tmp.remove());

const CHILD = `
import fs from 'node:fs';
import {syncBuiltinESMExports} from 'node:module';
import {commitUser, dropUser} from ${JSON.stringify(join(ROOT, 'source/output/users.ts'))};
const [out, op, killAt] = process.argv.slice(2);
let calls = 0;
for (const name of ['mkdirSync', 'writeFileSync', 'renameSync', 'rmSync', 'cpSync', 'rmdirSync', 'unlinkSync', 'lchownSync']) {
  const original = fs[name];
  fs[name] = (...args) => {
    if (++calls === Number(killAt)) process.kill(process.pid, 'SIGKILL');
    return original(...args);
  };
}
syncBuiltinESMExports();
const files = name => ['key', 'crt', 'conf'].map(ext => ({path: 'users/' + name + '/' + name + '.' + ext, content: 'new ' + ext, secret: ext !== 'crt'}));
const entry = name => ({name, groups: ['dev'], signedBy: 'ca', key: 'users/' + name + '/' + name + '.key', cert: 'users/' + name + '/' + name + '.crt', kubeconfig: 'users/' + name + '/' + name + '.conf'});
if (op === 'add') commitUser(out, entry('ann'), files('ann'), false);
if (op === 'renew') commitUser(out, entry('base'), files('base').slice(1), true);
if (op === 'remove') dropUser(out, 'base');
process.stdout.write('calls ' + calls);
`;

let child: string;
beforeAll(async () => { child = await bundleChild(tmp.path, 'child', CHILD); });

let made = 0;
/** An OUT as far as user changes care: a manifest and one user, base. */
function fixture(): string {
  const out = join(tmp.path, `o${++made}`);
  mkdirSync(join(out, 'users', 'base'), {recursive: true});
  for (const ext of ['key', 'crt', 'conf']) writeFileSync(join(out, 'users', 'base', `base.${ext}`), `old ${ext}`);
  const base = {name: 'base', groups: ['dev'], signedBy: 'ca', key: 'users/base/base.key', cert: 'users/base/base.crt', kubeconfig: 'users/base/base.conf'};
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({apiVersion: 'kubepki/v1', users: [base]}));
  return out;
}

function expectWhole(out: string, what: string) {
  expect(readdirSync(out).filter(f => f !== 'users' && f !== 'manifest.json'), `${what}: in OUT`).toEqual([]);
  const users = existsSync(join(out, 'users')) ? readdirSync(join(out, 'users')) : [];
  const listed = (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).users ?? []) as {name: string}[];
  expect(listed.map(u => u.name).sort(), `${what}: the manifest lists exactly the users on disk`).toEqual([...users].sort());
  for (const name of users) {
    const files = readdirSync(join(out, 'users', name)).sort();
    expect(files, `${what}: ${name}'s files`).toEqual([`${name}.conf`, `${name}.crt`, `${name}.key`]);
    // All old or all new: a renewal rewrites the certificate and the kubeconfig together.
    const ages = new Set(['crt', 'conf'].map(ext => readFileSync(join(out, 'users', name, `${name}.${ext}`), 'utf8').split(' ')[0]));
    expect(ages.size, `${what}: ${name}'s certificate and kubeconfig`).toBe(1);
  }
}

describe('a user change killed at each of its steps', () => {
  for (const op of ['add', 'renew', 'remove']) {
    it(`${op}: after the sweep, done in full or not at all`, () => {
      const done = spawnSync(process.execPath, [child, fixture(), op, '0'], {encoding: 'utf8'});
      const steps = Number(/calls (\d+)/.exec(done.stdout)?.[1]);
      expect(steps, done.stderr).toBeGreaterThan(2);
      const outcomes = new Set<string>();
      for (let k = 1; k <= steps; k++) {
        const out = fixture();
        const r = spawnSync(process.execPath, [child, out, op, String(k)], {encoding: 'utf8'});
        expect(r.signal, `step ${k}: ${r.stderr}`).toBe('SIGKILL');
        sweepUserChanges(out);
        expectWhole(out, `${op} killed at step ${k} of ${steps}`);
        const users = existsSync(join(out, 'users')) ? readdirSync(join(out, 'users')).sort() : [];
        const base = join(out, 'users', 'base', 'base.crt');
        outcomes.add(`${users.join(',')} ${existsSync(base) ? readFileSync(base, 'utf8') : ''}`);
      }
      // Early kills undo it, late ones finish it.
      expect(outcomes.size, [...outcomes].join(' | ')).toBe(2);
    });
  }
});
