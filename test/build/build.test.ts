// The engine's report: what it wrote, kept and removed, and which nodes must receive files again.
import {afterAll, describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {buildCluster, SERVICE_ACCOUNT_REF} from '../../source/build/index.js';
import {ANSIBLE_FILES} from '../../source/scripts/ansible.js';
import {inspectDirectory} from '../../source/verify/read-out.js';
import {finalReport} from '../../source/build/report.js';
import {buildPlan} from '../../source/plan/plan.js';
import {exampleSpec} from '../../source/spec/example.js';
import {isControlPlane} from '../../source/spec/types.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {differing, snapshot} from '../helpers/snapshot.js';

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
      ...plan.components.flatMap(c => c.files.map(f => f.source)),
      ...(plan.kubeadm ? [plan.kubeadm.tokenFile, ...plan.kubeadm.configs.map(k => k.file), 'kubeadm-steps.sh'] : []),
      'cluster.yaml', 'manifest.json', 'verify.sh', 'distribute.sh', 'restart.sh', 'trust-map.svg', ...ANSIBLE_FILES,
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
    // The CAs, and the kubeadm files that came out byte-identical (same CA, same token): nothing else.
    expect(report.kept.filter(p => !p.startsWith('kubeadm/'))).toEqual(smaller.authorities.flatMap(a => [a.cert, a.key]).sort());
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

const CHANGED_EVERY_RUN = ['manifest.json']; // says when it was written (cluster.yaml, the user's document, stays when the spec does)

describe('buildCluster with only: what an update and a renewal are made of', () => {
  it('renews one certificate: it alone changes, every other file stays byte-identical, only its holders must receive files', async () => {
    const plan = buildPlan(exampleSpec());
    const out = join(tmp.path, 'renew');
    await buildCluster(plan, out);
    const before = snapshot(out);
    const report = await buildCluster(plan, out, {force: true, only: new Set(['apiserver'])});
    const after = snapshot(out);
    const apiserver = plan.certificates.find(c => c.ref === 'apiserver')!;
    const copies = Object.values(plan.bundles).flat().filter(f => f.source === apiserver.cert || f.source === apiserver.key).map(f => f.path);
    // restart.sh now holds this renewal's restarts: kube-apiserver alone, on each control-plane node.
    expect(differing(before, after)).toEqual([apiserver.cert, apiserver.key, ...copies, 'restart.sh', ...CHANGED_EVERY_RUN].sort());
    expect(report.restarts.map(s => [s.component, s.restarts.map(r => r.node)])).toEqual([['kube-apiserver', ['cp1', 'cp2']]]);
    // Scripts, OUT/ansible and the trust map are rewritten every run (byte-identical here, as differing() shows); cluster.yaml is kept.
    expect(report.written.filter(p => !['cluster.yaml', ...CHANGED_EVERY_RUN].includes(p) && !p.endsWith('.sh') && p !== 'trust-map.svg' && !ANSIBLE_FILES.includes(p))).toEqual([apiserver.cert, apiserver.key].sort());
    expect(report.kept).toContain(plan.serviceAccount.key);
    expect(report.kept).toContain('pki/nodes/cp1/kubelet-client.key');
    expect(report.nodesToRedistribute).toEqual(plan.nodes.filter(isControlPlane).map(n => n.name));
    expect(inspectDirectory(out).filter(f => !f.ok)).toEqual([]);
  });

  it('with nothing named, re-issues only what the new plan changed, keeps the rest, and drops a removed node', async () => {
    const out = join(tmp.path, 'update');
    await buildCluster(buildPlan(exampleSpec()), out);
    const before = snapshot(out);
    // A new endpoint address: a new apiserver SAN and a new server in the kubeconfigs that dial the endpoint.
    const moved = buildPlan(specWith(c => {
      c.endpoint.host = '192.168.56.30';
      c.nodes = c.nodes.filter((n: {name: string}) => n.name !== 'worker2');
    }));
    const report = await buildCluster(moved, out, {force: true, only: new Set()});
    const after = snapshot(out);
    const changed = differing(before, after);
    // Certificates: only the apiserver's changed.
    const reissued = moved.certificates.filter(c => changed.includes(c.cert)).map(c => c.ref);
    expect(reissued).toEqual(['apiserver']);
    // Kubeconfigs through the endpoint are rewritten around their kept certificates; those that dial their own node are not.
    const rewritten = moved.kubeconfigs.filter(k => changed.includes(k.file));
    expect(rewritten.map(k => k.ref).sort()).toEqual(moved.kubeconfigs.filter(k => k.server === 'https://192.168.56.30:6443').map(k => k.ref).sort());
    expect(rewritten.length).toBeGreaterThan(0);
    expect(moved.kubeconfigs.filter(k => k.server !== 'https://192.168.56.30:6443').every(k => !changed.includes(k.file))).toBe(true);
    // kubeadm: cp1's kubelet.conf (the one pre-made kubelet kubeconfig) keeps its certificate.
    const kubelet = moved.kubeconfigs.find(k => k.ref === 'kubelet/cp1')!;
    const clientCert = Buffer.from(readFileSync(join(out, 'pki/nodes/cp1/kubelet-client.crt'))).toString('base64');
    expect(after.get(kubelet.file)).toContain(clientCert);
    expect(after.get('pki/nodes/cp1/kubelet-client.crt')).toBe(before.get('pki/nodes/cp1/kubelet-client.crt'));
    expect(after.get(moved.serviceAccount.key)).toBe(before.get(moved.serviceAccount.key));
    // worker2 is gone, and nobody's files changed but those that hold the apiserver certificate or a rewritten kubeconfig.
    expect([...after.keys()].some(p => p.includes('worker2'))).toBe(false);
    expect(report.removed).toContain('nodes/worker2');
    const holders = new Set(Object.entries(moved.bundles).filter(([, files]) => files.some(f => changed.includes(f.path))).map(([node]) => node));
    expect(report.nodesToRedistribute).toEqual(moved.nodes.map(n => n.name).filter(n => holders.has(n)));
    expect(inspectDirectory(out).filter(f => !f.ok)).toEqual([]);
  });

  it('issues a new service-account key pair only when named', async () => {
    const plan = buildPlan(exampleSpec());
    const out = join(tmp.path, 'sa');
    await buildCluster(plan, out);
    const before = snapshot(out);
    await buildCluster(plan, out, {force: true, only: new Set([SERVICE_ACCOUNT_REF])});
    expect(differing(before, snapshot(out)).filter(p => p.startsWith('pki/'))).toEqual([plan.serviceAccount.key, plan.serviceAccount.publicKey].sort());
  });
});
