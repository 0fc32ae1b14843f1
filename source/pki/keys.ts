import {generateKeyPair} from 'node:crypto';
import {availableParallelism} from 'node:os';
import type {KeyAlgorithm} from './algorithms.js';
import {pem} from './der.js';

export interface KeyPair {
  /** The private key as kubeadm writes it for its algorithm (PKCS#1 RSA, SEC 1 EC), PEM. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
}

export const publicKeyPem = (pair: KeyPair) => pem('PUBLIC KEY', pair.spki);

function generateNow(algorithm: KeyAlgorithm): Promise<KeyPair> {
  const publicKeyEncoding = {type: 'spki', format: 'der'} as const;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, spki: Buffer, privateKeyPem: string) => (error ? reject(error) : resolve({spki, privateKeyPem}));
    const g = algorithm.generation;
    if (g.type === 'rsa') generateKeyPair('rsa', {...g.options, publicKeyEncoding, privateKeyEncoding: {type: g.privateKeyEncoding, format: 'pem'}}, done);
    else generateKeyPair('ec', {...g.options, publicKeyEncoding, privateKeyEncoding: {type: g.privateKeyEncoding, format: 'pem'}}, done);
  });
}

/**
 * RSA generation is the slow part (~0.2 s of CPU for 2048 bits). Node's native generator runs in
 * libuv's thread pool, off the event loop. At most one job per core is handed to the pool: more
 * would not go faster, and would queue file writes (which use the same pool) behind seconds of
 * key generation — an interrupted run could not even delete its staging directory.
 */
export class KeyGenerationStopped extends Error {
  constructor() {
    super('key generation stopped');
  }
}

export function createKeyGenerator(concurrency = availableParallelism(), signal?: AbortSignal) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return async function generateKey(algorithm: KeyAlgorithm): Promise<KeyPair> {
    if (running >= concurrency) await new Promise<void>(resolve => waiting.push(resolve));
    // Stopped (interrupt or failure): queued jobs never start, each passing its turn on.
    if (signal?.aborted) {
      waiting.shift()?.();
      throw new KeyGenerationStopped();
    }
    running++;
    try {
      return await generateNow(algorithm);
    } finally {
      release();
    }
  };
}
