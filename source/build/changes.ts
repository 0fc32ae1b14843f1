// What an update or a renewal did, in the words of the plan: each certificate and kubeconfig is
// new, changed (issued or rendered anew) or kept byte-identical; what the old OUT had and the new
// plan lacks is removed. Read from the engine's report and the manifest OUT held before.
import type {Manifest} from '../output/manifest.js';
import {planRef} from '../plan/paths.js';
import type {CertificatePlan, KubeconfigPlan, ServiceAccountPlan} from '../plan/types.js';
import type {BuildReport} from './index.js';
import {shellQuote} from '../scripts/shell.js';
import {restartLines} from '../scripts/restart-script.js';

type Entry<K extends 'certificates' | 'kubeconfigs'> = Manifest[K][number];

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * What keeps a certificate OUT holds from standing for the planned one: the one comparison the
 * engine keeps or re-issues by (empty: kept byte-identical), and the words the wizard shows.
 * Validity alone is no difference.
 */
export function leafDifferences(old: Entry<'certificates'>, planned: CertificatePlan): string[] {
  const differences: string[] = [];
  if (old.cn !== planned.cn || !sameList(old.organizations, planned.organizations)) {
    differences.push(`identity CN=${old.cn}${old.organizations.map(o => `,O=${o}`).join('')} → CN=${planned.cn}${planned.organizations.map(o => `,O=${o}`).join('')}`);
  }
  const oldSans = [...old.dnsNames, ...old.ipAddresses];
  const newSans = [...planned.dnsNames, ...planned.ipAddresses];
  if (!sameList(old.dnsNames, planned.dnsNames) || !sameList(old.ipAddresses, planned.ipAddresses)) {
    const added = newSans.filter(s => !oldSans.includes(s));
    const removed = oldSans.filter(s => !newSans.includes(s));
    differences.push(added.length || removed.length ? `SANs ${[...added.map(s => `+${s}`), ...removed.map(s => `-${s}`)].join(' ')}` : 'SANs reordered');
  }
  if (old.signer !== planned.signer) differences.push(`signer ${old.signer} → ${planned.signer}`);
  if (!sameList(old.usages, planned.usages)) differences.push(`usages ${old.usages.join('+')} → ${planned.usages.join('+')}`);
  if (old.keyType !== planned.keyType) differences.push(`key type ${old.keyType} → ${planned.keyType}`);
  if (old.cert !== planned.cert || old.key !== planned.key) differences.push(`files ${old.cert} → ${planned.cert}`);
  return differences;
}

/** What makes the service-account key pair OUT holds differ from the planned one. */
export function serviceAccountDifferences(old: Manifest['serviceAccount'], planned: ServiceAccountPlan): string[] {
  const differences: string[] = [];
  if (old.keyType !== planned.keyType) differences.push(`key type ${old.keyType} → ${planned.keyType}`);
  if (old.key !== planned.key || old.publicKey !== planned.publicKey) differences.push(`files ${old.key} → ${planned.key}`);
  return differences;
}

/** What makes a kubeconfig OUT holds differ from the planned one (its certificate aside). */
export function kubeconfigDifferences(old: Entry<'kubeconfigs'>, planned: KubeconfigPlan): string[] {
  const differences: string[] = [];
  if (old.server !== planned.server) differences.push(`server ${old.server} → ${planned.server}`);
  if (old.user !== planned.user) differences.push(`user ${old.user} → ${planned.user}`);
  if (old.cluster !== planned.cluster) differences.push(`cluster ${old.cluster} → ${planned.cluster}`);
  if (old.file !== planned.file) differences.push(`file ${old.file} → ${planned.file}`);
  return differences;
}

export interface ChangedItem {
  /** planRef: `apiserver`, `kubelet-client/worker1`, `admin` (kubeconfig), `service-account`. */
  ref: string;
  kind: 'certificate' | 'kubeconfig' | 'key pair';
  /** OUT-relative file (the certificate, the kubeconfig, the private key of the pair). */
  file: string;
}

export interface Changes {
  new: ChangedItem[];
  changed: ChangedItem[];
  kept: ChangedItem[];
  removed: ChangedItem[];
  newNodes: string[];
  removedNodes: string[];
  nodesToRedistribute: string[];
  /** kubeadm: the steps of each node this run added (a later join makes its own token first). */
  joins: {node: string; lines: string[]}[];
  /** After the copy: what must restart to read the new files, grouped, in order (scripts/restart-script.ts). */
  restartSteps: string[];
  /** How many CAs OUT holds: never replaced, counted apart from `kept`. */
  authorities: number;
  /** Files OUT held damaged, issued or rendered anew (they are in `changed` too). */
  repaired: BuildReport['repaired'];
  /** Users' kubeconfigs rendered anew for the new endpoint (or cluster name), and that endpoint. */
  usersRepointed: string[];
  endpoint: string;
}

export function summarizeChanges(report: BuildReport, before: Manifest): Changes {
  const {plan} = report;
  const written = new Set(report.written);
  const changes: Changes = {
    new: [], changed: [], kept: [], removed: [], newNodes: [], removedNodes: [], nodesToRedistribute: report.nodesToRedistribute,
    restartSteps: restartLines(plan, report.restarts, report.out), joins: [], authorities: plan.authorities.length,
    repaired: report.repaired, usersRepointed: report.usersRepointed, endpoint: plan.endpoint.url,
  };
  const oldCerts = new Set(before.certificates.map(c => planRef(c.id, c.node)));
  const oldKubeconfigs = new Set(before.kubeconfigs.map(k => planRef(k.id, k.node)));
  const place = (item: ChangedItem, existed: boolean) =>
    (existed ? (written.has(item.file) ? changes.changed : changes.kept) : changes.new).push(item);
  for (const c of plan.certificates) place({ref: c.ref, kind: 'certificate', file: c.cert}, oldCerts.has(c.ref));
  for (const k of plan.kubeconfigs) place({ref: k.ref, kind: 'kubeconfig', file: k.file}, oldKubeconfigs.has(k.ref));
  place({ref: SERVICE_ACCOUNT_REF, kind: 'key pair', file: plan.serviceAccount.key}, true);
  const nowCerts = new Set(plan.certificates.map(c => c.ref));
  const nowKubeconfigs = new Set(plan.kubeconfigs.map(k => k.ref));
  for (const c of before.certificates) {
    const ref = planRef(c.id, c.node);
    if (!nowCerts.has(ref)) changes.removed.push({ref, kind: 'certificate', file: c.cert});
  }
  for (const k of before.kubeconfigs) {
    const ref = planRef(k.id, k.node);
    if (!nowKubeconfigs.has(ref)) changes.removed.push({ref, kind: 'kubeconfig', file: k.file});
  }
  const nodes = new Set(plan.nodes.map(n => n.name));
  changes.newNodes = plan.nodes.map(n => n.name).filter(n => !(n in before.nodes));
  changes.removedNodes = Object.keys(before.nodes).filter(n => !nodes.has(n));
  changes.joins = report.kubeadmSteps.filter(s => changes.newNodes.includes(s.node));
  return changes;
}

/** The text `generate --update` and `renew` print: what happened, then which nodes to ship to. */
export function changesReport(changes: Changes, out: string, title: string): string {
  const list = (label: string, items: ChangedItem[]) => items.length
    ? [`${label} (${items.length}):`, ...items.map(i => `  ${i.ref.padEnd(36)} ${i.kind.padEnd(11)} ${i.file}`)]
    : [`${label}: none`];
  const lines = [
    title,
    ...(changes.removedNodes.length ? [`Removed nodes: ${changes.removedNodes.join(' ')} (their bundles are gone from ${out}; remove their files on those machines yourself)`] : []),
    ...list('Removed', changes.removed),
    ...(changes.newNodes.length ? [`New nodes: ${changes.newNodes.join(' ')}`] : []),
    ...list('New', changes.new),
    ...list('Changed', changes.changed),
    ...repairedLines(changes.repaired),
    ...(changes.changed.some(c => c.ref === SERVICE_ACCOUNT_REF) ? [`warning: ${NEW_SERVICE_ACCOUNT_PAIR}`] : []),
    ...(changes.usersRepointed.length ? [
      `Users' kubeconfigs rewritten for ${changes.endpoint}, same certificates and keys (${changes.usersRepointed.length}); give each user the new file:`,
      ...changes.usersRepointed.map(f => `  ${f}`),
    ] : []),
    keptLine(changes),
    '',
  ];
  lines.push(...redistribution(changes.nodesToRedistribute, out));
  if (changes.joins.length) {
    lines.push(`# Then join the new nodes, after distribute.sh (also: bash ${shellQuote(out)}/kubeadm-steps.sh NODE):`, ...changes.joins.flatMap(j => [`## ${j.node}`, ...j.lines]));
  }
  if (changes.nodesToRedistribute.length) lines.push(...changes.restartSteps);
  return `${lines.join('\n')}\n`;
}

/** The ref of the service-account key pair (in `only`, in renew's names, in the lists). */
export const SERVICE_ACCOUNT_REF = 'service-account';

/** What a new service-account key pair means: said wherever one is made in an existing OUT. */
export const NEW_SERVICE_ACCOUNT_PAIR = 'the service-account key pair is new: every service-account token signed with the old one is refused once the apiservers hold it; restart the pods that use tokens (they get new ones), and issue again any token kept in a Secret or outside the cluster.';

/** Files that were damaged in OUT and made anew, each with what was wrong. */
export function repairedLines(repaired: Changes['repaired']): string[] {
  return repaired.length
    ? [`Damaged in OUT, so issued anew (${repaired.length}):`, ...repaired.map(r => `  ${r.file.padEnd(36)} ${r.problem}`)]
    : [];
}

/** What stayed: the leaves, kubeconfigs and the service-account pair kept, and the CAs (never replaced) apart. */
export function keptLine(changes: Changes): string {
  return `Kept byte-identical: ${changes.kept.length}, and the ${changes.authorities} CA${changes.authorities === 1 ? '' : 's'} (never replaced)`;
}

/** Which nodes must receive files again, and the distribute.sh line for just those. */
export function redistribution(nodes: string[], out: string): string[] {
  return nodes.length
    ? [`Nodes that must receive files again: ${nodes.join(' ')}`, `  bash ${shellQuote(out)}/distribute.sh ${nodes.join(' ')}`]
    : ['No node needs files again.'];
}
