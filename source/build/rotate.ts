// CA rotation as data for the one engine. A phase is a plan (the same plan, with the trust file
// of the rotated authority holding a bundle, and the controller-manager's signing certificate a
// single certificate of its own) plus the rotation's state, recorded in manifest.json so that
// `status` and later phases read where OUT stands. build/index.ts writes it like any other build.
//
// Phase `start` (what exists now): a new CA is made (same key type, its own subject key id, a
// subject of its own so no chain confuses old and new); every trust file of the authority — its
// certificate file in pki/, each node's copy, every kubeconfig's certificate-authority-data, the
// users' kubeconfigs — holds old + new; every leaf stays byte-identical and signed by the old CA.
// `abort` from start is the same build with the trust back to the old certificate alone and the
// state gone: every file as it was before start.
//
// Phase `issue`: the authority's key file becomes the new CA's key (the old key kept in
// pki/rotation/<id>-old.key), the new CA signs, every leaf it signs is issued anew (the engine's
// `only`, keys kept unless asked), the users kubepki signed too; trust stays old + new. Phase
// `finish`: trust is the new CA alone; the old certificate and key move to retired/<id>-<date>/
// (listed in the manifest's documents, in no node bundle) and a `rotations` entry records it.
//
// `abort` after issue goes one phase back, as the service-account pair's does: to start again
// (startRotation, the build start wrote), the old key back in the authority's key file and every
// leaf issued anew by the old CA, trust still old + new. Going straight to the old CA alone would
// break the cluster while the nodes take the files one by one: a component already trusting the
// old CA alone refuses one that still presents a leaf of the new CA. A second abort, once every
// node has start's files again, goes to the old CA alone.
import {X509Certificate, createHash, createPrivateKey, createPublicKey} from 'node:crypto';
import {cpSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {usersOf} from '../output/users.js';
import {SECRET_MODE} from '../output/write.js';
import {KEY_ALGORITHMS} from '../pki/algorithms.js';
import {subjectKeyIdOf} from '../pki/certificate.js';
import {KEY_LABELS, KEY_TYPES, type KeyType} from '../spec/types.js';
import type {MaterialFile} from '../pki/generate.js';
import {bundlePath} from '../plan/paths.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import type {ServiceAccountPairFiles, ServiceAccountRotationRecord, ServiceAccountRotationState} from './rotate-service-account.js';

/** What identifies one CA certificate in the state (and in `status`). */
export interface CaIdentity {
  subject: string;
  /** SHA-256 of the DER, colon-separated hex as openssl prints it. */
  fingerprint256: string;
  /** Subject key identifier, hex ('' when the certificate has none). */
  keyId: string;
  notAfter: string;
  /** Its key type (absent in rotations recorded before kubepki wrote it, or a key kubepki makes none of). */
  keyType?: KeyType;
}

/** manifest.json's `rotation`: present while a rotation is under way. */
export type RotationPhase = 'start' | 'issue';

/** The phases in order (finish ends the rotation: the manifest then records it in `rotations`). */
export const PHASES = ['start', 'issue', 'finish'] as const;

export interface RotationState {
  authority: AuthorityId;
  phase: RotationPhase;
  startedAt: string;
  issuedAt?: string;
  /** When an abort took the rotation from issue back to start (the old CA then issued every leaf anew). */
  backFromIssueAt?: string;
  /**
   * The authority's certificate as it was: a copy, byte-identical, so abort restores it exactly.
   * `key`: from issue on, where its key is kept (pki/rotation/<id>-old.key) while the new one signs.
   * `keyless`: an external CA whose key OUT never held (the new CA then came from --csr): it signs
   * nothing here, and abort after issue cannot go back to it.
   */
  old: CaIdentity & {cert: string; key?: string; keyless?: boolean};
  /**
   * `key`: at start pki/rotation/<id>-new.key; from issue on the authority's own key file.
   * `issuer`: a new CA signed by the user's own root (rotate start --csr, --certificate): the root's subject.
   */
  new: CaIdentity & {cert: string; key: string; issuer?: string};
  /** What issue did: the leaves issued anew by the new CA, the users re-issued here, the --csr users left to the cluster. */
  issued?: {leaves: number; newKeys: boolean; users: string[]; csrUsers: string[]};
  /**
   * The cluster CA only: the single certificate the controller-manager signs with while its
   * trust file is a bundle (its signer refuses a file with more than one certificate), and
   * where each control-plane node installs it.
   */
  signing?: {cert: string; installs: {node: string; path: string}[]};
  /** --ca-bundle KIND/NAME given at start: what finish patches again with the new CA alone (scripts/rotate-outside.ts). */
  caBundles?: string[];
}

/** manifest.json's `rotations`: one entry per finished rotation (carried by every later build). */
export interface RotationRecord {
  authority: AuthorityId;
  startedAt: string;
  issuedAt?: string;
  finishedAt: string;
  /** `publicKey256`: SHA-256 of the old CA's SubjectPublicKeyInfo (DER, hex): how verify finds its key anywhere. */
  old: CaIdentity & {publicKey256: string};
  new: CaIdentity;
  /** Where the old CA's certificate and key went (OUT-relative directory, in no bundle). */
  retired: string;
}

/** One of the rotation's own files, and what the manifest's documents call it. */
export interface RotationFile extends MaterialFile {
  kind: string;
}

/** An entry of manifest.json's `rotations`: a CA's, or the service-account pair's. */
export type FinishedRotation = RotationRecord | ServiceAccountRotationRecord;

/** Per authority: the one certificate that signs (with `keyPem`, a key other than the one OUT holds), and what its certificate file holds (and kubeconfigs embed). */
export interface RotationTrust {
  signerPem: string;
  trustPem: string;
  keyPem?: string;
}

/** What the engine needs to write a phase (BuildOptions.rotation). */
export interface RotationBuild {
  trust: Partial<Record<AuthorityId, RotationTrust>>;
  /** The rotation's own files (pki/rotation/…, retired/…): written through the engine's writer, listed in the manifest's documents. */
  files: RotationFile[];
  /** The users kubepki signed with the cluster CA (their keys in OUT) are issued again by this signer (issue, abort after issue). */
  users?: {certPem: string; keyPem: string};
  /** finish: appended to the manifest's `rotations`. */
  record?: FinishedRotation;
  /** Recorded in manifest.json; undefined: the rotation is over (abort), the manifest has none. */
  state: RotationState | ServiceAccountRotationState | undefined;
  /** The rotation OUT recorded when this phase was planned (read before the lock): the engine refuses if it has changed since. */
  basedOn: RotationState | ServiceAccountRotationState | undefined;
  /** The service-account pair's rotation (build/rotate-service-account.ts): what the plan's key file and public key file hold in this phase. */
  serviceAccount?: ServiceAccountPairFiles;
}

/** Whether two recorded rotations are the same one (both absent, or the same new CA). */
export const sameRotation = (a: {new: {fingerprint256: string}} | undefined, b: {new: {fingerprint256: string}} | undefined) =>
  a?.new.fingerprint256 === b?.new.fingerprint256;

export const ROTATION_DIR = 'pki/rotation';

export const rotationFiles = (id: AuthorityId) => ({
  old: `${ROTATION_DIR}/${id}-old.crt`,
  oldKey: `${ROTATION_DIR}/${id}-old.key`,
  newCert: `${ROTATION_DIR}/${id}-new.crt`,
  newKey: `${ROTATION_DIR}/${id}-new.key`,
});

export const RETIRED_DIR = 'retired';

/** retired/<id>-<YYYYMMDD>, or with -2, -3… when a rotation of that authority already retired one that day. */
export function retiredDir(id: AuthorityId | ServiceAccountRotationRecord['authority'], at: Date, taken: readonly string[]): string {
  const base = `${RETIRED_DIR}/${id}-${at.toISOString().slice(0, 10).replaceAll('-', '')}`;
  let dir = base;
  for (let n = 2; taken.some(p => p === dir || p.startsWith(`${dir}/`)); n++) dir = `${base}-${n}`;
  return dir;
}

/** The finished rotations a manifest records (none in one written before rotations existed). */
export function rotationsOf(manifest: object): FinishedRotation[] {
  const records = (manifest as {rotations?: unknown}).rotations;
  return Array.isArray(records) ? records as FinishedRotation[] : [];
}

/** SHA-256 of a certificate's, private key's or public key's SubjectPublicKeyInfo (DER), hex. */
export function publicKey256(pem: string): string {
  const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem))
    : pem.includes('PUBLIC KEY') ? createPublicKey(pem) : new X509Certificate(pem).publicKey;
  return createHash('sha256').update(key.export({type: 'spki', format: 'der'})).digest('hex');
}

/** signerIn, or the bundle as it is when the key cannot be read (the caller's checks then say so). */
export function signingCertificate(bundlePem: string, keyPem: string): string {
  try {
    return signerIn(bundlePem, keyPem);
  } catch {
    return bundlePem;
  }
}

/** The certificate of a trust bundle that `keyPem` belongs to: the one that signs (the first when none matches). */
export function signerIn(bundlePem: string, keyPem: string): string {
  const blocks = pemBlocks(bundlePem);
  const key = publicKey256(keyPem);
  return blocks.find(b => publicKey256(b) === key) ?? blocks[0] ?? bundlePem;
}

/** The rotation of a CA a manifest records, if any (the service-account pair's: rotate-service-account.ts). */
export function rotationOf(manifest: object): RotationState | undefined {
  const rotation = (manifest as {rotation?: unknown}).rotation;
  return rotation && typeof rotation === 'object' && (rotation as {authority?: unknown}).authority !== 'service-account' ? rotation as RotationState : undefined;
}

/** Every certificate of a PEM text, in order (a trust bundle holds several). */
export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
}

/** Old then new: the old first, so anything reading one certificate still reads the old CA. */
export const trustBundle = (oldPem: string, newPem: string) => `${oldPem.endsWith('\n') ? oldPem : `${oldPem}\n`}${newPem}`;

export function caIdentity(pem: string): CaIdentity {
  const cert = new X509Certificate(pem);
  const keyType = KEY_TYPES.find(t => KEY_ALGORITHMS[t].matches(cert.publicKey));
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    fingerprint256: cert.fingerprint256,
    keyId: subjectKeyIdOf(pem),
    notAfter: new Date(cert.validTo).toISOString(),
    ...(keyType ? {keyType} : {}),
  };
}

/** ", RSA-2048" and so on, after a CA's subject in the reports; nothing when unknown. */
export const keyLabel = (ca: Pick<CaIdentity, 'keyType'>) => ca.keyType ? `, ${KEY_LABELS[ca.keyType]}` : '';

/** Where the controller-manager's signing certificate goes: beside the CA key it reads, on each node that holds it. */
function signingInstalls(plan: Plan, id: AuthorityId): {node: string; path: string}[] {
  if (id !== 'ca') return [];
  const authority = plan.authorities.find(a => a.id === id)!;
  // The cluster slot's key comes first; a single CA's copies for the other slots add no signer.
  const seen = new Set<string>();
  return authority.keyInstalls.filter(i => !seen.has(i.node) && Boolean(seen.add(i.node)))
    .map(i => ({node: i.node, path: `${dirname(i.path)}/ca-signing.crt`}));
}

export function signingFor(plan: Plan, id: AuthorityId, oldCopy: string): RotationState['signing'] {
  const installs = signingInstalls(plan, id);
  return installs.length ? {cert: oldCopy, installs} : undefined;
}

/**
 * The plan of a phase: the plan of the cluster, with the signing certificate in the bundles of
 * the nodes that sign and (hard way, where kubepki writes the units) the controller-manager's
 * --cluster-signing-cert-file pointed at it. The input plan is not changed.
 */
export function rotationPlan(plan: Plan, state: RotationState | undefined): Plan {
  const signing = state?.signing;
  if (!signing) return plan;
  const bundles = Object.fromEntries(Object.entries(plan.bundles).map(([node, files]) => [node, [
    ...files,
    ...signing.installs.filter(i => i.node === node).map(i => ({source: signing.cert, target: i.path, path: bundlePath(node, i.path), secret: false})),
  ]]));
  const components = plan.components.map(c => {
    const install = signing.installs.find(i => i.node === c.node);
    if (c.component !== 'kube-controller-manager' || !install) return c;
    return {...c, flags: c.flags.map(([flag, value]): [string, string] => (flag === '--cluster-signing-cert-file' ? [flag, install.path] : [flag, value]))};
  });
  return {...plan, bundles, components};
}

/**
 * Phase start for the engine: every trust file of `id` old + new, the old CA signing, the
 * rotation's files (the old certificate as it was, the new CA and its key). What `start` writes,
 * and what abort after issue goes back to: then `oldKeyPem` puts the old key back in the
 * authority's key file (and the users kubepki signed are issued by it again).
 */
export function startRotation(id: AuthorityId, cas: {oldPem: string; newPem: string; newKeyPem: string; oldKeyPem?: string}, state: RotationState, basedOn: RotationState | undefined, extraFiles: RotationFile[] = []): RotationBuild {
  const paths = rotationFiles(id);
  const {oldPem, newPem, newKeyPem, oldKeyPem} = cas;
  return {
    trust: {[id]: {signerPem: oldPem, trustPem: trustBundle(oldPem, newPem), ...(oldKeyPem === undefined ? {} : {keyPem: oldKeyPem})}},
    files: [
      {path: paths.old, content: oldPem, secret: false, kind: `rotation: the ${id} certificate before the rotation`},
      {path: paths.newCert, content: newPem, secret: false, kind: `rotation: the new ${id} certificate`},
      {path: paths.newKey, content: newKeyPem, secret: true, kind: `rotation: the new ${id} key`},
      ...extraFiles,
    ],
    ...(oldKeyPem !== undefined && id === 'ca' ? {users: {certPem: oldPem, keyPem: oldKeyPem}} : {}),
    state,
    basedOn,
  };
}

/** One phase back from issue: the rotation as start recorded it (the pair's and a CA's alike); a CA's files where start keeps them. */
export function backToStart<T extends RotationState | ServiceAccountRotationState>(state: T): T {
  const {issuedAt: _issuedAt, ...rest} = state;
  if (rest.authority === 'service-account') return {...rest, phase: 'start'} as T;
  const {issued: _issued, ...ca} = rest as RotationState;
  const paths = rotationFiles(ca.authority);
  const {key: _oldKey, ...old} = ca.old;
  return {...ca, phase: 'start', old, new: {...ca.new, key: paths.newKey}, ...(ca.signing ? {signing: {...ca.signing, cert: paths.old}} : {})} as T;
}

/** The documents manifest.json lists for the rotation's files (so a later build knows them as kubepki's own). */
export const rotationDocuments = (files: readonly RotationFile[]) => files.map(f => ({path: f.path, node: null, kind: f.kind, secret: f.secret}));

/**
 * The users' kubeconfigs (carried into staging as they were) embed the cluster CA: each one's
 * certificate-authority-data becomes `trustPem`. Returns the OUT-relative files it rewrote.
 */
export function retrustUserKubeconfigs(staging: string, manifest: object, trustPem: string): string[] {
  const data = Buffer.from(trustPem).toString('base64');
  const rewritten: string[] = [];
  for (const user of usersOf(manifest)) {
    if (!user.kubeconfig || !existsSync(join(staging, user.kubeconfig))) continue;
    const path = join(staging, user.kubeconfig);
    const text = readFileSync(path, 'utf8');
    const next = text.replace(/^(\s*certificate-authority-data: )\S+$/m, `$1${data}`);
    if (next === text) continue;
    writeFileSync(path, next, {mode: SECRET_MODE});
    rewritten.push(user.kubeconfig);
  }
  return rewritten;
}

/** For the engine: copy OUT's retired CAs into a staging directory that will replace OUT (beside what this build retires). */
export function carryRetired(out: string, staging: string): void {
  const from = join(out, RETIRED_DIR);
  if (existsSync(from)) cpSync(from, join(staging, RETIRED_DIR), {recursive: true, preserveTimestamps: true, force: false, errorOnExist: false});
}
