// What a build prints at the end: the proof and the shipping, as commands to copy.
import {checkCommand, checkCount, opensslChecks} from '../scripts/checks.js';
import {distributionCommands} from '../scripts/distribute-script.js';
import {KEY_LABELS} from '../spec/types.js';
import type {BuildReport} from './index.js';

export function finalReport(report: BuildReport): string {
  const {plan, out} = report;
  const groups = opensslChecks(plan);
  const lines = [
    `Wrote ${plan.certificates.length + plan.authorities.length} certificates, ${plan.kubeconfigs.length} kubeconfigs and ${plan.nodes.length} node bundles to ${out}`,
    ...report.keptAuthorities.map(id => {
      const a = plan.authorities.find(p => p.id === id)!;
      const mixed = a.keyType !== plan.keyType ? `; it signs the new ${KEY_LABELS[plan.keyType]} certificates` : '';
      return `Kept the existing CA ${id} (its ${KEY_LABELS[a.keyType]} key was not replaced${mixed}).`;
    }),
    '',
    `# Verify (${checkCount(groups)} checks; all of them: bash ${out}/verify.sh)`,
    `cd ${out}`,
    ...groups.flatMap(g => [`## ${g.title}`, ...g.checks.map(checkCommand)]),
    '',
    `# Distribute (all of them: bash ${out}/distribute.sh [NODE...]; --help for options)`,
    ...distributionCommands(plan).flatMap(d => [`## ${d.node}`, ...d.lines]),
    '',
    `Saved: ${out}/verify.sh, ${out}/distribute.sh, and your answers in ${out}/cluster.yaml.`,
  ];
  return `${lines.join('\n')}\n`;
}
