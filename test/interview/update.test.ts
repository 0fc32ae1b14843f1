// The plan of the wizard on an existing OUT as a diff, without rendering: what changed and how,
// what is removed, and how long kept certificates have left.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cpSync} from 'node:fs';
import {join} from 'node:path';
import {buildCluster} from '../../source/build/index.js';
import {countsLine, diffRowsShown, diffSummary, diffTable, filterName, notKubepkiOutput, openOut, planDiff, updateOutcome} from '../../source/interview/update.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {wrapText} from '../../source/text/wrap.js';

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
    expect(diffSummary(diff)).toMatch(/^0 new · 1 changed · \d+ kept · 0 removed; CAs, counted apart: 3 kept$/);
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

  it('counts the CAs apart, as the final screen does: the plan\'s counts are the update\'s', async () => {
    const out = copy('counts');
    const opened = openOut(out);
    const plan = buildPlan(specWith(c => {
      c.pki.key = 'ecdsa-p256';
      c.extraSANs = ['k8s.example.org'];
      c.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
    }));
    const diff = planDiff(plan, opened);
    const kept = diff.rows.filter(r => r.status === 'kept');
    expect(diff.counts.kept).toBe(kept.filter(r => r.kind !== 'authority').length);
    expect(diff.caCounts).toEqual({new: 0, changed: 0, kept: 3, removed: 0});
    expect(diffSummary(diff)).toBe(`${diff.counts.new} new · 1 changed · ${diff.counts.kept} kept · 0 removed; CAs, counted apart: 3 kept`);
    // generate --update as the wizard runs it: the final screen's line is the plan's.
    const report = await buildCluster(plan, out, {force: true, only: new Set<string>()});
    expect(updateOutcome(report).summary).toBe(countsLine(diff.counts, diff.caCounts));
    // Every other file it wrote, as the final screen lists them (issue 20 item 11): the scripts, kubeadm's files, the answers.
    const rewritten = updateOutcome(report).rewritten;
    for (const file of ['cluster.yaml', 'manifest.json', 'verify.sh', 'distribute.sh', 'kubeadm-steps.sh']) expect(rewritten).toContain(file);
    expect(rewritten.filter(f => f.endsWith('.key') || f.endsWith('.crt') || f.endsWith('.conf'))).toEqual([]);
    expect(diff.counts.new).toBeGreaterThan(0);
  });
});

describe('the diff as a table', () => {
  it('at 78 and 57 columns every line fits and nothing is cut: each row\'s name, file and what happens to it read in full', () => {
    const opened = openOut(copy('table'));
    const diff = planDiff(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; c.extraSANs = ['a-rather-long-name.k8s.example.org']; })), opened);
    for (const width of [78, 57]) {
      const table = diffTable(diff.rows, width);
      const lines = [...table.header, table.rule, ...table.rows.flat()];
      expect(lines.filter(l => l.length > width), `${width}`).toEqual([]);
      expect(lines.join('\n')).not.toContain('…');
      expect(table.rows).toHaveLength(diff.rows.length);
      const [header] = table.header;
      const what = header!.indexOf('WHAT');
      const file = header!.indexOf('FILE');
      diff.rows.forEach((row, i) => {
        const lines = table.rows[i]!;
        expect(lines[0]).toMatch(new RegExp(`^${row.status} `));
        // Under the cells, what happens to the row, wrapped whole.
        const under = wrapText(`${row.kind}: ${row.detail}`, width - 2);
        expect(lines.slice(-under.length)).toEqual(under.map(l => `  ${l}`));
        // The cells wrap inside their columns: each column's pieces, joined, are the whole name and path.
        const cells = lines.slice(0, -under.length);
        expect(cells.map(l => l.slice(what, file).trim()).join('')).toBe(row.ref);
        expect(cells.map(l => l.slice(file).trim()).join('')).toBe(row.file);
      });
    }
    // At 57 columns some names and paths did wrap (the checks above met wrapped cells).
    expect(diffTable(diff.rows, 57).rows.some((lines, i) => lines.length > 1 + wrapText(`${diff.rows[i]!.kind}: ${diff.rows[i]!.detail}`, 55).length)).toBe(true);
  });

  it('f shows what generating changes, and kept files that expire soon: its name says which', async () => {
    const out = join(tmp.path, 'expiring');
    await buildCluster(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; c.pki.validity.certificate = '480h'; })), out);
    const opened = openOut(out);
    const diff = planDiff(buildPlan(opened.spec), opened);
    expect(diffRowsShown(diff, 'all')).toBe(diff.rows);
    const shown = diffRowsShown(diff, 'changes');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every(r => r.status === 'kept' && r.expiring)).toBe(true);
    expect(filterName(diff, 'changes')).toBe('changes and expiring');
    expect(filterName(diff, 'all')).toBe('all rows');
    const fresh = openOut(copy('fresh'));
    const none = planDiff(buildPlan(fresh.spec), fresh);
    expect(diffRowsShown(none, 'changes')).toEqual([]);
    expect(filterName(none, 'changes')).toBe('changes only');
  });
});
