// The wizard on an existing OUT (`kubepki OUT`): what OUT holds, read once, and the plan as a
// diff against it — each certificate, kubeconfig and key pair new, changed (and how), kept (with
// the days it has left, as `kubepki verify` counts them) or removed. The engine decides with the
// same comparison (build/changes.ts), so the screen says what `generate --update` will do.
import {existsSync, statSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {kubeconfigDifferences, leafDifferences, redistribution, serviceAccountDifferences, summarizeChanges} from '../build/changes.js';
import type {BuildReport} from '../build/index.js';
import {releaseUpgradeLines} from '../build/upgrade.js';
import {readExisting, type ExistingFile, type ExistingOut} from '../output/existing.js';
import type {Plan} from '../plan/types.js';
import {parseDurationHours} from '../spec/duration.js';
import {InputError} from '../spec/errors.js';
import {specFromFile} from '../spec/load.js';
import {printable} from '../spec/quote.js';
import {shellQuote} from '../scripts/shell.js';
import type {ClusterSpec} from '../spec/types.js';
import {DEFAULT_EXPIRY_WARNING, inspectDirectory} from '../verify/read-out.js';
import {notedTable, type Column, type TableLines} from '../text/table.js';

export const updateLesson =
  'Against what OUT holds: kept files stay byte-for-byte, new and changed ones are issued from its CAs, removed ones are deleted.';

export const openOutLesson =
  'Open a directory kubepki wrote: the wizard starts from its cluster.yaml, and the plan shows what would change in it before anything is written.';

export interface OpenedOut {
  /** OUT as the user gave it. */
  dir: string;
  /** OUT/cluster.yaml: what the wizard is pre-filled with. */
  spec: ClusterSpec;
  existing: ExistingOut;
  /** Days each file's certificate has left (OUT-relative file → days), as `kubepki verify` reports. */
  daysLeft: Map<string, number>;
  /** Files `kubepki verify` finds wrong (file → what), shown beside their rows. */
  problems: Map<string, string>;
}

/** Why `dir` is not a directory kubepki generate wrote, or undefined when it is one. */
export function notKubepkiOutput(dir: string): string | undefined {
  const shown = printable(dir);
  if (!existsSync(dir)) return `${shown}: no such directory (and not a kubepki command)`;
  if (!statSync(dir).isDirectory()) return `${shown} is not a directory (nor a kubepki command)`;
  const missing = ['manifest.json', 'cluster.yaml'].filter(f => !existsSync(join(dir, f)));
  if (missing.length) return `${shown} is not a kubepki output directory: it has no ${missing.join(' or ')} (kubepki generate writes both). To read the PKI in it: kubepki inspect ${shellQuote(dir)}. To plan a new PKI: kubepki, or kubepki --config FILE.`;
  return undefined;
}

/** Reads OUT for the wizard; an InputError (exit 2) says what is wrong with it. */
export function openOut(dir: string, now = new Date()): OpenedOut {
  const problem = notKubepkiOutput(dir);
  if (problem) throw new InputError([problem]);
  const spec = specFromFile(join(dir, 'cluster.yaml'));
  const existing = readExisting(dir);
  const daysLeft = new Map<string, number>();
  const problems = new Map<string, string>();
  for (const f of inspectDirectory(dir, now)) {
    if (f.daysLeft !== undefined) daysLeft.set(f.file, f.daysLeft);
    if (!f.ok) problems.set(f.file, f.detail);
  }
  return {dir, spec, existing, daysLeft, problems};
}

/** The output field of the wizard on OUT: only OUT itself (a new directory is a new PKI: kubepki --config OUT/cluster.yaml). */
export function sameOut(opened: Pick<OpenedOut, 'dir'>, out: string): string | undefined {
  return resolve(out.trim()) === resolve(opened.dir) ? undefined
    : `this wizard updates ${printable(opened.dir)}; to write a new PKI elsewhere, quit and run kubepki --config ${printable(join(opened.dir, 'cluster.yaml'))}`;
}

export type DiffStatus = 'new' | 'changed' | 'kept' | 'removed';

export interface DiffRow {
  status: DiffStatus;
  /** planRef of the certificate or kubeconfig, `service-account`, or the CA's id. */
  ref: string;
  kind: 'authority' | 'certificate' | 'kubeconfig' | 'key pair';
  /** OUT-relative: the certificate, the kubeconfig, or the pair's private key. */
  file: string;
  /** What changed, why it is removed, or how long a kept one has left. */
  detail: string;
  daysLeft?: number;
  /** Kept, and fewer days left than the warning threshold. */
  expiring?: boolean;
}

export interface PlanDiff {
  rows: DiffRow[];
  /** Certificates, kubeconfigs and the service-account pair: what the final screen counts too. */
  counts: Record<DiffStatus, number>;
  /** The CAs, counted apart (they are never replaced: kept, or new). */
  caCounts: Record<DiffStatus, number>;
  newNodes: string[];
  removedNodes: string[];
  /** Kept rows that expire within the threshold. */
  expiring: DiffRow[];
  /** The threshold, as verify's --expiring-within. */
  warnWithin: string;
  /**
   * What the new release changes when kubernetesVersion differs from the one OUT was made for
   * (or a subject changes): the lines `generate --update` prints. Empty when nothing does.
   */
  upgrade: string[];
}

/** The plan against what OUT holds: removed rows first (as `generate --update` lists them), then the plan's order. */
export function planDiff(plan: Plan, opened: OpenedOut, warnWithin = DEFAULT_EXPIRY_WARNING): PlanDiff {
  const {existing} = opened;
  const warnDays = parseDurationHours(warnWithin)! / 24;
  const rows: DiffRow[] = [];
  const unreadable = (...files: ExistingFile[]) => files.filter(f => f.pem === undefined).map(f => `${f.path} ${f.problem ?? 'unreadable'} in OUT`);
  const kept = (row: Omit<DiffRow, 'status' | 'detail'>): DiffRow => {
    const days = opened.daysLeft.get(row.file);
    const problem = opened.problems.get(row.file);
    const expiring = days !== undefined && days < warnDays;
    const detail = problem ? `kept, but verify finds: ${problem}` : days === undefined ? 'kept byte-identical' : `${days} days left${expiring ? ` — renew (below ${warnWithin})` : ''}`;
    return {...row, status: 'kept', detail, ...(days !== undefined ? {daysLeft: days} : {}), ...(expiring ? {expiring} : {})};
  };

  const removedRows: DiffRow[] = [];
  const removedNodes = Object.keys(existing.manifest.nodes).filter(n => !plan.nodes.some(p => p.name === n));
  const gone = (node: string | null) => (node && removedNodes.includes(node) ? `node ${node} removed` : 'no longer planned');
  for (const [id, a] of existing.authorities) {
    if (!plan.authorities.some(p => p.id === id)) removedRows.push({status: 'removed', ref: id, kind: 'authority', file: a.cert.path, detail: 'the plan no longer uses this CA: generating refuses (its key would be lost)'});
  }
  for (const [ref, c] of existing.certificates) {
    if (!plan.certificates.some(p => p.ref === ref)) removedRows.push({status: 'removed', ref, kind: 'certificate', file: c.entry.cert, detail: gone(c.entry.node)});
  }
  for (const [ref, k] of existing.kubeconfigs) {
    if (!plan.kubeconfigs.some(p => p.ref === ref)) removedRows.push({status: 'removed', ref, kind: 'kubeconfig', file: k.entry.file, detail: gone(k.entry.node)});
  }
  rows.push(...removedRows);

  for (const a of plan.authorities) {
    const old = existing.authorities.get(a.id);
    rows.push(old ? kept({ref: a.id, kind: 'authority', file: old.cert.path}) : {status: 'new', ref: a.id, kind: 'authority', file: a.cert, detail: 'a new CA'});
  }
  const reissued = new Set<string>();
  for (const c of plan.certificates) {
    const old = existing.certificates.get(c.ref);
    const row = {ref: c.ref, kind: 'certificate' as const, file: c.cert};
    if (!old) {
      reissued.add(c.ref);
      rows.push({...row, status: 'new', detail: c.node && !(c.node in existing.manifest.nodes) ? `new node ${c.node}` : 'newly planned'});
      continue;
    }
    const differences = [
      ...leafDifferences(old.entry, c),
      ...(existing.authorities.has(c.signer) ? [] : [`signer ${c.signer} is a new CA`]),
      ...unreadable(old.cert, old.key),
    ];
    if (differences.length) {
      reissued.add(c.ref);
      rows.push({...row, status: 'changed', detail: differences.join('; ')});
    } else {
      rows.push(kept(row));
    }
  }
  for (const k of plan.kubeconfigs) {
    const old = existing.kubeconfigs.get(k.ref);
    const row = {ref: k.ref, kind: 'kubeconfig' as const, file: k.file};
    if (!old) {
      rows.push({...row, status: 'new', detail: k.node && !(k.node in existing.manifest.nodes) ? `new node ${k.node}` : 'newly planned'});
      continue;
    }
    const differences = [
      ...kubeconfigDifferences(old.entry, k),
      ...(reissued.has(k.certificate.ref) ? [`its certificate ${k.certificate.ref} is issued anew`] : []),
      ...unreadable(old.file),
    ];
    rows.push(differences.length ? {...row, status: 'changed', detail: differences.join('; ')} : kept(row));
  }
  const sa = plan.serviceAccount;
  const saDifferences = [...serviceAccountDifferences(existing.manifest.serviceAccount, sa), ...unreadable(existing.serviceAccount.key, existing.serviceAccount.publicKey)];
  const saRow = {ref: 'service-account', kind: 'key pair' as const, file: sa.key};
  rows.push(saDifferences.length ? {...saRow, status: 'changed', detail: saDifferences.join('; ')} : {...kept(saRow), detail: 'kept byte-identical (tokens stay valid)'});

  const counts: Record<DiffStatus, number> = {new: 0, changed: 0, kept: 0, removed: 0};
  const caCounts: Record<DiffStatus, number> = {new: 0, changed: 0, kept: 0, removed: 0};
  for (const r of rows) (r.kind === 'authority' ? caCounts : counts)[r.status]++;
  return {
    rows, counts, caCounts,
    newNodes: plan.nodes.map(n => n.name).filter(n => !(n in existing.manifest.nodes)),
    removedNodes,
    expiring: rows.filter(r => r.expiring),
    warnWithin,
    upgrade: withoutTrailingBlank(releaseUpgradeLines(plan, existing.manifest, opened.dir)),
  };
}

/** The update plan's status line names the upgrade by its first line's head ("Kubernetes v1.35.0 → v1.36.1"); r shows every line. */
export const upgradeHeadline = (diff: Pick<PlanDiff, 'upgrade'>) => (diff.upgrade.length ? diff.upgrade[0]!.split(':')[0]! : undefined);

const withoutTrailingBlank = (lines: string[]) => (lines.at(-1) === '' ? lines.slice(0, -1) : lines);

/**
 * How many of each, as both update screens say it: certificates, kubeconfigs and the
 * service-account pair, then the CAs apart (the plan and the final screen count alike).
 */
export function countsLine(files: Record<DiffStatus, number>, cas: Record<DiffStatus, number>): string {
  const caParts = (['kept', 'new', 'changed', 'removed'] as const).filter(s => cas[s] > 0).map(s => `${cas[s]} ${s}`);
  return `${files.new} new · ${files.changed} changed · ${files.kept} kept · ${files.removed} removed`
    + (caParts.length ? `; CAs, counted apart: ${caParts.join(', ')}` : '');
}

/** One line: how many of each, and how many kept ones expire soon. */
export function diffSummary(diff: PlanDiff): string {
  return countsLine(diff.counts, diff.caCounts)
    + (diff.expiring.length ? ` · ${diff.expiring.length} expiring within ${diff.warnWithin}` : '');
}

/** The first line of every screen of the wizard on OUT. */
export const updatingTitle = (opened: Pick<OpenedOut, 'dir'>) => `Updating ${printable(resolve(opened.dir))}`;

/** The output field's hint on OUT (a new PKI's "must be new or empty" is not this wizard's). */
export const updateOutHint = 'The directory being updated: kept files stay byte-for-byte, the CA keys are never replaced';

/** `f` on the update plan: every row, or what generating would change (and kept files expiring soon). */
export type DiffFilter = 'all' | 'changes';

export function diffRowsShown(diff: PlanDiff, filter: DiffFilter): DiffRow[] {
  return filter === 'all' ? diff.rows : diff.rows.filter(r => r.status !== 'kept' || r.expiring);
}

/** What a filter shows, in the words the row counter and the footer use. */
export function filterName(diff: PlanDiff, filter: DiffFilter): string {
  return filter === 'all' ? 'all rows' : diff.expiring.length ? 'changes and expiring' : 'changes only';
}

export const otherFilter = (filter: DiffFilter): DiffFilter => (filter === 'all' ? 'changes' : 'all');

const DIFF_COLUMNS: Column<DiffRow>[] = [
  {header: 'STATUS', value: r => r.status},
  // Paths wrap well at their slashes: the file gives up width first.
  {header: 'WHAT', value: r => r.ref, shrink: 1, min: 14},
  {header: 'FILE', value: r => r.file, shrink: 2, min: 22},
];

/**
 * The diff as a table within `width`, as the plan's: a row's first line says what and which
 * file, the lines under it what happens to it (wrapped: nothing is cut).
 */
export function diffTable(rows: DiffRow[], width: number): TableLines {
  return notedTable(DIFF_COLUMNS, rows, width, r => [`${r.expiring ? '⚠ ' : ''}${r.kind}: ${r.detail}`]);
}

/** What `g` finds when it looks at OUT again before anything is written. */
export type Recheck =
  /** OUT is as the plan was shown against (or changed in no way the plan shows): apply against `fresh`. */
  | {ok: true; fresh: OpenedOut}
  /** OUT changed: `fresh` is what it holds now, `reason` says what changed and what the plan now does. */
  | {ok: false; fresh?: OpenedOut; reason: string};

/** A row as generating acts on it (a kept row's days left may tick over: no change). */
const rowKey = (r: DiffRow) => `${r.status} ${r.kind} ${r.ref} ${r.file} ${r.status === 'kept' ? '' : r.detail}`;

/**
 * `g` on the plan of OUT: OUT read again, and the plan diffed against it. Refused (nothing
 * written, the plan shown again against OUT as it is) when another run changed what generating
 * would do, or edited OUT/cluster.yaml (which generating replaces with these answers).
 */
export function recheckOut(shown: OpenedOut, plan: Plan, now = new Date()): Recheck {
  let fresh: OpenedOut;
  try {
    fresh = openOut(shown.dir, now);
  } catch (error) {
    return {ok: false, reason: `${printable(shown.dir)} cannot be read any more: ${(error as Error & {lines?: string[]}).lines?.join('; ') ?? (error as Error).message}; nothing was written.`};
  }
  const before = planDiff(plan, shown);
  const after = planDiff(plan, fresh);
  const changed = JSON.stringify(before.rows.map(rowKey)) !== JSON.stringify(after.rows.map(rowKey));
  const edited = JSON.stringify(fresh.spec) !== JSON.stringify(shown.spec);
  if (!changed && !edited) return {ok: true, fresh};
  const gained = Object.keys(fresh.existing.manifest.nodes).filter(n => !(n in shown.existing.manifest.nodes));
  const lost = Object.keys(shown.existing.manifest.nodes).filter(n => !(n in fresh.existing.manifest.nodes));
  const what = [
    ...(gained.length ? [`it gained node${gained.length > 1 ? 's' : ''} ${gained.join(' ')}${after.removedNodes.some(n => gained.includes(n)) ? ', which this plan removes' : ''}`] : []),
    ...(lost.length ? [`it lost node${lost.length > 1 ? 's' : ''} ${lost.join(' ')}`] : []),
    ...(changed && !gained.length && !lost.length ? ['its files changed'] : []),
    ...(edited ? ['its cluster.yaml was edited (generating replaces it with these answers)'] : []),
  ];
  return {
    ok: false,
    fresh,
    reason: `${printable(shown.dir)} changed since this plan was shown: ${what.join('; ')}. Nothing was written; the plan now reads against it (${countsLine(after.counts, after.caCounts)}). g applies it; Esc goes back to the answers.`,
  };
}

/** The files the update wrote besides the certificates, keys and kubeconfigs it counts (scripts, units, kubeadm files, cluster.yaml, manifest.json). */
export function rewrittenFiles(report: BuildReport): string[] {
  const {plan} = report;
  const counted = new Set<string>([
    ...plan.authorities.flatMap(a => [a.cert, a.key]), ...plan.certificates.flatMap(c => [c.cert, c.key]),
    ...plan.kubeconfigs.map(k => k.file), plan.serviceAccount.key, plan.serviceAccount.publicKey,
  ]);
  return report.written.filter(f => !counted.has(f));
}

/**
 * After the update: what the engine did, from its own report (its written files, against the
 * manifest it found in OUT when it claimed it), and the nodes to ship to (as `generate --update` prints them).
 */
export function updateOutcome(report: BuildReport) {
  const changes = summarizeChanges(report, report.before!);
  return {
    rewritten: rewrittenFiles(report),
    summary: countsLine(
      {new: changes.new.length, changed: changes.changed.length, kept: changes.kept.length, removed: changes.removed.length},
      {kept: report.keptAuthorities.length, new: report.plan.authorities.length - report.keptAuthorities.length, changed: 0, removed: 0},
    ),
    newNodes: changes.newNodes,
    removedNodes: changes.removedNodes,
    nodesToRedistribute: changes.nodesToRedistribute,
    /** "Nodes that must receive files again: …" and the distribute.sh line for just those. */
    redistribution: redistribution(changes.nodesToRedistribute, report.out),
  };
}
