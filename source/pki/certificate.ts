// X.509 v3 certificates built as DER directly and signed natively. The builder knows no key
// algorithm: the subject's public key arrives as SubjectPublicKeyInfo bytes, and the signature
// algorithm, key usages and key identifiers come from the descriptors in algorithms.ts.
import {X509Certificate, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject} from 'node:crypto';
import type {Usage} from '../plan/types.js';
import {ipToBytes} from '../spec/net.js';
import {KEY_USAGE, algorithmOf, type KeyAlgorithm} from './algorithms.js';
import {timed} from './timings.js';
import {
  bitString, boolean, children, decodeOid, directoryString, explicit, fromPem, implicit, namedBits,
  octetString, oid, pem, read, sequence, set, smallInteger, time, unsignedInteger,
} from './der.js';

export interface Subject {
  cn: string;
  organizations: string[];
}

/** What signing needs of an authority, whether made now or loaded from disk. */
export interface Issuer {
  /** The authority's subject Name, DER: copied byte for byte into the issuer field of what it signs. */
  name: Buffer;
  /** The CA's subject key identifier, copied into each leaf's authority key identifier; absent when the CA has none. */
  keyId?: Buffer;
  key: KeyObject;
  algorithm: KeyAlgorithm;
  notAfter: Date;
}

export interface CertificateRequest {
  subject: Subject;
  /** The subject's public key (SubjectPublicKeyInfo DER) and its algorithm. */
  publicKey: Buffer;
  algorithm: KeyAlgorithm;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
}

const OID = {
  organization: '2.5.4.10', commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14', keyUsage: '2.5.29.15', subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19', authorityKeyIdentifier: '2.5.29.35', extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const attribute = (type: string, value: string) => set(sequence(oid(type), directoryString(value)));
const name = ({cn, organizations}: Subject) =>
  sequence(...organizations.map(o => attribute(OID.organization, o)), attribute(OID.commonName, cn));

/** A subject Name, DER (also the subject of a certification request, pki/csr.ts). */
export const subjectName = name;

const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));

/** Positive 128-bit serial: random, as kubeadm's are, so two runs never collide. */
function randomSerial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  if (bytes[0] === 0) bytes[0] = 1;
  return unsignedInteger(bytes);
}

function subjectAltName(req: CertificateRequest): Buffer[] {
  if (req.dnsNames.length + req.ipAddresses.length === 0) return [];
  return [extension(OID.subjectAltName, false, sequence(
    ...req.dnsNames.map(dns => implicit(2, Buffer.from(dns, 'ascii'))),
    ...req.ipAddresses.map(ip => implicit(7, Buffer.from(ipToBytes(ip)))),
  ))];
}

const keyUsage = (names: readonly (keyof typeof KEY_USAGE)[]) =>
  extension(OID.keyUsage, true, namedBits(names.map(n => KEY_USAGE[n])));

function build(req: CertificateRequest, issuerName: Buffer, extensions: () => Buffer[], signer: {key: KeyObject; algorithm: KeyAlgorithm}): string {
  const signatureAlgorithm = signer.algorithm.signature.algorithmIdentifier;
  const tbs = timed('build', () => sequence(
    explicit(0, smallInteger(2)), // v3
    randomSerial(),
    signatureAlgorithm,
    issuerName,
    sequence(time(req.notBefore), time(req.notAfter)),
    name(req.subject),
    req.publicKey,
    explicit(3, sequence(...extensions())),
  ));
  const signature = timed('sign', () => sign(signer.algorithm.signature.hash, tbs, signer.key));
  return timed('build', () => pem('CERTIFICATE', sequence(tbs, signatureAlgorithm, bitString(signature))));
}

export function createAuthority(req: CertificateRequest, privateKeyPem: string): {pem: string; issuer: Issuer} {
  const key = createPrivateKey(privateKeyPem);
  const keyId = req.algorithm.keyIdentifier(req.publicKey);
  const subjectName = name(req.subject);
  const certPem = build(req, subjectName, () => [
    extension(OID.basicConstraints, true, sequence(boolean(true))),
    keyUsage(req.algorithm.keyUsage.authority),
    extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
    ...subjectAltName(req),
  ], {key, algorithm: req.algorithm});
  return {pem: certPem, issuer: {name: subjectName, keyId, key, algorithm: req.algorithm, notAfter: req.notAfter}};
}

export function createLeaf(req: CertificateRequest, usages: Usage[], issuer: Issuer): string {
  const ekus = (['serverAuth', 'clientAuth'] as const).filter(u => usages.includes(u));
  return build(req, issuer.name, () => [
    extension(OID.basicConstraints, true, sequence()),
    keyUsage(req.algorithm.keyUsage.leaf),
    extension(OID.extKeyUsage, false, sequence(...ekus.map(u => oid(OID[u])))),
    extension(OID.subjectKeyIdentifier, false, octetString(req.algorithm.keyIdentifier(req.publicKey))),
    // Copied from the CA, never recomputed: a CA made elsewhere may use another method, and a
    // mismatched AKI breaks chain building. A CA without a subject key id gets no AKI at all.
    ...(issuer.keyId ? [extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, issuer.keyId)))] : []),
    ...subjectAltName(req),
  ], issuer);
}

/**
 * The extensions a new CA's certification request asks its signer for (pki/csr.ts, `rotate start
 * --csr`): basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign, both critical.
 */
export const authorityRequestExtensions = () => sequence(
  extension(OID.basicConstraints, true, sequence(boolean(true))),
  keyUsage(['keyCertSign', 'cRLSign']),
);

/** A certificate's subject, public key and subject key identifier (absent when it has none), read from its DER. */
function certificateParts(certPem: string) {
  const der = fromPem(certPem, 'CERTIFICATE');
  const fields = children(children(read(der))[0]!);
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, …, [3] extensions
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0;
  const extensions = fields.find(f => f.tag === 0xa3);
  let keyId: Buffer | undefined;
  for (const ext of extensions ? children(children(extensions)[0]!) : []) {
    const [id, ...rest] = children(ext);
    if (decodeOid(id!) === OID.subjectKeyIdentifier) keyId = read(rest.at(-1)!.content).content;
  }
  return {der, subject: fields[offset + 4]!, spki: fields[offset + 5]!, keyId};
}

/** The subject key identifier of a certificate, hex; '' when it has none. */
export const subjectKeyIdOf = (certPem: string): string => certificateParts(certPem).keyId?.toString('hex') ?? '';

/** An authority loaded back from disk (reused under --force, never replaced), whatever its key. */
export function loadIssuer(certPem: string, keyPem: string): Issuer {
  const {der, subject, spki, keyId} = certificateParts(certPem);
  const key = createPrivateKey(keyPem);
  const certificateKey = createPublicKey({key: spki.raw, format: 'der', type: 'spki'});
  if (!createPublicKey(key).export({type: 'spki', format: 'der'}).equals(certificateKey.export({type: 'spki', format: 'der'}))) {
    throw new Error('the authority key does not match its certificate');
  }
  return {
    name: subject.raw, keyId, key, algorithm: algorithmOf(key),
    notAfter: new Date(new X509Certificate(der).validTo),
  };
}
