// An upgrade: kubernetesVersion changed in OUT/cluster.yaml, then `generate --update` says what the
// new release changes in the files and in RBAC, issues anew exactly the certificates whose subject
// changes, and prints the RBAC to apply before the restart.
import {afterAll, describe, expect, it} from 'vitest';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {kubepki} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-upgrade-');
afterAll(() => tmp.remove());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the config is YAML as a user edits it
function generate(name: string, edit: (c: any) => void): string {
  const config = parse(kubepki(['example']).stdout);
  config.pki.key = 'ecdsa-p256';
  edit(config);
  const file = join(tmp.path, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  const out = join(tmp.path, name);
  const r = kubepki(['generate', '--config', file, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}
function upgrade(out: string, version: string) {
  const file = join(out, 'cluster.yaml');
  const config = parse(readFileSync(file, 'utf8'));
  config.kubernetesVersion = version;
  writeFileSync(file, stringify(config));
  const before = snapshot(out);
  const r = kubepki(['generate', '--config', file, '--out', out, '--update']);
  expect(r.status, r.stderr).toBe(0);
  return {r, changed: differing(before, snapshot(out))};
}
/**
 * What every update rewrites: the manifest (which records the release) and restart.sh (that change's
 * restarts). Not cluster.yaml: the test edited it already, and an update keeps the user's document.
 */
const LISTS = ['manifest.json', 'restart.sh'];
/** The init node's kubeadm configuration names the release. */
const INIT_CONFIG = ['kubeadm/cp1.yaml', 'nodes/cp1/etc/kubernetes/kubeadm-config.yaml'];

describe('upgrading kubernetesVersion with generate --update', () => {
  it('v1.35.4 → v1.35.5 (kubeadm): says apiserver-kubelet-client loses its O, re-issues only it, writes the binding and prints it to apply before the restart', () => {
    const out = generate('patch', c => { c.kubernetesVersion = 'v1.35.4'; });
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).kubernetesVersion).toBe('v1.35.4');
    const {r, changed} = upgrade(out, 'v1.35.5');
    expect(r.stdout).toContain([
      'Kubernetes v1.35.4 → v1.35.5: what v1.35.5\'s kubeadm changes in the files and RBAC (kubeadm layout):',
      '  apiserver-kubelet-client: no O (kubeadm binds its user to system:kubelet-api-admin: ClusterRoleBinding kubeadm:apiserver-kubelet-client)',
      'Issued anew because their subject changes (1); every other certificate is kept:',
      `  ${'apiserver-kubelet-client'.padEnd(36)} CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins → CN=kube-apiserver-kubelet-client`,
      'Apply this RBAC before any kube-apiserver restarts with the new apiserver-kubelet-client (its user has no group now;',
    ].join('\n'));
    expect(r.stdout).toContain(`  ssh root@cp1 kubectl apply --kubeconfig /etc/kubernetes/admin.conf -f - < ${out}/kubeadm/apiserver-kubelet-client-rbac.yaml\n`);
    // Exactly that certificate (master copy and the control-plane nodes' copies), the binding, and the lists.
    expect(changed).toEqual([
      ...LISTS, ...INIT_CONFIG, 'kubeadm/apiserver-kubelet-client-rbac.yaml',
      'nodes/cp1/etc/kubernetes/pki/apiserver-kubelet-client.crt', 'nodes/cp1/etc/kubernetes/pki/apiserver-kubelet-client.key',
      'nodes/cp2/etc/kubernetes/pki/apiserver-kubelet-client.crt', 'nodes/cp2/etc/kubernetes/pki/apiserver-kubelet-client.key',
      'pki/apiserver-kubelet-client.crt', 'pki/apiserver-kubelet-client.key',
    ].sort());
    const rbac = parse(readFileSync(join(out, 'kubeadm/apiserver-kubelet-client-rbac.yaml'), 'utf8'));
    expect(rbac).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: {name: 'kubeadm:apiserver-kubelet-client'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin'},
      subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kube-apiserver-kubelet-client'}],
    });
    expect(r.stdout).toMatch(/Nodes that must receive files again: cp1 cp2\n/);
  });

  it('v1.32.13 → v1.33.12 (kubeadm): kubelet.conf now dials its own apiserver and the identity changes; v1.33.12 → v1.33.13 changes nothing', () => {
    const out = generate('minor', c => { c.kubernetesVersion = 'v1.32.13'; });
    const {r, changed} = upgrade(out, 'v1.33.12');
    expect(r.stdout).toContain('  kubelet.conf on control-plane nodes: dials its own apiserver\n');
    expect(r.stdout).toMatch(/^ {2}apiserver-kubelet-client: no O/m);
    expect(changed).toContain('pki/nodes/cp1/kubelet.conf');
    expect(changed.filter(p => p.startsWith('pki/') && p.endsWith('.crt'))).toEqual(['pki/apiserver-kubelet-client.crt']);
    const again = upgrade(out, 'v1.33.13');
    expect(again.r.stdout).toContain('Kubernetes v1.33.12 → v1.33.13: nothing changes in the files or RBAC of the kubeadm layout.');
    expect(again.r.stdout).not.toMatch(/Issued anew|Apply this RBAC/);
    expect(again.changed).toEqual([...LISTS, ...INIT_CONFIG].sort());
  });

  it('hard-way: The Hard Way\'s identities do not follow kubeadm\'s release changes', () => {
    const out = generate('hard', c => { c.kubernetesVersion = 'v1.34.4'; c.pki.layout = 'hard-way'; c.pki.authorities = 'single'; });
    const {r, changed} = upgrade(out, 'v1.36.1');
    expect(r.stdout).toContain('Kubernetes v1.34.4 → v1.36.1: nothing changes in the files or RBAC of the hard-way layout.');
    expect(r.stdout).not.toMatch(/Issued anew|Apply this RBAC/);
    // Nothing re-issued, so nothing to restart: restart.sh stays as generate wrote it.
    expect(changed).toEqual(['manifest.json']);
  });
});
