// What OUT/cluster.yaml would change in OUT if it were applied now: `renew` refuses while there is
// any (it renews from the plan OUT was built with, and changes nothing else). Two readings:
// - the spec: the manifest records the spec OUT was built with (`spec`, since this field
//   exists), compared field by field with the one cluster.yaml gives now;
// - the plan: each certificate, kubeconfig, node and the service-account pair OUT's manifest
//   lists against the plan, by the comparison the engine keeps or re-issues by. This catches an
//   OUT written before the manifest recorded its spec, and a kubepki that plans differently.
import type {Manifest} from '../output/manifest.js';
import {planRef} from '../plan/paths.js';
import type {Plan} from '../plan/types.js';
import type {ClusterSpec} from '../spec/types.js';
import {printable, quote} from '../spec/quote.js';
import {InputError} from '../spec/errors.js';
import {shellQuote} from '../scripts/shell.js';
import {kubeconfigDifferences, leafDifferences, serviceAccountDifferences} from './changes.js';

/** One line per difference, in the words of cluster.yaml first, then of the files. */
export function unappliedChanges(plan: Plan, manifest: Manifest): string[] {
  const recorded = (manifest as {spec?: unknown}).spec;
  // With the spec recorded, its lines name the nodes and the endpoint; the plan's add what they re-issue.
  return recorded === undefined ? planDifferences(plan, manifest, true) : [...specDifferences(recorded, plan.spec), ...planDifferences(plan, manifest, false)];
}

const show = (v: unknown) => quote(v, 60);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Field by field (nodes by name), as `endpoint.host: "a" → "b"`. */
export function specDifferences(before: unknown, now: ClusterSpec): string[] {
  const lines: string[] = [];
  const old = (typeof before === 'object' && before !== null ? before : {}) as Record<string, unknown>;
  const walk = (a: unknown, b: unknown, path: string) => {
    if (same(a, b)) return;
    if (isObject(a) && isObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], path ? `${path}.${key}` : key);
    } else lines.push(`${path}: ${a === undefined ? '(none)' : show(a)} → ${b === undefined ? '(none)' : show(b)}`);
  };
  for (const key of new Set([...Object.keys(old), ...Object.keys(now)])) {
    if (key !== 'nodes') { walk(old[key], (now as unknown as Record<string, unknown>)[key], key); continue; }
    const oldNodes = new Map((Array.isArray(old.nodes) ? old.nodes : []).filter(isObject).map(n => [String(n.name), n]));
    const nowNames = new Set(now.nodes.map(n => n.name));
    for (const name of oldNodes.keys()) if (!nowNames.has(name)) lines.push(`nodes: ${show(name)} removed`);
    for (const n of now.nodes) {
      const was = oldNodes.get(n.name);
      if (!was) lines.push(`nodes: ${show(n.name)} added`);
      else walk(was, n, `nodes (${n.name})`);
    }
  }
  return lines;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the plan would issue, render or remove differently from what the manifest lists. */
function planDifferences(plan: Plan, manifest: Manifest, withNodes: boolean): string[] {
  const lines: string[] = [];
  const nodes = new Set(plan.nodes.map(n => n.name));
  if (withNodes) nodeDifferences(plan, manifest, nodes, lines);
  const oldCerts = new Map(manifest.certificates.map(c => [planRef(c.id, c.node), c]));
  for (const c of plan.certificates) {
    const old = oldCerts.get(c.ref);
    oldCerts.delete(c.ref);
    if (!old) { if (!c.node || manifest.nodes[c.node]) lines.push(`${c.ref} would be issued (new)`); continue; }
    const differences = leafDifferences(old, c);
    if (old.validityHours !== c.validityHours) differences.push(`validity ${old.validityHours}h → ${c.validityHours}h`);
    if (differences.length) lines.push(`${c.ref} would be re-issued: ${differences.join('; ')}`);
  }
  for (const [ref, c] of oldCerts) if (!c.node || nodes.has(c.node)) lines.push(`${ref} would be removed`);
  const oldKubeconfigs = new Map(manifest.kubeconfigs.map(k => [planRef(k.id, k.node), k]));
  for (const k of plan.kubeconfigs) {
    const old = oldKubeconfigs.get(k.ref);
    oldKubeconfigs.delete(k.ref);
    if (!old) { if (!k.node || manifest.nodes[k.node]) lines.push(`kubeconfig ${k.ref} would be written (new)`); continue; }
    const differences = kubeconfigDifferences(old, k);
    // One line for the endpoint above rather than one per kubeconfig.
    if (differences.length && !(differences.length === 1 && old.server !== k.server && manifest.endpoint !== plan.endpoint.url)) {
      lines.push(`kubeconfig ${k.ref} would be rewritten: ${differences.join('; ')}`);
    }
  }
  for (const [ref, k] of oldKubeconfigs) if (!k.node || nodes.has(k.node)) lines.push(`kubeconfig ${ref} would be removed`);
  const sa = serviceAccountDifferences(manifest.serviceAccount, plan.serviceAccount);
  if (sa.length) lines.push(`service-account key pair would be replaced (every token invalid): ${sa.join('; ')}`);
  const authorities = new Set(manifest.authorities.map(a => a.id));
  for (const a of plan.authorities) if (!authorities.has(a.id)) lines.push(`CA ${a.id} would be made`);
  return lines;
}

/** At most this many differences are listed; the rest are counted. */
const SHOWN = 20;

/** renew's refusal: exit 2, every difference named (up to SHOWN), and the command that applies them. */
export function refuseUnapplied(out: string, plan: Plan, manifest: Manifest): void {
  const lines = unappliedChanges(plan, manifest);
  if (lines.length === 0) return;
  const dir = shellQuote(out);
  const recorded = (manifest as {spec?: unknown}).spec;
  // The spec unchanged, the plan not: another kubepki version wrote OUT.
  const what = recorded !== undefined && specDifferences(recorded, plan.spec).length === 0
    ? `this kubepki plans ${printable(out)}/cluster.yaml differently from the one that wrote ${printable(out)}`
    : `${printable(out)}/cluster.yaml has changes not applied to ${printable(out)}`;
  throw new InputError([
    `renew: ${what}; renew renews from the plan ${printable(out)} was built with and changes nothing else, so nothing was changed:`,
    ...lines.slice(0, SHOWN).map(l => `  ${l}`),
    ...(lines.length > SHOWN ? [`  (and ${lines.length - SHOWN} more)`] : []),
    `apply them first with: kubepki generate --config ${dir}/cluster.yaml --out ${dir} --update   (then renew), or undo them in ${printable(out)}/cluster.yaml.`,
  ]);
}

/** Nodes gone, new or moved, and the endpoint, against the manifest. */
function nodeDifferences(plan: Plan, manifest: Manifest, nodes: Set<string>, lines: string[]): void {
  for (const name of Object.keys(manifest.nodes)) if (!nodes.has(name)) lines.push(`node ${name}'s files would be removed`);
  for (const n of plan.nodes) {
    const was = manifest.nodes[n.name];
    if (!was) lines.push(`node ${n.name} would get files`);
    else if (was.ip !== n.ip || !same(was.roles, n.roles)) lines.push(`node ${n.name}: ${was.ip} [${was.roles.join(', ')}] → ${n.ip} [${n.roles.join(', ')}]`);
  }
  if (manifest.endpoint !== plan.endpoint.url) lines.push(`endpoint ${manifest.endpoint} → ${plan.endpoint.url}`);
}
