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

/** The public half of a private key (or of a public key, or of a certificate), or undefined when it cannot be read. */
function publicOf(pem: string): Buffer | undefined {
  try {
    return createPublicKey(pem).export({type: 'spki', format: 'der'});
  } catch {
    return undefined;
  }
}

/**
 * Why a leaf certificate and key OUT holds cannot be carried over as they are (damaged, replaced
 * by hand, or from another CA), or undefined when they can: the manifest says what a file should
 * be, only its content says what it is.
 */
export function leafProblem(certPem: string, keyPem: string, caCertPem: string): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'the certificate cannot be read';
  }
  const key = keyProblem(keyPem);
  if (key) return key;
  if (!publicOf(keyPem)!.equals(cert.publicKey.export({type: 'spki', format: 'der'}))) return 'the key does not match the certificate';
  try {
    if (!cert.verify(new X509Certificate(caCertPem).publicKey)) return 'the certificate is not signed by its CA';
  } catch {
    return 'the certificate is not signed by its CA';
  }
  return undefined;
}

/** Why a private key cannot be used, or undefined. */
export function keyProblem(keyPem: string): string | undefined {
  try {
    createPrivateKey(keyPem);
    return undefined;
  } catch {
    return 'the key cannot be read';
  }
}

/** Why a key pair (the service-account pair) is not one, or undefined. */
export function keyPairProblem(keyPem: string, publicKeyPem: string): string | undefined {
  const key = keyProblem(keyPem);
  if (key) return key;
  const pub = publicOf(publicKeyPem);
  if (!pub) return 'the public key cannot be read';
  return publicOf(keyPem)!.equals(pub) ? undefined : 'the public key is not the private key\'s';
}
