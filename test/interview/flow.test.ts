import {describe, expect, it} from 'vitest';
import {exampleSpec} from '../../source/spec/example.js';
import {draftFromSpec} from '../../source/interview/draft.js';
import {initialState, wizardReducer, type WizardAction, type WizardState} from '../../source/interview/flow.js';
import {signingSummary} from '../../source/plan/catalog.js';

const start = () => initialState(draftFromSpec(exampleSpec()));
const apply = (state: WizardState, ...actions: WizardAction[]) => actions.reduce(wizardReducer, state);
const next: WizardAction = {type: 'next'};
const back: WizardAction = {type: 'back'};

describe('wizard flow', () => {
  it('walks every question step in order with the defaults, ending on the plan with a spec', () => {
    const steps: string[] = [];
    let state = start();
    while (state.step !== 'plan') {
      steps.push(state.step);
      state = wizardReducer(state, next);
    }
    expect(steps).toEqual(['cluster', 'nodes', 'network', 'layout', 'release', 'authorities', 'keys', 'output']);
    expect(state.spec?.nodes.map(n => n.name)).toEqual(['cp1', 'cp2', 'worker1', 'worker2']);
  });

  it('does not advance on an error and names the field', () => {
    const state = apply(start(), {type: 'edit', change: {endpointPort: '99999'}}, next);
    expect(state.step).toBe('cluster');
    expect(state.errors).toEqual({'endpoint.port': '99999 is not a port number (1-65535)'});
  });

  it('shows an error on the step that can fix it', () => {
    let state = apply(start(), next, {type: 'edit', change: {nodes: [{name: 'cp1', ip: '10.0.0.1', roles: ['control-plane']}, {name: 'cp1', ip: '10.0.0.2', roles: ['worker']}]}}, next);
    expect(state.step).toBe('nodes');
    expect(state.errors['nodes[1] (cp1).name']).toMatch(/already the name of nodes\[0\]/);
    state = apply(state, {type: 'edit', change: {nodes: [{name: 'w1', ip: '10.0.0.2', roles: ['worker']}]}}, next);
    expect(state.errors.nodes).toMatch(/no node with role control-plane/);
  });

  it('back keeps every answer', () => {
    const state = apply(start(), {type: 'edit', change: {name: 'lab'}}, next, next, back, back);
    expect(state.step).toBe('cluster');
    expect(state.draft.name).toBe('lab');
    expect(apply(state, back).step).toBe('cluster');
  });

  it('the topology chosen decides the authorities of the plan', () => {
    let state = apply(start(), next, next, next, next, next, {type: 'edit', change: {authorities: 'single'}}, next, next, next);
    expect(state.step).toBe('plan');
    expect(state.spec?.pki.authorities).toBe('single');
    state = apply(state, back, back, back, {type: 'edit', change: {authorities: 'etcd-separate'}}, next, next, next);
    expect(state.spec?.pki.authorities).toBe('etcd-separate');
    expect(signingSummary('single').map(s => s.authority)).toEqual(['ca']);
    expect(signingSummary('etcd-separate').find(s => s.authority === 'etcd-ca')!.certificates).toContain('apiserver-etcd-client');
  });

  it('extra errors from I/O checks (an occupied output directory) block the step', () => {
    const state = apply(start(), next, next, next, next, next, next, next, {type: 'next', extraErrors: {out: 'x already holds files'}});
    expect(state.step).toBe('output');
    expect(state.errors.out).toBe('x already holds files');
  });

  it('a failed generation returns to the plan with the reason', () => {
    let state = start();
    while (state.step !== 'plan') state = wizardReducer(state, next);
    state = apply(state, next, {type: 'failed', message: 'disk full'});
    expect([state.step, state.failure]).toEqual(['plan', 'disk full']);
  });
});

describe('the output directory check', () => {
  it('refuses a control character (a Backspace that reached the value) before touching the disk', async () => {
    const {outputErrors} = await import('../../source/interview/checks.js');
    const asked: string[] = [];
    const check = (out: string) => { asked.push(out); return undefined; };
    expect(outputErrors({...draftFromSpec(exampleSpec()), out: 'del-outXYZ\u007F\u007F\u007F'}, check))
      .toEqual({out: '"del-outXYZ\\u007f\\u007f\\u007f" contains a control character (U+007F at position 11)'});
    expect(asked).toEqual([]);
    expect(outputErrors({...draftFromSpec(exampleSpec()), out: 'del-out'}, check)).toEqual({});
    expect(asked).toEqual(['del-out']);
  });
});
