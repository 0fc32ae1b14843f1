// The output-directory check: refuse unsafe targets before any key is made.
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {readExisting, type ExistingOut} from '../output/existing.js';
import {inspectOutput, OutputRefused} from '../output/write.js';
import type {ExistingAuthority} from '../pki/generate.js';
import {keyTypeOf} from '../pki/algorithms.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';

export interface Target {
  /** Authorities OUT already holds and the plan keeps (never regenerated). */
  authorities: Partial<Record<AuthorityId, ExistingAuthority>>;
  /** What OUT holds, when it holds an earlier result (only with force). */
  existing?: ExistingOut;
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
  if (!existsSync(join(out, 'manifest.json'))) {
    throw new InputError([`--out: ${out} holds files that kubepki did not write (no manifest.json); --force only replaces kubepki output. Choose another directory.`]);
  }
  let existing: ExistingOut;
  try {
    existing = readExisting(out);
  } catch (error) {
    if (error instanceof InputError) throw new InputError([...error.lines.map(l => `--out: ${l}`), `--out: refusing to replace ${out}.`]);
    throw error;
  }
  const kept: Partial<Record<AuthorityId, ExistingAuthority>> = {};
  for (const [id, a] of existing.authorities) {
    if (!plan.authorities.some(p => p.id === id)) {
      throw new InputError([`--out: ${out} holds CA ${id} (${a.key.path}), which the new plan does not use; replacing the directory would lose that key. Move it away first.`]);
    }
    if (a.cert.pem === undefined || a.key.pem === undefined) {
      throw new InputError([`--out: ${out}'s manifest names CA ${id} but ${a.cert.path} or ${a.key.path} cannot be read; refusing to replace it.`]);
    }
    kept[id] = {certPem: a.cert.pem, keyPem: a.key.pem};
    // A kept CA keeps its key type (an RSA CA may sign new ECDSA leaves): the plan says which.
    try {
      plan.authorities.find(p => p.id === id)!.keyType = keyTypeOf(a.key.pem);
    } catch (error) {
      throw new InputError([`--out: CA ${id}'s key ${a.key.path} cannot be used: ${(error as Error).message}; refusing to replace it.`]);
    }
  }
  return {authorities: kept, existing};
}
