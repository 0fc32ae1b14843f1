import {describe, expect, it} from 'vitest';
import {knownReleases, releaseChanges, releaseFacts} from '../../source/plan/releases.js';
import {RELEASE_CHANGES, firstReleasesWith, releaseOf, versionOf} from '../../source/plan/release-table.js';
import {buildPlan} from '../../source/plan/plan.js';
import {validate} from '../../source/spec/validate.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {specWith} from '../helpers/cluster.js';

const facts = (layout: 'kubeadm' | 'hard-way', version: string) => Object.fromEntries(releaseFacts(layout, releaseOf(version)).map(f => [f.topic, f.value]));
const kubeletClientOf = (version: string) => {
  const plan = buildPlan(specWith(c => { c.kubernetesVersion = version; }));
  return {organizations: plan.certificates.find(c => c.id === 'apiserver-kubelet-client')!.organizations, rbac: plan.kubeadm!.kubeletApiRbac, warnings: plan.warnings};
};

describe('the release table, to the patch', () => {
  // Read from kubeadm's source of each k8s.io/kubernetes version (release-table.ts names file and line).
  const BOUNDARIES = [
    {before: 'v1.33.11', at: 'v1.33.12'},
    {before: 'v1.34.7', at: 'v1.34.8'},
    {before: 'v1.35.4', at: 'v1.35.5'},
    {before: 'v1.36.0', at: 'v1.36.1'},
  ];

  it('pins every boundary of apiserver-kubelet-client: O=kubeadm:cluster-admins just before, no O and kubepki\'s ClusterRoleBinding from the first patch that has it', () => {
    for (const {before, at} of BOUNDARIES) {
      expect(kubeletClientOf(before), before).toMatchObject({organizations: ['kubeadm:cluster-admins'], rbac: undefined});
      expect(kubeletClientOf(at), at).toMatchObject({organizations: [], rbac: 'kubeadm/apiserver-kubelet-client-rbac.yaml'});
      // And every later patch of the minor.
      const later = versionOf({...releaseOf(at), patch: releaseOf(at).patch + 7});
      expect(kubeletClientOf(later).organizations, later).toEqual([]);
    }
    expect(firstReleasesWith('kubelet-api-admin').map(versionOf)).toEqual(['v1.33.12', 'v1.34.8', 'v1.35.5', 'v1.36.1', 'v1.37.0']);
    // v1.37 has it from its first release; v1.32 (end of life before the cherry-picks) never.
    expect(kubeletClientOf('v1.37.0')).toMatchObject({organizations: [], rbac: 'kubeadm/apiserver-kubelet-client-rbac.yaml'});
    expect(kubeletClientOf('v1.32.13')).toMatchObject({organizations: ['kubeadm:cluster-admins'], rbac: undefined});
    expect(kubeletClientOf('v1.28.15').organizations).toEqual(['system:masters']);
    // Every change says where it was read.
    for (const change of RELEASE_CHANGES) expect(change.readAt.length, change.id).toBeGreaterThan(0);
  });

  it('a release newer than the table gets the newest identities known, with a warning', () => {
    const newer = kubeletClientOf('v1.38.2');
    expect(newer).toMatchObject({organizations: [], rbac: 'kubeadm/apiserver-kubelet-client-rbac.yaml'});
    expect(newer.warnings.join('\n')).toMatch(/v1\.38\.2 is newer than the releases kubepki knows \(v1\.28 to v1\.37\): it gets v1\.37's identities/);
    expect(kubeletClientOf('v1.37.2').warnings.join('\n')).not.toMatch(/newer than/);
    const old = validate({...structuredClone(EXAMPLE_CONFIG), kubernetesVersion: 'v1.27.9'});
    expect(old.ok ? [] : old.issues.map(i => `${i.path.join('.')}: ${i.message}`)).toEqual(['kubernetesVersion: "v1.27.9" is not a release kubepki knows: it knows the identities of v1.28 and later']);
  });
});

describe('what a release changes, read from the catalog', () => {
  it('knows one version per minor from v1.28 to v1.37, keeping the chosen one (to the patch) and the default', () => {
    expect(knownReleases()).toEqual(['v1.28.0', 'v1.29.0', 'v1.30.0', 'v1.31.0', 'v1.32.0', 'v1.33.0', 'v1.34.4', 'v1.35.0', 'v1.36.0', 'v1.37.0']);
    expect(knownReleases('v1.36.1')).toContain('v1.36.1');
    expect(knownReleases('v1.30.5')).toContain('v1.30.5');
    expect(knownReleases('v1.30.5')).toContain('v1.34.4');
    expect(knownReleases('v1.36.0')).toContain('v1.36.0');
    expect(knownReleases('v1.38.1').at(-1)).toBe('v1.38.1');
  });

  it('kubeadm: the admin group, super-admin.conf, apiserver-kubelet-client\'s O and the config API by release', () => {
    expect(facts('kubeadm', 'v1.28.0')).toEqual({
      'admin.conf': 'O=system:masters', 'super-admin.conf': 'none (from v1.29)',
      'apiserver-kubelet-client': 'O=system:masters', 'kubeadm configuration': 'kubeadm.k8s.io/v1beta3',
      'kubelet.conf on control-plane nodes': 'dials the endpoint',
    });
    expect(facts('kubeadm', 'v1.29.0')).toMatchObject({'admin.conf': 'O=kubeadm:cluster-admins', 'super-admin.conf': 'O=system:masters', 'apiserver-kubelet-client': 'O=kubeadm:cluster-admins'});
    expect(facts('kubeadm', 'v1.31.0')['kubeadm configuration']).toBe('kubeadm.k8s.io/v1beta4');
    expect(facts('kubeadm', 'v1.36.0')['apiserver-kubelet-client']).toBe('O=kubeadm:cluster-admins');
    expect(facts('kubeadm', 'v1.36.1')['apiserver-kubelet-client']).toBe('no O (kubeadm binds its user to system:kubelet-api-admin: ClusterRoleBinding kubeadm:apiserver-kubelet-client)');
    const changes = (from: string, to: string) => releaseChanges('kubeadm', releaseOf(from), releaseOf(to)).map(c => c.topic);
    expect(changes('v1.28.0', 'v1.29.0')).toEqual(['admin.conf', 'super-admin.conf', 'apiserver-kubelet-client']);
    expect(changes('v1.29.0', 'v1.30.0')).toEqual([]);
    expect(changes('v1.30.0', 'v1.31.0')).toEqual(['kubeadm configuration']);
    expect(releaseChanges('kubeadm', releaseOf('v1.32.0'), releaseOf('v1.33.0'))).toEqual([{topic: 'kubelet.conf on control-plane nodes', value: 'dials its own apiserver'}]);
    expect(changes('v1.35.4', 'v1.35.5')).toEqual(['apiserver-kubelet-client']);
    expect(changes('v1.34.4', 'v1.35.4')).toEqual([]);
    expect(changes('v1.32.13', 'v1.33.12')).toEqual(['apiserver-kubelet-client', 'kubelet.conf on control-plane nodes']);
  });

  it('hard-way: The Hard Way\'s identities do not change by release', () => {
    for (const version of [...knownReleases(), 'v1.33.12', 'v1.36.0']) {
      expect(facts('hard-way', version)).toEqual({'admin.kubeconfig': 'O=system:masters'});
      expect(releaseChanges('hard-way', releaseOf('v1.28.0'), releaseOf(version))).toEqual([]);
    }
  });

  it('says what the plan of that release does', () => {
    for (const version of [...knownReleases(), ...BOUNDARY_NEIGHBOURS]) {
      const plan = buildPlan(specWith(c => { c.kubernetesVersion = version; }));
      const said = facts('kubeadm', version);
      const cert = (id: string) => plan.certificates.find(c => c.id === id);
      expect(said['admin.conf']).toBe(`O=${cert('admin')!.organizations.join(',')}`);
      expect(said['super-admin.conf']!.startsWith('none')).toBe(cert('super-admin') === undefined);
      const kubeletClient = cert('apiserver-kubelet-client')!.organizations;
      expect(said['apiserver-kubelet-client']).toEqual(kubeletClient.length ? `O=${kubeletClient.join(',')}` : expect.stringMatching(/^no O/));
      expect(said['kubeadm configuration']).toBe(plan.kubeadm!.apiVersion);
      const cp1Kubelet = buildPlan(specWith(c => { c.kubernetesVersion = version; c.kubeadm = {flow: 'external-ca'}; })).kubeconfigs.find(k => k.id === 'kubelet' && k.node === 'cp1')!;
      expect(said['kubelet.conf on control-plane nodes']).toBe(cp1Kubelet.server === 'https://192.168.56.21:6443' ? 'dials its own apiserver' : 'dials the endpoint');
    }
  });
});

const BOUNDARY_NEIGHBOURS = ['v1.33.11', 'v1.33.12', 'v1.34.7', 'v1.34.8', 'v1.35.4', 'v1.35.5', 'v1.36.0', 'v1.36.1'];
