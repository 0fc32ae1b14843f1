// generate --update's smaller promises: a missing OUT, a node that takes a user's name, and the
// warning when the service-account pair is new. In-process, ECDSA keys: fast.
import {afterAll, describe, expect, it} from 'vitest';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runCommand} from '../../source/commands/run.js';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specToYaml} from '../../source/spec/load.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-update-refusals-');
afterAll(() => tmp.remove());

async function kubepki(command: Parameters<typeof runCommand>[0]) {
  let stdout = '';
  let stderr = '';
  const status = await runCommand(command, {out: t => { stdout += t; }, err: t => { stderr += t; }});
  return {status, stdout, stderr};
}
async function generated(name: string): Promise<string> {
  const out = join(tmp.path, name);
  await buildCluster(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; })), out);
  return out;
}
const update = (out: string) => kubepki({command: 'generate', config: join(out, 'cluster.yaml'), out, force: false, update: true});

describe('generate --update', () => {
  it('on an OUT that does not exist: says so and what writes it (not "no manifest.json here")', async () => {
    const missing = join(tmp.path, 'missing');
    const r = await kubepki({command: 'generate', config: join(tmp.path, 'nowhere.yaml'), out: missing, force: false, update: true});
    expect(r.status).toBe(2);
    const config = join(tmp.path, 'c.yaml');
    writeFileSync(config, specToYaml(specWith()));
    const m = await kubepki({command: 'generate', config, out: missing, force: false, update: true});
    expect(m.status).toBe(2);
    expect(m.stderr).toContain(`kubepki: --out: ${missing} does not exist; kubepki generate --config FILE --out ${missing} writes it\n`);
    expect(m.stderr).not.toContain('no manifest.json');
  });

  it('refuses a node that would give a cluster certificate the name of an existing user (user add refuses the reverse)', async () => {
    const out = await generated('user-node');
    expect((await kubepki({command: 'user-add', out, name: 'cp3', groups: ['dev'], csr: false})).status).toBe(0);
    const file = join(out, 'cluster.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('nodes:\n', 'nodes:\n  - { name: cp3, ip: 192.168.56.30, roles: [control-plane, etcd] }\n'));
    const before = snapshot(out);
    const r = await update(out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`has a user "cp3" (users/cp3/), and the new plan gives the cluster's own etcd-server/cp3, etcd-peer/cp3 certificates that name (CN): the user would act as that component. Name the node otherwise, or remove the user first (kubepki user remove cp3 --out ${out}). Nothing was changed.`);
    expect(differing(before, snapshot(out))).toEqual([]);
  });

  it('a layout change that makes a new service-account pair warns that every token becomes invalid', async () => {
    const out = await generated('layout');
    const file = join(out, 'cluster.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('layout: kubeadm', 'layout: hard-way'));
    const r = await update(out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ {2}service-account +key pair /);
    expect(r.stdout).toContain('warning: the service-account key pair is new: every service-account token signed with the old one is refused once the apiservers hold it;');
    // An update that keeps the pair says nothing of it.
    const again = await update(out);
    expect(again.stdout).not.toContain('service-account key pair is new');
  });
});
