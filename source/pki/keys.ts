import {generateKeyPair} from 'node:crypto';

export interface KeyPairPem {
  /** PKCS#1 `RSA PRIVATE KEY`, as kubeadm writes it. */
  privateKey: string;
  /** SPKI `PUBLIC KEY`. */
  publicKey: string;
}

/**
 * RSA generation is the slow part (~0.2 s of CPU for 2048 bits). Node's native generator runs
 * in libuv's thread pool, so calls made together use every core and the event loop (and the
 * wizard's progress bar) stays free.
 */
export function generateRsaKey(bits: number): Promise<KeyPairPem> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', {
      modulusLength: bits,
      publicExponent: 0x10001,
      publicKeyEncoding: {type: 'spki', format: 'pem'},
      privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
    }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({publicKey, privateKey})));
  });
}
