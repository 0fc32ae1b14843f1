// rotate start, issue and finish interrupted by SIGINT at moments across their run: OUT is the
// old tree or the new one, never half (as test/build/safety.test.ts proves for generate).
import {spawn} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {cpSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCluster} from '../../source/build/index.js';
import {pemBlocks} from '../../source/build/rotate.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {waitFor} from '../helpers/processes.js';
import {CLI, kubepki} from '../helpers/run.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-rotate-int-');
afterAll(() => tmp.remove());
let base: string;
beforeAll(async () => {
  base = join(tmp.path, 'base');
  await buildCluster(buildPlan(specWith(c => { c.pki.layout = 'hard-way'; c.pki.authorities = 'kubeadm'; c.pki.key = 'ecdsa-p256'; })), base);
});

/** rotate ACTION with SIGINT sent `delayMs` after it says so on stderr (`marker`). */
async function interrupted(out: string, delayMs: number, args = ['start', 'ca'], marker = 'making the new ca CA') {
  const child = spawn(process.execPath, [CLI, 'rotate', out, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr!.on('data', d => { stderr += d; });
  child.stdout!.resume();
  const closed = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await waitFor(`rotate ${args[0]} to say ${marker}`, () => stderr.includes(marker) || child.exitCode !== null, 30_000, 2);
  if (delayMs && delayMs !== Infinity) await new Promise(r => setTimeout(r, delayMs));
  // Infinity: never signalled (the run to its end: the new phase for certain).
  if (delayMs !== Infinity) child.kill('SIGINT');
  const code = await closed;
  clearTimeout(timer);
  return {code, stderr};
}

describe('rotate start interrupted by SIGINT', () => {
  it('leaves OUT old or new, never half; an interrupt before the swap leaves it as it was', async () => {
    const outcomes: string[] = [];
    for (const [i, delay] of [0, 0, 30, 80, 150, 300].entries()) {
      const out = join(tmp.path, `out-${i}`);
      cpSync(base, out, {recursive: true, preserveTimestamps: true});
      const before = snapshot(out);
      const r = await interrupted(out, delay);
      expect([0, 130], r.stderr).toContain(r.code);
      const changed = differing(before, snapshot(out));
      if (changed.length === 0) {
        expect(r.code).toBe(130);
        expect(r.stderr).toContain('the unfinished files were removed');
        outcomes.push('old');
        continue;
      }
      // The new tree, whole: every trust file of the cluster CA is the bundle, and verify passes.
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      expect(manifest.rotation.authority).toBe('ca');
      const trust = [manifest.authorities[0].cert, ...Object.values<any>(manifest.nodes).flatMap(n => n.files.filter((f: any) => f.source === 'pki/ca.crt').map((f: any) => `${n.bundle}${f.path}`))];
      for (const f of trust) expect(pemBlocks(readFileSync(join(out, f), 'utf8')).map(b => new X509Certificate(b).fingerprint256)).toEqual([manifest.rotation.old.fingerprint256, manifest.rotation.new.fingerprint256]);
      expect(kubepki(['verify', out]).status).toBe(0);
      outcomes.push('new');
    }
    // The first moments are always before the swap.
    expect(outcomes[0]).toBe('old');
  }, 120_000);
});

describe('rotate issue and finish interrupted by SIGINT', () => {
  /** Every trust file of the cluster CA: its master copy and each node's copy. */
  const trustOf = (out: string, manifest: any) => [manifest.authorities[0].cert, ...Object.values<any>(manifest.nodes).flatMap(n => n.files.filter((f: any) => f.source === 'pki/ca.crt').map((f: any) => `${n.bundle}${f.path}`))];
  const fingerprintsOf = (out: string, f: string) => pemBlocks(readFileSync(join(out, f), 'utf8')).map(b => new X509Certificate(b).fingerprint256);

  it('leaves OUT in the phase before or the phase after, never half', async () => {
    // One OUT in phase start, one in phase issue: each try runs on a fresh copy.
    const started = join(tmp.path, 'started');
    cpSync(base, started, {recursive: true, preserveTimestamps: true});
    expect(kubepki(['rotate', started, 'start', 'ca']).status).toBe(0);
    const issuedOut = join(tmp.path, 'issued');
    cpSync(started, issuedOut, {recursive: true, preserveTimestamps: true});
    expect(kubepki(['rotate', issuedOut, 'issue']).status).toBe(0);
    const outcomes: string[] = [];
    for (const [action, from] of [['issue', started], ['finish', issuedOut]] as const) {
      for (const [i, delay] of [0, 500, 1500, Infinity].entries()) {
        const out = join(tmp.path, `${action}-${i}`);
        cpSync(from, out, {recursive: true, preserveTimestamps: true});
        const before = snapshot(out);
        const r = await interrupted(out, delay, [action], `writing rotate ${action}`);
        expect([0, 130], r.stderr).toContain(r.code);
        if (differing(before, snapshot(out)).length === 0) {
          expect(r.code).toBe(130);
          expect(r.stderr).toContain('the unfinished files were removed');
          outcomes.push(`${action}: old`);
          continue;
        }
        // The new phase, whole: its state, every trust file as the phase says, every leaf of the new CA, verify passes.
        const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
        const record = action === 'issue' ? manifest.rotation : manifest.rotations[0];
        expect(action === 'issue' ? manifest.rotation.phase : manifest.rotation).toBe(action === 'issue' ? 'issue' : undefined);
        const expected = action === 'issue' ? [record.old.fingerprint256, record.new.fingerprint256] : [record.new.fingerprint256];
        for (const f of trustOf(out, manifest)) expect(fingerprintsOf(out, f), f).toEqual(expected);
        for (const c of manifest.certificates.filter((x: any) => x.signer === 'ca')) {
          expect(new X509Certificate(readFileSync(join(out, c.cert))).issuer.replaceAll('\n', ', '), c.cert).toBe(record.new.subject);
        }
        expect(kubepki(['verify', out]).status).toBe(0);
        outcomes.push(`${action}: new`);
      }
    }
    // The first moment is always before the swap; a run never signalled writes the new phase.
    expect(outcomes[0]).toBe('issue: old');
    expect(outcomes[3]).toBe('issue: new');
    expect(outcomes[4]).toBe('finish: old');
    expect(outcomes[7]).toBe('finish: new');
  }, 120_000);
});
