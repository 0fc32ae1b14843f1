// One descriptor per key algorithm: how a key is made and written, how it signs a certificate,
// which key usages its certificates carry and how its key identifier is derived. Everything in
// pki/ goes through this table; nothing else knows what kind of key it holds.
import {createHash, createPrivateKey, type KeyObject} from 'node:crypto';
import {KEY_LABELS, type KeyType} from '../spec/types.js';
import {children, nullValue, oid, read, sequence} from './der.js';

/** keyUsage bits (RFC 5280 4.2.1.3). */
export const KEY_USAGE = {digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6} as const;
export type KeyUsageName = keyof typeof KEY_USAGE;

/**
 * How a key is made and written as kubeadm (client-go keyutil.MarshalPrivateKeyToPEM) writes it.
 * RSA: node:crypto's generateKeyPair in the thread pool, PKCS#1. EC: a key pair from the curve
 * (node:crypto ECDH, ~0.1 ms), encoded here as SEC 1 and SubjectPublicKeyInfo: OpenSSL's encoders
 * cost four times the key itself, and the bytes are the same (checked in test/pki).
 */
export type Generation =
  | {type: 'rsa'; options: {modulusLength: number; publicExponent: number}; privateKeyEncoding: 'pkcs1'}
  | {type: 'ec'; curve: string; curveOid: string; privateKeyBytes: number};

export interface KeyAlgorithm {
  type: KeyType;
  /** For people: "RSA-2048", "ECDSA P-256". */
  label: string;
  /** The same algorithm as openssl names it (`openssl genpkey -algorithm`, `-pkeyopt`). */
  openssl: string[];
  generation: Generation;
  /** How this key signs: the digest and the AlgorithmIdentifier written into what it signs. */
  signature: {name: string; hash: 'sha256' | 'sha384'; algorithmIdentifier: Buffer};
  /** keyUsage of certificates for this key. */
  keyUsage: {authority: KeyUsageName[]; leaf: KeyUsageName[]};
  /** The key identifier of a public key (SubjectPublicKeyInfo DER). */
  keyIdentifier: (spki: Buffer) => Buffer;
  /** Whether a loaded key is of this algorithm. */
  matches: (key: KeyObject) => boolean;
}

/**
 * RFC 5280 4.2.1.2 method 1, as Go's crypto/x509 and node-forge compute it: SHA-1 of the
 * subjectPublicKey BIT STRING's bytes. The same for every algorithm.
 */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, subjectPublicKey] = children(read(spki));
  if (!subjectPublicKey) throw new Error('not a SubjectPublicKeyInfo');
  return createHash('sha1').update(subjectPublicKey.content.subarray(1)).digest();
}

const rsa = (bits: 2048 | 3072 | 4096): KeyAlgorithm => ({
  type: `rsa-${bits}`,
  label: KEY_LABELS[`rsa-${bits}`],
  openssl: ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`],
  generation: {type: 'rsa', options: {modulusLength: bits, publicExponent: 0x10001}, privateKeyEncoding: 'pkcs1'},
  // Go's crypto/x509 signs with SHA-256 for every RSA size; the parameters are an explicit NULL.
  signature: {name: 'sha256WithRSAEncryption', hash: 'sha256', algorithmIdentifier: sequence(oid('1.2.840.113549.1.1.11'), nullValue())},
  // kubeadm's usages: an RSA key may also encipher (TLS RSA key exchange).
  keyUsage: {authority: ['digitalSignature', 'keyEncipherment', 'keyCertSign'], leaf: ['digitalSignature', 'keyEncipherment']},
  keyIdentifier,
  matches: key => key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === bits,
});

/**
 * ECDSA as kubeadm's ECDSA-P256 / ECDSA-P384: SEC 1 `EC PRIVATE KEY` with the named curve, and the
 * digest Go's crypto/x509 pairs with the curve (SHA-256 for P-256, SHA-384 for P-384). An EC key
 * cannot encipher, so its certificates carry no keyEncipherment (RFC 5480 3; kubeadm sets the bit
 * anyway, and TLS ignores it for EC keys).
 */
const ecdsa = (type: 'ecdsa-p256' | 'ecdsa-p384', openSslCurve: string, curveOid: string, privateKeyBytes: number, hash: 'sha256' | 'sha384', signatureOid: string): KeyAlgorithm => ({
  type,
  label: KEY_LABELS[type],
  openssl: ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${openSslCurve}`, '-pkeyopt', 'ec_param_enc:named_curve'],
  generation: {type: 'ec', curve: openSslCurve, curveOid, privateKeyBytes},
  // The parameters are absent (RFC 5758 3.2).
  signature: {name: `ecdsa-with-${hash.toUpperCase()}`, hash, algorithmIdentifier: sequence(oid(signatureOid))},
  keyUsage: {authority: ['digitalSignature', 'keyCertSign'], leaf: ['digitalSignature']},
  keyIdentifier,
  matches: key => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === openSslCurve,
});

/** Every key type of the spec has a descriptor: a missing entry fails the compile. */
export const KEY_ALGORITHMS: Record<KeyType, KeyAlgorithm> = {
  'rsa-2048': rsa(2048),
  'rsa-3072': rsa(3072),
  'rsa-4096': rsa(4096),
  'ecdsa-p256': ecdsa('ecdsa-p256', 'prime256v1', '1.2.840.10045.3.1.7', 32, 'sha256', '1.2.840.10045.4.3.2'),
  'ecdsa-p384': ecdsa('ecdsa-p384', 'secp384r1', '1.3.132.0.34', 48, 'sha384', '1.2.840.10045.4.3.3'),
};

/** The descriptor of a key loaded from disk (an authority kept from an earlier run). */
export function algorithmOf(key: KeyObject): KeyAlgorithm {
  const found = Object.values(KEY_ALGORITHMS).find(a => a.matches(key));
  if (found) return found;
  const details = key.asymmetricKeyDetails;
  const what = details?.modulusLength ? `${details.modulusLength}-bit` : details?.namedCurve ?? '';
  throw new Error(`unsupported key: ${key.asymmetricKeyType} ${what}`.trim());
}

/** The key type of a private key in PEM (an authority kept from an earlier run may differ from the spec's). */
export const keyTypeOf = (privateKeyPem: string): KeyType => algorithmOf(createPrivateKey(privateKeyPem)).type;
