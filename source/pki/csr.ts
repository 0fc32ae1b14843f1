// PKCS#10 certification requests, built as DER and signed natively like certificates are: what
// a user hands to the Kubernetes CertificateSigningRequest API (or to openssl x509 -req).
import {X509Certificate, createPrivateKey, createPublicKey, sign} from 'node:crypto';
import {algorithmOf} from './algorithms.js';
import {subjectName, type Subject} from './certificate.js';
import {bitString, explicit, pem, sequence, smallInteger} from './der.js';

/** A CSR for `subject`, signed with the private key (PEM) whose public key it carries. */
export function createCertificationRequest(subject: Subject, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  const algorithm = algorithmOf(key);
  const spki = createPublicKey(key).export({type: 'spki', format: 'der'});
  const info = sequence(smallInteger(0), subjectName(subject), spki, explicit(0, Buffer.alloc(0)));
  const signature = sign(algorithm.signature.hash, info, key);
  return pem('CERTIFICATE REQUEST', sequence(info, algorithm.signature.algorithmIdentifier, bitString(signature)));
}

/** Whether a certificate (PEM) carries the public key of a private key (PEM). */
export function certificateMatchesKey(certPem: string, privateKeyPem: string): boolean {
  const certificateKey = new X509Certificate(certPem).publicKey.export({type: 'spki', format: 'der'});
  return certificateKey.equals(createPublicKey(privateKeyPem).export({type: 'spki', format: 'der'}));
}
