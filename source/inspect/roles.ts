// Which certificate of the catalog each found certificate is, from what it contains: CA or leaf,
// CN, O, usages, issuer and SANs. File names are only a tie-breaker (an etcd server and an etcd
// peer certificate of one node are otherwise identical, as kubeadm makes them).
import {AUTHORITIES, CERTIFICATES, type CertificateKind} from '../plan/catalog.js';
import type {AuthorityId, CertificateId} from '../plan/types.js';
import type {ClusterSpec} from '../spec/types.js';
import {allows, type CertificateFacts} from './x509.js';

export type RoleId = CertificateId | AuthorityId | 'user' | 'unknown';

export interface Role {
  id: RoleId;
  label: string;
  /** The nodes a per-node certificate belongs to (a cfssl etcd certificate may cover several). */
  nodes: string[];
  kind?: CertificateKind;
  /** The CN Kubernetes needs for this role, when the CN is an identity it reads (RBAC, the Node authorizer). */
  expectedCn?: string;
  /** A kubelet client in group system:nodes whose CN lacks system:node: (the node, and whether --config names it). */
  bareNodeCn?: {node: string | undefined; inConfig: boolean};
}

const kindOf = (id: CertificateId) => CERTIFICATES.find(k => k.id === id)!;

/** Every CN the catalog gives a cluster-wide certificate, in either layout, lower-cased. */
const CATALOG_CNS = new Map<string, CertificateId>();
for (const kind of CERTIFICATES) {
  if (typeof kind.cn === 'function') continue;
  const values = typeof kind.cn === 'string' ? [kind.cn] : Object.values(kind.cn);
  for (const cn of values) CATALOG_CNS.set(cn.toLowerCase(), kind.id);
}
/** Names other real clusters use for the same certificates: the Kubernetes docs, kubeadm's docs, the seeds. */
const CONVENTIONS: Record<string, CertificateId> = {
  'kube-etcd': 'etcd-server', 'kube-etcd-peer': 'etcd-peer', 'kube-api-server': 'apiserver', 'kube-admin': 'admin',
  // Near misses: the component name without the system: prefix RBAC binds to. Recognised so the
  // check can say what is wrong instead of calling the certificate unknown.
  'kube-controller-manager': 'kube-controller-manager', 'kube-scheduler': 'kube-scheduler', 'kube-proxy': 'kube-proxy',
  'controller-manager': 'kube-controller-manager', 'scheduler': 'kube-scheduler',
};
/** Roles whose CN is an identity a component reads, so it must be exact (case included). */
const IDENTITY_CN: Partial<Record<CertificateId, string>> = {
  'kube-controller-manager': 'system:kube-controller-manager',
  'kube-scheduler': 'system:kube-scheduler',
  'kube-proxy': 'system:kube-proxy',
  'front-proxy-client': 'front-proxy-client',
};
const ADMIN_GROUPS = ['system:masters', 'kubeadm:cluster-admins'];
const ETCD_CLIENTS = new Set<CertificateId>(['apiserver-etcd-client', 'etcd-healthcheck-client']);

/** An authority's trust role, from its name: etcd and front-proxy CAs say so in their CN (kubeadm, the docs, the seeds). */
export function authorityClass(cert: CertificateFacts): AuthorityId {
  const cn = cert.cn.toLowerCase();
  if (cn.includes('etcd')) return 'etcd-ca';
  if (/front.?proxy|aggregat|requestheader/.test(cn)) return 'front-proxy-ca';
  return 'ca';
}

export const AUTHORITY_LABEL: Record<AuthorityId, string> = {ca: 'cluster CA', 'etcd-ca': 'etcd CA', 'front-proxy-ca': 'front-proxy CA'};

export const CERT_LABEL: Record<CertificateId, string> = {
  apiserver: 'apiserver serving',
  'apiserver-kubelet-client': 'apiserver → kubelet client',
  'apiserver-etcd-client': 'apiserver → etcd client',
  'front-proxy-client': 'front-proxy client',
  'etcd-healthcheck-client': 'etcd healthcheck client',
  admin: 'admin',
  'super-admin': 'super-admin',
  'kube-controller-manager': 'controller-manager client',
  'kube-scheduler': 'scheduler client',
  'kube-proxy': 'kube-proxy client',
  'etcd-server': 'etcd server',
  'etcd-peer': 'etcd peer',
  'kubelet-client': 'kubelet client',
  'kubelet-server': 'kubelet serving',
  'service-accounts': 'service-accounts (carries the service-account public key)',
};

export function authorityRole(cert: CertificateFacts, id: AuthorityId, second: boolean): Role {
  return {id, label: `${AUTHORITY_LABEL[id]}${second ? ` (another one: ${cert.cn || 'no CN'})` : ''}`, nodes: []};
}

function role(id: CertificateId, nodes: string[] = [], extra = ''): Role {
  const kind = kindOf(id);
  const of = nodes.length ? ` of ${nodes.join(', ')}` : '';
  return {id, kind, label: `${CERT_LABEL[id]}${of}${extra}`, nodes, expectedCn: IDENTITY_CN[id]};
}

export interface RecogniseContext {
  /** The class of the CA that signed it, when one was found. */
  issuer: AuthorityId | undefined;
  /** Where it was found: only a tie-breaker. */
  file: string;
  spec?: ClusterSpec;
}

/** Node names a certificate covers: its CN when that is a node, else its SANs (minus loopback names). */
function nodesNamed(cert: CertificateFacts, spec: ClusterSpec | undefined, cn: string): string[] {
  if (spec) {
    const found = spec.nodes.filter(n => n.name === cn || cert.dnsNames.includes(n.name) || cert.ipAddresses.includes(n.ip)).map(n => n.name);
    if (found.length) return found;
  }
  if (cn && !/etcd|\s|:/i.test(cn) && cn !== 'localhost') return [cn];
  return cert.dnsNames.filter(d => d !== 'localhost');
}

export function recogniseLeaf(cert: CertificateFacts, ctx: RecogniseContext): Role {
  const cn = cert.cn;
  const lower = cn.toLowerCase();
  const file = ctx.file.toLowerCase();

  if (lower.startsWith('system:node:')) {
    const node = cn.slice('system:node:'.length);
    // A kubelet's serving certificate has the same subject as its client one (its own CSRs, KEP-4872).
    if (allows(cert, 'serverAuth') && !allows(cert, 'clientAuth')) return role('kubelet-server', [node]);
    return {...role('kubelet-client', [node]), expectedCn: `system:node:${node.toLowerCase()}`};
  }
  if (/^service-accounts?$/.test(lower)) {
    return {id: 'service-accounts', label: CERT_LABEL['service-accounts'], nodes: []};
  }

  let id: CertificateId | undefined = CATALOG_CNS.get(lower) ?? CONVENTIONS[lower];
  if (id === undefined && cert.dnsNames.some(d => d.startsWith('kubernetes.default'))) id = 'apiserver';

  // The tutorials' commonest slip: O=system:nodes with the node's bare name as CN. It is meant as a
  // kubelet's client certificate, and the Node authorizer knows kubelets only as system:node:NAME.
  if (id === undefined && cert.organizations.includes('system:nodes') && allows(cert, 'clientAuth')) {
    const known = ctx.spec?.nodes.find(n => n.name === cn || n.name === lower);
    const node = known?.name ?? nodesNamed(cert, ctx.spec, cn)[0];
    return {...role('kubelet-client', node ? [node] : []), expectedCn: `system:node:${node ?? '<node name>'}`, bareNodeCn: {node, inConfig: known !== undefined}};
  }

  const etcdish = lower.includes('etcd') || ctx.issuer === 'etcd-ca' || (file.includes('etcd') && cert.dnsNames.includes('localhost'));
  if ((id === undefined || id === 'etcd-server' || id === 'etcd-peer') && etcdish && !(id && ETCD_CLIENTS.has(id))) {
    const peer = lower.includes('peer') || /peer/.test(file.split('/').pop() ?? '');
    return role(peer ? 'etcd-peer' : 'etcd-server', nodesNamed(cert, ctx.spec, id ? '' : cn));
  }

  if (id === 'admin' || (id === undefined && cert.organizations.some(o => ADMIN_GROUPS.includes(o)) && !lower.startsWith('system:'))) {
    return role('admin', [], CATALOG_CNS.get(lower) === 'admin' ? '' : ` (${cn || 'no CN'})`);
  }
  if (id !== undefined) return role(id);

  if (cert.extendedUsage !== undefined && allows(cert, 'serverAuth') && !allows(cert, 'clientAuth') || (allows(cert, 'serverAuth') && (cert.dnsNames.length + cert.ipAddresses.length > 0 || file.includes('kubelet')))) {
    return role('kubelet-server', nodesNamed(cert, ctx.spec, cn));
  }
  if (lower.startsWith('system:')) {
    return {id: 'unknown', label: `unrecognised (${cn})`, nodes: []};
  }
  if (!cn) return {id: 'unknown', label: 'unrecognised (no CN)', nodes: []};
  const groups = cert.organizations.length ? `groups ${cert.organizations.join(', ')}` : 'no groups';
  return {id: 'user', label: `a user: ${cn} (${groups})`, nodes: []};
}

export {AUTHORITIES};
