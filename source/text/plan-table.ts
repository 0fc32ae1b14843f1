// The certificate plan as rows: the `plan` command, the plain prompts and the wizard all show these.
import type {Plan} from '../plan/types.js';
import {KEY_LABELS, type KeyType} from '../spec/types.js';
import {columnWidths, notedTable, renderTable, type Column, type TableLines} from './table.js';

export interface PlanRow {
  file: string;
  cn: string;
  o: string;
  signer: string;
  sans: string;
  /** Every node that receives it. */
  nodes: string;
  /** The same, short enough for a table cell at 500 nodes: up to four names, else a count. */
  nodesBrief: string;
  index: number;
  kind: 'authority' | 'certificate' | 'serviceAccount';
}

const nodeList = (names: string[]) => [...new Set(names)].join(',') || '(master copy only)';
const nodeBrief = (names: string[]) => {
  const unique = [...new Set(names)];
  return unique.length > 4 ? `${unique.length} nodes` : nodeList(unique);
};

export function planRows(plan: Plan): PlanRow[] {
  const holders = kubeconfigHolders(plan);
  const authorities = plan.authorities.map((a, index): PlanRow => ({
    kind: 'authority', index,
    file: a.cert.replace(/^pki\//, ''), cn: a.cn, o: '', signer: 'self (CA)', sans: '',
    nodes: nodeList(a.certInstalls.map(i => i.node)), nodesBrief: nodeBrief(a.certInstalls.map(i => i.node)),
  }));
  const certificates = plan.certificates.map((c, index): PlanRow => ({
    kind: 'certificate', index,
    file: c.cert.replace(/^pki\//, ''), cn: c.cn, o: c.organizations.join(','), signer: c.signer,
    sans: [...c.dnsNames, ...c.ipAddresses].join(','),
    nodes: c.certInstalls.length ? nodeList(c.certInstalls.map(i => i.node)) : holders.get(c.ref)?.all ?? '(master copy only)',
    nodesBrief: c.certInstalls.length ? nodeBrief(c.certInstalls.map(i => i.node)) : holders.get(c.ref)?.brief ?? '(master copy only)',
  }));
  // Not a certificate, but a key pair the control plane needs: listed so it is seen and explained.
  const sa = plan.serviceAccount;
  const serviceAccount: PlanRow = {
    kind: 'serviceAccount', index: 0,
    file: [sa.key, sa.publicKey].map(f => f.replace(/^pki\//, '')).join(', '), cn: '(no certificate)', o: '', signer: '-', sans: '',
    nodes: nodeList([...sa.keyInstalls, ...sa.publicKeyInstalls].map(i => i.node)),
    nodesBrief: nodeBrief([...sa.keyInstalls, ...sa.publicKeyInstalls].map(i => i.node)),
  };
  return [...authorities, ...certificates, serviceAccount];
}

/** Client certificates that exist only inside kubeconfigs: the nodes that receive those kubeconfigs. */
function kubeconfigHolders(plan: Plan): Map<string, {all: string; brief: string}> {
  const nodes = new Map<string, string[]>();
  for (const k of plan.kubeconfigs) nodes.set(k.certificate.ref, [...(nodes.get(k.certificate.ref) ?? []), ...k.installs.map(i => i.node)]);
  return new Map([...nodes].map(([key, list]) => [key, {all: `${nodeList(list)} (in kubeconfig)`, brief: `${nodeBrief(list)} (in kubeconfig)`}]));
}

export const PLAN_COLUMNS: Column<PlanRow>[] = [
  {header: 'FILE', value: r => r.file, shrink: 1, min: 16},
  {header: 'CN', value: r => r.cn, shrink: 2, min: 14},
  {header: 'O', value: r => r.o, shrink: 3, min: 8},
  {header: 'SIGNER', value: r => r.signer},
  {header: 'SANS', value: r => r.sans, shrink: 5, min: 6},
  {header: 'NODES', value: r => r.nodes, shrink: 4, min: 8},
];

/**
 * The plan narrower than its one-line table (the wizard at 80 columns, `kubepki plan` in a small
 * terminal): a row's first line says which file, who signs it and where it goes, the lines under
 * it its subject (and SANs), so rows that look alike at 500 nodes still read apart.
 */
const narrowColumns = (brief: boolean): Column<PlanRow>[] => [
  {header: 'FILE / SUBJECT', value: r => r.file, shrink: brief ? 3 : 2, min: 24},
  {header: 'SIGNER', value: r => r.signer, shrink: 1, min: 9},
  // Every node (printed) is the column that gives up width first; a brief list is short already.
  {header: 'NODES', value: brief ? r => r.nodesBrief : r => r.nodes, shrink: brief ? 2 : 3, min: 12},
];

/** CN and O as a subject reads, or what the row is when it has no certificate. */
export const rowSubject = (r: PlanRow) =>
  r.kind === 'serviceAccount' ? 'a key pair, no certificate' : `CN=${r.cn}${r.o ? ` O=${r.o}` : ''}`;

/**
 * Two lines or more per row, within `width`. The wizard's (brief) names at most four nodes and
 * leaves SANs to the details; the printed one (not brief) lists every node and every SAN.
 */
export function narrowPlanTable(rows: PlanRow[], width: number, brief: boolean): TableLines {
  return notedTable(narrowColumns(brief), rows, width, r => [rowSubject(r), ...(!brief && r.sans ? [`SANs ${r.sans.replaceAll(',', ', ')}`] : [])]);
}

/** The plan as printed: one line per row when that fits `width` (or no width: a pipe), else narrowPlanTable. */
export function renderPlanTable(plan: Plan, width?: number): string {
  const rows = planRows(plan);
  const natural = columnWidths(PLAN_COLUMNS, rows).reduce((a, b) => a + b, 0) + 2 * (PLAN_COLUMNS.length - 1);
  if (width === undefined || natural <= width) return renderTable(PLAN_COLUMNS, rows);
  const table = narrowPlanTable(rows, width, false);
  return [...table.header, table.rule, ...table.rows.flat()].join('\n');
}

export function planSummary(plan: Plan): string[] {
  const perCa = plan.authorities.map(a => `${a.id} signs ${plan.certificates.filter(c => c.signer === a.id).length}`).join(', ');
  const perNode = plan.nodes.map(n => `${n.name} ${plan.bundles[n.name]!.length}`).join(', ');
  return [
    `${plan.authorities.length} CA${plan.authorities.length > 1 ? 's' : ''}, ${plan.certificates.length} certificates, ${plan.kubeconfigs.length} kubeconfigs, 1 service-account key pair; ${keysToGenerate(plan)} to generate.`,
    `Per CA: ${perCa}.`,
    `Files per node: ${perNode}.`,
  ];
}

/** "26 ECDSA P-256 keys", or each key type with its count when they differ. */
function keysToGenerate(plan: Plan): string {
  const count = new Map<KeyType, number>();
  for (const t of [...plan.authorities, ...plan.certificates, plan.serviceAccount].map(f => f.keyType)) count.set(t, (count.get(t) ?? 0) + 1);
  return [...count].map(([t, n]) => `${n} ${KEY_LABELS[t]} key${n > 1 ? 's' : ''}`).join(', ');
}

/** The detail view of one row: why it exists, who presents and verifies it, where it goes. */
export function planRowDetails(plan: Plan, row: PlanRow): {title: string; lines: [string, string][]} {
  if (row.kind === 'serviceAccount') {
    const sa = plan.serviceAccount;
    return {
      title: `${sa.key} and ${sa.publicKey} — the service-account key pair`,
      lines: [
        ['What', sa.why],
        ['Signed by', 'nobody: a bare key pair, no certificate and no CA'],
        ['Key', `${KEY_LABELS[sa.keyType]}`],
        ['Why it matters', 'every control-plane node must hold the same pair: a token signed with one sa.key is refused by an apiserver holding another sa.pub'],
        ['Key goes to', [...new Set(sa.keyInstalls.map(i => i.node))].join(', ') || 'nobody: it stays in the master copy'],
        ['Installed at', summariseInstalls([...sa.keyInstalls, ...sa.publicKeyInstalls])],
      ],
    };
  }
  if (row.kind === 'authority') {
    const a = plan.authorities[row.index]!;
    return {
      title: `${a.cert} — certificate authority ${a.id}`,
      lines: [
        ['What', a.why.purpose],
        ['Signs', a.signs.join(', ')],
        ['Trusted by', a.why.verifiedBy],
        ['Read by', a.why.readBy.join('; ')],
        ['Why it matters', a.why.names],
        ['Key', `${KEY_LABELS[a.keyType]}, self-signed`],
        ['Key goes to', a.keyInstalls.length ? [...new Set(a.keyInstalls.map(i => i.node))].join(', ') : 'nobody: it stays in the master copy'],
        ['Installed at', summariseInstalls(a.certInstalls)],
      ],
    };
  }
  const c = plan.certificates[row.index]!;
  return {
    title: `${c.cert} — ${c.id}${c.node ? ` for ${c.node}` : ''}`,
    lines: [
      ['What', c.why.purpose],
      ['Subject', `CN=${c.cn}${c.organizations.map(o => `, O=${o}`).join('')}`],
      ['Signed by', c.signer],
      ['Key', `${KEY_LABELS[c.keyType]}, signed with ${c.signer}'s ${KEY_LABELS[plan.authorities.find(a => a.id === c.signer)!.keyType]} key`],
      ['Usage', c.usages.join(', ')],
      ['SANs', [...c.dnsNames, ...c.ipAddresses].join(', ') || 'none (a client certificate is checked by its CN/O, not by name)'],
      ['Presented by', c.why.presentedBy],
      ['Verified by', c.why.verifiedBy],
      ['Read by', c.why.readBy.join('; ')],
      ['Why the names', c.why.names],
      ['Installed at', c.certInstalls.length ? summariseInstalls([...c.certInstalls, ...c.keyInstalls]) : 'embedded in a kubeconfig'],
    ],
  };
}

function summariseInstalls(installs: {node: string; path: string}[]): string {
  const byPath = new Map<string, string[]>();
  for (const i of installs) byPath.set(i.path, [...(byPath.get(i.path) ?? []), i.node]);
  return [...byPath].map(([path, nodes]) => `${nodes.length > 3 ? `${nodes.length} nodes` : nodes.join(',')}:${path}`).join('; ');
}

/** Where ca.key goes: the one sentence every learner should leave with. */
export function caKeyHolders(plan: Plan): string {
  const ca = plan.authorities.find(a => a.id === 'ca')!;
  const holders = [...new Set(ca.keyInstalls.map(i => i.node))];
  const nodes = (list: string[]) => (list.length > 4 ? `${list.length} nodes` : list.join(', '));
  const workers = plan.nodes.filter(n => !n.roles.includes('control-plane')).map(n => n.name);
  const workersWithCa = workers.filter(w => ca.certInstalls.some(i => i.node === w));
  const workerText = workers.length === 0 ? ''
    : workersWithCa.length === workers.length ? ' workers get ca.crt alone.'
      : ' workers get no CA file at all: `kubeadm join` fetches ca.crt and checks it against --discovery-token-ca-cert-hash.';
  if (holders.length === 0) return `ca.key goes to no node: it stays here, in pki/ (kubeadm's external-CA mode).${workerText}`;
  return `ca.key goes only to the control plane (${nodes(holders)});${workerText}`;
}
