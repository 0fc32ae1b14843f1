// The plan of the wizard on an existing OUT as a diff, without rendering: what changed and how,
// what is removed, and how long kept certificates have left.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cpSync} from 'node:fs';
import {join} from 'node:path';
import {buildCluster} from '../../source/build/index.js';
import {openOut, planDiff, diffSummary, notKubepkiOutput} from '../../source/interview/update.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith, tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-plan-diff-');
// ECDSA keys: quick to make; the comparison does not depend on the key type.
const base = specWith(c => { c.pki.key = 'ecdsa-p256'; });
let pristine: string;
beforeAll(async () => {
  pristine = join(tmp.path, 'pristine');
  await buildCluster(buildPlan(base), pristine);
});
afterAll(() => tmp.remove());

const copy = (name: string) => {
  const out = join(tmp.path, name);
  cpSync(pristine, out, {recursive: true});
  return out;
};

describe('planDiff', () => {
  it('an extra SAN: the apiserver certificate alone is changed, saying which SAN; the rest kept', () => {
    const opened = openOut(copy('san'));
    const diff = planDiff(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; c.extraSANs = ['k8s.example.org']; })), opened);
    const changed = diff.rows.filter(r => r.status === 'changed');
    expect(changed.map(r => r.ref)).toEqual(['apiserver']);
    expect(changed[0]!.detail).toBe('SANs +k8s.example.org');
    expect(diff.counts.new).toBe(0);
    expect(diff.counts.removed).toBe(0);
    expect(diffSummary(diff)).toMatch(/^0 new · 1 changed · \d+ kept · 0 removed$/);
  });

  it('a removed worker: its rows are removed and listed first; a new key type changes every leaf, saying so', () => {
    const opened = openOut(copy('remove'));
    const diff = planDiff(buildPlan(specWith(c => {
      c.pki.key = 'ecdsa-p384';
      c.nodes = c.nodes.filter((n: {name: string}) => n.name !== 'worker2');
    })), opened);
    expect(diff.removedNodes).toEqual(['worker2']);
    const firstKept = diff.rows.findIndex(r => r.status !== 'removed');
    expect(diff.rows.slice(0, firstKept).every(r => r.status === 'removed' && r.detail === 'node worker2 removed')).toBe(true);
    expect(firstKept).toBeGreaterThan(0);
    expect(diff.rows.filter(r => r.kind === 'certificate' && r.status !== 'removed').every(r => r.status === 'changed' && r.detail.includes('key type ecdsa-p256 → ecdsa-p384'))).toBe(true);
    // The CAs are kept, never replaced.
    expect(diff.rows.filter(r => r.kind === 'authority').map(r => r.status)).toEqual(['kept', 'kept', 'kept']);
  });

  it('kept certificates carry their days left; below 30 days they are marked expiring', async () => {
    const out = join(tmp.path, 'short');
    await buildCluster(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; c.pki.validity.certificate = '480h'; })), out);
    const opened = openOut(out);
    const diff = planDiff(buildPlan(opened.spec), opened);
    const apiserver = diff.rows.find(r => r.ref === 'apiserver')!;
    expect(apiserver).toMatchObject({status: 'kept', daysLeft: 19, expiring: true});
    expect(apiserver.detail).toBe('19 days left — renew (below 30d)');
    expect(diff.rows.find(r => r.ref === 'ca')).toMatchObject({status: 'kept', daysLeft: 3649});
    expect(diff.rows.find(r => r.ref === 'ca')!.expiring).toBeUndefined();
    expect(diffSummary(diff)).toMatch(/· \d+ expiring within 30d$/);
  });

  it('a directory without kubepki output is named as such', () => {
    expect(notKubepkiOutput(tmp.path)).toMatch(/is not a kubepki output directory: it has no manifest\.json or cluster\.yaml/);
    expect(notKubepkiOutput(pristine)).toBeUndefined();
  });
});
