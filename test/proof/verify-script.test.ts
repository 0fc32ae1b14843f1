// verify.sh for real: passes on a good directory from anywhere, and fails naming the file on each
// kind of mistake people make by hand.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cpSync} from 'node:fs';
import {join} from 'node:path';
import {generated, specFor, specWith, PROOF_KEYS, FOUND_AS, keyTypesIn} from '../helpers/cluster.js';
import {run} from '../helpers/run.js';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';

describe.each(PROOF_KEYS)('verify.sh (%s)', key => {
  let good: Awaited<ReturnType<typeof generated>>;
  let other: Awaited<ReturnType<typeof generated>>;
  let sameCaFewerNames: string;
  beforeAll(async () => {
    good = await generated(specFor('kubeadm', 'kubeadm', key));
    other = await generated(specFor('kubeadm', 'kubeadm', key));
    // Same CAs (kept by --force), but cp2 is gone: its apiserver certificate lacks cp2's names.
    sameCaFewerNames = join(good.dir, '..', 'fewer');
    cpSync(good.dir, sameCaFewerNames, {recursive: true});
    await buildCluster(buildPlan(specWith(c => { c.pki.key = key; c.nodes = c.nodes.filter((n: {name: string}) => n.name !== 'cp2'); })), sameCaFewerNames, {force: true});
  });
  afterAll(() => { good?.remove(); other?.remove(); });

  it(`runs on an all-${key} PKI`, () => {
    expect(keyTypesIn(good.dir)).toEqual([FOUND_AS[key]]);
  });

  const tampered = (name: string, replace: [from: string, to: string][]) => {
    const dir = join(good.dir, '..', name);
    cpSync(good.dir, dir, {recursive: true});
    for (const [from, to] of replace) cpSync(from, join(dir, to));
    return run('bash', [join(dir, 'verify.sh')], {cwd: '/tmp'});
  };

  it('passes on a good directory, run from another directory', () => {
    const r = run('bash', [join(good.dir, 'verify.sh')], {cwd: '/'});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/all (\d+) checks passed \(\1 run\)/);
  });

  it('fails on a certificate from a foreign CA', () => {
    const r = tampered('foreign', [[join(other.dir, 'pki/apiserver.crt'), 'pki/apiserver.crt'], [join(other.dir, 'pki/apiserver.key'), 'pki/apiserver.key']]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^FAIL pki\/apiserver\.crt: error 20 .*unable to get local issuer certificate/m);
  });

  it('fails on a missing SAN', () => {
    const r = tampered('missing-san', [[join(sameCaFewerNames, 'pki/apiserver.crt'), 'pki/apiserver.crt'], [join(sameCaFewerNames, 'pki/apiserver.key'), 'pki/apiserver.key']]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^FAIL pki\/apiserver\.crt: error 62 .*hostname mismatch.*-verify_hostname cp2/m);
  });

  it('fails on a key that does not match', () => {
    const r = tampered('wrong-key', [[join(other.dir, 'pki/nodes/cp1/etcd/peer.key'), 'pki/nodes/cp1/etcd/peer.key']]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^FAIL pki\/nodes\/cp1\/etcd\/peer\.key: private key does not match certificate pki\/nodes\/cp1\/etcd\/peer\.crt/m);
  });

  it('fails on a client certificate where a server one is needed', () => {
    const r = tampered('client-as-server', [
      [join(good.dir, 'pki/nodes/worker1/kubelet-client.crt'), 'pki/nodes/worker1/kubelet.crt'],
      [join(good.dir, 'pki/nodes/worker1/kubelet-client.key'), 'pki/nodes/worker1/kubelet.key'],
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^FAIL pki\/nodes\/worker1\/kubelet\.crt: error 26 .*unsuitable certificate purpose/m);
  });
});
