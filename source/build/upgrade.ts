// What `generate --update` says when kubernetesVersion changed: what the new release changes in
// the files and in RBAC (release-table.ts), which certificates are issued anew because their
// subject changes, and the RBAC to apply before anything restarts with them.
import type {Manifest} from '../output/manifest.js';
import {planRef} from '../plan/paths.js';
import {releaseOf, versionOf} from '../plan/release-table.js';
import {releaseChanges} from '../plan/releases.js';
import type {Plan} from '../plan/types.js';
import {kubeletApiRbacApplyLine} from '../scripts/kubelet-api-rbac.js';
import {shellQuote} from '../scripts/shell.js';

const subjectOf = (cn: string, organizations: readonly string[]) => `CN=${cn}${organizations.map(o => `,O=${o}`).join('')}`;

/** The lines, empty when the release did not change and no subject changes. */
export function releaseUpgradeLines(plan: Plan, before: Manifest & {kubernetesVersion?: string}, out: string): string[] {
  const to = releaseOf(plan.spec.kubernetesVersion);
  const fromVersion = before.kubernetesVersion && /^v1\.\d+\.\d+$/.test(before.kubernetesVersion) ? before.kubernetesVersion : undefined;
  const from = fromVersion ? releaseOf(fromVersion) : undefined;
  const old = new Map(before.certificates.map(c => [planRef(c.id, c.node), c]));
  const subjects = plan.certificates.flatMap(c => {
    const was = old.get(c.ref);
    if (!was) return [];
    const a = subjectOf(was.cn, was.organizations);
    const b = subjectOf(c.cn, c.organizations);
    return a === b ? [] : [`  ${c.ref.padEnd(36)} ${a} → ${b}`];
  });
  const released = from && versionOf(from) !== versionOf(to);
  if (!released && subjects.length === 0) return [];
  const lines: string[] = [];
  if (released) {
    const facts = releaseChanges(plan.layout, from, to);
    lines.push(`Kubernetes ${versionOf(from)} → ${versionOf(to)}: ${facts.length ? `what ${versionOf(to)}'s kubeadm changes in the files and RBAC (${plan.layout} layout):` : `nothing changes in the files or RBAC of the ${plan.layout} layout.`}`);
    for (const fact of facts) lines.push(`  ${fact.topic}: ${fact.value}`);
  } else if (!from && before.kubernetesVersion === undefined) {
    lines.push(`Kubernetes ${versionOf(to)} (the release OUT was made for is not recorded in its manifest):`);
  }
  if (subjects.length) {
    lines.push(`Issued anew because their subject changes (${subjects.length}); every other certificate is kept:`, ...subjects);
  }
  const rbac = kubeletApiRbacApplyLine(plan, out, shellQuote);
  const needsRbac = rbac && plan.certificates.some(c => c.id === 'apiserver-kubelet-client' && c.organizations.length === 0
    && (old.get(c.ref)?.organizations.length ?? 0) > 0);
  if (needsRbac) {
    lines.push(
      'Apply this RBAC before any kube-apiserver restarts with the new apiserver-kubelet-client (its user has no group now;',
      'kubeadm upgrade apply creates the same binding, an upgrade that joins new control-plane nodes does not: kubeadm#3310):',
      `  ${rbac}`,
    );
  }
  lines.push('');
  return lines;
}

/** The head of the report after an update (`generate --update`, the wizard on OUT): its title, then what the new release changes. */
export const updateReportTitle = (title: string, plan: Plan, before: Manifest & {kubernetesVersion?: string}, out: string) =>
  [title, ...releaseUpgradeLines(plan, before, out)].join('\n').trimEnd();
