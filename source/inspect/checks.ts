// What each role needs, checked one certificate at a time, and said the way a learner can act on.
import type {AuthorityId} from '../plan/types.js';
import type {Finding, Severity} from './types.js';
import type {Role} from './roles.js';
import {AUTHORITY_LABEL} from './roles.js';
import {allows, describeKey, type CertificateFacts, type ExtendedUsage} from './x509.js';
import {checkKubeletServingName} from './kubelet-serving.js';

export const DAY_MS = 86_400_000;
export const SOON_DAYS = 90;

export interface CertificateContext {
  cert: CertificateFacts;
  file: string;
  role: Role;
  now: Date;
  /** The CA that signed it (its file and trust role), if one was found. */
  issuer: {file: string; id: AuthorityId; primary: boolean} | undefined;
  /** The authority this role must be signed by, given the CAs present. */
  expectedIssuer: {file: string; id: AuthorityId} | undefined;
  /** How many certificates it signed, for a CA. */
  signs: number;
}

/** Groups a role needs in O, and how bad it is when none is there. Roles not listed: any O. */
const GROUPS: Partial<Record<string, {anyOf: string[]; severity: Severity; why: string}>> = {
  'kubelet-client': {anyOf: ['system:nodes'], severity: 'problem', why: 'the Node authorizer only authorises kubelets in group system:nodes, so this kubelet could not read its pods or update its node'},
  admin: {anyOf: ['system:masters', 'kubeadm:cluster-admins'], severity: 'problem', why: 'RBAC grants a user with no group nothing: kubectl answers Forbidden to everything. The Hard Way uses O=system:masters, kubeadm O=kubeadm:cluster-admins'},
  'super-admin': {anyOf: ['system:masters'], severity: 'problem', why: 'super-admin exists to bypass RBAC, which only O=system:masters does'},
  'apiserver-kubelet-client': {anyOf: ['system:masters', 'kubeadm:cluster-admins', 'system:kubelet-api-admin'], severity: 'warning', why: 'kubelets ask the apiserver whether this identity may use their API; with no group, kubectl logs and exec answer Forbidden unless you bind a role to its CN yourself (The Hard Way does)'},
};

const USAGE_WORDS: Record<ExtendedUsage, string> = {serverAuth: 'serverAuth (TLS server)', clientAuth: 'clientAuth (TLS client)'};

function usageProblem(role: Role, usage: ExtendedUsage): string {
  if (role.id === 'etcd-server' && usage === 'clientAuth') {
    return 'lacks clientAuth: etcd also uses its serving certificate as a client (its gRPC gateway dials the member itself), so kubeadm gives it serverAuth and clientAuth';
  }
  if (role.id === 'etcd-peer') {
    return `lacks ${USAGE_WORDS[usage]}: a peer certificate is used both to accept and to open connections between etcd members, so it needs serverAuth and clientAuth ("tls: bad certificate" between peers)`;
  }
  return usage === 'serverAuth'
    ? 'lacks serverAuth: clients refuse it as a server certificate ("x509: certificate specifies an incompatible key usage")'
    : 'lacks clientAuth: the server it is shown to refuses it ("x509: certificate specifies an incompatible key usage" / "tls: bad certificate")';
}

const SERVER_ROLES = new Set(['apiserver', 'etcd-server', 'etcd-peer', 'kubelet-server']);

export function checkLeaf(c: CertificateContext): Finding[] {
  const out: Finding[] = [];
  const add = (severity: Severity, message: string, why?: string) => out.push({severity, file: c.file, role: c.role.label, message, ...(why ? {why} : {})});
  const {cert, role} = c;

  if (role.bareNodeCn) {
    const {node, inConfig} = role.bareNodeCn;
    const wanted = node ? `system:node:${node}` : 'system:node:<node name>';
    add('problem', `is in group system:nodes but its CN is ${cert.cn || '(none)'}, not ${wanted}: the Node authorizer and NodeRestriction only know ${node ? wanted : 'users named system:node:<node name>'}${node ? (inConfig ? ` (node ${node} of the config)` : ` (if the node is named ${node})`) : ''}, so this kubelet cannot register its node or read its pods ("forbidden: User \"${cert.cn}\" cannot get resource \"nodes\""). Sign it again with CN=${wanted}`,
    role.kind?.why.names);
  } else if (role.expectedCn && cert.cn !== role.expectedCn) {
    const caseOnly = cert.cn.toLowerCase() === role.expectedCn.toLowerCase();
    add('problem', caseOnly
      ? `CN is ${cert.cn}: Kubernetes compares user names exactly and node names are lower case, so ${role.id === 'kubelet-client' ? 'the Node authorizer does not recognise this kubelet' : 'RBAC does not recognise this identity'} (use CN=${role.expectedCn})`
      : `CN is ${cert.cn || '(none)'}: RBAC binds the built-in role to the user ${role.expectedCn}, so this identity has no rights (use CN=${role.expectedCn})`,
    role.kind?.why.names);
  }

  const groups = GROUPS[role.id];
  if (groups && !cert.organizations.some(o => groups.anyOf.includes(o))) {
    const has = cert.organizations.length ? `O is ${cert.organizations.join(', ')}` : 'has no O (organization)';
    add(groups.severity, `${has}: ${groups.why} (needs O=${groups.anyOf.join(' or O=')})`, role.kind?.why.names);
  }

  // The usages every layout requires of this role (The Hard Way's apiserver adds clientAuth).
  const usages = role.kind ? (Array.isArray(role.kind.usages) ? role.kind.usages : role.kind.usages.kubeadm.filter(u => (role.kind!.usages as Record<string, string[]>)['hard-way']!.includes(u))) : [];
  for (const usage of usages) {
    if (!allows(cert, usage)) add('problem', usageProblem(role, usage), role.kind?.why.names);
  }

  if (cert.basicConstraintsCA === true || cert.keyUsage?.includes('keyCertSign')) {
    add('problem', `is marked as a CA (${cert.basicConstraintsCA ? 'basicConstraints CA:TRUE' : 'keyUsage keyCertSign'}) but is a ${role.label} certificate: whoever holds its key can sign certificates for any identity, system:masters included (make it with basicConstraints=critical,CA:FALSE)`);
  }

  if (SERVER_ROLES.has(role.id) && cert.dnsNames.length + cert.ipAddresses.length === 0) {
    add('problem', 'has no subject alternative names: Go clients (kubectl, kube-apiserver, etcdctl) ignore the CN and fail with "x509: certificate relies on legacy Common Name field" (add subjectAltName=DNS:…,IP:…)', role.kind?.why.names);
  }

  out.push(...checkSignature(c, add));
  out.push(...checkValidity(c));
  out.push(...checkKubeletServingName(c));
  return out;
}

function checkSignature(c: CertificateContext, add: (s: Severity, m: string, why?: string) => void): Finding[] {
  const {cert, issuer, expectedIssuer, role} = c;
  if (role.id === 'kubelet-server' && (!issuer || (expectedIssuer && issuer.file !== expectedIssuer.file))) {
    // kubeadm's default: the kubelet serves with a certificate it signed itself, and kube-apiserver
    // does not verify kubelets unless --kubelet-certificate-authority is set. It works, with a cost.
    add('warning', `is not signed by ${expectedIssuer ? expectedIssuer.file : 'the cluster CA'} (${issuer ? `signed by ${issuer.file}` : cert.selfSigned ? 'self-signed' : `issuer ${cert.issuer}`}): fine while kube-apiserver skips verifying kubelets, but metrics-server and --kubelet-certificate-authority refuse it`);
    return [];
  }
  if (!issuer) {
    if (cert.selfSigned) add('problem', `is self-signed: nothing in the cluster trusts it (sign it with ${expectedIssuer ? expectedIssuer.file : 'the cluster CA'})`);
    else add('problem', `is signed by a CA that is not among the files inspected (issuer ${cert.issuer || 'empty'}): nothing here can vouch for it`);
    return [];
  }
  if (expectedIssuer && issuer.file !== expectedIssuer.file) {
    const trustedBy = role.id.startsWith('etcd') || role.id === 'apiserver-etcd-client'
      ? 'etcd trusts only its own CA (--trusted-ca-file)'
      : role.id === 'front-proxy-client'
        ? 'extension apiservers trust only the front-proxy CA (--requestheader-client-ca-file)'
        : 'kube-apiserver and kubelets trust the cluster CA (--client-ca-file)';
    add('problem', `is signed by ${issuer.file} (${AUTHORITY_LABEL[issuer.id]}${issuer.primary ? '' : ', another one'}) but the ${role.label} certificate must come from ${expectedIssuer.file} (${AUTHORITY_LABEL[expectedIssuer.id]}): ${trustedBy}, so it is refused with "x509: certificate signed by unknown authority"`, role.kind?.why.names);
  }
  return [];
}

export function checkValidity(c: Pick<CertificateContext, 'cert' | 'file' | 'role' | 'now'>): Finding[] {
  const out: Finding[] = [];
  const add = (severity: Severity, message: string) => out.push({severity, file: c.file, role: c.role.label, message});
  const {cert, now} = c;
  const days = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (cert.notAfter.getTime() < now.getTime()) {
    add('problem', `expired on ${cert.notAfter.toISOString().slice(0, 10)}: every TLS peer refuses it ("x509: certificate has expired or is not yet valid"); issue a new one`);
  } else if (cert.notBefore.getTime() > now.getTime()) {
    add('problem', `is not valid before ${cert.notBefore.toISOString()}: the clock of the machine that made it was ahead, or this machine's is behind`);
  } else if (days < SOON_DAYS) {
    add('warning', `expires in ${days} day${days === 1 ? '' : 's'} (${cert.notAfter.toISOString().slice(0, 10)}): plan its renewal`);
  }
  const key = describeKey(cert.publicKey);
  if (key.weak) add('problem', `has ${key.weak}`);
  if (cert.weakSignature) add('problem', `is signed with ${cert.weakSignature}: Go refuses SHA-1 and MD5 signatures ("x509: certificate signed by unknown authority … insecure algorithm")`);
  return out;
}

export function checkAuthority(c: CertificateContext): Finding[] {
  const out: Finding[] = [];
  const add = (severity: Severity, message: string) => out.push({severity, file: c.file, role: c.role.label, message});
  const {cert} = c;
  if (cert.basicConstraintsCA !== true) {
    add('problem', `signs ${c.signs} certificate${c.signs === 1 ? '' : 's'} but is not marked as a CA: basicConstraints CA:TRUE is missing (a version ${cert.version} certificate, as "openssl x509 -req -signkey" makes). kubeadm refuses it ("certificate … is not a CA"); re-create it with openssl req -x509 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,digitalSignature"`);
  }
  if (cert.keyUsage && !cert.keyUsage.includes('keyCertSign')) {
    add('problem', 'has a keyUsage without keyCertSign: verifiers refuse every certificate it signed');
  }
  if (!cert.selfSigned && !c.issuer) {
    add('warning', `is an intermediate CA whose own issuer (${cert.issuer}) is not among the files inspected`);
  }
  out.push(...checkValidity(c));
  return out;
}
