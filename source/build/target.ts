// The output-directory check: refuse unsafe targets before any key is made.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {Manifest} from '../output/manifest.js';
import {inspectOutput, OutputRefused} from '../output/write.js';
import type {ExistingAuthority} from '../pki/generate.js';
import {keyTypeOf} from '../pki/algorithms.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';

export interface Target {
  /** Authorities OUT already holds and the plan keeps (never regenerated). */
  authorities: Partial<Record<AuthorityId, ExistingAuthority>>;
  /** OUT's manifest when it holds an earlier result (only with force). */
  manifest?: Manifest;
}

/** Nothing is touched when this throws (an InputError naming --out). */
export function checkTarget(out: string, plan: Plan, force: boolean): Target {
  let state;
  try {
    state = inspectOutput(out);
  } catch (error) {
    if (error instanceof OutputRefused) throw new InputError([`--out: ${error.message}`]);
    throw error;
  }
  if (state !== 'occupied') return {authorities: {}};
  if (!force) throw new InputError([`--out: ${out} already holds files; nothing was changed. Choose another directory, or pass --force to regenerate it (its CAs are kept).`]);
  let old: Manifest;
  try {
    old = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new InputError([`--out: ${out} holds files that kubepki did not write (no manifest.json); --force only replaces kubepki output. Choose another directory.`]);
  }
  const kept: Partial<Record<AuthorityId, ExistingAuthority>> = {};
  for (const a of old.authorities) {
    if (!plan.authorities.some(p => p.id === a.id)) {
      throw new InputError([`--out: ${out} holds CA ${a.id} (${a.key}), which the new plan does not use; replacing the directory would lose that key. Move it away first.`]);
    }
    try {
      kept[a.id as AuthorityId] = {certPem: readFileSync(join(out, a.cert), 'utf8'), keyPem: readFileSync(join(out, a.key), 'utf8')};
    } catch {
      throw new InputError([`--out: ${out}'s manifest names CA ${a.id} but ${a.cert} or ${a.key} cannot be read; refusing to replace it.`]);
    }
    // A kept CA keeps its key type (an RSA CA may sign new ECDSA leaves): the plan says which.
    try {
      plan.authorities.find(p => p.id === a.id)!.keyType = keyTypeOf(kept[a.id as AuthorityId]!.keyPem);
    } catch (error) {
      throw new InputError([`--out: CA ${a.id}'s key ${a.key} cannot be used: ${(error as Error).message}; refusing to replace it.`]);
    }
  }
  return {authorities: kept, manifest: old};
}
