// The answers the validator cannot see (the output directory) and the per-node view of the
// validator's answers: one check per field, asked by the wizard and the plain prompts alike.
import type {BuildReport, ProgressEvent} from '../build/index.js';
import type {Plan} from '../plan/types.js';
import type {Manifest} from '../output/manifest.js';
import {controlCharacterProblem, formatIssue, formatPath, type Issue} from '../spec/validate.js';
import {validateDraft, type Draft, type DraftNode} from './draft.js';

/** Why an output directory cannot be used (it exists with files, or is a file), or undefined. */
export type OutputCheck = (out: string) => string | undefined;

/** The output step's own field: required, and new or empty (the front ends never pass --force). */
export function outputErrors(draft: Draft, checkOut: OutputCheck): Record<string, string> {
  const out = draft.out.trim();
  const problem = out === '' ? 'is required' : controlCharacterProblem(out) ?? checkOut(out);
  return problem ? {out: problem} : {};
}

/** The validator's issues about one node as it would be saved at `index`: checked among the others (unique names and IPs). */
function nodeIssues(draft: Draft, index: number, node: DraftNode): Issue[] {
  const nodes = [...draft.nodes];
  nodes[index] = node;
  const result = validateDraft({...draft, nodes});
  return result.ok ? [] : result.issues.filter(issue => issue.path[0] === 'nodes' && issue.path[1] === index);
}

/** One node's problems keyed by their full path (`nodes[2].ip`), the first for each field: what an editor marks. */
export function nodeErrors(draft: Draft, index: number, node: DraftNode): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of nodeIssues(draft, index, node)) errors[formatPath(issue.path)] ??= issue.message;
  return errors;
}

/**
 * The problems of one field of a node as it would be saved at `index`, as lines naming the node
 * (`nodes[4] (Bad_Name).name: …`): what plain mode checks as each answer is given.
 */
export const nodeFieldProblems = (draft: Draft, index: number, node: DraftNode, field: keyof DraftNode): string[] =>
  nodeIssues(draft, index, node).filter(issue => issue.path[2] === field).map(formatIssue);

/** One node's problems as lines to print, each naming the node (`nodes[2] (worker1).ip: …`). */
export const nodeProblems = (draft: Draft, index: number, node: DraftNode): string[] =>
  nodeIssues(draft, index, node).map(formatIssue);

/** The wizard on OUT: an update (generate --update), refused when OUT no longer holds `expectManifest`, the manifest its plan was shown against. */
export interface UpdateOptions {
  update?: boolean;
  expectManifest?: Manifest;
}

/** What a front end needs from the outside world: injected, so tests point it at a temporary directory. */
export interface FrontEndDeps {
  /** Builds the plan the user was shown into `out` (the engine, buildCluster). */
  generate: (plan: Plan, out: string, onProgress: (event: ProgressEvent) => void, options?: UpdateOptions) => Promise<BuildReport>;
  checkOut: OutputCheck;
}
