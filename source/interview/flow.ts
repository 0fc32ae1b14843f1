// The wizard's step flow as a pure reducer: next, back, edits, and per-step validation by the
// shared validator. Tested without rendering.
import type {ClusterSpec} from '../spec/types.js';
import {issuesByField, validateDraft, type Draft} from './draft.js';

// The layout comes before the authorities: The Hard Way's layout proposes its single CA.
export const STEPS = ['cluster', 'nodes', 'network', 'layout', 'release', 'authorities', 'keys', 'output', 'plan', 'generate', 'done'] as const;
export type StepId = (typeof STEPS)[number];

export const STEP_TITLES: Record<StepId, string> = {
  cluster: 'Cluster and API endpoint',
  nodes: 'Nodes',
  network: 'Service network',
  release: 'Kubernetes release',
  authorities: 'Certificate authorities',
  keys: 'Keys and validity',
  layout: 'File layout',
  output: 'Output and SSH',
  plan: 'Certificate plan',
  generate: 'Generating',
  done: 'Done',
};

/** Which validator paths each step answers for: an error is shown on the step that can fix it. */
const STEP_FIELDS: Partial<Record<StepId, RegExp>> = {
  cluster: /^(name|endpoint\.host|endpoint\.port)$/,
  nodes: /^nodes/,
  network: /^(network\.|extraSANs)/,
  authorities: /^pki\.authorities$/,
  keys: /^pki\.(key|validity)/,
  layout: /^(pki\.layout|kubeadm\.flow)$/,
  release: /^kubernetesVersion$/,
  output: /^(ssh\.(user|sudo)|out)$/,
};

export interface WizardState {
  step: StepId;
  draft: Draft;
  /** Field path → message, for the current step only. */
  errors: Record<string, string>;
  /** Set once every answer validates: what the plan and generation use. */
  spec?: ClusterSpec;
  failure?: string;
  /** The config the wizard was opened on (an existing OUT's): what the steps do not ask is kept from it. */
  base?: ClusterSpec;
}

export type WizardAction =
  | {type: 'edit'; change: Partial<Draft>}
  | {type: 'next'; extraErrors?: Record<string, string>}
  | {type: 'back'}
  | {type: 'generated'}
  | {type: 'failed'; message: string};

export function initialState(draft: Draft, base?: ClusterSpec): WizardState {
  return {step: 'cluster', draft, errors: {}, ...(base ? {base} : {})};
}

export function stepErrors(step: StepId, draft: Draft): Record<string, string> {
  const fields = STEP_FIELDS[step];
  if (!fields) return {};
  const result = validateDraft(draft);
  if (result.ok) return {};
  return Object.fromEntries(Object.entries(issuesByField(result.issues)).filter(([path]) => fields.test(path)));
}

const indexOf = (step: StepId) => STEPS.indexOf(step);

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'edit':
      // Editing clears the errors it might have fixed; they are checked again on next.
      return {...state, draft: {...state.draft, ...action.change}, errors: {}};
    case 'next': {
      if (state.step === 'generate' || state.step === 'done') return state;
      const errors = {...stepErrors(state.step, state.draft), ...action.extraErrors};
      if (Object.keys(errors).length > 0) return {...state, errors};
      const next = STEPS[indexOf(state.step) + 1]!;
      if (next === 'plan') {
        const result = validateDraft(state.draft, state.base);
        // Earlier steps each validated their own fields, so this only fails on a cross-step rule.
        if (!result.ok) return {...state, errors: issuesByField(result.issues)};
        return {...state, step: next, errors: {}, spec: result.spec};
      }
      return {...state, step: next, errors: {}};
    }
    case 'back': {
      if (state.step === 'cluster' || state.step === 'generate' || state.step === 'done') return state;
      return {...state, step: STEPS[indexOf(state.step) - 1]!, errors: {}, failure: undefined};
    }
    case 'generated':
      return {...state, step: 'done'};
    case 'failed':
      // Back to the plan, with the reason: nothing was written (generation is all-or-nothing).
      return {...state, step: 'plan', failure: action.message};
  }
}
