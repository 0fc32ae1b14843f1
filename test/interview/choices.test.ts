import {describe, expect, it} from 'vitest';
import {exampleSpec} from '../../source/spec/example.js';
import {draftFromSpec, validateDraft} from '../../source/interview/draft.js';
import {LAYOUT_CHOICES, authoritiesNote, chooseLayout, layoutChoiceOf, releaseChoices} from '../../source/interview/choices.js';
import {specWith} from '../helpers/cluster.js';
import {layoutLesson} from '../../source/interview/lessons.js';
import {AUTHORITY_TOPOLOGIES} from '../../source/spec/types.js';
import {buildPlan} from '../../source/plan/plan.js';
import {renderComponentFiles} from '../../source/scripts/units.js';

const choice = (value: string) => LAYOUT_CHOICES.find(c => c.value === value)!;

describe('the layout question', () => {
  it('offers kubeadm in both flows and hard-way; the answer sets layout and flow', () => {
    expect(LAYOUT_CHOICES.map(c => c.label)).toEqual(['kubeadm, shared CA', 'kubeadm, external CA', 'hard-way']);
    const draft = draftFromSpec(exampleSpec());
    const external = {...draft, ...chooseLayout(draft, choice('kubeadm/external-ca'))};
    const result = validateDraft(external);
    expect(result.ok && [result.spec.pki.layout, result.spec.kubeadm.flow]).toEqual(['kubeadm', 'external-ca']);
    expect(layoutChoiceOf(external).value).toBe('kubeadm/external-ca');
    expect(choice('kubeadm/external-ca').explanation).toMatch(/ca\.key never leaves this machine.*kubeconfigs.*CSRs stay unsigned/s);
    expect(choice('kubeadm').explanation).toMatch(/CA keys go to the control-plane nodes.*--discovery-token-ca-cert-hash/s);
    // kubepki writes the hard-way units: the choice says so (it used to say "units you write yourself").
    expect(choice('hard-way').explanation).toMatch(/with the systemd units that start each component/);
    expect(layoutLesson).not.toMatch(/write yourself/);
  });

  it('hard-way proposes The Hard Way\'s single CA, and the authorities question says why', () => {
    const draft = draftFromSpec(exampleSpec());
    expect(draft.authorities).toBe('kubeadm');
    const hardWay = {...draft, ...chooseLayout(draft, choice('hard-way'))};
    expect([hardWay.layout, hardWay.authorities]).toEqual(['hard-way', 'single']);
    // An external-CA flow left over from kubeadm is not carried into the hard-way config.
    const fromExternal = {...draft, kubeadmFlow: 'external-ca' as const, ...chooseLayout(draft, choice('hard-way'))};
    expect(validateDraft(fromExternal).ok).toBe(true);
    expect(authoritiesNote(hardWay, 'single')).toMatch(/The Hard Way uses one CA \(CN=CA\).*single is proposed/);
    expect(authoritiesNote(hardWay, 'kubeadm')).toMatch(/units kubepki writes already carry the other CAs/);
    expect(authoritiesNote(draft, 'kubeadm')).toBeUndefined();
    // Already hard-way (a loaded config): the user's own topology is kept.
    const kept = {...hardWay, authorities: 'etcd-separate' as const};
    expect(chooseLayout(kept, choice('hard-way')).authorities).toBeUndefined();
  });

  it('the note on a separate CA names flags the generated units really carry, for every layout and topology (no "flags files")', () => {
    for (const layout of ['kubeadm', 'hard-way'] as const) {
      for (const authorities of AUTHORITY_TOPOLOGIES) {
        const note = authoritiesNote({layout}, authorities);
        if (layout === 'kubeadm') { expect(note).toBeUndefined(); continue; }
        expect(note).not.toMatch(/flags files|add the extra/);
        if (authorities === 'single') continue;
        const units = renderComponentFiles(buildPlan(specWith(c => { c.pki.layout = layout; c.pki.authorities = authorities; }))).map(f => f.content).join('\n');
        const named = [...note!.matchAll(/(--[a-z-]+)/g)].map(m => m[1]!);
        expect(named.length).toBeGreaterThan(0);
        // Each flag named reads a CA file other than ca.crt in the units written.
        for (const flag of named) expect(units, flag).toMatch(new RegExp(`${flag}=\\S*(etcd|front-proxy)`));
      }
    }
  });
});

describe('the release question', () => {
  it('lists the known releases with what each changes, and the answer reaches the spec', () => {
    const draft = draftFromSpec(exampleSpec());
    const choices = releaseChoices(draft);
    expect(choices.map(c => c.version)[0]).toBe('v1.28.0');
    expect(choices.find(c => c.version === 'v1.29.0')!.label).toMatch(/changes admin\.conf, super-admin\.conf, apiserver-kubelet-client/);
    expect(choices.find(c => c.version === 'v1.34.4')!.label).toMatch(/default/);
    expect(choices.find(c => c.version === 'v1.28.0')!.facts).toContain('super-admin.conf: none (from v1.29)');
    const result = validateDraft({...draft, kubernetesVersion: 'v1.29.0'});
    expect(result.ok && result.spec.kubernetesVersion).toBe('v1.29.0');
  });

  it('a loaded config keeps its release, flow and apiserver port through the wizard', () => {
    const spec = specWith(c => { c.kubernetesVersion = 'v1.30.2'; c.apiServer = {port: 6444}; c.kubeadm = {flow: 'external-ca'}; });
    const result = validateDraft(draftFromSpec(spec));
    expect(result.ok && [result.spec.kubernetesVersion, result.spec.apiServer.port, result.spec.kubeadm.flow]).toEqual(['v1.30.2', 6444, 'external-ca']);
  });
});
