// `kubepki user add`, `user finish`, `user renew` and `user remove`: a person's kubectl access to the cluster of OUT. A user
// is a client certificate whose CN is the user name and whose O values are the groups, signed
// either here by the cluster CA or, with --csr, by the cluster itself through the
// CertificateSigningRequest API (kubeadm's CA key never leaves the control plane then).
import {X509Certificate, createHash, createPrivateKey, createPublicKey} from 'node:crypto';
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {readExisting} from '../output/existing.js';
import {readBounded} from '../output/read-bounded.js';
import {PUBLIC_MODE, SECRET_MODE} from '../output/write.js';
import {commitUser, dropUser, readUserFile, refuseUserLinks, userDir, usersOf, type UserEntry, type UserFile} from '../output/users.js';
import {createLeaf, loadIssuer} from '../pki/certificate.js';
import {pemBlocks, signerIn} from './rotate.js';
import {subjectOf} from '../pki/subject.js';
import {certificateMatchesKey, createCertificationRequest} from '../pki/csr.js';
import {KEY_ALGORITHMS, algorithmOf, type KeyAlgorithm} from '../pki/algorithms.js';
import {createKeyGenerator} from '../pki/keys.js';
import {renderKubeconfig} from '../pki/kubeconfig.js';
import {shellQuote} from '../scripts/shell.js';
import {parseDurationHours} from '../spec/duration.js';
import {InputError} from '../spec/errors.js';
import {isPrintable, printable, quote} from '../spec/quote.js';
import {specFromFile} from '../spec/load.js';
import type {KeyType} from '../spec/types.js';

export interface AddUserRequest {
  name: string;
  groups: string[];
  /** e.g. 8760h, 30d; default: the cluster's certificate validity (cluster.yaml). */
  validity?: string;
  csr: boolean;
}

export interface UserResult {
  entry: UserEntry;
  /** OUT-relative files written. */
  written: string[];
  warnings: string[];
  /** With --csr: the commands to run against the cluster, in order. */
  commands: string[];
  context?: string;
}

const CLUSTER_CA = 'ca';
const BACKDATE_MS = 5 * 60 * 1000;
/** The CSR API refuses expirationSeconds below ten minutes. */
const MIN_CSR_SECONDS = 600;

export function userProblems(request: AddUserRequest): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$/.test(request.name)) {
    problems.push(`NAME: ${quote(request.name)} must be 1-63 letters, digits, '.', '_', '@' or '-', starting with a letter or digit (it names a directory and the certificate's CN)`);
  }
  if (request.groups.length === 0) problems.push('--group: give at least one group (the certificate\'s O), e.g. --group developers');
  for (const g of request.groups) {
    const problem = groupProblem(g);
    if (problem) problems.push(`--group: ${problem}`);
  }
  if (new Set(request.groups).size !== request.groups.length) problems.push('--group: a group is given twice');
  // kube-apiserver's CertificateSubjectRestriction admission plugin (on by default) refuses such a CSR.
  if (request.csr && request.groups.includes('system:masters')) {
    problems.push('--group: the cluster refuses a CertificateSigningRequest for system:masters with signer kubernetes.io/kube-apiserver-client (admission plugin CertificateSubjectRestriction); bind a ClusterRole to a group of your own, or sign with the CA key (without --csr)');
  }
  if (request.validity !== undefined) {
    const hours = parseDurationHours(request.validity);
    if (hours === undefined) problems.push(`--validity: ${quote(request.validity)} is not a duration such as 8760h, 90d or 1y`);
    else if (request.csr && hours * 3600 < MIN_CSR_SECONDS) problems.push('--validity: the CertificateSigningRequest API needs at least 10 minutes');
  }
  return problems;
}

/**
 * Why `group` cannot be a user's group, or undefined when it can. The one rule, at user add (and
 * the wizard's form) and at verify: the O value is written and read back byte for byte, so any
 * text could round-trip, but these would not do what the person typing them meant.
 */
export function groupProblem(group: string): string | undefined {
  const shown = quote(group);
  if (group.length === 0 || group.length > 64) return `${shown} must be 1-64 characters (an O value of the certificate)`;
  if (!isPrintable(group)) return `${shown} holds a control or invisible character (a terminal would act on it or hide it); use printable characters`;
  if (group.trim() === '') return `${shown} is only spaces`;
  if (group.trim() !== group) return `${shown} begins or ends with a space: it would be a group other than ${quote(group.trim())}, and RBAC bindings for ${quote(group.trim())} would not match it`;
  if (group.includes(',')) return `${shown} holds a comma: a group is one name; for several give --group once each (--group ${group.split(',').map(g => shellQuote(g.trim())).filter(g => g !== "''").join(' --group ')})`;
  return undefined;
}

/** Warnings about groups that give more than they seem to. */
export function groupWarnings(groups: string[]): string[] {
  return groups.flatMap(g => {
    if (g === 'system:masters') return ['group system:masters bypasses RBAC entirely and cannot be revoked short of replacing the cluster CA; bind a ClusterRole (e.g. cluster-admin) to a group of your own instead'];
    if (g.startsWith('system:')) return [`group ${g} is a group Kubernetes reserves for its own components; a person rarely belongs in it`];
    return [];
  });
}

/**
 * A user's client certificate from the cluster CA (user add, user renew): CN the name, one O per
 * group, client auth, backdated a little; it cannot outlive the CA, and says so when cut to it.
 */
function issueUserCertificate(caPem: string, caKeyPem: string, who: {name: string; groups: string[]}, spki: Buffer, algorithm: KeyAlgorithm, hours: number, now: Date): {pem: string; warnings: string[]} {
  return issueUserCertificateUntil(caPem, caKeyPem, who, spki, algorithm, now.getTime() + hours * 3_600_000, now);
}

/** The same, ending at `asked` (ms) or with the CA. During a CA rotation `caPem` is the bundle: the certificate of `caKeyPem` in it signs. */
function issueUserCertificateUntil(caPem: string, caKeyPem: string, who: {name: string; groups: string[]}, spki: Buffer, algorithm: KeyAlgorithm, asked: number, now: Date): {pem: string; warnings: string[]} {
  const issuer = loadIssuer(signerIn(caPem, caKeyPem), caKeyPem);
  const pem = createLeaf({
    subject: {cn: who.name, organizations: who.groups}, publicKey: spki, algorithm,
    dnsNames: [], ipAddresses: [], notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(Math.min(asked, issuer.notAfter.getTime())),
  }, ['clientAuth'], issuer);
  return {pem, warnings: asked > issuer.notAfter.getTime() ? [cappedAt(issuer.notAfter)] : []};
}

/** A certificate cannot outlive its CA: it ends with it. */
const cappedAt = (caEnd: Date) => `the validity asked for goes past the cluster CA's own end, so the certificate ends with the CA, on ${caEnd.toISOString().slice(0, 10)}`;

/** etcd trusts what the cluster CA signs when one CA serves both (pki.authorities: single). */
export function sharedCaWarnings(manifest: {certificates: {id: string; signer: string}[]}, name: string): string[] {
  const etcd = manifest.certificates.find(c => c.id === 'etcd-server');
  if (etcd?.signer !== CLUSTER_CA) return [];
  return [`this cluster's CA also signs etcd's certificates (pki.authorities: single), and etcd accepts every client certificate that CA signs: ${name}'s certificate opens the datastore directly, bypassing RBAC. Guard it like admin's; a separate etcd CA (pki.authorities: etcd-separate or kubeadm) avoids this`];
}

/** The largest spec.expirationSeconds the CertificateSigningRequest API takes: an int32 (about 68 years). */
const MAX_CSR_SECONDS = 2 ** 31 - 1;

/**
 * spec.expirationSeconds for `hours`: at least the API's ten minutes, at most its int32 and the
 * cluster CA's end (the signer would cut it there anyway), with the warning the signed path gives.
 */
export function csrExpirationSeconds(hours: number, caEnd: Date, now: Date): {seconds: number; warning?: string} {
  const asked = Math.max(MIN_CSR_SECONDS, Math.round(hours * 3600));
  const toCaEnd = Math.floor((caEnd.getTime() - now.getTime()) / 1000);
  if (asked > toCaEnd && toCaEnd <= MAX_CSR_SECONDS && toCaEnd >= MIN_CSR_SECONDS) return {seconds: toCaEnd, warning: cappedAt(caEnd)};
  if (asked > MAX_CSR_SECONDS) return {seconds: MAX_CSR_SECONDS, warning: `the validity asked for is longer than the CertificateSigningRequest API's expirationSeconds can say (an int32: ${MAX_CSR_SECONDS} seconds, about 68 years), so the request asks for that`};
  return {seconds: asked};
}

/**
 * The CertificateSigningRequest object name for a user: a DNS subdomain, one per user name. A name
 * that is one already is used as it is (kubepki-user-jane); any other (Ann, a_b, a@b) is lowered
 * and gets a hash of the exact name, after a dot no plain name has there, so Ann, ann and a_b,
 * a-b never share an object (a `kubectl delete csr` for one must not delete another's request).
 */
export function csrObjectName(name: string): string {
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) return `kubepki-user-${name}`;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'user';
  return `kubepki-user.${slug}-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}

/** `signal`: aborted (an interrupt) while the key is made, nothing is written. */
export async function addUser(out: string, request: AddUserRequest, now = new Date(), signal?: AbortSignal): Promise<UserResult> {
  const problems = userProblems(request);
  if (problems.length) throw new InputError(problems);
  const existing = readExisting(out);
  const {name, groups} = request;
  const dir = userDir(name);
  refuseUserLinks(out, name);
  if (existsSync(join(out, dir))) throw new InputError([`NAME: ${printable(join(out, dir))} already exists; kubepki user renew ${name} --out ${shellQuote(out)} gives it a fresh certificate, kubepki user remove ${name} --out ${shellQuote(out)} removes it (and kubepki user finish ${name} … completes a pending --csr)`]);
  // A user named like one of the cluster's own identities would act as that component: as the
  // front proxy (front-proxy-client may assert any user and group through request headers), as the
  // apiserver's kubelet client, as a node, as the admin of kubeadm's bindings.
  const components = existing.manifest.certificates.filter(c => c.cn === name);
  if (components.length) {
    throw new InputError([`NAME: ${quote(name)} is the name (CN) of the cluster's own ${[...new Set(components.map(c => c.id))].join(', ')} certificate: a user of that name would be that component to the cluster (its bindings, and for front-proxy-client any user it claims); choose a name of a person`]);
  }
  const ca = existing.authorities.get(CLUSTER_CA);
  if (!ca || ca.cert.pem === undefined) throw new InputError([`--out: ${printable(out)} has no readable cluster CA certificate (${ca?.cert.path ?? 'pki/ca.crt'})`]);
  if (!request.csr && ca.key.pem === undefined) throw new InputError([`--out: the cluster CA key ${ca.key.path} is not in ${printable(out)} (${ca.key.problem}); use --csr to have the cluster sign instead`]);
  const hours = request.validity !== undefined ? parseDurationHours(request.validity)! : clusterValidityHours(out);
  const keyType = existing.manifest.keyType as KeyType;
  const pair = await createKeyGenerator(1)(KEY_ALGORITHMS[keyType]);
  const files: UserFile[] = [{path: `${dir}/${name}.key`, content: pair.privateKeyPem, secret: true}];
  const entry: UserEntry = {name, groups, signedBy: request.csr ? 'csr' : 'ca', key: files[0]!.path};
  const warnings = [...groupWarnings(groups), ...sharedCaWarnings(existing.manifest, name)];
  const commands: string[] = [];
  if (request.csr) {
    const csr = createCertificationRequest({cn: name, organizations: groups}, pair.privateKeyPem);
    const object = csrObjectName(name);
    const {seconds, warning} = csrExpirationSeconds(hours, new Date(new X509Certificate(ca.cert.pem).validTo), now);
    if (warning) warnings.push(warning);
    const manifest = stringify({
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
      metadata: {name: object},
      spec: {request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: seconds, usages: ['client auth']},
    }, {lineWidth: 0});
    entry.csr = `${dir}/${name}.csr`;
    entry.request = `${dir}/${name}-csr.yaml`;
    files.push({path: entry.csr, content: csr, secret: false}, {path: entry.request, content: manifest, secret: false});
    commands.push(...csrSigningCommands(out, name, entry.request, join(out, dir, `${name}.crt`)));
  } else {
    const issued = issueUserCertificate(ca.cert.pem, ca.key.pem!, {name, groups}, pair.spki, KEY_ALGORITHMS[keyType], hours, now);
    const cert = issued.pem;
    warnings.push(...issued.warnings);
    entry.cert = `${dir}/${name}.crt`;
    entry.kubeconfig = `${dir}/${name}.conf`;
    files.push({path: entry.cert, content: cert, secret: false},
      {path: entry.kubeconfig, content: userKubeconfig(existing.manifest, name, ca.cert.pem, cert, pair.privateKeyPem), secret: true});
  }
  signal?.throwIfAborted();
  commitUser(out, entry, files, false);
  return {entry, written: files.map(f => f.path), warnings, commands, context: entry.kubeconfig ? contextName(existing.manifest, name) : undefined};
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const listed = (values: string[]) => (values.length ? values.join(', ') : 'none');

/**
 * What is wrong with a certificate handed to `user finish`, each as a phrase after its file name:
 * it must be exactly what the user's CSR asked of the cluster CA. The signature is checked with the
 * CA's key (a CA of the same name is another CA), the groups are the requested ones and no others
 * (the cluster signs what it is asked: system:masters in place of dev is someone else's request).
 */
function issuedUserProblems(cert: X509Certificate, want: {name: string; groups: string[]; keyPem: string; keyFile: string; cas: X509Certificate[]; caFile: string}, now = new Date()): string[] {
  const problems: string[] = [];
  if (!certificateMatchesKey(cert.toString(), want.keyPem)) {
    problems.push(`does not match ${want.keyFile} (a certificate for another key)`);
  }
  // During a CA rotation the CA file is the bundle (old + new): either CA of it may have signed.
  const signedBy = (ca: X509Certificate) => {
    try {
      return cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  };
  const signed = want.cas.some(signedBy);
  const named = want.cas.find(ca => ca.subject === cert.issuer);
  if (!signed) {
    problems.push(named
      ? `names the cluster CA (${named.subject.replace(/\n/g, ', ')}) as its issuer, but its signature does not verify with ${want.caFile}: another CA of that name signed it`
      : `was not signed by the cluster CA ${want.caFile} (its issuer is ${cert.issuer.replace(/\n/g, ', ') || 'empty'})`);
  }
  // The subject's values as the DER holds them (the one subject reader verify uses too).
  const {attributes, organizations} = subjectOf(cert.raw);
  const cn = attributes.filter(a => a.type === 'CN').map(a => a.value);
  if (cn.length !== 1 || cn[0] !== want.name) problems.push(`has CN ${printable(listed(cn))}, not ${want.name}`);
  const groups = [...organizations].sort();
  const requested = [...want.groups].sort();
  if (groups.join('\n') !== requested.join('\n')) problems.push(`has the groups (O) ${printable(listed(groups))}, but ${want.name} asked for ${printable(listed(requested))}`);
  if (Date.parse(cert.validTo) < now.getTime()) problems.push(`expired on ${cert.validTo}`);
  else if (Date.parse(cert.validFrom) > now.getTime()) problems.push(`is not valid before ${cert.validFrom}`);
  if (!(cert.keyUsage ?? []).includes(CLIENT_AUTH)) {
    problems.push(`lacks extended key usage clientAuth (it has ${listed(cert.keyUsage ?? [])}): the apiserver refuses it as a client certificate`);
  }
  if (cert.ca) problems.push('is a CA certificate (basicConstraints CA:TRUE): whoever holds its key could sign certificates for any user');
  return problems;
}

/**
 * What a cluster admin runs to have the cluster sign a --csr user's request (OUT-relative
 * `request`, the CertificateSigningRequest object) and hand the certificate, saved as `issued`,
 * to user finish. Lines to paste into a shell: every path and name quoted where it would split.
 */
export function csrSigningCommands(out: string, name: string, request: string, issued: string): string[] {
  const q = shellQuote;
  const object = csrObjectName(name);
  return [
    `kubectl apply -f ${q(join(out, request))}`,
    `kubectl certificate approve ${object}`,
    // The controller-manager signs moments after the approval: wait for it rather than read an empty field.
    `kubectl wait --for=jsonpath='{.status.certificate}' csr/${object} --timeout=60s`,
    `kubectl get csr ${object} -o jsonpath='{.status.certificate}' | base64 -d > ${q(issued)}`,
    `kubepki user finish ${q(name)} --certificate ${q(issued)} --out ${q(out)}`,
  ];
}

/** `user finish`: the certificate the cluster issued for a --csr user, checked, and its kubeconfig. */
export function finishUser(out: string, name: string, certificateFile: string, now = new Date()): UserResult {
  const existing = readExisting(out);
  const entry = (existing.manifest as {users?: UserEntry[]}).users?.find(u => u.name === name);
  if (!entry) throw new InputError([`NAME: ${out} has no user ${JSON.stringify(name)} (kubepki user add ${name} --csr … makes one)`]);
  if (entry.signedBy !== 'csr') throw new InputError([`NAME: user ${name} was signed with the CA here; it needs no finish`]);
  const read = readBounded(certificateFile);
  if (!('data' in read)) throw new InputError([`--certificate: cannot read ${printable(certificateFile)}: it ${read.reason}`]);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(read.data);
  } catch {
    throw new InputError([`--certificate: ${printable(certificateFile)} is not a PEM certificate (empty? the CSR may not be approved and signed yet: kubectl get csr ${csrObjectName(name)})`]);
  }
  const certPem = cert.toString();
  const keyPem = readFileSync(join(out, entry.key), 'utf8');
  const ca = existing.authorities.get(CLUSTER_CA)!;
  if (ca.cert.pem === undefined) throw new InputError([`--out: the cluster CA certificate ${ca.cert.path} cannot be read (${ca.cert.problem}): the issued certificate cannot be checked against it`]);
  const problems = issuedUserProblems(cert, {name, groups: entry.groups, keyPem, keyFile: entry.key, cas: pemBlocks(ca.cert.pem).map(b => new X509Certificate(b)), caFile: ca.cert.path}, now)
    .map(p => `--certificate: ${printable(certificateFile)} ${p}`);
  if (problems.length) throw new InputError([...problems, `nothing was written: give the certificate the cluster issued for ${name}'s request (kubectl get csr ${csrObjectName(name)})`]);
  const done: UserEntry = {...entry, cert: `${userDir(name)}/${name}.crt`, kubeconfig: `${userDir(name)}/${name}.conf`};
  const files: UserFile[] = [
    {path: done.cert!, content: certPem, secret: false},
    {path: done.kubeconfig!, content: userKubeconfig(existing.manifest, name, ca.cert.pem!, certPem, keyPem), secret: true},
  ];
  commitUser(out, done, files, true);
  return {entry: done, written: files.map(f => f.path), warnings: [], commands: [], context: contextName(existing.manifest, name)};
}

export interface RenewedUser extends UserResult {
  /** When the certificate OUT held expired, and when the new one does. */
  was: Date;
  until: Date;
}

/**
 * `user renew`: a CA-signed user's certificate issued again around the same key, with the same
 * name and groups and a fresh validity; the kubeconfig rewritten around it. A --csr user is
 * signed by the cluster: the cluster signs its renewal too (remove, then add --csr again).
 */
export function renewUser(out: string, name: string, validity: string | undefined, now = new Date()): RenewedUser {
  const existing = readExisting(out);
  const entry = usersOf(existing.manifest).find(u => u.name === name);
  if (!entry) throw new InputError([`NAME: ${printable(out)} has no user ${quote(name)} (kubepki user add ${shellQuote(name)} --group G --out ${shellQuote(out)} makes one)`]);
  let hours: number | undefined;
  if (validity !== undefined) {
    hours = parseDurationHours(validity);
    if (hours === undefined) throw new InputError([`--validity: ${quote(validity)} is not a duration such as 8760h, 90d or 1y`]);
  }
  if (entry.signedBy === 'csr') {
    throw new InputError([`NAME: user ${name} was signed by the cluster (--csr), which also signs its renewal: kubepki user remove ${name} --out ${shellQuote(out)}, then kubepki user add ${name} --csr ${entry.groups.map(g => `--group ${shellQuote(g)}`).join(' ')} --out ${shellQuote(out)}`]);
  }
  const ca = existing.authorities.get(CLUSTER_CA);
  if (!ca || ca.cert.pem === undefined || ca.key.pem === undefined) throw new InputError([`--out: the cluster CA certificate and key (${ca?.cert.path ?? 'pki/ca.crt'}, ${ca?.key.path ?? 'pki/ca.key'}) must be readable in ${printable(out)} to renew a user`]);
  refuseUserLinks(out, name);
  const keyPem = readUserFile(out, entry.key);
  const was = certificateEnd(out, entry.cert!);
  if (!was) throw new InputError([`NAME: ${entry.cert} of user ${name} is missing or not a certificate; kubepki user remove ${name} --out ${shellQuote(out)}, then kubepki user add ${name} ${entry.groups.map(g => `--group ${shellQuote(g)}`).join(' ')} --out ${shellQuote(out)}`]);
  const {pem: cert, warnings} = issueUserCertificate(ca.cert.pem, ca.key.pem, {name, groups: entry.groups},
    createPublicKey(keyPem).export({type: 'spki', format: 'der'}), algorithmOf(createPrivateKey(keyPem)), hours ?? clusterValidityHours(out), now);
  const files: UserFile[] = [
    {path: entry.cert!, content: cert, secret: false},
    {path: entry.kubeconfig!, content: userKubeconfig(existing.manifest, name, ca.cert.pem, cert, keyPem), secret: true},
  ];
  commitUser(out, entry, files, true);
  return {entry, written: files.map(f => f.path), warnings, commands: [], context: contextName(existing.manifest, name), was, until: new Date(new X509Certificate(cert).validTo)};
}

export interface RemovedUser {
  entry: UserEntry;
  /** When its certificate expires (absent while a --csr user awaits it). */
  validUntil?: Date;
  /** What to run against the cluster, and why, now that the files are gone. */
  advice: string[];
}

/** `user remove`: the user's files and manifest entry go; what the cluster still trusts is said. */
export function removeUser(out: string, name: string): RemovedUser {
  const existing = readExisting(out);
  const entry = usersOf(existing.manifest).find(u => u.name === name);
  if (!entry) throw new InputError([`NAME: ${printable(out)} has no user ${quote(name)}`]);
  // A certificate file already gone (or damaged) does not stop the removal: its end is then unknown here.
  const validUntil = entry.cert ? certificateEnd(out, entry.cert) : undefined;
  dropUser(out, name);
  const advice: string[] = [];
  const until = validUntil
    ? `Its certificate stays valid until ${validUntil.toISOString().slice(0, 10)}`
    : `Its certificate file ${entry.cert} was already gone, so when it expires is unknown here; any copy of it stays valid until then`;
  if (!entry.cert) {
    advice.push(`Its CertificateSigningRequest may still be in the cluster: kubectl delete csr ${csrObjectName(name)}`);
  } else if (entry.groups.includes('system:masters')) {
    advice.push(`${until}, and Kubernetes checks no revocation list. It is in system:masters, which no RBAC change can limit: only replacing the cluster CA ends its access before then.`);
  } else {
    advice.push(
      `${until}, and Kubernetes checks no revocation list: whoever holds a copy keeps every right bound to the user ${name} or to its groups (${printable(entry.groups.join(', '))}) until then.`,
      'To end them now, remove or narrow the RBAC bindings that name them (a group\'s binding also serves its other members):',
      `kubectl get clusterrolebindings,rolebindings -A -o wide | grep -E ${shellQuote(`(^|[ ,])(${[name, ...entry.groups].map(escapeRegex).join('|')})([ ,]|$)`)}`,
    );
  }
  return {entry, validUntil, advice};
}

/** When a user's certificate (OUT-relative) expires; undefined when it is missing, a link, or not a certificate. */
function certificateEnd(out: string, rel: string): Date | undefined {
  try {
    return new Date(new X509Certificate(readUserFile(out, rel)).validTo);
  } catch {
    return undefined;
  }
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const contextName = (manifest: {cluster: string}, name: string) => `${name}@${manifest.cluster}`;

function userKubeconfig(manifest: {cluster: string; endpoint: string}, name: string, caPem: string, certPem: string, keyPem: string): string {
  return renderKubeconfig({cluster: manifest.cluster, user: name, context: contextName(manifest, name), server: manifest.endpoint}, caPem, certPem, keyPem);
}

/**
 * For the engine, once an update has carried OUT's users into `staging`: when the endpoint or the
 * cluster's name changed, each user's kubeconfig is rendered anew around the same certificate and
 * key (else it dials the old server). A user whose files cannot be read is left as it was.
 * Returns the OUT-relative kubeconfigs rewritten.
 */
export function repointUsers(staging: string, before: {cluster: string; endpoint: string; users?: unknown}, after: {cluster: string; endpoint: string}, caPem: string): string[] {
  if (before.cluster === after.cluster && before.endpoint === after.endpoint) return [];
  const rewritten: string[] = [];
  for (const user of usersOf(before)) {
    const pair = user.kubeconfig ? stagedPair(staging, user) : undefined;
    if (!pair) continue;
    replaceStaged(staging, user.kubeconfig!, userKubeconfig(after, user.name, caPem, pair.certPem, pair.keyPem), SECRET_MODE);
    rewritten.push(user.kubeconfig!);
  }
  return rewritten;
}

/** The leaf validity the cluster was planned with. */
const clusterValidityHours = (out: string) => parseDurationHours(specFromFile(join(out, 'cluster.yaml')).pki.validity.certificate)!;

/** What to run once a user is written: the cluster's signing commands (--csr), or a kubectl to try. Paths quoted for the shell. */
export function userNextSteps(out: string, result: UserResult): string[] {
  if (result.commands.length) {
    return ['The cluster signs it (kubernetes.io/kube-apiserver-client; the CA key was not used). As a cluster admin:', ...result.commands];
  }
  if (!result.entry.kubeconfig) return [];
  const tryIt = `Try it: kubectl --kubeconfig ${shellQuote(join(out, result.entry.kubeconfig))} auth whoami   (context ${result.context})`;
  // system:masters needs no binding (it bypasses RBAC: warned about already); other groups do.
  const group = result.entry.groups.find(g => g !== 'system:masters');
  if (result.entry.groups.includes('system:masters') || !group) return [tryIt];
  return [tryIt, `Its groups get no rights until RBAC binds them, e.g.: kubectl create clusterrolebinding ${shellQuote(`${group}-view`)} --clusterrole=view --group=${shellQuote(group)}`];
}

/**
 * For the engine, in a CA rotation's phase issue (and abort after it), once OUT's users are in
 * `staging`: each user kubepki signed with the cluster CA is issued again by `signer`, around the
 * same key, with the same name and groups and the same end (capped at the signer's); its
 * kubeconfig rendered around it, trusting `trustPem`. A --csr user is the cluster's to sign (the
 * rotate command prints how). Returns the OUT-relative files rewritten.
 */
export function reissueUsers(staging: string, manifest: {cluster: string; endpoint: string; users?: unknown}, signer: {certPem: string; keyPem: string}, trustPem: string, now: Date): string[] {
  const rewritten: string[] = [];
  for (const user of usersOf(manifest)) {
    const pair = user.signedBy === 'ca' && user.kubeconfig ? stagedPair(staging, user) : undefined;
    if (!pair) continue;
    const {keyPem} = pair;
    const {pem} = issueUserCertificateUntil(signer.certPem, signer.keyPem, {name: user.name, groups: user.groups},
      createPublicKey(keyPem).export({type: 'spki', format: 'der'}), algorithmOf(createPrivateKey(keyPem)), Date.parse(new X509Certificate(pair.certPem).validTo), now);
    replaceStaged(staging, user.cert!, pem, PUBLIC_MODE);
    replaceStaged(staging, user.kubeconfig!, userKubeconfig(manifest, user.name, trustPem, pem, keyPem), SECRET_MODE);
    rewritten.push(user.cert!, user.kubeconfig!);
  }
  return rewritten;
}

/** A user's certificate and key as staged; undefined when it has no certificate or they cannot be read (left as they are). */
function stagedPair(staging: string, user: UserEntry): {certPem: string; keyPem: string} | undefined {
  if (!user.cert) return undefined;
  try {
    return {certPem: readFileSync(join(staging, user.cert), 'utf8'), keyPem: readFileSync(join(staging, user.key), 'utf8')};
  } catch {
    return undefined;
  }
}

/** A staged file replaced by rename: a link placed where it was is replaced, never written through. */
function replaceStaged(staging: string, rel: string, content: string, mode: number): void {
  const path = join(staging, rel);
  const fresh = `${path}.kubepki-${process.pid}`;
  writeFileSync(fresh, content, {mode, flag: 'wx'});
  renameSync(fresh, path);
}
