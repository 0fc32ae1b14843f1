import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {validate} from '../../source/spec/validate.js';
import type {AuthorityTopology, ClusterSpec, Layout} from '../../source/spec/types.js';
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

export const specFor = (authorities: AuthorityTopology, layout: Layout) =>
  specWith(c => { c.pki.authorities = authorities; c.pki.layout = layout; });

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
