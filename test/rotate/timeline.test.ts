// The model of the wizard's "Rotate a CA" screen (build/rotation-timeline.ts): where OUT stands from
// manifest.json's `rotation`, and what the next step (or abort) will change, derived from the plan.
import {describe, expect, it} from 'vitest';
import {rotationSubjects, rotationTimeline, restartSummary, timelineDrawing} from '../../source/build/rotation-timeline.js';
import {buildPlan} from '../../source/plan/plan.js';
import type {Layout} from '../../source/spec/types.js';
import {specWith} from '../helpers/cluster.js';

const planOf = (layout: Layout, authorities: 'kubeadm' | 'single' = 'kubeadm') => buildPlan(specWith(c => { c.pki.layout = layout; c.pki.authorities = authorities; }));
const alice = {name: 'alice', groups: ['devs'], signedBy: 'ca', key: 'users/alice/alice.key', cert: 'users/alice/alice.crt', kubeconfig: 'users/alice/alice.kubeconfig'};
const underWay = (authority: string, phase: string) => ({rotation: {authority, phase, startedAt: '2026-12-06T10:00:00.000Z'}, users: [alice]});
const NOW = new Date('2026-12-06T12:00:00Z');
const components = (stages: {component: string}[]) => stages.map(s => s.component);

describe('rotation timeline: where OUT stands', () => {
  it('offers every authority of the plan and the service-account pair, as the CLI names them', () => {
    expect(rotationSubjects(planOf('kubeadm')).map(s => s.id)).toEqual(['ca', 'etcd-ca', 'front-proxy-ca', 'service-account']);
    expect(rotationSubjects(planOf('hard-way', 'single')).map(s => s.id)).toEqual(['ca', 'service-account']);
    expect(rotationSubjects(planOf('kubeadm'))[2]!.label).toMatch(/^front-proxy-ca: .*signs 1 certificate\)$/);
  });

  it('no rotation and nothing chosen: every phase ahead, no next step, asks to choose', () => {
    const t = rotationTimeline(planOf('kubeadm'), {}, undefined, NOW);
    expect(t).toMatchObject({subject: undefined, underWay: false, done: 0, next: undefined, abort: undefined});
    expect(t.phases.map(p => p.state)).toEqual(['later', 'later', 'later']);
    expect(t.position).toMatch(/choose/);
    expect(timelineDrawing(t, 8)).toEqual(['○───────○───────○', '1 start 2 issue 3 finish', '']);
  });

  it('the cluster CA chosen, none under way: start makes trust old + new on every copy and kubeconfig, re-issues nothing', () => {
    const plan = planOf('hard-way');
    const t = rotationTimeline(plan, {users: [alice]}, 'ca', NOW);
    expect(t).toMatchObject({subject: 'ca', underWay: false, done: 0, abort: undefined});
    expect(t.phases.map(p => p.state)).toEqual(['next', 'later', 'later']);
    const next = t.next!;
    expect(next.step).toBe('start');
    expect(next.trust).toEqual({files: ['pki/ca.crt'], copies: plan.authorities[0]!.certInstalls.length, becomes: 'old + new'});
    expect(next.trust!.copies).toBeGreaterThan(0);
    expect(next.kubeconfigs.sort()).toEqual(plan.kubeconfigs.filter(k => k.authority === 'ca').map(k => k.ref).sort());
    expect(next.users).toEqual(['users/alice/alice.kubeconfig']);
    expect(next.reissued).toEqual([]);
    expect(next.retired).toBeUndefined();
    // Every component that trusts the cluster CA, and only after the apiservers.
    expect(components(next.restarts)).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']);
    expect(next.lines.join('\n')).toMatch(/^Trust becomes old \+ new: pki\/ca\.crt and its \d+ copies on the nodes, the certificate-authority-data of \d+ kubeconfigs, 1 user's kubeconfig$/m);
    expect(next.lines.join('\n')).toMatch(/controller-manager signs with the old CA alone: \/var\/lib\/kubernetes\/ca-signing\.crt on 2 nodes/);
    expect(next.lines.at(-1)).toBe(`Restarts: ${restartSummary(next.restarts)}`);
    expect(restartSummary(next.restarts)).toBe('kube-apiserver on 2 nodes one at a time, then kube-controller-manager on 2 nodes one at a time, then kube-scheduler on 2 nodes one at a time, then kubelet on 4 nodes, then kube-proxy on 4 nodes');
  });

  it('after start: phase 1 of 3 done; issue re-issues every leaf of the CA and the users kubepki holds keys for; abort only restores trust', () => {
    const plan = planOf('kubeadm');
    const t = rotationTimeline(plan, underWay('ca', 'start'), undefined, NOW);
    expect(t).toMatchObject({subject: 'ca', underWay: true, done: 1, since: '2026-12-06T10:00:00.000Z'});
    expect(t.position).toBe('Rotating ca: phase 1 of 3 (start) done, started 2026-12-06T10:00:00.000Z.');
    expect(timelineDrawing(t, 8)).toEqual(['●───────◉───────○', '1 start 2 issue 3 finish', 'done    next']);
    const next = t.next!;
    expect(next.step).toBe('issue');
    expect(next.trust).toBeUndefined();
    const leaves = plan.certificates.filter(c => c.signer === 'ca').map(c => c.ref);
    expect(leaves.length).toBeGreaterThan(5);
    expect(next.reissued).toEqual(leaves);
    expect(next.users).toEqual(['users/alice/alice.kubeconfig']);
    expect(next.lines).toContain(`${leaves.length} leaf certificates re-issued and 1 user's certificate by the new CA (keys kept); ${next.kubeconfigs.length} kubeconfigs embed one and are rendered anew`);
    expect(next.lines).toContain('pki/ca.key on the nodes becomes the new key');
    // The kubelets of the workers restart too: their client certificate is re-issued.
    expect(next.restarts.find(s => s.component === 'kubelet')!.restarts.length).toBe(plan.nodes.length);
    const abort = t.abort!;
    expect(abort.step).toBe('abort');
    expect(abort.trust!.becomes).toBe('old alone');
    expect(abort.reissued).toEqual([]);
  });

  it('after issue: finish leaves the new CA alone, moves the old one to retired/<id>-<date>/, and abort goes back to start: re-issues by the old CA, trust unchanged (old + new)', () => {
    const plan = planOf('kubeadm');
    const t = rotationTimeline(plan, underWay('ca', 'issue'), undefined, NOW);
    expect(t.done).toBe(2);
    expect(timelineDrawing(t, 8)).toEqual(['●━━━━━━━●───────◉', '1 start 2 issue 3 finish', 'done    done    next']);
    const next = t.next!;
    expect(next.step).toBe('finish');
    expect(next.trust!.becomes).toBe('new alone');
    expect(next.reissued).toEqual([]);
    expect(next.retired).toEqual({dir: 'retired/ca-20261206', files: ['pki/rotation/ca-old.crt', 'pki/rotation/ca-old.key']});
    // A CA of that authority already retired that day: finish picks the next directory, and so does the screen.
    const again = {...underWay('ca', 'issue'), documents: [{path: 'retired/ca-20261206/ca.crt'}]};
    expect(rotationTimeline(plan, again, undefined, NOW).next!.retired!.dir).toBe('retired/ca-20261206-2');
    expect(next.lines).toContain("kubeadm's --discovery-token-ca-cert-hash is computed again from the new CA");
    expect(t.abort!.reissued).toEqual(plan.certificates.filter(c => c.signer === 'ca').map(c => c.ref));
    expect(t.abort!.lines).toContain('pki/ca.key on the nodes becomes the old key');
    expect(t.abort!.trust).toBeUndefined();
    expect(t.abortTo).toBe('back to phase start (the old CA signs again)');
    expect(t.abort!.lines.some(l => l.startsWith('Back to phase start: trust stays old + new') && l.includes('a second abort'))).toBe(true);
    expect(t.abort!.lines).toContain('The controller-manager signs with the old CA alone: /etc/kubernetes/pki/ca-signing.crt on 2 nodes');
  });

  it('a rotation under way names its own authority, whatever was chosen', () => {
    const t = rotationTimeline(planOf('kubeadm'), underWay('front-proxy-ca', 'start'), 'ca', NOW);
    expect(t.subject).toBe('front-proxy-ca');
    expect(t.next!.reissued).toEqual(['front-proxy-client']);
    // front-proxy-client is read by the apiservers alone.
    expect(components(t.next!.restarts)).toEqual(['kube-apiserver']);
  });

  it('the etcd CA: only etcd and the apiservers (its clients) restart; no kubeconfig or user embeds it', () => {
    const t = rotationTimeline(planOf('kubeadm'), {users: [alice]}, 'etcd-ca', NOW);
    expect(t.next!.kubeconfigs).toEqual([]);
    expect(t.next!.users).toEqual([]);
    expect(components(t.next!.restarts)).toEqual(['etcd', 'kube-apiserver']);
    expect(t.next!.lines.some(l => l.includes('controller-manager signs'))).toBe(false);
  });

  it('the service-account pair: start publishes both public keys to the apiservers; issue signs with the new key', () => {
    // kubeadm's apiserver verifies with sa.pub; the hard way's with service-accounts.crt (the flag names what each reads).
    for (const [layout, verifies] of [['kubeadm', 'pki/sa.pub'], ['hard-way', 'pki/service-accounts.crt']] as const) {
      const start = rotationTimeline(planOf(layout), {}, 'service-account', NOW).next!;
      expect(start.trust).toEqual({files: [verifies], copies: 2, becomes: 'old + new'});
      expect(components(start.restarts)).toEqual(['kube-apiserver']);
    }
    const plan = planOf('hard-way');
    const issue = rotationTimeline(plan, underWay('service-account', 'start'), undefined, NOW).next!;
    expect(issue.reissued).toEqual([]);
    expect(issue.lines).toContain(`Tokens are signed with the new key (${plan.serviceAccount.key})`);
    expect(components(issue.restarts)).toEqual(['kube-apiserver', 'kube-controller-manager']);
  });
});
