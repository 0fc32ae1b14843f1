// What a certificate says, read from its DER. node:crypto parses and checks signatures for any key
// type (RSA, ECDSA, Ed25519) but does not expose key usage bits, basic constraints or the
// version; those come from a small walk of the ASN.1 with pki/der.ts's reader.
import {X509Certificate, type KeyObject} from 'node:crypto';
import {children, decodeOid, read, type Element} from '../pki/der.js';
import {readName, subjectText} from '../pki/subject.js';
import {bytesToIp} from '../spec/net.js';

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

const TAG = {boolean: 0x01, version: 0xa0, extensions: 0xa3, dnsName: 0x82, ipAddress: 0x87} as const;

/** extnID → the DER inside extnValue. */
function readExtensions(tbs: Element[]): Map<string, Buffer> {
  const extensions = new Map<string, Buffer>();
  const wrapper = tbs.find(e => e.tag === TAG.extensions);
  if (!wrapper) return extensions;
  for (const ext of children(children(wrapper)[0]!)) {
    const parts = children(ext);
    extensions.set(decodeOid(parts[0]!), parts[parts.length - 1]!.content);
  }
  return extensions;
}

function keyUsageOf(der: Buffer): KeyUsage[] {
  // content[0] counts the unused bits; bit 0 of the usage list is the top bit of the next byte.
  const bits = read(der).content;
  return KEY_USAGE_BITS.filter((_, bit) => ((bits[1 + (bit >> 3)] ?? 0) & (0x80 >> (bit & 7))) !== 0);
}

function subjectAltNames(der: Buffer): {dns: string[]; ip: string[]} {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const name of children(read(der))) {
    if (name.tag === TAG.dnsName) dns.push(name.content.toString('latin1'));
    if (name.tag === TAG.ipAddress) ip.push(bytesToIp([...name.content]));
  }
  return {dns, ip};
}

/** Reads one DER certificate; throws with a readable message when it is not one. */
export function readCertificate(der: Buffer): CertificateFacts {
  const x509 = new X509Certificate(der);
  const [tbsNode, sigAlg] = children(read(der));
  const tbs = children(tbsNode!);
  const hasVersion = tbs[0]?.tag === TAG.version;
  const version = hasVersion ? children(tbs[0]!)[0]!.content[0]! + 1 : 1;
  const at = hasVersion ? 1 : 0;
  const issuerName = readName(tbs[at + 2]);
  const subjectName = readName(tbs[at + 4]);
  const extensions = readExtensions(tbs);

  const bc = extensions.get('2.5.29.19');
  let basicConstraintsCA: boolean | undefined;
  if (bc !== undefined) {
    const first = children(read(bc))[0];
    basicConstraintsCA = first?.tag === TAG.boolean ? first.content[0] !== 0 : false;
  }
  const ku = extensions.get('2.5.29.15');
  const eku = extensions.get('2.5.29.37');
  const san = extensions.get('2.5.29.17');
  const names = san === undefined ? {dns: [], ip: []} : subjectAltNames(san);
  const sigOid = decodeOid(children(sigAlg!)[0]!);
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
    cn: subjectName.find(a => a.type === 'CN')?.value ?? '',
    organizations: subjectName.filter(a => a.type === 'O').map(a => a.value),
    subject: subjectText(subjectName),
    issuer: subjectText(issuerName),
    basicConstraintsCA,
    keyUsage: ku === undefined ? undefined : keyUsageOf(ku),
    extendedUsage: eku === undefined ? undefined : children(read(eku)).map(decodeOid),
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

const spkiMemo = new WeakMap<KeyObject, string>();
/** A key's SubjectPublicKeyInfo, exported once per key object: inspect compares every key with every certificate. */
export function spkiOf(key: KeyObject): string {
  let spki = spkiMemo.get(key);
  if (spki === undefined) {
    spki = key.export({type: 'spki', format: 'der'}).toString('base64');
    spkiMemo.set(key, spki);
  }
  return spki;
}

/** The same public key, whatever the encoding (PKCS#1, PKCS#8, SEC1, SPKI). */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return spkiOf(a) === spkiOf(b);
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
