// PKCS#10 certification requests, built as DER and signed natively like certificates are: what
// a user hands to the Kubernetes CertificateSigningRequest API (or to openssl x509 -req).
import {X509Certificate, createPrivateKey, createPublicKey, sign} from 'node:crypto';
import {algorithmOf} from './algorithms.js';
import {authorityRequestExtensions, subjectName, type Subject} from './certificate.js';
import {bitString, explicit, oid, pem, sequence, set, smallInteger} from './der.js';

/** PKCS#9 extensionRequest: the extensions a request asks the signer to put in the certificate. */
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/**
 * A CSR for `subject`, signed with the private key (PEM) whose public key it carries. `authority`:
 * it asks for a CA certificate (the new CA of `rotate start --csr`, signed by the user's own root).
 */
export function createCertificationRequest(subject: Subject, privateKeyPem: string, options: {authority?: boolean} = {}): string {
  const key = createPrivateKey(privateKeyPem);
  const algorithm = algorithmOf(key);
  const spki = createPublicKey(key).export({type: 'spki', format: 'der'});
  const attributes = options.authority ? sequence(oid(EXTENSION_REQUEST), set(authorityRequestExtensions())) : Buffer.alloc(0);
  const info = sequence(smallInteger(0), subjectName(subject), spki, explicit(0, attributes));
  const signature = sign(algorithm.signature.hash, info, key);
  return pem('CERTIFICATE REQUEST', sequence(info, algorithm.signature.algorithmIdentifier, bitString(signature)));
}

/** Whether a certificate (PEM) carries the public key of a private key (PEM). */
export function certificateMatchesKey(certPem: string, privateKeyPem: string): boolean {
  const certificateKey = new X509Certificate(certPem).publicKey.export({type: 'spki', format: 'der'});
  return certificateKey.equals(createPublicKey(privateKeyPem).export({type: 'spki', format: 'der'}));
}
