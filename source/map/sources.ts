// What a map is drawn from: a plan (every connection works as planned), or an inspected tree
// (each connection carries the problems inspect found on the files either end presents).
import {CERTIFICATES, SIGNER_FOR} from '../plan/catalog.js';
import type {TrustSlot} from '../plan/layouts.js';
import {planRef} from '../plan/paths.js';
import type {AuthorityId, CertificateId, Plan} from '../plan/types.js';
import {printable} from '../spec/quote.js';
import {isControlPlane, runsKubelet} from '../spec/types.js';
import {stem} from '../inspect/inspect.js';
import type {InspectReport} from '../inspect/types.js';
import type {UserEntry} from '../output/users.js';
import type {MapSource, Problem, SourceAuthority} from './build.js';

const SLOTS: TrustSlot[] = ['cluster', 'etcd', 'front-proxy'];

export function sourceFromPlan(plan: Plan, users: UserEntry[] = [], title = `${plan.cluster}: trust map (plan)`): MapSource {
  const authorities: SourceAuthority[] = plan.authorities.map(a => ({id: a.id, file: a.cert, problems: []}));
  const signers = SIGNER_FOR[plan.topology];
  const sa = plan.certificates.find(c => c.id === 'service-accounts');
  return {
    title,
    layout: plan.layout,
    slots: Object.fromEntries(SLOTS.map(slot => [slot, authorities.find(a => a.id === signers[slot]) ?? null])) as MapSource['slots'],
    authorities,
    certificates: plan.certificates.map(c => ({id: c.id, node: c.node, ref: c.ref, file: c.cert, problems: []})),
    // A user waiting on a CSR has no certificate yet: nothing to present.
    users: users.filter(u => u.cert).map(u => ({name: u.name, file: u.cert!, problems: []})),
    serviceAccount: {file: sa ? sa.cert : plan.serviceAccount.publicKey, problems: []},
    controlPlane: plan.nodes.filter(isControlPlane).map(n => n.name),
    kubeletHosts: plan.nodes.filter(runsKubelet).map(n => n.name),
  };
}

const CERTIFICATE_IDS = new Set<string>(CERTIFICATES.map(k => k.id));
const AUTHORITY_IDS = new Set<string>(['ca', 'etcd-ca', 'front-proxy-ca']);
/** A copy inside a kubeconfig is listed as "admin.kubeconfig (client-certificate-data)". */
const fileOf = (place: string) => place.replace(/ \([^)]*\)$/, '');

// Names read from files (paths, subjects, findings that quote them) reach a terminal, an SVG (XML
// refuses control characters) and Mermaid (a newline ends a statement): each is shown through
// printable, as inspect's own report shows it. Matching (stems) is done on the names as read.
export function sourceFromInspect(report: InspectReport, title = `trust map of ${report.paths.join(', ')} (inspected)`): MapSource {
  title = printable(title);
  const problemsByStem = new Map<string, Problem[]>();
  for (const f of report.findings) {
    if (f.severity !== 'problem') continue;
    const list = problemsByStem.get(stem(f.file)) ?? [];
    // Names of the kubernetes Service are dialled by pods only: other connections to the apiserver are not broken by them.
    list.push({text: printable(`${f.file} ${f.message}`), podsOnly: /kubernetes Service/.test(f.message) && /^lacks /.test(f.message)});
    problemsByStem.set(stem(f.file), list);
  }
  const problemsOf = (files: (string | undefined)[]) => {
    const seen = new Set<string>();
    return files.filter((f): f is string => Boolean(f)).flatMap(f => {
      const s = stem(fileOf(f));
      if (seen.has(s)) return [];
      seen.add(s);
      return problemsByStem.get(s) ?? [];
    });
  };

  const authorities: SourceAuthority[] = [];
  for (const row of report.certificates) {
    if (!AUTHORITY_IDS.has(row.role.id) || row.role.label.includes('another one')) continue;
    if (authorities.some(a => a.id === row.role.id)) continue;
    authorities.push({id: row.role.id as AuthorityId, file: printable(row.file), problems: problemsOf([row.file, row.key])});
  }
  // As inspect decides which CA a role must come from: the slot's own CA if present, else the cluster CA.
  const slotAuthority = (slot: TrustSlot) => authorities.find(a => a.id === SIGNER_FOR.kubeadm[slot]) ?? authorities.find(a => a.id === 'ca') ?? null;

  const certificates: MapSource['certificates'] = [];
  const users: MapSource['users'] = [];
  for (const row of report.certificates) {
    const problems = problemsOf([row.file, row.key, ...row.copies]);
    if (row.role.id === 'user') {
      users.push({name: printable(row.cn), file: printable(row.file), problems});
      continue;
    }
    if (!CERTIFICATE_IDS.has(row.role.id)) continue;
    const id = row.role.id as CertificateId;
    for (const node of row.role.nodes.length ? row.role.nodes : [null]) {
      let ref = planRef(id, node);
      if (certificates.some(c => c.ref === ref)) ref = `${ref} (${printable(row.file)})`;
      certificates.push({id, node, ref, file: printable(row.file), problems});
    }
  }
  // Tokens are checked with the public half: "service-account key pair (with sa.pub)" names it.
  const saRow = report.keys.find(k => k.role.startsWith('service-account key pair'));
  const sa = saRow && {file: printable(/\(with (.*)\)$/.exec(saRow.role)?.[1] ?? saRow.file)};
  const saProblems = report.findings.filter(f => f.severity === 'problem' && f.role === 'service-account key pair').map(f => ({text: printable(`${f.file} ${f.message}`)}));
  const apiserver = report.certificates.find(r => r.role.id === 'apiserver');
  // The Hard Way's apiserver is also the kubelets' client (no apiserver-kubelet-client, clientAuth on its serving certificate).
  const hardWay = !certificates.some(c => c.id === 'apiserver-kubelet-client') && Boolean(apiserver?.usages.includes('clientAuth'));
  const kubeletHosts = [...new Set(certificates.filter(c => c.id === 'kubelet-client').map(c => c.node).filter((n): n is string => n !== null))];

  return {
    title,
    layout: hardWay ? 'hard-way' : 'kubeadm',
    slots: Object.fromEntries(SLOTS.map(slot => [slot, slotAuthority(slot)])) as MapSource['slots'],
    authorities,
    certificates,
    users,
    serviceAccount: sa || saProblems.length ? {file: sa?.file ?? saProblems[0]!.text.split(' ')[0]!, problems: saProblems} : null,
    controlPlane: [],
    kubeletHosts,
  };
}
