// The answers the validator cannot see (the output directory) and the per-node view of the
// validator's answers: one check per field, asked by the wizard and the plain prompts alike.
import type {BuildReport, ProgressEvent} from '../build/index.js';
import type {Plan} from '../plan/types.js';
import {controlCharacterProblem} from '../spec/validate.js';
import {issuesByField, validateDraft, type Draft, type DraftNode} from './draft.js';

/** Why an output directory cannot be used (it exists with files, or is a file), or undefined. */
export type OutputCheck = (out: string) => string | undefined;

/** The output step's own field: required, and new or empty (the front ends never pass --force). */
export function outputErrors(draft: Draft, checkOut: OutputCheck): Record<string, string> {
  const out = draft.out.trim();
  const problem = out === '' ? 'is required' : controlCharacterProblem(out) ?? checkOut(out);
  return problem ? {out: problem} : {};
}

/**
 * The validator's messages about one node as it would be saved at `index`, keyed by their full
 * path (`nodes[2].ip`): a node is checked in the context of the others (unique names and IPs).
 */
export function nodeErrors(draft: Draft, index: number, node: DraftNode): Record<string, string> {
  const nodes = [...draft.nodes];
  nodes[index] = node;
  const result = validateDraft({...draft, nodes});
  if (result.ok) return {};
  return Object.fromEntries(Object.entries(issuesByField(result.issues)).filter(([path]) => path.startsWith(`nodes[${index}]`)));
}

/** What a front end needs from the outside world: injected, so tests point it at a temporary directory. */
export interface FrontEndDeps {
  /** Builds the plan the user was shown into `out` (the engine, buildCluster). */
  generate: (plan: Plan, out: string, onProgress: (event: ProgressEvent) => void) => Promise<BuildReport>;
  checkOut: OutputCheck;
}
