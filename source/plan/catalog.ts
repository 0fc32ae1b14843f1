// The PKI as a table, after kubeadm's certlist.go: one entry per kind of certificate, data
// first. Building, printing, verifying and explaining all walk this same table.
import type {Layout} from '../spec/types.js';
import {LAYOUT_FILES, type TrustSlot} from './layouts.js';
import {hasChange, type Release} from './release-table.js';
import type {Reader} from './components.js';
import {
  controlPlaneNodeNames, endpointName, etcdMemberNames, extraNames, kubeletNames,
  kubernetesServiceNames, loopbackAddress, type SanRule,
} from './sans.js';
import type {AuthorityId, CertificateId, Explanation, KubeconfigId, Usage} from './types.js';

/** Per-layout value: kubeadm and The Hard Way name a few identities differently. */
type ByLayout<T> = T | Record<Layout, T>;

/** What an identity may depend on: the layout, and (for kubeadm's) the Kubernetes release, to the patch. */
export interface IdentityContext {
  layout: Layout;
  release: Release;
}
type ByRelease<T> = ByLayout<T> | ((ctx: IdentityContext) => T);
export const forContext = <T>(value: ByRelease<T>, ctx: IdentityContext): T =>
  typeof value === 'function' ? (value as (ctx: IdentityContext) => T)(ctx) : forLayout(value, ctx.layout);
export const forLayout = <T>(value: ByLayout<T>, layout: Layout): T =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && 'kubeadm' in value ? value[layout] : (value as T);

export interface CertificateKind {
  id: CertificateId;
  /** cluster: one for the cluster; etcd-node / kubelet-node: one per such node. */
  scope: 'cluster' | 'etcd-node' | 'kubelet-node';
  signedBy: TrustSlot;
  cn: ByLayout<string> | ((node: string) => string);
  organizations: ByRelease<string[]>;
  usages: ByLayout<Usage[]>;
  sans: ByLayout<SanRule[]>;
  /** Releases that have it (kubeadm made super-admin.conf from v1.29). */
  since?: number;
  /** Which component reads the certificate or its key, and by which flag: the units are made from this. */
  readers: ByLayout<Reader[]>;
  why: Explanation;
}

export const CERTIFICATES: CertificateKind[] = [
  {
    id: 'apiserver', scope: 'cluster', signedBy: 'cluster',
    cn: {kubeadm: 'kube-apiserver', 'hard-way': 'kubernetes'}, organizations: [],
    // The Hard Way's kube-apiserver also presents this certificate to kubelets (--kubelet-client-certificate).
    usages: {kubeadm: ['serverAuth'], 'hard-way': ['serverAuth', 'clientAuth']},
    sans: {
      kubeadm: [controlPlaneNodeNames, kubernetesServiceNames, endpointName, extraNames],
      'hard-way': [controlPlaneNodeNames, kubernetesServiceNames, endpointName, loopbackAddress, extraNames],
    },
   
    readers: {kubeadm: [{component: 'kube-apiserver', flag: '--tls-cert-file', part: 'cert'}, {component: 'kube-apiserver', flag: '--tls-private-key-file', part: 'key'}], 'hard-way': [{component: 'kube-apiserver', flag: '--tls-cert-file', part: 'cert'}, {component: 'kube-apiserver', flag: '--tls-private-key-file', part: 'key'}, {component: 'kube-apiserver', flag: '--kubelet-client-certificate', part: 'cert'}, {component: 'kube-apiserver', flag: '--kubelet-client-key', part: 'key'}]},
    why: {
      purpose: 'The HTTPS serving certificate of kube-apiserver, the front door of the cluster.',
      presentedBy: 'kube-apiserver, on every control-plane node, to anything that connects to it',
      verifiedBy: 'kubectl, kubelets, kube-proxy, controller-manager, scheduler and pods, against ca.crt',
      readBy: ['kube-apiserver --tls-cert-file / --tls-private-key-file'],
      names: 'Clients check that the name they dialled is a SAN: the endpoint, each control-plane node, the kubernetes Service names and its ClusterIP (first address of the service CIDR). A missing one fails as "x509: certificate is valid for X, not Y".',
    },
  },
  {
    id: 'apiserver-kubelet-client', scope: 'cluster', signedBy: 'cluster',
    cn: 'kube-apiserver-kubelet-client',
    // kubeadm: system:masters up to v1.28, kubeadm:cluster-admins from v1.29; from v1.33.12, v1.34.8,
    // v1.35.5, v1.36.1 and v1.37.0 no group at all: kubeadm binds the user to system:kubelet-api-admin
    // (ClusterRoleBinding kubeadm:apiserver-kubelet-client). See release-table.ts.
    organizations: ({release}) => (hasChange('kubelet-api-admin', release) ? []
      : hasChange('cluster-admins-group', release) ? ['kubeadm:cluster-admins'] : ['system:masters']),
    // The Hard Way has no such certificate: its apiserver uses its serving certificate (CN kubernetes).
    usages: ['clientAuth'], sans: [],
    readers: [{component: 'kube-apiserver', flag: '--kubelet-client-certificate', part: 'cert'}, {component: 'kube-apiserver', flag: '--kubelet-client-key', part: 'key'}],
    why: {
      purpose: 'The identity kube-apiserver shows when it calls a kubelet (kubectl logs, exec, port-forward).',
      presentedBy: 'kube-apiserver, as a client of each kubelet',
      verifiedBy: 'every kubelet, against its clientCAFile (ca.crt)',
      readBy: ['kube-apiserver --kubelet-client-certificate / --kubelet-client-key'],
      names: 'The kubelet authorizes the call through the apiserver, so the O must be a group with rights on nodes/proxy.',
    },
  },
  {
    id: 'apiserver-etcd-client', scope: 'cluster', signedBy: 'etcd',
    cn: 'kube-apiserver-etcd-client', organizations: [], usages: ['clientAuth'], sans: [],
    readers: [{component: 'kube-apiserver', flag: '--etcd-certfile', part: 'cert'}, {component: 'kube-apiserver', flag: '--etcd-keyfile', part: 'key'}],
    why: {
      purpose: 'The identity kube-apiserver shows to etcd, where all cluster state lives.',
      presentedBy: 'kube-apiserver, as a client of etcd',
      verifiedBy: 'etcd, against its --trusted-ca-file (the etcd CA)',
      readBy: ['kube-apiserver --etcd-certfile / --etcd-keyfile (and --etcd-cafile for the etcd CA)'],
      names: 'etcd checks only the signature: it must come from the CA etcd trusts, so with a separate etcd CA it is signed by etcd-ca, not ca.',
    },
  },
  {
    id: 'front-proxy-client', scope: 'cluster', signedBy: 'front-proxy',
    cn: 'front-proxy-client', organizations: [], usages: ['clientAuth'], sans: [],
    readers: [{component: 'kube-apiserver', flag: '--proxy-client-cert-file', part: 'cert'}, {component: 'kube-apiserver', flag: '--proxy-client-key-file', part: 'key'}],
    why: {
      purpose: 'Lets kube-apiserver forward requests to aggregated APIs (metrics-server and friends) on behalf of a user.',
      presentedBy: 'kube-apiserver, when it proxies to an extension apiserver',
      verifiedBy: 'extension apiservers, against the front-proxy CA (--requestheader-client-ca-file)',
      readBy: ['kube-apiserver --proxy-client-cert-file / --proxy-client-key-file'],
      names: 'The CN must be listed in --requestheader-allowed-names (front-proxy-client), or its forwarded user headers are ignored.',
    },
  },
  {
    id: 'etcd-healthcheck-client', scope: 'cluster', signedBy: 'etcd',
    cn: 'kube-etcd-healthcheck-client', organizations: [], usages: ['clientAuth'], sans: [],
    readers: [],
    why: {
      purpose: 'A low-privilege client for probing etcd health and for etcdctl by hand.',
      presentedBy: 'the etcd liveness probe and etcdctl',
      verifiedBy: 'etcd, against the etcd CA',
      readBy: ['etcdctl --cert / --key (with --cacert for the etcd CA)'],
      names: 'Signed by the CA etcd trusts; its CN only labels who is calling.',
    },
  },
  {
    id: 'admin', scope: 'cluster', signedBy: 'cluster',
    cn: {kubeadm: 'kubernetes-admin', 'hard-way': 'admin'},
    // kubeadm moved admin.conf out of system:masters in v1.29 (kubeadm:cluster-admins, bound to cluster-admin).
    organizations: ({layout, release}) => (layout === 'hard-way' || !hasChange('cluster-admins-group', release) ? ['system:masters'] : ['kubeadm:cluster-admins']),
    usages: ['clientAuth'], sans: [],
    readers: [],
    why: {
      purpose: 'The cluster administrator, for kubectl (admin.conf).',
      presentedBy: 'kubectl, run by a person',
      verifiedBy: 'kube-apiserver, against --client-ca-file (ca.crt)',
      readBy: ['kubectl --kubeconfig admin kubeconfig'],
      names: 'RBAC reads the CN as the user and each O as a group: kubeadm binds kubeadm:cluster-admins to cluster-admin; The Hard Way uses system:masters, which bypasses RBAC entirely.',
    },
  },
  {
    id: 'super-admin', scope: 'cluster', signedBy: 'cluster',
    cn: 'kubernetes-super-admin', organizations: ['system:masters'], usages: ['clientAuth'], sans: [], since: 29,
    readers: [],
    why: {
      purpose: 'A break-glass administrator that works even when RBAC bindings are broken (super-admin.conf).',
      presentedBy: 'kubectl, in an emergency',
      verifiedBy: 'kube-apiserver, against ca.crt',
      readBy: ['kubectl --kubeconfig super-admin.conf'],
      names: 'O system:masters is hard-wired to full access and cannot be revoked by RBAC: keep this file off everyday machines.',
    },
  },
  {
    id: 'kube-controller-manager', scope: 'cluster', signedBy: 'cluster',
    cn: 'system:kube-controller-manager',
    organizations: {kubeadm: [], 'hard-way': ['system:kube-controller-manager']},
    usages: ['clientAuth'], sans: [],
    readers: [],
    why: {
      purpose: 'The identity of kube-controller-manager when it talks to the apiserver.',
      presentedBy: 'kube-controller-manager, on each control-plane node',
      verifiedBy: 'kube-apiserver, against ca.crt',
      readBy: ['kube-controller-manager --kubeconfig'],
      names: 'The CN system:kube-controller-manager is the user the built-in RBAC role is bound to; a typo leaves it with no rights.',
    },
  },
  {
    id: 'kube-scheduler', scope: 'cluster', signedBy: 'cluster',
    cn: 'system:kube-scheduler',
    organizations: {kubeadm: [], 'hard-way': ['system:kube-scheduler']},
    usages: ['clientAuth'], sans: [],
    readers: [],
    why: {
      purpose: 'The identity of kube-scheduler when it talks to the apiserver.',
      presentedBy: 'kube-scheduler, on each control-plane node',
      verifiedBy: 'kube-apiserver, against ca.crt',
      readBy: ['kube-scheduler --kubeconfig'],
      names: 'The CN system:kube-scheduler is the user the built-in system:kube-scheduler role is bound to.',
    },
  },
  {
    id: 'kube-proxy', scope: 'cluster', signedBy: 'cluster',
    cn: 'system:kube-proxy', organizations: ['system:node-proxier'], usages: ['clientAuth'], sans: [],
    readers: [],
    why: {
      purpose: 'The identity of kube-proxy on every node, which watches Services and Endpoints.',
      presentedBy: 'kube-proxy, on every node that runs a kubelet',
      verifiedBy: 'kube-apiserver, against ca.crt',
      readBy: ['kube-proxy --kubeconfig'],
      names: 'The built-in ClusterRoleBinding system:node-proxier binds the user system:kube-proxy (this CN) to the role kube-proxy needs; the O system:node-proxier is convention only. kubeadm clusters run kube-proxy with a ServiceAccount token instead, so this certificate exists in the hard-way layout only.',
    },
  },
  {
    id: 'etcd-server', scope: 'etcd-node', signedBy: 'etcd',
    cn: node => node, organizations: [], usages: ['serverAuth', 'clientAuth'],
    sans: [etcdMemberNames],
    readers: [{component: 'etcd', flag: '--cert-file', part: 'cert'}, {component: 'etcd', flag: '--key-file', part: 'key'}],
    why: {
      purpose: 'The serving certificate of one etcd member, for its clients (kube-apiserver, etcdctl).',
      presentedBy: 'etcd on this node, to its clients',
      verifiedBy: 'kube-apiserver and etcdctl, against the etcd CA',
      readBy: ['etcd --cert-file / --key-file'],
      names: 'Clients dial the member by its IP or by localhost, so both are SANs; each node gets its own, never another node\'s.',
    },
  },
  {
    id: 'etcd-peer', scope: 'etcd-node', signedBy: 'etcd',
    cn: node => node, organizations: [], usages: ['serverAuth', 'clientAuth'],
    sans: [etcdMemberNames],
    readers: [{component: 'etcd', flag: '--peer-cert-file', part: 'cert'}, {component: 'etcd', flag: '--peer-key-file', part: 'key'}],
    why: {
      purpose: 'One etcd member\'s certificate for replication traffic with the other members.',
      presentedBy: 'etcd on this node, both when it accepts and when it opens peer connections',
      verifiedBy: 'the other etcd members, against --peer-trusted-ca-file (the etcd CA)',
      readBy: ['etcd --peer-cert-file / --peer-key-file'],
      names: 'Peers check the member\'s address against the SANs, so serverAuth and clientAuth are both needed and the node IP must be present.',
    },
  },
  {
    id: 'kubelet-client', scope: 'kubelet-node', signedBy: 'cluster',
    cn: node => `system:node:${node}`, organizations: ['system:nodes'], usages: ['clientAuth'], sans: [],
    readers: [],
    why: {
      purpose: 'How a kubelet proves which node it is when it talks to the apiserver (kubelet.conf).',
      presentedBy: 'the kubelet on this node',
      verifiedBy: 'kube-apiserver, against ca.crt; then the Node authorizer',
      readBy: ['kubelet --kubeconfig'],
      names: 'The Node authorizer accepts only CN system:node:<name> with O system:nodes, and lets that kubelet touch only its own Node and pods: <name> must equal the name the kubelet registers with.',
    },
  },
  {
    id: 'kubelet-server', scope: 'kubelet-node', signedBy: 'cluster',
    // As the kubelet's own serving CSR has it (and The Hard Way): KEP-4872 (KubeletCertCNValidation)
    // lets the apiserver check that the CN is system:node:<the node it dialled> (not yet in
    // kube-apiserver's feature gates up to v1.38.0-beta.0).
    cn: node => `system:node:${node}`, organizations: ['system:nodes'], usages: ['serverAuth'], sans: [kubeletNames],
    readers: [{component: 'kubelet', flag: 'tlsCertFile', part: 'cert'}, {component: 'kubelet', flag: 'tlsPrivateKeyFile', part: 'key'}],
    why: {
      purpose: 'The serving certificate of a kubelet\'s HTTPS API (port 10250): logs, exec, metrics.',
      presentedBy: 'the kubelet on this node',
      verifiedBy: 'kube-apiserver and metrics-server, against ca.crt',
      readBy: ['kubelet tlsCertFile / tlsPrivateKeyFile'],
      names: 'Signed by the cluster CA with the node\'s name and IP, so callers can verify it instead of skipping TLS checks ("doesn\'t contain any IP SANs"). CN system:node:<name>, O system:nodes, as the kubelet\'s own serving CSR has them: KEP-4872 lets the apiserver refuse a kubelet whose CN is not system:node:<node name>.',
    },
  },
  {
    id: 'service-accounts', scope: 'cluster', signedBy: 'cluster',
    cn: 'service-accounts', organizations: [], usages: ['clientAuth'], sans: [],
    readers: [{component: 'kube-apiserver', flag: '--service-account-key-file', part: 'cert'}],
    why: {
      purpose: 'The Hard Way\'s way to hand kube-apiserver the service-account public key: a certificate that carries it. Its key is the service-account signing key.',
      presentedBy: 'nobody presents it; kube-apiserver reads the public key out of it',
      verifiedBy: 'kube-apiserver checks every service-account token\'s signature against the key inside',
      readBy: ['kube-apiserver --service-account-key-file'],
      names: 'Only the key matters: kube-apiserver --service-account-key-file accepts a certificate as well as a bare public key, and The Hard Way\'s units name this file.',
    },
  },
];

export interface AuthorityKind {
  id: AuthorityId;
  cn: ByLayout<string>;
  slots: TrustSlot[];
  why: Explanation;
}

export const AUTHORITIES: Record<AuthorityId, AuthorityKind> = {
  ca: {
    // The Hard Way's CA is CN=CA: its apiserver certificate is CN=kubernetes, and a leaf with its
    // issuer's subject counts as self-issued to OpenSSL (chain building fails, error 18).
    id: 'ca', cn: {kubeadm: 'kubernetes', 'hard-way': 'CA'}, slots: ['cluster'],
    why: {
      purpose: 'The cluster CA: signs the apiserver, kubelets, components and users.',
      presentedBy: 'nobody presents it; it is the trust anchor',
      verifiedBy: 'every component trusts it (--client-ca-file, kubeconfig certificate-authority-data)',
      readBy: ['kube-apiserver --client-ca-file', 'kube-controller-manager --cluster-signing-cert-file / --cluster-signing-key-file'],
      names: 'ca.key can mint any identity, including system:masters: only control-plane nodes receive it.',
    },
  },
  'etcd-ca': {
    id: 'etcd-ca', cn: 'etcd-ca', slots: ['etcd'],
    why: {
      purpose: 'A separate CA for etcd, so a cluster certificate cannot open the datastore.',
      presentedBy: 'nobody presents it; etcd trusts it',
      verifiedBy: 'etcd (--trusted-ca-file, --peer-trusted-ca-file) and kube-apiserver (--etcd-cafile)',
      readBy: ['etcd --trusted-ca-file / --peer-trusted-ca-file', 'kube-apiserver --etcd-cafile'],
      names: 'Only certificates it signs reach etcd: an admin certificate from the cluster CA is refused.',
    },
  },
  'front-proxy-ca': {
    id: 'front-proxy-ca', cn: 'front-proxy-ca', slots: ['front-proxy'],
    why: {
      purpose: 'A separate CA for the aggregation layer\'s front proxy.',
      presentedBy: 'nobody presents it; extension apiservers trust it',
      verifiedBy: 'kube-apiserver --requestheader-client-ca-file, and extension apiservers',
      readBy: ['kube-apiserver --requestheader-client-ca-file'],
      names: 'Kept apart so an ordinary client certificate cannot claim to be the front proxy and impersonate users.',
    },
  },
};

/** Which authority fills each trust slot, per topology. */
export const SIGNER_FOR: Record<'single' | 'etcd-separate' | 'kubeadm', Record<TrustSlot, AuthorityId>> = {
  single: {cluster: 'ca', etcd: 'ca', 'front-proxy': 'ca'},
  'etcd-separate': {cluster: 'ca', etcd: 'etcd-ca', 'front-proxy': 'ca'},
  kubeadm: {cluster: 'ca', etcd: 'etcd-ca', 'front-proxy': 'front-proxy-ca'},
};

/** Who reads each trust slot's CA certificate and key, whichever authority fills the slot. */
export const TRUST_READERS: Record<TrustSlot, {cert: Reader[]; key: Reader[]}> = {
  cluster: {
    cert: [
      {component: 'kube-apiserver', flag: '--client-ca-file', part: 'cert'},
      {component: 'kube-apiserver', flag: '--kubelet-certificate-authority', part: 'cert'},
      {component: 'kube-controller-manager', flag: '--cluster-signing-cert-file', part: 'cert'},
      {component: 'kube-controller-manager', flag: '--root-ca-file', part: 'cert'},
      {component: 'kube-controller-manager', flag: '--client-ca-file', part: 'cert'},
      {component: 'kubelet', flag: 'authentication.x509.clientCAFile', part: 'cert'},
    ],
    // The controller-manager signs approved kubelet and user CSRs with the cluster CA's key.
    key: [{component: 'kube-controller-manager', flag: '--cluster-signing-key-file', part: 'key'}],
  },
  etcd: {
    cert: [
      {component: 'etcd', flag: '--trusted-ca-file', part: 'cert'},
      {component: 'etcd', flag: '--peer-trusted-ca-file', part: 'cert'},
      {component: 'kube-apiserver', flag: '--etcd-cafile', part: 'cert'},
    ],
    key: [],
  },
  'front-proxy': {
    cert: [
      {component: 'kube-apiserver', flag: '--requestheader-client-ca-file', part: 'cert'},
      {component: 'kube-controller-manager', flag: '--requestheader-client-ca-file', part: 'cert'},
    ],
    key: [],
  },
};

/** The service-account key pair: the apiserver signs tokens with the private key and checks them with the public one. */
export const SERVICE_ACCOUNT_READERS: {key: Reader[]; publicKey: Reader[]} = {
  key: [
    {component: 'kube-apiserver', flag: '--service-account-signing-key-file', part: 'key'},
    {component: 'kube-controller-manager', flag: '--service-account-private-key-file', part: 'key'},
  ],
  publicKey: [{component: 'kube-apiserver', flag: '--service-account-key-file', part: 'file'}],
};

export interface KubeconfigKind {
  id: KubeconfigId;
  certificate: CertificateId;
  /** The component that reads it (as --kubeconfig, or a config-file field); none for people's kubeconfigs. */
  readers: Reader[];
  /** Per control-plane node (server: that node's own apiserver) or per kubelet node, or one for the cluster. */
  scope: 'cluster' | 'control-plane-node' | 'kubelet-node';
  since?: number;
  why: string;
}

export const KUBECONFIGS: KubeconfigKind[] = [
  {id: 'admin', certificate: 'admin', readers: [],  scope: 'cluster', why: 'kubectl as the cluster administrator, through the endpoint.'},
  {id: 'super-admin', certificate: 'super-admin', readers: [],  scope: 'cluster', since: 29, why: 'Break-glass kubectl access that bypasses RBAC.'},
  {id: 'kube-controller-manager', certificate: 'kube-controller-manager', readers: ['--kubeconfig', '--authentication-kubeconfig', '--authorization-kubeconfig'].map(flag => ({component: 'kube-controller-manager', flag, part: 'file'})),  scope: 'control-plane-node', why: 'kube-controller-manager talks to the apiserver on its own node, so it keeps working when the load balancer does not.'},
  {id: 'kube-scheduler', certificate: 'kube-scheduler', readers: ['--kubeconfig', '--authentication-kubeconfig', '--authorization-kubeconfig'].map(flag => ({component: 'kube-scheduler', flag, part: 'file'})),  scope: 'control-plane-node', why: 'kube-scheduler talks to the apiserver on its own node.'},
  {id: 'kube-proxy', certificate: 'kube-proxy', readers: [{component: 'kube-proxy', flag: 'clientConnection.kubeconfig', part: 'file'}],  scope: 'cluster', why: 'kube-proxy on every node, through the endpoint.'},
  {id: 'kubelet', certificate: 'kubelet-client', readers: [{component: 'kubelet', flag: '--kubeconfig', part: 'file'}],  scope: 'kubelet-node', why: 'The kubelet of this node, as system:node:<name>, through the endpoint (kubeadm from v1.33: on a control-plane node, its own apiserver).'},
];

export const SERVICE_ACCOUNT_WHY =
  'Not a certificate: the key pair behind service-account tokens. kube-apiserver signs the tokens it issues with the private key (--service-account-signing-key-file) and checks every token with the public key (--service-account-key-file); kube-controller-manager reads the private key too (--service-account-private-key-file). Every control-plane node needs the same pair, or a token issued by one apiserver is refused by another.';

/** For the topology step: which certificates each authority signs under a topology. */
export function signingSummary(topology: keyof typeof SIGNER_FOR, layout: Layout = 'kubeadm'): {authority: AuthorityId; certificates: CertificateId[]}[] {
  const signers = SIGNER_FOR[topology];
  const ids = [...new Set(Object.values(signers))];
  return ids.map(authority => ({
    authority,
    certificates: CERTIFICATES.filter(c => LAYOUT_FILES[layout].certificates[c.id] !== null && signers[c.signedBy] === authority).map(c => c.id),
  }));
}
