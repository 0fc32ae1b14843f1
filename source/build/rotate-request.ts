// `kubepki rotate OUT start AUTHORITY --csr`, then `… start AUTHORITY --certificate FILE`: a new CA
// whose certificate comes from the user's own root CA, as kubeadm's external-CA mode has it (the
// CA key of an external CA is not in OUT, so kubepki cannot make the new CA alone; an OUT that
// holds the key may take this path too, to have its new CA signed by an organisation's root).
//
// --csr makes the new CA's key and a certification request for it and writes both, and nothing
// else, into pki/rotation/ (where the rotation keeps its files): <id>-new.key (0600, the path the
// rotation's new key keeps from start to issue) and <id>-new.csr. manifest.json does not change: the
// rotation has not started. A request waits there until `start --certificate` consumes it (the
// engine writes the key as the rotation's own file) or `abort` drops it; every other build carries
// it over (build/index.ts), and no build takes it for a file kubepki did not write (target.ts).
//
// The certificate handed back is checked strictly (checkNewCaCertificate) before anything is written.
// The cluster trusts the new CA certificate itself, never the root above it: Go's crypto/x509 (every
// Kubernetes component, etcd, kubectl) takes any certificate of a CA file as a trust anchor, so an
// intermediate there verifies what it signs, and the root in that file would also admit whatever
// else the root signs (any other intermediate of the organisation could mint system:masters).
import {X509Certificate, randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync, cpSync} from 'node:fs';
import {basename, join} from 'node:path';
import {claimOutputForCommand} from '../output/claim.js';
import {readManifest} from '../output/existing.js';
import {readBounded} from '../output/read-bounded.js';
import {DIR_MODE, PUBLIC_MODE, SECRET_MODE} from '../output/write.js';
import {allows, readCertificate} from '../inspect/x509.js';
import {nameConstraintsOf, pathLenOf, refusedNames} from '../pki/name-constraints.js';
import type {AuthorityId} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {printable} from '../spec/quote.js';
import {shellQuote} from '../scripts/shell.js';
import {anyRotationOf} from './rotate-service-account.js';
import {pemBlocks, publicKey256, ROTATION_DIR, rotationFiles, type RotationBuild} from './rotate.js';

const CA_IDS: readonly AuthorityId[] = ['ca', 'etcd-ca', 'front-proxy-ca'];

/** Where a request for a new CA waits: the key at the path the rotation's new key keeps, the request beside it. */
export const requestFiles = (id: AuthorityId) => ({key: rotationFiles(id).newKey, csr: `${ROTATION_DIR}/${id}-new.csr`});

export interface PendingRequest {
  authority: AuthorityId;
  /** OUT-relative. */
  key: string;
  csr: string;
}

/** The request for a new CA that OUT holds, if any (never while a rotation is under way: then pki/rotation/ is the rotation's). */
export function pendingRequestOf(dir: string, manifest: object): PendingRequest | undefined {
  if (anyRotationOf(manifest)) return undefined;
  for (const id of CA_IDS) {
    const files = requestFiles(id);
    if (existsSync(join(dir, files.csr)) || existsSync(join(dir, files.key))) return {authority: id, ...files};
  }
  return undefined;
}

/** The OUT-relative files of the request OUT holds (for the engine's list of its own files). */
export function pendingRequestPaths(dir: string, manifest: object): string[] {
  const pending = pendingRequestOf(dir, manifest);
  return pending ? [pending.key, pending.csr].filter(f => existsSync(join(dir, f))) : [];
}

/**
 * For the engine, once staging holds the new tree: the request OUT holds is carried over, unless
 * this build is the start that consumes it (its rotation writes the request's key as its own).
 */
export function carryRequest(out: string, staging: string, manifest: object, rotation: RotationBuild | undefined): void {
  const pending = pendingRequestOf(out, manifest);
  if (!pending || rotation?.files.some(f => f.path === pending.key)) return;
  for (const file of [pending.key, pending.csr]) {
    if (!existsSync(join(out, file)) || existsSync(join(staging, file))) continue;
    mkdirSync(join(staging, ROTATION_DIR), {recursive: true, mode: DIR_MODE});
    cpSync(join(out, file), join(staging, file), {preserveTimestamps: true, errorOnExist: false, force: false});
  }
}

const TEMP_PREFIX = '.rotation.kubepki-';

/** The private directory of a request being written (OUT-relative), left behind only by a run killed while writing it. */
export const isRequestLeftover = (path: string) => path.startsWith(`pki/${TEMP_PREFIX}`) && !path.slice(4).includes('/');

/**
 * Writes a request under OUT's lock: refused when a rotation is under way or a request already
 * waits (checked again under the lock); the key and request are made in a private directory beside
 * pki/rotation and renamed into place in one step, so a killed run leaves no half request (only
 * that private directory, removed by the next request).
 */
export function writeRequest(out: string, id: AuthorityId, keyPem: string, csrPem: string): PendingRequest {
  return underLock(out, dir => {
    const manifest = readManifest(dir);
    refuseRequest(out, dir, manifest);
    const pki = join(dir, 'pki');
    for (const entry of readdirSync(pki)) if (entry.startsWith(TEMP_PREFIX)) rmSync(join(pki, entry), {recursive: true, force: true});
    const files = requestFiles(id);
    const temp = join(pki, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(temp, {mode: DIR_MODE});
    writeFileSync(join(temp, basename(files.key)), keyPem, {mode: SECRET_MODE, flag: 'wx'});
    writeFileSync(join(temp, basename(files.csr)), csrPem, {mode: PUBLIC_MODE, flag: 'wx'});
    renameSync(temp, join(dir, ROTATION_DIR));
    return {authority: id, ...files};
  });
}

/** `body` on OUT (its resolved directory) while this process holds OUT's lock: no build or other command writes it meanwhile. */
function underLock<T>(out: string, body: (dir: string) => T): T {
  const claim = claimOutputForCommand(out);
  try {
    return body(claim.target);
  } finally {
    claim.release();
  }
}

/** Why no request can be made now (a rotation under way, or a request, or other files, in pki/rotation/). */
export function refuseRequest(out: string, dir: string, manifest: object): void {
  const running = anyRotationOf(manifest);
  if (running) throw new InputError([`rotate start --csr: a rotation of ${running.authority} is already under way in ${printable(out)} (phase ${running.phase}); one at a time. Nothing was changed.`]);
  const pending = pendingRequestOf(dir, manifest);
  if (pending) throw new InputError([`rotate start --csr: a request for a new ${pending.authority} CA already waits in ${printable(out)} (${pending.csr}); give its certificate with kubepki rotate ${shellQuote(out)} start ${pending.authority} --certificate FILE, or drop it with kubepki rotate ${shellQuote(out)} abort. Nothing was changed.`]);
  if (existsSync(join(dir, ROTATION_DIR))) throw new InputError([`rotate start --csr: ${printable(out)} holds ${ROTATION_DIR}/ with no rotation under way and no request in it: kubepki did not leave it there. Move it away first. Nothing was changed.`]);
}

/** `rotate OUT abort` with a request waiting: the request (its key and CSR) is removed, under OUT's lock. */
export function dropRequest(out: string): PendingRequest | undefined {
  return underLock(out, dir => {
    const pending = pendingRequestOf(dir, readManifest(dir));
    if (!pending) return undefined;
    for (const f of [pending.csr, pending.key]) rmSync(join(dir, f), {force: true});
    try { rmdirSync(join(dir, ROTATION_DIR)); } catch { /* not empty: what else is there stays */ }
    return pending;
  });
}

/**
 * What the holder of the root CA runs to sign the request as an intermediate CA that signs only
 * leaves (pathlen:0): the extension file, then openssl x509 -req. root-ca.crt and root-ca.key name
 * the root's files; the certificate comes out as `issued`.
 */
export function intermediateSigningCommands(out: string, request: PendingRequest, days: number): {ext: string; issued: string; lines: string[]} {
  const ext = `${request.authority}-new.ext`;
  const issued = `${request.authority}-new.crt`;
  const extensions = ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'];
  return {
    ext,
    issued,
    lines: [
      `printf '%s\\n' ${extensions.map(e => shellQuote(e)).join(' ')} > ${ext}`,
      `openssl x509 -req -in ${shellQuote(join(out, request.csr))} -CA root-ca.crt -CAkey root-ca.key -CAcreateserial -days ${days} -sha256 -extfile ${ext} -out ${issued}`,
    ],
  };
}

export interface SuppliedCa {
  /** The new CA's certificate alone (what the cluster trusts and kubepki signs with). */
  pem: string;
  /** Who signed it, as its issuer field names it. */
  issuer: string;
}

/**
 * The certificate given for a waiting request, checked: the first certificate of FILE must be the
 * request key's, a CA (basicConstraints CA:TRUE, keyUsage keyCertSign; an extendedKeyUsage, if any,
 * allowing serverAuth and clientAuth, as Go checks a chain's usages up to its anchor), valid now,
 * not the old CA and not of the old CA's subject, signed with no weak algorithm. Certificates after
 * it in FILE are its issuer chain: each must be a CA that signed the one before, its
 * pathLenConstraint leaving room for the CAs under it. No certificate in FILE may hold
 * nameConstraints that refuse a name of the leaves the new CA must sign (`leafNames`: Go refuses
 * such a leaf, an outage at issue), nor a critical one of a kind Go does not handle. The root is not
 * required (the cluster trusts the new CA itself). Every problem is named; nothing is written.
 */
export function checkNewCaCertificate(file: string, request: PendingRequest, keyPem: string, oldPem: string, leafNames: {dns: string[]; ip: string[]}, now = new Date()): SuppliedCa {
  const shown = `--certificate: ${printable(file)}`;
  const read = readBounded(file);
  if (!('data' in read)) throw new InputError([`${shown} cannot be read: it ${read.reason}; nothing was changed.`]);
  const blocks = pemBlocks(read.data.toString('utf8'));
  if (blocks.length === 0) throw new InputError([`${shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----); nothing was changed.`]);
  let certs: X509Certificate[];
  try {
    certs = blocks.map(b => new X509Certificate(b));
  } catch {
    throw new InputError([`${shown} holds a certificate that cannot be read; nothing was changed.`]);
  }
  const problems: string[] = [];
  const ca = certs[0]!;
  const old = new X509Certificate(oldPem);
  const pem = ca.toString();
  if (ca.fingerprint256 === old.fingerprint256) {
    problems.push(`is the old ${request.authority} CA itself, the one being replaced: give the certificate issued for ${request.csr}`);
  } else if (publicKey256(pem) !== publicKey256(keyPem)) {
    problems.push(`is not the certificate of the waiting request's key ${request.key} (it holds another public key: was ${request.csr} the request that was signed?)`);
  }
  let facts;
  try {
    facts = readCertificate(ca.raw);
  } catch (error) {
    throw new InputError([`${shown}: its certificate cannot be read (${(error as Error).message}); nothing was changed.`]);
  }
  if (facts.basicConstraintsCA !== true) problems.push('is not a CA certificate (basicConstraints CA:TRUE is missing): nothing trusts what it would sign');
  if (!facts.keyUsage?.includes('keyCertSign')) problems.push(`${facts.keyUsage ? `has a keyUsage without keyCertSign (${facts.keyUsage.join(', ')})` : 'has no keyUsage extension with keyCertSign'}: verifiers refuse every certificate it signs`);
  if (!allows(facts, 'serverAuth') || !allows(facts, 'clientAuth')) problems.push('has an extendedKeyUsage without serverAuth and clientAuth: Go refuses a chain whose CA does not allow the leaf\'s usage, and the cluster\'s leaves need both');
  if (facts.weakSignature) problems.push(`is signed with ${facts.weakSignature}, which Go refuses`);
  if (facts.notAfter.getTime() <= now.getTime()) problems.push(`expired on ${ca.validTo}`);
  else if (facts.notBefore.getTime() > now.getTime()) problems.push(`is not valid before ${ca.validFrom}`);
  if (ca.fingerprint256 !== old.fingerprint256 && ca.subject === old.subject) problems.push(`has the old CA's subject (${old.subject.replaceAll('\n', ', ')}): chains and logs could confuse the two; sign the request with the subject it asks for`);
  for (let i = 1; i < certs.length; i++) {
    const [child, parent] = [certs[i - 1]!, certs[i]!];
    let signs = false;
    try {
      signs = child.checkIssued(parent) && child.verify(parent.publicKey);
    } catch {
      signs = false;
    }
    if (!parent.ca) problems.push(`holds, as certificate ${i + 1}, ${parent.subject.replaceAll('\n', ', ')}, which is not a CA: after the new CA, FILE may hold only its issuer chain`);
    else if (!signs) problems.push(`holds, as certificate ${i + 1}, ${parent.subject.replaceAll('\n', ', ')}, which did not sign certificate ${i}: after the new CA, FILE may hold only its issuer chain, in order`);
    const pathLen = pathLenOf(parent.raw);
    // Certificates 1..i are CAs under it on every chain to a leaf.
    if (parent.ca && pathLen !== undefined && pathLen < i) problems.push(`holds, as certificate ${i + 1}, ${parent.subject.replaceAll('\n', ', ')}, whose pathLenConstraint ${pathLen} allows ${pathLen === 0 ? 'no CA' : `${pathLen} CA${pathLen === 1 ? '' : 's'}`} under it, and ${i} ${i === 1 ? 'is' : 'are'} (the new CA${i > 1 ? ' and the chain after it' : ''}): a verifier that trusts the root refuses the new CA's leaves`);
  }
  const names = leafNames.dns.length + leafNames.ip.length;
  certs.forEach((cert, i) => {
    const constraints = nameConstraintsOf(cert.raw);
    if (!constraints) return;
    const which = i === 0 ? 'has' : `holds, as certificate ${i + 1}, ${cert.subject.replaceAll('\n', ', ')}, which has`;
    if (constraints.critical && constraints.unhandled.length) problems.push(`${which} a critical nameConstraints extension with ${constraints.unhandled.join(', ')} constraints, which Go does not handle: every component refuses the certificate`);
    const refused = refusedNames(constraints, leafNames);
    if (refused.length) problems.push(`${which} nameConstraints that refuse ${refused.length} of the ${names} names the new CA must sign: ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? `; and ${refused.length - 5} more` : ''}. Go refuses each such certificate: have the root sign the request without those constraints (or with ones that permit the cluster's names)`);
  });
  if (problems.length) throw new InputError([...problems.map(p => `${shown} ${p}`), `nothing was changed: the waiting request stays (${request.csr}).`]);
  return {pem: pem.endsWith('\n') ? pem : `${pem}\n`, issuer: ca.issuer.replaceAll('\n', ', ')};
}
