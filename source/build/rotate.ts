// CA rotation as data for the one engine. A phase is a plan (the same plan, with the trust file
// of the rotated authority holding a bundle, and the controller-manager's signing certificate a
// single certificate of its own) plus the rotation's state, recorded in manifest.json so that
// `status` and later phases read where OUT stands. build/index.ts writes it like any other build.
//
// Phase `start` (what exists now): a new CA is made (same key type, its own subject key id, a
// subject of its own so no chain confuses old and new); every trust file of the authority — its
// certificate file in pki/, each node's copy, every kubeconfig's certificate-authority-data, the
// users' kubeconfigs — holds old + new; every leaf stays byte-identical and signed by the old CA.
// `abort` is the same build with the trust back to the old certificate alone and the state gone.
import {X509Certificate} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {usersOf} from '../output/users.js';
import {SECRET_MODE} from '../output/write.js';
import {subjectKeyIdOf} from '../pki/certificate.js';
import type {MaterialFile} from '../pki/generate.js';
import {bundlePath} from '../plan/paths.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import type {ServiceAccountRotationState} from './rotate-service-account.js';

/** What identifies one CA certificate in the state (and in `status`). */
export interface CaIdentity {
  subject: string;
  /** SHA-256 of the DER, colon-separated hex as openssl prints it. */
  fingerprint256: string;
  /** Subject key identifier, hex ('' when the certificate has none). */
  keyId: string;
  notAfter: string;
}

/** manifest.json's `rotation`: present while a rotation is under way. */
export interface RotationState {
  authority: AuthorityId;
  phase: 'start';
  startedAt: string;
  /** The authority's certificate as it was: a copy, byte-identical, so abort restores it exactly. */
  old: CaIdentity & {cert: string};
  new: CaIdentity & {cert: string; key: string};
  /**
   * The cluster CA only: the single certificate the controller-manager signs with while its
   * trust file is a bundle (its signer refuses a file with more than one certificate), and
   * where each control-plane node installs it.
   */
  signing?: {cert: string; installs: {node: string; path: string}[]};
  /** --ca-bundle KIND/NAME given at start: what finish patches again with the new CA alone (scripts/rotate-outside.ts). */
  caBundles?: string[];
}

/** One of the rotation's own files, and what the manifest's documents call it. */
export interface RotationFile extends MaterialFile {
  kind: string;
}

/** What the engine needs to write a phase (BuildOptions.rotation). */
export interface RotationBuild {
  /** Per authority: the one certificate that signs, and what its certificate file holds (and kubeconfigs embed). */
  trust: Partial<Record<AuthorityId, {signerPem: string; trustPem: string}>>;
  /** The rotation's own files (pki/rotation/…): written through the engine's writer. */
  files: MaterialFile[];
  /** Recorded in manifest.json; undefined: the rotation is over (abort), the manifest has none. */
  state: RotationState | ServiceAccountRotationState | undefined;
  /** The rotation OUT recorded when this phase was planned (read before the lock): the engine refuses if it has changed since. */
  basedOn: RotationState | ServiceAccountRotationState | undefined;
  /** The service-account pair's rotation (build/rotate-service-account.ts): what the plan's key file and public key file hold in this phase. */
  serviceAccount?: {keyPem: string; publicKeyPem: string};
}

/** Whether two recorded rotations are the same one (both absent, or the same new CA). */
export const sameRotation = (a: {new: {fingerprint256: string}} | undefined, b: {new: {fingerprint256: string}} | undefined) =>
  a?.new.fingerprint256 === b?.new.fingerprint256;

export const ROTATION_DIR = 'pki/rotation';

export const rotationFiles = (id: AuthorityId) => ({
  old: `${ROTATION_DIR}/${id}-old.crt`,
  newCert: `${ROTATION_DIR}/${id}-new.crt`,
  newKey: `${ROTATION_DIR}/${id}-new.key`,
});

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
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    fingerprint256: cert.fingerprint256,
    keyId: subjectKeyIdOf(pem),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

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

/** The documents manifest.json lists for the rotation's files (so a later build knows them as kubepki's own). */
export function rotationDocuments(state: RotationState | ServiceAccountRotationState | undefined) {
  if (!state || state.authority === 'service-account') return [];
  return [
    {path: state.old.cert, node: null, kind: `rotation: the ${state.authority} certificate before the rotation`, secret: false},
    {path: state.new.cert, node: null, kind: `rotation: the new ${state.authority} certificate`, secret: false},
    {path: state.new.key, node: null, kind: `rotation: the new ${state.authority} key`, secret: true},
  ];
}

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
