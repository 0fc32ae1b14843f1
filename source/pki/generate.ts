// Turns a plan into material in memory: every key, certificate and kubeconfig, keyed by its
// path in the master copy. Keys are made concurrently; certificates are signed as soon as
// their key and their signer exist.
import {createPublicKey} from 'node:crypto';
import type {AuthorityId, Plan} from '../plan/types.js';
import type {KeyType} from '../spec/types.js';
import {createAuthority, createLeaf, loadIssuer, type Issuer} from './certificate.js';
import {InputError} from '../spec/errors.js';
import {KEY_ALGORITHMS} from './algorithms.js';
import {createKeyGenerator, publicKeyPem, type KeyPair} from './keys.js';
import {renderKubeconfig} from './kubeconfig.js';
import {timed} from './timings.js';

export interface MaterialFile {
  path: string;
  content: string;
  secret: boolean;
}

export interface ProgressEvent {
  done: number;
  total: number;
  /** What just finished, e.g. "etcd-server cp1". */
  item: string;
}

export interface ExistingAuthority {
  certPem: string;
  /** Absent: an external CA whose key OUT does not hold (during a rotation from it): it signs nothing here. */
  keyPem?: string;
  /** During a CA rotation: what the authority's certificate file holds and kubeconfigs embed (old + new); certPem alone signs. */
  trustPem?: string;
}

/** Leaves carried over from an earlier run, written byte-identical instead of being issued. */
export interface KeptLeaves {
  /** By the certificate's ref: the certificate and its key. */
  certificates: Map<string, {certPem: string; keyPem: string}>;
  /** By the kubeconfig's ref; a kubeconfig whose certificate is kept but which is absent here is rendered from it. */
  kubeconfigs: Map<string, string>;
  serviceAccount?: {keyPem: string; publicKeyPem: string};
  /** By the certificate's ref: issued anew (fresh validity) around the key it already has (a renewal that keeps keys). */
  keys?: Map<string, string>;
}

export interface GenerateOptions {
  now?: Date;
  onProgress?: (event: ProgressEvent) => void;
  /** Authorities kept from an earlier run: reused, never regenerated. */
  existing?: Partial<Record<AuthorityId, ExistingAuthority>>;
  /** Called with each file as soon as it exists (to write it while keys are still being made). */
  onFile?: (file: MaterialFile) => Promise<void>;
  /** Aborted: keys not yet started are never made. */
  signal?: AbortSignal;
  keep?: KeptLeaves;
}

async function keyPairOf(privateKeyPem: string): Promise<KeyPair> {
  return {privateKeyPem, spki: createPublicKey(privateKeyPem).export({type: 'spki', format: 'der'})};
}

/** kubeadm backdates certificates by five minutes so a node whose clock lags still accepts them. */
const BACKDATE_MS = 5 * 60 * 1000;
const HOUR_MS = 3600 * 1000;

export async function generateMaterial(plan: Plan, options: GenerateOptions = {}): Promise<MaterialFile[]> {
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const existing = options.existing ?? {};
  const keep: KeptLeaves = options.keep ?? {certificates: new Map(), kubeconfigs: new Map()};
  const total = plan.keyCount - Object.keys(existing).filter(id => plan.authorities.some(a => a.id === id)).length
    - plan.certificates.filter(c => keep.certificates.has(c.ref) || keep.keys?.has(c.ref)).length - (keep.serviceAccount ? 1 : 0);
  let done = 0;
  const generateKey = createKeyGenerator(undefined, options.signal);
  const key = (keyType: KeyType, item: string): Promise<KeyPair> =>
    generateKey(KEY_ALGORITHMS[keyType]).then(pair => {
      options.onProgress?.({done: ++done, total, item});
      return pair;
    });

  const files: MaterialFile[] = [];
  const pems = new Map<string, string>();
  const writes: Promise<void>[] = [];
  const put = (path: string, content: string, secret: boolean) => {
    const file = {path, content, secret};
    files.push(file);
    pems.set(path, content);
    if (options.onFile) {
      const write = options.onFile(file);
      // Settled below; without a handler now, a failed write (ENOSPC) is an unhandled rejection
      // that ends the process before the staging directory can be removed.
      write.catch(() => {});
      writes.push(write);
    }
  };

  // Queue authority keys first: every leaf waits for its signer.
  const issuers = new Map<AuthorityId, Promise<Issuer | undefined>>();
  for (const authority of plan.authorities) {
    const kept = existing[authority.id];
    if (kept) {
      issuers.set(authority.id, Promise.resolve().then(() => {
        put(authority.cert, kept.trustPem ?? kept.certPem, false);
        // An external CA (its key not in OUT) signs nothing here: a leaf that needs it is refused below.
        if (kept.keyPem === undefined) return undefined;
        put(authority.key, kept.keyPem, true);
        return loadIssuer(kept.certPem, kept.keyPem);
      }));
      continue;
    }
    const algorithm = KEY_ALGORITHMS[authority.keyType];
    issuers.set(authority.id, key(authority.keyType, `${authority.id} (CA)`).then(pair => {
      const notAfter = new Date(now.getTime() + authority.validityHours * HOUR_MS);
      const {pem, issuer} = createAuthority({
        subject: {cn: authority.cn, organizations: []},
        publicKey: pair.spki, algorithm,
        dnsNames: authority.dnsNames, ipAddresses: [], notBefore, notAfter,
      }, pair.privateKeyPem);
      put(authority.cert, pem, false);
      put(authority.key, pair.privateKeyPem, true);
      return issuer;
    }));
  }

  // Each kubeconfig is written as soon as its client certificate exists.
  const kubeconfigsOf = new Map<string, typeof plan.kubeconfigs>();
  for (const k of plan.kubeconfigs) kubeconfigsOf.set(k.certificate.ref, [...(kubeconfigsOf.get(k.certificate.ref) ?? []), k]);

  // A kept service-account pair is carried over as it is (and still signs The Hard Way's
  // service-accounts certificate when that is re-issued); otherwise a new pair.
  const keptServiceAccount = keep.serviceAccount;
  const serviceAccountKey: Promise<KeyPair> = keptServiceAccount
    ? Promise.resolve({
      privateKeyPem: keptServiceAccount.keyPem,
      spki: createPublicKey(keptServiceAccount.keyPem).export({type: 'spki', format: 'der'}),
    })
    : key(plan.serviceAccount.keyType, 'service-account key');
  const leaves = plan.certificates.map(async c => {
    const kept = keep.certificates.get(c.ref);
    if (kept) {
      await issuers.get(c.signer)!;
      put(c.cert, kept.certPem, false);
      if (c.key !== plan.serviceAccount.key) put(c.key, kept.keyPem, true);
      for (const k of kubeconfigsOf.get(c.ref) ?? []) {
        const text = keep.kubeconfigs.get(k.ref);
        if (text !== undefined) { put(k.file, text, true); continue; }
        await issuers.get(k.authority)!;
        put(k.file, renderKubeconfig(k, pems.get(plan.authorities.find(a => a.id === k.authority)!.cert)!, kept.certPem, kept.keyPem), true);
      }
      return;
    }
    // The Hard Way's service-accounts certificate carries the service-account key, not a key of its own.
    const sharesServiceAccountKey = c.key === plan.serviceAccount.key;
    const ownKey = keep.keys?.get(c.ref);
    const [pair, signer] = await Promise.all([
      sharesServiceAccountKey ? serviceAccountKey : ownKey === undefined ? key(c.keyType, c.node ? `${c.id} ${c.node}` : c.id) : keyPairOf(ownKey),
      issuers.get(c.signer)!,
    ]);
    if (!signer) {
      const caKey = plan.authorities.find(a => a.id === c.signer)!.key;
      throw new InputError([`--out: ${c.cert} must be issued anew, and CA ${c.signer}'s key ${caKey} is not in OUT (an external CA); nothing was changed. Put back the certificate and key OUT held (from a backup or a node), or finish the rotation to the new CA first.`]);
    }
    const issuer = signer;
    // A reused CA may expire before the requested validity: never outlive the signer.
    const wanted = now.getTime() + c.validityHours * HOUR_MS;
    const notAfter = new Date(Math.min(wanted, issuer.notAfter.getTime()));
    const pem = createLeaf({
      subject: {cn: c.cn, organizations: c.organizations},
      publicKey: pair.spki, algorithm: KEY_ALGORITHMS[c.keyType],
      dnsNames: c.dnsNames, ipAddresses: c.ipAddresses, notBefore, notAfter,
    }, c.usages, issuer);
    put(c.cert, pem, false);
    if (!sharesServiceAccountKey) put(c.key, pair.privateKeyPem, true);
    for (const k of kubeconfigsOf.get(c.ref) ?? []) {
      const caPem = pems.get(plan.authorities.find(a => a.id === k.authority)!.cert)!;
      put(k.file, timed('kubeconfig', () => renderKubeconfig(k, caPem, pem, pair.privateKeyPem)), true);
    }
  });

  const serviceAccount = serviceAccountKey.then(pair => {
    put(plan.serviceAccount.key, pair.privateKeyPem, true);
    // A kept pair's public key file as given: during its rotation it holds a second key (build/rotate-service-account.ts).
    put(plan.serviceAccount.publicKey, keptServiceAccount?.publicKeyPem ?? publicKeyPem(pair), false);
  });

  let failure: unknown;
  try {
    await Promise.all([...issuers.values(), ...leaves, serviceAccount]);
  } catch (error) {
    failure = error;
  }
  // Every write started must settle before the caller may remove the staging directory.
  const settled = await Promise.allSettled(writes);
  if (failure !== undefined) throw failure;
  const failedWrite = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failedWrite) throw failedWrite.reason;
  return files;
}
