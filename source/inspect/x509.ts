// What a certificate says, read from its DER. node:crypto parses and checks signatures for any key
// type (RSA, ECDSA, Ed25519) but does not expose key usage bits, basic constraints or the
// version; those come from a small walk of the ASN.1 (node-forge's parser, not its RSA-only
// certificate reader).
import {X509Certificate, type KeyObject} from 'node:crypto';
import forge from 'node-forge';
import {bytesToIp} from '../spec/net.js';

const {asn1} = forge;

export const EKU_OID = {serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2'} as const;
export type ExtendedUsage = keyof typeof EKU_OID;

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign'] as const;
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

/** Signature algorithms no modern verifier should accept (Go refuses SHA-1 signatures since 1.18). */
const WEAK_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
};

export interface CertificateFacts {
  x509: X509Certificate;
  der: Buffer;
  version: number;
  cn: string;
  organizations: string[];
  /** The subject as openssl would print it, for the table: CN=…, O=… */
  subject: string;
  issuer: string;
  /** undefined when the certificate has no basicConstraints extension (a v1 certificate, say). */
  basicConstraintsCA: boolean | undefined;
  /** undefined when there is no keyUsage extension. */
  keyUsage: KeyUsage[] | undefined;
  /** undefined when there is no extendedKeyUsage extension: then Go and OpenSSL allow any use. */
  extendedUsage: string[] | undefined;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  selfSigned: boolean;
  weakSignature: string | undefined;
  publicKey: KeyObject;
}

type Node = forge.asn1.Asn1;
const children = (node: Node | undefined): Node[] => (node && Array.isArray(node.value) ? node.value : []);
const bytes = (node: Node | undefined): string => (node && typeof node.value === 'string' ? node.value : '');
const oidOf = (node: Node | undefined) => asn1.derToOid(bytes(node));
const fromDer = (der: string) => asn1.fromDer(der, {strict: false, parseAllBytes: true, decodeBitStrings: false} as never);

function text(node: Node): string {
  if (node.type === asn1.Type.UTF8) return forge.util.decodeUtf8(bytes(node));
  if (node.type === asn1.Type.BMPSTRING) {
    const raw = bytes(node);
    let out = '';
    for (let i = 0; i + 1 < raw.length; i += 2) out += String.fromCharCode((raw.charCodeAt(i) << 8) | raw.charCodeAt(i + 1));
    return out;
  }
  return bytes(node);
}

const ATTRIBUTE: Record<string, string> = {'2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST'};

function readName(name: Node | undefined): {attributes: {type: string; value: string}[]} {
  const attributes: {type: string; value: string}[] = [];
  for (const set of children(name)) {
    for (const pair of children(set)) {
      const [oid, value] = children(pair);
      if (!oid || !value) continue;
      const id = oidOf(oid);
      attributes.push({type: ATTRIBUTE[id] ?? id, value: text(value)});
    }
  }
  return {attributes};
}

function readExtensions(tbs: Node[]): Map<string, string> {
  const extensions = new Map<string, string>();
  const wrapper = tbs.find(n => n.tagClass === asn1.Class.CONTEXT_SPECIFIC && n.type === 3);
  for (const ext of children(children(wrapper)[0])) {
    const parts = children(ext);
    const oid = oidOf(parts[0]);
    const value = parts[parts.length - 1];
    extensions.set(oid, bytes(value));
  }
  return extensions;
}

function keyUsageOf(der: string): KeyUsage[] {
  const raw = bytes(fromDer(der));
  const usages: KeyUsage[] = [];
  // raw[0] counts the unused bits; bit 0 of the usage list is the top bit of the first byte.
  for (let bit = 0; bit < KEY_USAGE_BITS.length; bit++) {
    const byte = raw.charCodeAt(1 + (bit >> 3));
    if (!Number.isNaN(byte) && byte & (0x80 >> (bit & 7))) usages.push(KEY_USAGE_BITS[bit]!);
  }
  return usages;
}

function subjectAltNames(der: string): {dns: string[]; ip: string[]} {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const name of children(fromDer(der))) {
    if (name.tagClass !== asn1.Class.CONTEXT_SPECIFIC) continue;
    if (name.type === 2) dns.push(bytes(name));
    if (name.type === 7) ip.push(bytesToIp([...bytes(name)].map(c => c.charCodeAt(0))));
  }
  return {dns, ip};
}

/** Reads one DER certificate; throws with a readable message when it is not one. */
export function readCertificate(der: Buffer): CertificateFacts {
  const x509 = new X509Certificate(der);
  const root = fromDer(der.toString('binary'));
  const [tbsNode, sigAlg] = children(root);
  const tbs = children(tbsNode);
  const hasVersion = tbs[0]?.tagClass === asn1.Class.CONTEXT_SPECIFIC && tbs[0].type === 0;
  const version = hasVersion ? bytes(children(tbs[0])[0]).charCodeAt(0) + 1 : 1;
  const at = hasVersion ? 1 : 0;
  const issuerName = readName(tbs[at + 2]);
  const subjectName = readName(tbs[at + 4]);
  const extensions = readExtensions(tbs);

  const bc = extensions.get('2.5.29.19');
  let basicConstraintsCA: boolean | undefined;
  if (bc !== undefined) {
    const first = children(fromDer(bc))[0];
    basicConstraintsCA = first?.type === asn1.Type.BOOLEAN ? bytes(first).charCodeAt(0) !== 0 : false;
  }
  const ku = extensions.get('2.5.29.15');
  const eku = extensions.get('2.5.29.37');
  const san = extensions.get('2.5.29.17');
  const names = san === undefined ? {dns: [], ip: []} : subjectAltNames(san);
  // CN first, as people read a subject, whatever order the RDNs were written in.
  const format = (n: typeof subjectName) => [...n.attributes.filter(a => a.type === 'CN'), ...n.attributes.filter(a => a.type !== 'CN')]
    .map(a => `${a.type}=${a.value}`).join(', ');
  const sigOid = oidOf(children(sigAlg)[0]);
  let selfSigned = false;
  try {
    selfSigned = x509.subject === x509.issuer && x509.verify(x509.publicKey);
  } catch {
    selfSigned = false;
  }

  return {
    x509,
    der,
    version,
    cn: subjectName.attributes.find(a => a.type === 'CN')?.value ?? '',
    organizations: subjectName.attributes.filter(a => a.type === 'O').map(a => a.value),
    subject: format(subjectName),
    issuer: format(issuerName),
    basicConstraintsCA,
    keyUsage: ku === undefined ? undefined : keyUsageOf(ku),
    extendedUsage: eku === undefined ? undefined : children(fromDer(eku)).map(n => oidOf(n)),
    dnsNames: names.dns,
    ipAddresses: names.ip,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    selfSigned,
    weakSignature: WEAK_SIGNATURES[sigOid],
    publicKey: x509.publicKey,
  };
}

/** Whether the certificate may be used for `usage`: no EKU extension means any use. */
export const allows = (cert: CertificateFacts, usage: ExtendedUsage) =>
  cert.extendedUsage === undefined || cert.extendedUsage.includes(EKU_OID[usage]) || cert.extendedUsage.includes('2.5.29.37.0');

/** True when `issuer`'s key made `cert`'s signature: pairing by signature, never by name. */
export function signedBy(cert: CertificateFacts, issuer: CertificateFacts): boolean {
  try {
    return cert.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The same public key, whatever the encoding (PKCS#1, PKCS#8, SEC1, SPKI). */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({type: 'spki', format: 'der'}).equals(b.export({type: 'spki', format: 'der'}));
}

/** A key's type and size in the words openssl prints: RSA 2048, EC P-256. */
export function describeKey(key: KeyObject): {text: string; weak: string | undefined} {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': case 'rsa-pss': {
      const bits = details.modulusLength ?? 0;
      return {text: `RSA ${bits}`, weak: bits < 2048 ? `an RSA key of ${bits} bits (2048 is the minimum anyone accepts today)` : undefined};
    }
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown curve';
      const name = ({prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521'} as Record<string, string>)[curve];
      return {text: `EC ${name ?? curve}`, weak: name ? undefined : `an EC key on ${curve}, a curve Go's TLS does not accept (use P-256 or P-384)`};
    }
    default:
      return {text: key.asymmetricKeyType ?? 'unknown', weak: undefined};
  }
}
