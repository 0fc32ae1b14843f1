// The engine's report: what it wrote, kept and removed, and which nodes must receive files again.
import {afterAll, describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {buildCluster} from '../../source/build/index.js';
import {finalReport} from '../../source/build/report.js';
import {buildPlan} from '../../source/plan/plan.js';
import {exampleSpec} from '../../source/spec/example.js';
import {specWith, tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-build-');
afterAll(() => tmp.remove());

describe('buildCluster', () => {
  it('reports a fresh build: every planned file written, nothing kept or removed, every node to receive its bundle', async () => {
    const plan = buildPlan(exampleSpec());
    const out = join(tmp.path, 'fresh');
    const report = await buildCluster(plan, out);
    const planned = [
      ...plan.authorities.flatMap(a => [a.cert, a.key]), ...plan.certificates.flatMap(c => [c.cert, c.key]),
      ...plan.kubeconfigs.map(k => k.file), plan.serviceAccount.key, plan.serviceAccount.publicKey,
      'cluster.yaml', 'manifest.json', 'verify.sh', 'distribute.sh',
    ];
    expect(report.written).toEqual([...planned].sort());
    expect(report.kept).toEqual([]);
    expect(report.removed).toEqual([]);
    expect(report.keptAuthorities).toEqual([]);
    expect(report.nodesToRedistribute).toEqual(plan.nodes.map(n => n.name));
    expect(report.plan).toBe(plan);
    // The plan's spec is what cluster.yaml holds.
    expect(readFileSync(join(out, 'cluster.yaml'), 'utf8')).toMatch(/name: worker2/);
  });

  it('with force keeps the CAs byte-identical, reports the dropped node\'s files as removed, and the others to redistribute', async () => {
    const out = join(tmp.path, 'forced');
    const before = await buildCluster(buildPlan(exampleSpec()), out);
    const caKey = readFileSync(join(out, 'pki/ca.key'), 'utf8');
    const smaller = buildPlan(specWith(c => { c.nodes = c.nodes.filter((n: {name: string}) => n.name !== 'worker2'); }));
    const report = await buildCluster(smaller, out, {force: true});
    expect(readFileSync(join(out, 'pki/ca.key'), 'utf8')).toBe(caKey);
    expect(report.keptAuthorities).toEqual(smaller.authorities.map(a => a.id));
    expect(report.kept).toEqual(smaller.authorities.flatMap(a => [a.cert, a.key]).sort());
    for (const path of report.kept) expect(report.written).not.toContain(path);
    const worker2Files = before.plan.certificates.filter(c => c.node === 'worker2').flatMap(c => [c.cert, c.key])
      .concat(before.plan.kubeconfigs.filter(k => k.node === 'worker2').map(k => k.file));
    expect(worker2Files.length).toBeGreaterThan(0);
    expect(report.removed).toEqual([...worker2Files, 'nodes/worker2'].sort());
    expect(report.nodesToRedistribute).toEqual(['cp1', 'cp2', 'worker1']);
    expect(finalReport(report)).toMatch(/Kept the existing CA ca \(its \S+ key was not replaced\)/);
  });

  it('refuses an OUT that holds files unless forced, naming --out and changing nothing', async () => {
    const out = join(tmp.path, 'refused');
    await buildCluster(buildPlan(exampleSpec()), out);
    const manifest = readFileSync(join(out, 'manifest.json'), 'utf8');
    await expect(buildCluster(buildPlan(exampleSpec()), out)).rejects.toMatchObject({lines: [expect.stringMatching(/^--out: .* already holds files; nothing was changed/)]});
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(manifest);
  });
});
