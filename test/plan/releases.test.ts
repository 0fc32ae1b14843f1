import {describe, expect, it} from 'vitest';
import {knownReleases, releaseChanges, releaseFacts} from '../../source/plan/releases.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith} from '../helpers/cluster.js';

const facts = (layout: 'kubeadm' | 'hard-way', minor: number) => Object.fromEntries(releaseFacts(layout, minor).map(f => [f.topic, f.value]));

describe('what a release changes, read from the catalog', () => {
  it('knows one version per minor from v1.28 to v1.37, keeping the chosen one and the default', () => {
    expect(knownReleases()).toEqual(['v1.28.0', 'v1.29.0', 'v1.30.0', 'v1.31.0', 'v1.32.0', 'v1.33.0', 'v1.34.4', 'v1.35.0', 'v1.36.0', 'v1.37.0']);
    expect(knownReleases('v1.30.5')).toContain('v1.30.5');
    expect(knownReleases('v1.30.5')).toContain('v1.34.4');
  });

  it('kubeadm: the admin group, super-admin.conf, apiserver-kubelet-client\'s O and the config API by release', () => {
    expect(facts('kubeadm', 28)).toEqual({
      'admin.conf': 'O=system:masters', 'super-admin.conf': 'none (from v1.29)',
      'apiserver-kubelet-client': 'O=system:masters', 'kubeadm configuration': 'kubeadm.k8s.io/v1beta3',
      'kubelet.conf on control-plane nodes': 'dials the endpoint',
    });
    expect(facts('kubeadm', 29)).toMatchObject({'admin.conf': 'O=kubeadm:cluster-admins', 'super-admin.conf': 'O=system:masters', 'apiserver-kubelet-client': 'O=kubeadm:cluster-admins'});
    expect(facts('kubeadm', 31)['kubeadm configuration']).toBe('kubeadm.k8s.io/v1beta4');
    expect(facts('kubeadm', 36)['apiserver-kubelet-client']).toMatch(/^no O/);
    expect(releaseChanges('kubeadm', 29).map(c => c.topic)).toEqual(['admin.conf', 'super-admin.conf', 'apiserver-kubelet-client']);
    expect(releaseChanges('kubeadm', 30)).toEqual([]);
    expect(releaseChanges('kubeadm', 31).map(c => c.topic)).toEqual(['kubeadm configuration']);
    expect(releaseChanges('kubeadm', 33)).toEqual([{topic: 'kubelet.conf on control-plane nodes', value: 'dials its own apiserver'}]);
    expect(releaseChanges('kubeadm', 36).map(c => c.topic)).toEqual(['apiserver-kubelet-client']);
  });

  it('hard-way: The Hard Way\'s identities do not change by release', () => {
    for (let minor = 28; minor <= 37; minor++) {
      expect(facts('hard-way', minor)).toEqual({'admin.kubeconfig': 'O=system:masters'});
      expect(releaseChanges('hard-way', minor)).toEqual([]);
    }
  });

  it('says what the plan of that release does', () => {
    for (const version of knownReleases()) {
      const plan = buildPlan(specWith(c => { c.kubernetesVersion = version; }));
      const said = facts('kubeadm', Number(version.split('.')[1]));
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
