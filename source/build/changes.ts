// What an update or a renewal did, in the words of the plan: each certificate and kubeconfig is
// new, changed (issued or rendered anew) or kept byte-identical; what the old OUT had and the new
// plan lacks is removed. Read from the engine's report and the manifest OUT held before.
import type {Manifest} from '../output/manifest.js';
import {planRef} from '../plan/paths.js';
import type {BuildReport} from './index.js';

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
}

export function summarizeChanges(report: BuildReport, before: Manifest): Changes {
  const {plan} = report;
  const written = new Set(report.written);
  const changes: Changes = {new: [], changed: [], kept: [], removed: [], newNodes: [], removedNodes: [], nodesToRedistribute: report.nodesToRedistribute};
  const oldCerts = new Set(before.certificates.map(c => planRef(c.id, c.node)));
  const oldKubeconfigs = new Set(before.kubeconfigs.map(k => planRef(k.id, k.node)));
  const place = (item: ChangedItem, existed: boolean) =>
    (existed ? (written.has(item.file) ? changes.changed : changes.kept) : changes.new).push(item);
  for (const c of plan.certificates) place({ref: c.ref, kind: 'certificate', file: c.cert}, oldCerts.has(c.ref));
  for (const k of plan.kubeconfigs) place({ref: k.ref, kind: 'kubeconfig', file: k.file}, oldKubeconfigs.has(k.ref));
  place({ref: 'service-account', kind: 'key pair', file: plan.serviceAccount.key}, true);
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
    `Kept byte-identical: ${changes.kept.length} (the CAs are never replaced)`,
    '',
  ];
  if (changes.nodesToRedistribute.length) {
    lines.push(`Nodes that must receive files again: ${changes.nodesToRedistribute.join(' ')}`,
      `  bash ${out}/distribute.sh ${changes.nodesToRedistribute.join(' ')}`);
  } else {
    lines.push('No node needs files again.');
  }
  return `${lines.join('\n')}\n`;
}
