// The one reader of an existing OUT: manifest checked, listed files read as material by ref.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cpSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {buildCluster, type BuildReport} from '../../source/build/index.js';
import {readExisting, readManifest} from '../../source/output/existing.js';
import {buildPlan} from '../../source/plan/plan.js';
import {exampleSpec} from '../../source/spec/example.js';
import {tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-existing-');
let built: BuildReport;
beforeAll(async () => { built = await buildCluster(buildPlan(exampleSpec()), join(tmp.path, 'out')); });
afterAll(() => tmp.remove());

const copyWith = (name: string, change: (manifest: any) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const dir = join(tmp.path, name);
  cpSync(built.out, dir, {recursive: true});
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  change(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
};

describe('readExisting', () => {
  it('returns every planned authority, certificate and kubeconfig by the plan\'s refs, with the bytes on disk', () => {
    const existing = readExisting(built.out);
    const {plan} = built;
    expect([...existing.authorities.keys()]).toEqual(plan.authorities.map(a => a.id));
    expect([...existing.certificates.keys()]).toEqual(plan.certificates.map(c => c.ref));
    expect([...existing.kubeconfigs.keys()]).toEqual(plan.kubeconfigs.map(k => k.ref));
    const kubelet = existing.certificates.get('kubelet-client/worker1')!;
    expect(kubelet.entry.cn).toBe('system:node:worker1');
    expect(kubelet.cert.pem).toBe(readFileSync(join(built.out, kubelet.cert.path), 'utf8'));
    expect(kubelet.key.pem).toMatch(/PRIVATE KEY/);
    expect(existing.authorities.get('etcd-ca')!.key.pem).toBe(readFileSync(join(built.out, 'pki/etcd/ca.key'), 'utf8'));
    expect(existing.kubeconfigs.get('kubelet/worker1')!.file.pem).toMatch(/client-certificate-data/);
    expect(existing.serviceAccount.publicKey.pem).toMatch(/PUBLIC KEY/);
  });

  it('marks a listed file that is gone instead of failing', () => {
    const dir = copyWith('missing', () => {});
    rmSync(join(dir, 'pki/apiserver.crt'));
    const apiserver = readExisting(dir).certificates.get('apiserver')!;
    expect(apiserver.cert).toEqual({path: 'pki/apiserver.crt', problem: 'missing'});
    expect(apiserver.key.pem).toMatch(/PRIVATE KEY/);
  });
});

describe('readManifest', () => {
  it('names the field of a path that leaves the directory', () => {
    const dir = copyWith('escape', m => { m.certificates[2].key = '../../etc/shadow'; m.nodes.worker1.files[0].source = '/etc/passwd'; });
    expect(() => readManifest(dir)).toThrow(/certificates\[2\]\.key: "\.\.\/\.\.\/etc\/shadow" is not a relative path inside the directory/);
    expect(() => readManifest(dir)).toThrow(/nodes\.worker1\.files\[0\]\.source: "\/etc\/passwd" is not a relative path/);
  });

  it('names missing lists and a foreign kind', () => {
    const dir = copyWith('shape', m => { delete m.kubeconfigs; m.kind = 'Something'; });
    expect(() => readManifest(dir)).toThrow(/kind: expected apiVersion kubepki\/v1, kind Manifest/);
    expect(() => readManifest(dir)).toThrow(/kubeconfigs: expected a list/);
  });

  it('says when there is no manifest', () => {
    expect(() => readManifest(tmp.path)).toThrow(/no manifest\.json here/);
  });

  it('--force refuses a manifest that points outside OUT, and leaves OUT as it was', async () => {
    const dir = copyWith('force-escape', m => { m.authorities[0].key = '/root/ca.key'; });
    const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
    await expect(buildCluster(buildPlan(exampleSpec()), dir, {force: true}))
      .rejects.toMatchObject({lines: expect.arrayContaining([expect.stringMatching(/^--out: .*authorities\[0\]\.key: "\/root\/ca\.key" is not a relative path/)])});
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest);
  });
});
