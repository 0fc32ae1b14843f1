// Rotating the service-account key pair as data for the one engine, in the same three phases as a
// CA (build/rotate.ts). The apiserver checks every token against each public key it is given
// (--service-account-key-file reads every key of its file, and may be repeated); it signs with one
// private key (--service-account-signing-key-file), as the controller-manager signs the tokens it
// puts in Secrets (--service-account-private-key-file). So:
//
//   start   the plan's pair still signs (old); the apiserver also trusts the new public key
//   issue   the plan's pair is the new one (it signs); the apiserver still trusts the old public key
//   finish  the new pair alone; the old pair moves to retired/service-account-<YYYYMMDD>/
//
// The key files the components name never change their path: the plan's private key file holds
// the signing key, and its public key file (sa.pub: what kubeadm's apiserver reads) holds the
// signing key's public key first, then the other one. kubeadm's static-pod manifests therefore
// need no edit (kubeadm writes them from its own configuration; an edit there is undone by the
// next `kubeadm upgrade`), and every restart comes from the readers table like any other change.
// Where the apiserver checks tokens against another file (The Hard Way's service-accounts.crt, a
// certificate of the signing key), the other public key is its own file, named by a second
// --service-account-key-file in the unit kubepki writes.
//
// pki/rotation/service-account-{old,new}.{key,pub} hold both pairs for the whole rotation: what
// abort restores, and what finish retires. No worker receives any of them. A certificate made for
// the key (The Hard Way's service-accounts.crt) is kept as it was beside them
// (pki/rotation/service-accounts-old.crt): issue makes one for the new key, and whenever the old key
// signs again (abort) the file it had comes back byte-identical rather than issued anew.
import {X509Certificate, createHash, createPrivateKey, createPublicKey} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {basename, dirname, isAbsolute, join} from 'node:path';
import {readExisting, type ExistingOut} from '../output/existing.js';
import {KEY_ALGORITHMS, algorithmOf, keyTypeOf} from '../pki/algorithms.js';
import type {KeptLeaves} from '../pki/generate.js';
import {createKeyGenerator, publicKeyPem} from '../pki/keys.js';
import {bundlePath} from '../plan/paths.js';
import type {ComponentRead, Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {shellQuote} from '../scripts/shell.js';
import {backToStart, publicKey256, retiredDir, ROTATION_DIR, type RotationBuild, type RotationFile} from './rotate.js';

export const SERVICE_ACCOUNT_AUTHORITY = 'service-account';

/** What identifies one key pair in the state (and in `status`). */
export interface KeyIdentity {
  /** SHA-256 of the public key's SubjectPublicKeyInfo (DER), colon-separated hex as openssl prints fingerprints. */
  fingerprint256: string;
  /** RSA-2048, ECDSA P-256, …: the new pair has the old one's type. */
  keyType: string;
}

/** manifest.json's `rotation` while the service-account pair rotates (a CA's is build/rotate.ts's RotationState). */
export interface ServiceAccountRotationState {
  authority: typeof SERVICE_ACCOUNT_AUTHORITY;
  phase: 'start' | 'issue';
  startedAt: string;
  issuedAt?: string;
  /** The pair before the rotation: copies in pki/rotation/, so abort restores it and finish retires it. */
  old: KeyIdentity & {key: string; publicKey: string};
  new: KeyIdentity & {key: string; publicKey: string};
}

/** manifest.json's `rotations` entry of a finished rotation of the pair (a CA's is build/rotate.ts's RotationRecord). */
export interface ServiceAccountRotationRecord {
  authority: typeof SERVICE_ACCOUNT_AUTHORITY;
  startedAt: string;
  issuedAt?: string;
  finishedAt: string;
  /** `publicKey256`: as a CA's record, how verify finds the old key anywhere. */
  old: KeyIdentity & {publicKey256: string};
  new: KeyIdentity;
  /** Where the old pair went (OUT-relative directory, in no bundle). */
  retired: string;
}

export const serviceAccountRotationFiles = {
  oldKey: `${ROTATION_DIR}/service-account-old.key`,
  oldPublicKey: `${ROTATION_DIR}/service-account-old.pub`,
  newKey: `${ROTATION_DIR}/service-account-new.key`,
  newPublicKey: `${ROTATION_DIR}/service-account-new.pub`,
};

/** Whatever rotation a manifest records, of a CA or of the service-account pair. */
export function anyRotationOf(manifest: object): {authority: string; phase: string; startedAt: string; new: {fingerprint256: string}} | undefined {
  const rotation = (manifest as {rotation?: unknown}).rotation;
  return rotation && typeof rotation === 'object' ? rotation as {authority: string; phase: string; startedAt: string; new: {fingerprint256: string}} : undefined;
}

/** The service-account rotation a manifest records, if that is the one under way. */
export function serviceAccountRotationOf(manifest: object): ServiceAccountRotationState | undefined {
  const rotation = anyRotationOf(manifest);
  return rotation?.authority === SERVICE_ACCOUNT_AUTHORITY ? rotation as unknown as ServiceAccountRotationState : undefined;
}

/** How messages name what rotates: `CA etcd-ca`, or the service-account key pair. */
export const rotationName = (authority: string) => (authority === SERVICE_ACCOUNT_AUTHORITY ? 'the service-account key pair' : `CA ${authority}`);

export function keyIdentity(keyPem: string): KeyIdentity {
  const key = createPrivateKey(keyPem);
  const hex = createHash('sha256').update(createPublicKey(key).export({type: 'spki', format: 'der'})).digest('hex').toUpperCase();
  return {fingerprint256: hex.match(/../g)!.join(':'), keyType: algorithmOf(key).label};
}

/** The public key as the engine writes sa.pub (so the pair before the rotation comes back byte-identical). */
const publicOf = (keyPem: string) => publicKeyPem({privateKeyPem: keyPem, spki: createPublicKey(keyPem).export({type: 'spki', format: 'der'})});
const joined = (first: string, second: string) => `${first.endsWith('\n') ? first : `${first}\n`}${second}`;

/** Both pairs of a rotation, and the certificates made for the old key as they were before it (by plan ref). */
export interface ServiceAccountPairs {
  oldKey: string;
  newKey: string;
  oldCertificates: Map<string, string>;
}

/** What the plan's pair files hold in a phase (BuildOptions.rotation.serviceAccount). */
export interface ServiceAccountPairFiles {
  keyPem: string;
  publicKeyPem: string;
  /** By plan ref: a certificate made for `keyPem` as it was before the rotation, put back rather than issued anew. */
  certificates?: Map<string, string>;
}

/** The pair the plan's files hold in a phase: the signing key, and its public key first then the one still trusted beside it. */
export function servicePairFor(phase: 'start' | 'issue' | 'finish' | 'none', pairs: ServiceAccountPairs): ServiceAccountPairFiles {
  switch (phase) {
    case 'start': return {keyPem: pairs.oldKey, publicKeyPem: joined(publicOf(pairs.oldKey), publicOf(pairs.newKey)), certificates: pairs.oldCertificates};
    case 'issue': return {keyPem: pairs.newKey, publicKeyPem: joined(publicOf(pairs.newKey), publicOf(pairs.oldKey))};
    case 'finish': return {keyPem: pairs.newKey, publicKeyPem: publicOf(pairs.newKey)};
    case 'none': return {keyPem: pairs.oldKey, publicKeyPem: publicOf(pairs.oldKey), certificates: pairs.oldCertificates};
  }
}

/** The certificates the plan makes for the service-account key, and where the rotation keeps each as it was before it. */
const keyCertificates = (plan: Plan) => plan.certificates.filter(c => c.key === plan.serviceAccount.key)
  .map(c => ({ref: c.ref, copy: `${ROTATION_DIR}/${basename(c.cert).replace(/\.crt$/, '')}-old.crt`}));

/** The apiserver's token checks that read a file other than the plan's public key (The Hard Way: the service-accounts certificate). */
const otherKeyReads = (plan: Plan) => plan.reads.filter(r => r.component === 'kube-apiserver' && r.via === '--service-account-key-file' && r.source !== plan.serviceAccount.publicKey);

/** Where a node keeps the other public key: beside the file its apiserver checks tokens with (`service-accounts-new.pub`). */
export const otherKeyTarget = (plan: Plan, read: ComponentRead, which: 'old' | 'new') =>
  `${dirname(read.path)}/${basename(plan.serviceAccount.key).replace(/\.key$/, '')}-${which}.pub`;

/**
 * The plan of a phase: the plan of the cluster where, on each node whose apiserver checks tokens
 * against a file other than the plan's public key, the key that does not sign (new at start, old
 * at issue) is shipped beside it and named by a second --service-account-key-file (after the
 * first: its unit lists old, then new, at start). The input plan is not changed.
 */
export function serviceAccountRotationPlan(plan: Plan, state: ServiceAccountRotationState | undefined): Plan {
  if (!state) return plan;
  const which = state.phase === 'start' ? 'new' : 'old';
  const source = state[which].publicKey;
  const extra = otherKeyReads(plan).map(read => ({read, target: otherKeyTarget(plan, read, which)}));
  if (extra.length === 0) return plan;
  const bundles = Object.fromEntries(Object.entries(plan.bundles).map(([node, files]) => [node, [
    ...files,
    ...extra.filter(e => e.read.node === node).map(e => ({source, target: e.target, path: bundlePath(node, e.target), secret: false})),
  ]]));
  const reads = [...plan.reads, ...extra.map(e => ({...e.read, source, path: e.target}))];
  const components = plan.components.map(c => {
    const added = extra.find(e => e.read.node === c.node && c.component === 'kube-apiserver');
    if (!added) return c;
    const at = c.flags.findIndex(([flag]) => flag === '--service-account-key-file');
    const flags = [...c.flags];
    flags.splice(at + 1, 0, ['--service-account-key-file', added.target]);
    return {...c, flags};
  });
  return {...plan, bundles, reads, components};
}

/** One phase, ready for the engine: the plan to write, BuildOptions.rotation, and what it changed. */
export interface ServiceAccountPhase {
  plan: Plan;
  rotation: RotationBuild;
  /** Present while the rotation goes on; undefined after finish and after an abort from start. */
  state: ServiceAccountRotationState | undefined;
  /** finish: where the old pair went (OUT-relative directory). */
  retired?: string;
}

const rotationFilesOf = (plan: Plan, pairs: ServiceAccountPairs): RotationFile[] => [
  {path: serviceAccountRotationFiles.oldKey, content: pairs.oldKey, secret: true, kind: 'rotation: the service-account key before the rotation'},
  {path: serviceAccountRotationFiles.oldPublicKey, content: publicOf(pairs.oldKey), secret: false, kind: 'rotation: the service-account public key before the rotation'},
  {path: serviceAccountRotationFiles.newKey, content: pairs.newKey, secret: true, kind: 'rotation: the new service-account key'},
  {path: serviceAccountRotationFiles.newPublicKey, content: publicOf(pairs.newKey), secret: false, kind: 'rotation: the new service-account public key'},
  ...keyCertificates(plan).filter(c => pairs.oldCertificates.has(c.ref)).map(c =>
    ({path: c.copy, content: pairs.oldCertificates.get(c.ref)!, secret: false, kind: 'rotation: a certificate of the service-account key before the rotation (what abort puts back)'})),
];

function phaseOf(plan: Plan, pairs: ServiceAccountPairs, state: ServiceAccountRotationState | undefined, basedOn: ServiceAccountRotationState | undefined, pairPhase: Parameters<typeof servicePairFor>[0], extraFiles: RotationFile[] = []): ServiceAccountPhase {
  return {
    plan: serviceAccountRotationPlan(plan, state),
    rotation: {trust: {}, files: [...(state ? rotationFilesOf(plan, pairs) : []), ...extraFiles], state, basedOn, serviceAccount: servicePairFor(pairPhase, pairs)},
    state,
  };
}

/** The pair OUT holds, read and checked: a damaged pair cannot be rotated (it would end every token). */
function currentPair(out: string, existing: ExistingOut): string {
  const {key, publicKey} = existing.serviceAccount;
  if (key.pem === undefined) throw new InputError([`rotate start: the service-account key ${key.path} cannot be read (${key.problem}); nothing was changed.`]);
  if (publicKey.pem === undefined || publicOf(publicKey.pem) !== publicOf(key.pem)) {
    throw new InputError([`rotate start: ${publicKey.path} is not the public key of ${key.path} in ${out}; restore the pair before rotating it. Nothing was changed.`]);
  }
  return key.pem;
}

export async function serviceAccountStart(out: string, plan: Plan, signal: AbortSignal, now = new Date()): Promise<ServiceAccountPhase> {
  const existing = readExisting(out);
  const running = anyRotationOf(existing.manifest);
  if (running) throw new InputError([`rotate start: a rotation of ${rotationName(running.authority)} is already under way in ${out} (phase ${running.phase}); one at a time. See kubepki rotate ${shellQuote(out)} status, or go back with kubepki rotate ${shellQuote(out)} abort.`]);
  const oldKey = currentPair(out, existing);
  // The same key type as the pair it replaces: tokens keep their signature algorithm.
  const pair = await createKeyGenerator(1, signal)(KEY_ALGORITHMS[keyTypeOf(oldKey)]);
  // The certificates of the old key as they are: abort puts them back byte-identical.
  const oldCertificates = new Map(keyCertificates(plan).flatMap(c => {
    const pem = existing.certificates.get(c.ref)?.cert.pem;
    return pem === undefined ? [] : [[c.ref, pem] as const];
  }));
  const pairs = {oldKey, newKey: pair.privateKeyPem, oldCertificates};
  const f = serviceAccountRotationFiles;
  const state: ServiceAccountRotationState = {
    authority: SERVICE_ACCOUNT_AUTHORITY, phase: 'start', startedAt: now.toISOString(),
    old: {...keyIdentity(oldKey), key: f.oldKey, publicKey: f.oldPublicKey},
    new: {...keyIdentity(pairs.newKey), key: f.newKey, publicKey: f.newPublicKey},
  };
  return phaseOf(plan, pairs, state, undefined, 'start');
}

/** The rotation under way and both pairs, read from OUT and checked against what the manifest records. */
function rotationInOut(out: string, plan: Plan, action: string): {state: ServiceAccountRotationState; pairs: ServiceAccountPairs; existing: ExistingOut} {
  const existing = readExisting(out);
  const state = serviceAccountRotationOf(existing.manifest);
  if (!state) throw new InputError([`rotate ${action}: the service-account key pair is not being rotated in ${out}; nothing was changed.`]);
  const read = (path: string, identity: KeyIdentity, what: string) => {
    if (typeof path !== 'string' || path === '' || isAbsolute(path) || path.split('/').includes('..')) {
      throw new InputError([`rotate ${action}: manifest.json's rotation names ${JSON.stringify(path)}, not a path inside ${out}; nothing was changed.`]);
    }
    let pem: string;
    try {
      pem = readFileSync(join(out, path), 'utf8');
      if (keyIdentity(pem).fingerprint256 === identity.fingerprint256) return pem;
    } catch {
      throw new InputError([`rotate ${action}: ${path} (the ${what} service-account key) cannot be read; nothing was changed.`]);
    }
    throw new InputError([`rotate ${action}: ${path} is no longer the ${what} service-account key the manifest records (SHA-256 ${identity.fingerprint256}); nothing was changed.`]);
  };
  const oldKey = read(state.old.key, state.old, 'old');
  return {state, pairs: {oldKey, newKey: read(state.new.key, state.new, 'new'), oldCertificates: oldCertificatesIn(out, plan, oldKey)}, existing};
}

/**
 * The certificates of the old key start kept in pki/rotation/, each still of that key and in date;
 * one that is not (or an OUT started before they were kept) is issued anew around the key instead.
 */
function oldCertificatesIn(out: string, plan: Plan, oldKey: string): Map<string, string> {
  const kept = new Map<string, string>();
  for (const c of keyCertificates(plan)) {
    try {
      const pem = readFileSync(join(out, c.copy), 'utf8');
      const cert = new X509Certificate(pem);
      if (publicKey256(pem) === publicKey256(oldKey) && Date.parse(cert.validTo) > Date.now()) kept.set(c.ref, pem);
    } catch {
      // Absent or unreadable: issued anew.
    }
  }
  return kept;
}

export function serviceAccountIssue(out: string, plan: Plan, now = new Date()): ServiceAccountPhase {
  const {state, pairs} = rotationInOut(out, plan, 'issue');
  if (state.phase !== 'start') throw new InputError([`rotate issue: the new service-account key already signs (phase issue since ${state.issuedAt}); next: kubepki rotate ${shellQuote(out)} finish. Nothing was changed.`]);
  const next: ServiceAccountRotationState = {...state, phase: 'issue', issuedAt: now.toISOString()};
  return phaseOf(plan, pairs, next, state, 'issue');
}

export function serviceAccountFinish(out: string, plan: Plan, now = new Date()): ServiceAccountPhase {
  const {state, pairs, existing} = rotationInOut(out, plan, 'finish');
  if (state.phase !== 'issue') throw new InputError([`rotate finish: the new service-account key does not sign yet (phase start): run kubepki rotate ${shellQuote(out)} issue first, and let the tokens signed by the old key be replaced, before the apiservers stop trusting it. Nothing was changed.`]);
  // The old pair leaves every node and stays in OUT only, in no bundle: what signed the tokens of the past.
  const dir = retiredDir(SERVICE_ACCOUNT_AUTHORITY, now, (existing.manifest.documents ?? []).map(d => d.path));
  const retired: RotationFile[] = [
    {path: `${dir}/${basename(plan.serviceAccount.key)}`, content: pairs.oldKey, secret: true, kind: 'retired: the service-account key before the rotation'},
    {path: `${dir}/${basename(plan.serviceAccount.publicKey)}`, content: publicOf(pairs.oldKey), secret: false, kind: 'retired: the service-account public key before the rotation'},
  ];
  const record: ServiceAccountRotationRecord = {
    authority: SERVICE_ACCOUNT_AUTHORITY, startedAt: state.startedAt, ...(state.issuedAt ? {issuedAt: state.issuedAt} : {}), finishedAt: now.toISOString(),
    old: {...keyIdentity(pairs.oldKey), publicKey256: publicKey256(pairs.oldKey)}, new: keyIdentity(pairs.newKey), retired: dir,
  };
  const phase = phaseOf(plan, pairs, undefined, state, 'finish', retired);
  return {...phase, rotation: {...phase.rotation, record}, retired: dir};
}

/**
 * Before finish: from start, back to the old pair alone. From issue, back to start: the old key
 * signs again but the new one stays trusted, since tokens it signed are in use; a second abort
 * then drops it.
 */
export function serviceAccountAbort(out: string, plan: Plan): ServiceAccountPhase {
  const {state, pairs} = rotationInOut(out, plan, 'abort');
  if (state.phase === 'issue') return phaseOf(plan, pairs, backToStart(state), state, 'start');
  return phaseOf(plan, pairs, undefined, state, 'none');
}

/**
 * For the engine (BuildOptions.rotation.serviceAccount): the plan's pair files hold `pair` in this
 * phase. Returns those of them that change (written, so their readers restart); a certificate
 * made for the key (The Hard Way's service-accounts) is issued anew around a key that changes.
 */
export function useServiceAccountPair(plan: Plan, keep: KeptLeaves, pair: ServiceAccountPairFiles): string[] {
  const before = keep.serviceAccount;
  keep.serviceAccount = {keyPem: pair.keyPem, publicKeyPem: pair.publicKeyPem};
  const changed: string[] = [];
  if (before?.keyPem !== pair.keyPem) {
    changed.push(plan.serviceAccount.key);
    for (const c of plan.certificates.filter(c => c.key === plan.serviceAccount.key)) {
      // The old key signs again: its certificate as it was before the rotation, else one issued anew.
      const kept = pair.certificates?.get(c.ref);
      if (kept && keep.certificates.get(c.ref)?.certPem !== kept) changed.push(c.cert);
      if (kept) keep.certificates.set(c.ref, {certPem: kept, keyPem: pair.keyPem});
      else keep.certificates.delete(c.ref);
    }
  }
  if (before?.publicKeyPem !== pair.publicKeyPem) changed.push(plan.serviceAccount.publicKey);
  return changed;
}

/** The other-key files a rotation may have put on nodes (both phases' names): distribute.sh never removes them. */
export function rotationLeftovers(plan: Plan): {node: string; paths: string[]}[] {
  return otherKeyReads(plan).map(read => ({node: read.node, paths: [otherKeyTarget(plan, read, 'new'), otherKeyTarget(plan, read, 'old')]}));
}
