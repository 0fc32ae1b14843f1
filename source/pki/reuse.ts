// Before an existing CA signs anything again: is it a CA, in date, and is the key beside it its key?
import {X509Certificate, createPrivateKey, createPublicKey} from 'node:crypto';

/** Why this certificate and key cannot be reused as an authority, or undefined when they can. */
export function authorityProblem(certPem: string, keyPem: string, now = new Date()): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'the certificate cannot be read';
  }
  if (!cert.ca) return 'the certificate is not a CA certificate (basicConstraints CA:FALSE)';
  const notAfter = Date.parse(cert.validTo);
  if (Number.isNaN(notAfter) || Number.isNaN(Date.parse(cert.validFrom))) return 'the certificate\'s dates are not valid X.509 times';
  if (notAfter <= now.getTime()) return `the certificate expired on ${cert.validTo}`;
  let publicOfKey: Buffer;
  try {
    publicOfKey = createPublicKey(createPrivateKey(keyPem)).export({type: 'spki', format: 'der'});
  } catch {
    return 'the key cannot be read';
  }
  if (!publicOfKey.equals(cert.publicKey.export({type: 'spki', format: 'der'}))) return 'the key does not match the certificate';
  return undefined;
}
