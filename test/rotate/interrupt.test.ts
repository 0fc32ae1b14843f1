// rotate start interrupted by SIGINT at moments across its run: OUT is the old tree or the new
// one, never half (as test/build/safety.test.ts proves for generate).
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

/** rotate start with SIGINT sent `delayMs` after it says it is making the new CA. */
async function interrupted(out: string, delayMs: number) {
  const child = spawn(process.execPath, [CLI, 'rotate', out, 'start', 'ca'], {stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr!.on('data', d => { stderr += d; });
  child.stdout!.resume();
  const closed = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await waitFor('rotate to start making the CA', () => stderr.includes('making the new ca CA') || child.exitCode !== null, 30_000, 2);
  if (delayMs) await new Promise(r => setTimeout(r, delayMs));
  child.kill('SIGINT');
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
