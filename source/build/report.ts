// What a build prints at the end: the proof and the shipping, as commands to copy.
import {checkCommand, clusterChecks, opensslChecks} from '../scripts/checks.js';
import {verifyScriptChecks} from '../scripts/verify-script.js';
import {distributionCommands} from '../scripts/distribute-script.js';
import {hardWayStartSteps, nodeList} from '../scripts/units.js';
import {kubeletApiRbacApplyLine} from '../scripts/kubelet-api-rbac.js';
import {TEXTFILE_DIR} from '../scripts/expiry-check.js';
import {sshWarning} from '../plan/plan.js';
import {KEY_LABELS} from '../spec/types.js';
import {shellQuote} from '../scripts/shell.js';
import type {Plan} from '../plan/types.js';
import type {Manifest} from '../output/manifest.js';
import type {BuildReport} from './index.js';

/**
 * `full`: every check and every node's commands (the wizard, plain mode, `generate --verbose`).
 * `summary` (`generate`'s default): what was written, the checks that matter for this cluster,
 * and where the full lists are, in as many lines for 500 nodes as for 4.
 */
export function finalReport(report: BuildReport, detail: 'full' | 'summary' = 'full'): string {
  return detail === 'full' ? fullReport(report) : summaryReport(report);
}

function written(report: BuildReport): string[] {
  const {plan, out} = report;
  const ssh = sshWarning(plan.spec.ssh);
  return [
    `Wrote ${plan.certificates.length + plan.authorities.length} certificates, ${plan.kubeconfigs.length} kubeconfigs and ${plan.nodes.length} node bundles to ${out}`,
    ...report.keptAuthorities.map(id => {
      const a = plan.authorities.find(p => p.id === id)!;
      const mixed = a.keyType !== plan.keyType ? `; it signs the new ${KEY_LABELS[plan.keyType]} certificates` : '';
      return `Kept the existing CA ${id} (its ${KEY_LABELS[a.keyType]} key was not replaced${mixed}).`;
    }),
    ...(ssh ? [`warning: ${ssh}`] : []),
  ];
}

/** The Hard Way's start, after distribute.sh: each node's systemctl line, then the RBAC; kubeadm's RBAC after init. */
function startLines(report: BuildReport): string[] {
  const {groups, rbac} = hardWayStartSteps(report.plan, report.out, shellQuote);
  const kubeletApi = kubeletApiRbacApplyLine(report.plan, report.out, shellQuote);
  const monitoring = expiryLines(report);
  if (kubeletApi) {
    return [`# Once kubeadm init is done, the binding apiserver-kubelet-client relies on (kubeadm ${report.plan.spec.kubernetesVersion} creates it too; a cluster upgraded by joining new control-plane nodes does not have it):`, kubeletApi, '', ...monitoring];
  }
  if (groups.length === 0) return monitoring;
  return [
    `# Then start them, as The Hard Way does (its binaries in /usr/local/bin; a node that runs a kubelet first needs containerd, runc and the CNI plugins), on each node ${report.plan.spec.ssh.sudo ? `as ${report.plan.spec.ssh.user}, with sudo` : 'as root'}:`,
    ...groups.flatMap(g => [`## ${nodeList(g.nodes)}`, g.line]),
    ...(rbac ? ['# Once the apiservers answer, let them call the kubelets (the RBAC of kube-apiserver-to-kubelet.yaml):', rbac] : []),
    '',
    ...monitoring,
  ];
}

/** monitoring.expiry: the timer each node enables, and the alerts for Prometheus. */
function expiryLines(report: BuildReport): string[] {
  return expiryStartLines(report.plan, report.out, 'every node');
}

function expiryStartLines(plan: Plan, out: string, where: string, alerts = true): string[] {
  const m = plan.monitoring;
  if (!m) return [];
  const as = plan.spec.ssh.sudo ? 'sudo ' : '';
  return [
    `# Expiry monitoring: on ${where}, after distribute.sh (its check writes ${TEXTFILE_DIR}/kubepki-expiry.prom for node_exporter's textfile collector):`,
    `${as}systemctl daemon-reload && ${as}systemctl enable --now kubepki-expiry.timer`,
    ...(alerts ? [`# and the alerts (30 and 7 days ahead) for the Prometheus Operator: kubectl apply -f ${shellQuote(`${out}/${m.rule}`)}`] : []),
    '',
  ];
}

/**
 * generate --update: distribute.sh installs files but never enables a timer or removes a file, so
 * when monitoring.expiry is turned on (or a node joins a cluster that has it) the timer must be
 * enabled, and when it is turned off the nodes' check and units must be removed by hand.
 */
export function monitoringUpdateLines(plan: Plan, before: Pick<Manifest, 'documents' | 'nodes'>, out: string, newNodes: string[]): string[] {
  const had = (before.documents ?? []).some(d => d.kind === 'expiry check');
  if (plan.monitoring && !had) return expiryStartLines(plan, out, 'every node');
  if (plan.monitoring && newNodes.length) return expiryStartLines(plan, out, `the new node${newNodes.length === 1 ? '' : 's'} ${newNodes.join(' ')}`, false);
  if (plan.monitoring || !had) return [];
  const targets = [...new Set(Object.values(before.nodes).flatMap(n => n.files.filter(f => f.source.startsWith('monitoring/')).map(f => f.path)))].sort();
  const as = plan.spec.ssh.sudo ? 'sudo ' : '';
  return [
    '# Expiry monitoring is off: distribute.sh removes nothing, so on every node that has it, stop and remove it:',
    `${as}systemctl disable --now kubepki-expiry.timer; ${as}rm -f ${[...targets, `${TEXTFILE_DIR}/kubepki-expiry.prom`].map(t => shellQuote(t)).join(' ')} && ${as}systemctl daemon-reload`,
    '# and the alerts: kubectl delete prometheusrule kubepki-certificate-expiry (in the namespace it was applied to)',
    '',
  ];
}

function summaryReport(report: BuildReport): string {
  const {plan} = report;
  const out = shellQuote(report.out);
  const files = plan.nodes.reduce((n, node) => n + plan.bundles[node.name]!.length, 0);
  const lines = [
    ...written(report),
    '',
    `# Verify: the checks that matter for this cluster (all ${verifyScriptChecks(plan).total}: bash ${out}/verify.sh)`,
    `cd ${out}`,
    ...clusterChecks(plan).flatMap(({label, check}) => [`## ${label}`, checkCommand(check)]),
    '',
    `# Distribute: ${files} files to ${plan.nodes.length} nodes as ${plan.spec.ssh.user} over ssh${plan.spec.ssh.sudo ? ', installed with sudo' : ''}; files it replaces are backed up (--help for options)`,
    `bash ${out}/distribute.sh --dry-run    # every command, nothing copied`,
    `bash ${out}/distribute.sh              # then copy for real (or name the nodes: distribute.sh NODE...)`,
    '',
    ...(report.kubeadmSteps.length ? [
      `# kubeadm, node by node, in order, after distribute.sh (${plan.kubeadm!.flow} flow)`,
      `bash ${out}/kubeadm-steps.sh          # every node's commands; kubeadm-steps.sh NODE for one`,
      '',
    ] : []),
    ...startLines(report),
    `Saved: ${out}/verify.sh, ${out}/distribute.sh, ${report.kubeadmSteps.length ? `${out}/kubeadm-steps.sh, ` : ''}and your answers in ${out}/cluster.yaml.`,
    `The full lists: verify.sh runs every check, distribute.sh --dry-run prints every copy${report.kubeadmSteps.length ? ', kubeadm-steps.sh every kubeadm command' : ''}; kubepki generate --verbose prints them all here.`,
  ];
  return `${lines.join('\n')}\n`;
}

function fullReport(report: BuildReport): string {
  const {plan} = report;
  // Lines to paste into a shell: the directory quoted where the shell would split it.
  const out = shellQuote(report.out);
  const groups = opensslChecks(plan);
  const counts = verifyScriptChecks(plan);
  const lines = [
    ...written(report),
    '',
    `# Verify: the ${counts.openssl} openssl checks below (bash ${out}/verify.sh runs them and ${counts.bundles} more on the node bundles and file modes: all ${counts.total})`,
    `cd ${out}`,
    ...groups.flatMap(g => [`## ${g.title}`, ...g.checks.map(checkCommand)]),
    '',
    `# Distribute (all of them: bash ${out}/distribute.sh [NODE...]; --help for options). By hand, node by node, the same steps: a private copy on the node, each file installed with its mode, a file it replaces backed up first as FILE.kubepki-<UTC time>.bak:`,
    ...distributionCommands(plan).flatMap(d => [`## ${d.node}`, ...d.lines]),
    '',
    ...(report.kubeadmSteps.length ? [
      `# kubeadm, node by node, in this order (after distribute.sh; ${plan.kubeadm!.flow} flow; also: bash ${out}/kubeadm-steps.sh)`,
      ...report.kubeadmSteps.flatMap(s => [`## ${s.node}`, ...s.lines]),
      '',
    ] : []),
    ...startLines(report),
    `Saved: ${out}/verify.sh, ${out}/distribute.sh, ${report.kubeadmSteps.length ? `${out}/kubeadm-steps.sh, ` : ''}and your answers in ${out}/cluster.yaml.`,
  ];
  return `${lines.join('\n')}\n`;
}
