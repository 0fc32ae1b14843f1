import {generateKeyPair} from 'node:crypto';
import {availableParallelism} from 'node:os';

export interface KeyPairPem {
  /** PKCS#1 `RSA PRIVATE KEY`, as kubeadm writes it. */
  privateKey: string;
  /** SPKI `PUBLIC KEY`. */
  publicKey: string;
}

function generateNow(bits: number): Promise<KeyPairPem> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', {
      modulusLength: bits,
      publicExponent: 0x10001,
      publicKeyEncoding: {type: 'spki', format: 'pem'},
      privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
    }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({publicKey, privateKey})));
  });
}

/**
 * RSA generation is the slow part (~0.2 s of CPU for 2048 bits). Node's native generator runs in
 * libuv's thread pool, off the event loop. At most one job per core is handed to the pool: more
 * would not go faster, and would queue file writes (which use the same pool) behind seconds of
 * key generation — an interrupted run could not even delete its staging directory.
 */
export function createKeyGenerator(bits: number, concurrency = availableParallelism()) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async function generateRsaKey(): Promise<KeyPairPem> {
    if (running >= concurrency) await new Promise<void>(resolve => waiting.push(resolve));
    running++;
    try {
      return await generateNow(bits);
    } finally {
      release();
    }
  };
}
