import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createPrivateKey} from 'node:crypto';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {validate} from '../../source/spec/validate.js';
import type {AuthorityTopology, ClusterSpec, KeyType, Layout} from '../../source/spec/types.js';
import {buildCluster, type BuildReport} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';

/** The example config with overrides, validated: what a user's file would give. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests write invalid shapes on purpose
export function specWith(mutate: (config: any) => void = () => {}): ClusterSpec {
  const config = structuredClone(EXAMPLE_CONFIG);
  mutate(config);
  const result = validate(config);
  if (!result.ok) throw new Error(result.issues.map(i => i.message).join('; '));
  return result.spec;
}

export const specFor = (authorities: AuthorityTopology, layout: Layout, key: KeyType = 'rsa-2048') =>
  specWith(c => { c.pki.authorities = authorities; c.pki.layout = layout; c.pki.key = key; });

export function tempDir(prefix = 'kubepki-test-'): {path: string; remove: () => void} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {path, remove: () => rmSync(path, {recursive: true, force: true})};
}

/** Generate a cluster into a fresh temporary directory (in-process engine). */
export async function generated(spec: ClusterSpec): Promise<BuildReport & {dir: string; remove: () => void}> {
  const tmp = tempDir();
  const result = await buildCluster(buildPlan(spec), join(tmp.path, 'out'));
  return {...result, dir: result.out, remove: tmp.remove};
}

export const TOPOLOGIES: AuthorityTopology[] = ['single', 'etcd-separate', 'kubeadm'];
export const LAYOUTS: Layout[] = ['kubeadm', 'hard-way'];
/** The proofs run on an RSA PKI (kubeadm's default) and on an ECDSA one. */
export const PROOF_KEYS: KeyType[] = ['rsa-2048', 'ecdsa-p256'];
/** The material checks run on every curve as well. */
export const MATERIAL_KEYS: KeyType[] = ['rsa-2048', 'ecdsa-p256', 'ecdsa-p384'];

/** The key types found in the private keys of a generated directory, read from the files themselves. */
export function keyTypesIn(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const files: string[] = [...manifest.authorities, ...manifest.certificates].map((e: {key: string}) => e.key).concat(manifest.serviceAccount.key);
  return [...new Set(files.map(f => {
    const key = createPrivateKey(readFileSync(join(dir, f)));
    const d = key.asymmetricKeyDetails!;
    return key.asymmetricKeyType === 'rsa' ? `rsa-${d.modulusLength}` : `ec ${d.namedCurve}`;
  }))];
}
/** What keyTypesIn finds for each key type. */
export const FOUND_AS: Record<KeyType, string> = {
  'rsa-2048': 'rsa-2048', 'rsa-3072': 'rsa-3072', 'rsa-4096': 'rsa-4096', 'ecdsa-p256': 'ec prime256v1', 'ecdsa-p384': 'ec secp384r1',
};
