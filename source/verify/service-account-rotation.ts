// verify's checks of the service-account pair's public key file and, while the pair rotates, of
// the rotation's files (build/rotate-service-account.ts): the public key file holds the signing
// key's public key first and, only during a rotation, the other pair's after it.
import {createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto';
import type {Manifest} from '../output/manifest.js';
import {keyIdentity, serviceAccountRotationOf} from '../build/rotate-service-account.js';

const spki = (key: string | KeyObject) => createPublicKey(key).export({type: 'spki', format: 'der'});

/** Every public key of a PEM text, in order. */
export const publicKeyBlocks = (text: string) => text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----\n?/g) ?? [];

/** What the service-account files hold, in a sentence; throws naming the first problem. */
export function checkServiceAccountKeys(manifest: Manifest, read: (rel: string) => string): string {
  const {key, publicKey} = manifest.serviceAccount;
  const signing = spki(createPrivateKey(read(key)));
  const keys = publicKeyBlocks(read(publicKey));
  if (keys.length === 0 || !spki(keys[0]!).equals(signing)) throw new Error(`${publicKey} does not match the private key`);
  const state = serviceAccountRotationOf(manifest);
  if (!state) {
    if (keys.length > 1) throw new Error(`${publicKey} holds ${keys.length} public keys, and no rotation of the service-account pair is under way`);
    return 'public key matches';
  }
  const pairs = {old: read(state.old.key), new: read(state.new.key)};
  for (const which of ['old', 'new'] as const) {
    if (keyIdentity(pairs[which]).fingerprint256 !== state[which].fingerprint256) throw new Error(`${state[which].key} is not the ${which} key the manifest records (rotation ${state.phase})`);
    if (!spki(read(state[which].publicKey)).equals(spki(createPrivateKey(pairs[which])))) throw new Error(`${state[which].publicKey} does not match ${state[which].key}`);
  }
  const [signer, other] = state.phase === 'start' ? ['old', 'new'] as const : ['new', 'old'] as const;
  const expected = [pairs[signer], pairs[other]].map(k => spki(createPrivateKey(k)));
  if (!signing.equals(expected[0]!)) throw new Error(`${key} must be the ${signer} key in phase ${state.phase} of the rotation`);
  if (keys.length !== 2 || !spki(keys[1]!).equals(expected[1]!)) throw new Error(`during the rotation (phase ${state.phase}) ${publicKey} must hold the ${signer} public key then the ${other}; it holds ${keys.length}`);
  return `public key matches; rotation ${state.phase}: ${publicKey} holds the ${signer} key (signs) then the ${other}`;
}
