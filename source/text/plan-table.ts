// The certificate plan as rows: the `plan` command, the plain prompts and the wizard all show these.
import type {Plan} from '../plan/types.js';
import type {Column} from './table.js';

export interface PlanRow {
  file: string;
  cn: string;
  o: string;
  signer: string;
  sans: string;
  nodes: string;
  index: number;
  kind: 'authority' | 'certificate';
}

const nodeList = (names: string[]) => [...new Set(names)].join(',') || '(master copy only)';

export function planRows(plan: Plan): PlanRow[] {
  const authorities = plan.authorities.map((a, index): PlanRow => ({
    kind: 'authority', index,
    file: a.cert.replace(/^pki\//, ''), cn: a.cn, o: '', signer: 'self (CA)', sans: '',
    nodes: nodeList(a.certInstalls.map(i => i.node)),
  }));
  const certificates = plan.certificates.map((c, index): PlanRow => ({
    kind: 'certificate', index,
    file: c.cert.replace(/^pki\//, ''), cn: c.cn, o: c.organizations.join(','), signer: c.signer,
    sans: [...c.dnsNames, ...c.ipAddresses].join(','),
    nodes: c.certInstalls.length ? nodeList(c.certInstalls.map(i => i.node)) : kubeconfigHolders(plan, c.id, c.node),
  }));
  return [...authorities, ...certificates];
}

/** Client certificates that exist only inside kubeconfigs: the nodes that receive those kubeconfigs. */
function kubeconfigHolders(plan: Plan, id: string, node: string | null): string {
  const holders = plan.kubeconfigs.filter(k => k.certificate.id === id && k.certificate.node === node).flatMap(k => k.installs.map(i => i.node));
  return holders.length ? `${nodeList(holders)} (in kubeconfig)` : '(master copy only)';
}

export const PLAN_COLUMNS: Column<PlanRow>[] = [
  {header: 'FILE', value: r => r.file, shrink: true},
  {header: 'CN', value: r => r.cn, shrink: true},
  {header: 'O', value: r => r.o, shrink: true},
  {header: 'SIGNER', value: r => r.signer},
  {header: 'SANS', value: r => r.sans, shrink: true},
  {header: 'NODES', value: r => r.nodes, shrink: true},
];

export function planSummary(plan: Plan): string[] {
  const perCa = plan.authorities.map(a => `${a.id} signs ${plan.certificates.filter(c => c.signer === a.id).length}`).join(', ');
  const perNode = plan.nodes.map(n => `${n.name} ${plan.bundles[n.name]!.length}`).join(', ');
  return [
    `${plan.authorities.length} CA${plan.authorities.length > 1 ? 's' : ''}, ${plan.certificates.length} certificates, ${plan.kubeconfigs.length} kubeconfigs, 1 service-account key pair; ${plan.keyCount} RSA-${plan.keyBits} keys to generate.`,
    `Per CA: ${perCa}.`,
    `Files per node: ${perNode}.`,
  ];
}
