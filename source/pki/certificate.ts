// node-forge builds each certificate (subject, extensions, key ids); the signature itself is made
// natively, because forge's JavaScript RSA costs ~35 ms per signature against well under 1 ms.
import {createPrivateKey, randomBytes, sign, type KeyObject} from 'node:crypto';
import forge from 'node-forge';
import type {Usage} from '../plan/types.js';
import {ipToBytes} from '../spec/net.js';

const {pki, asn1} = forge;
// Present in node-forge, missing from its type definitions.
const getTBSCertificate = (pki as unknown as {getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1}).getTBSCertificate;

export interface Subject {
  cn: string;
  organizations: string[];
}

export interface Issuer {
  cert: forge.pki.Certificate;
  key: KeyObject;
}

export interface CertificateRequest {
  subject: Subject;
  publicKeyPem: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
}

const subjectAttributes = ({cn, organizations}: Subject) => [
  ...organizations.map(o => ({shortName: 'O', value: o})),
  {shortName: 'CN', value: cn},
];

/** Positive 128-bit serial: random, as kubeadm's are, so two runs never collide. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  if (bytes[0] === 0) bytes[0] = 1;
  return bytes.toString('hex');
}

function base(req: CertificateRequest): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(req.publicKeyPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = req.notBefore;
  cert.validity.notAfter = req.notAfter;
  cert.setSubject(subjectAttributes(req.subject));
  return cert;
}

const altNames = (req: CertificateRequest) => [
  ...req.dnsNames.map(value => ({type: 2, value})),
  // The address's bytes exactly as kubepki reads it: forge's own parser misreads IPv6 with an
  // embedded IPv4 part (64:ff9b::10.0.0.1 became 64.0.0.1).
  ...req.ipAddresses.map(ip => ({type: 7, value: String.fromCharCode(...ipToBytes(ip))})),
];

function signNatively(cert: forge.pki.Certificate, key: KeyObject): string {
  const oid = pki.oids.sha256WithRSAEncryption!;
  const c = cert as forge.pki.Certificate & {signatureOid: string; siginfo: {algorithmOid: string}; tbsCertificate: forge.asn1.Asn1};
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  c.tbsCertificate = getTBSCertificate(cert);
  const tbs = Buffer.from(asn1.toDer(c.tbsCertificate).getBytes(), 'binary');
  c.signature = sign('sha256', tbs, key).toString('binary');
  return pki.certificateToPem(cert);
}

export function createAuthority(req: CertificateRequest, privateKeyPem: string): {pem: string; issuer: Issuer} {
  const cert = base(req);
  cert.setIssuer(subjectAttributes(req.subject));
  cert.setExtensions([
    {name: 'basicConstraints', cA: true, critical: true},
    {name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: true},
    {name: 'subjectKeyIdentifier'},
    ...(req.dnsNames.length + req.ipAddresses.length > 0 ? [{name: 'subjectAltName', altNames: altNames(req)}] : []),
  ]);
  const key = createPrivateKey(privateKeyPem);
  const pem = signNatively(cert, key);
  return {pem, issuer: {cert, key}};
}

export function createLeaf(req: CertificateRequest, usages: Usage[], issuer: Issuer): string {
  const cert = base(req);
  cert.setIssuer(issuer.cert.subject.attributes);
  cert.setExtensions([
    {name: 'basicConstraints', cA: false, critical: true},
    {name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true},
    {name: 'extKeyUsage', serverAuth: usages.includes('serverAuth'), clientAuth: usages.includes('clientAuth')},
    {name: 'subjectKeyIdentifier'},
    {name: 'authorityKeyIdentifier', keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes()},
    ...(req.dnsNames.length + req.ipAddresses.length > 0 ? [{name: 'subjectAltName', altNames: altNames(req)}] : []),
  ]);
  return signNatively(cert, issuer.key);
}

/** An authority loaded back from disk (reused under --force, never replaced). */
export function loadIssuer(certPem: string, keyPem: string): Issuer {
  return {cert: pki.certificateFromPem(certPem), key: createPrivateKey(keyPem)};
}
