import {createECDH, generateKeyPair} from 'node:crypto';
import {availableParallelism} from 'node:os';
import type {KeyAlgorithm} from './algorithms.js';
import {bitString, explicit, octetString, oid, pem, sequence, smallInteger} from './der.js';
import {timed} from './timings.js';

export interface KeyPair {
  /** The private key as kubeadm writes it for its algorithm (PKCS#1 RSA, SEC 1 EC), PEM. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
}

export const publicKeyPem = (pair: KeyPair) => pem('PUBLIC KEY', pair.spki);

function generateInPool(options: {modulusLength: number; publicExponent: number}): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', {...options, publicKeyEncoding: {type: 'spki', format: 'der'}, privateKeyEncoding: {type: 'pkcs1', format: 'pem'}},
      (error, spki, privateKeyPem) => (error ? reject(error) : resolve({spki, privateKeyPem})));
  });
}

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** An EC key pair as SEC 1 (RFC 5915: version 1, the scalar padded to the curve's size, the curve, the public point) and SPKI. */
export function ecKeyPair(curve: string, curveOid: string, privateKeyBytes: number): KeyPair {
  const ecdh = createECDH(curve);
  const point = ecdh.generateKeys(); // uncompressed: 04 || X || Y
  const scalar = ecdh.getPrivateKey();
  const d = Buffer.concat([Buffer.alloc(privateKeyBytes - scalar.length), scalar]);
  const sec1 = sequence(smallInteger(1), octetString(d), explicit(0, oid(curveOid)), explicit(1, bitString(point)));
  return {privateKeyPem: pem('EC PRIVATE KEY', sec1), spki: sequence(sequence(oid(EC_PUBLIC_KEY), oid(curveOid)), bitString(point))};
}

/**
 * EC keys are made at once on the main thread: a thread-pool round trip would cost more than the key.
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
    const g = algorithm.generation;
    if (g.type === 'ec') return timed('keygen', () => ecKeyPair(g.curve, g.curveOid, g.privateKeyBytes));
    if (running >= concurrency) await new Promise<void>(resolve => waiting.push(resolve));
    // Stopped (interrupt or failure): queued jobs never start, each passing its turn on.
    if (signal?.aborted) {
      waiting.shift()?.();
      throw new KeyGenerationStopped();
    }
    running++;
    try {
      return await generateInPool(g.options);
    } finally {
      release();
    }
  };
}
