// The output-directory check: refuse unsafe targets before any key is made.
import {existsSync, lstatSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import type {Manifest} from '../output/manifest.js';
import {STAGING_MARKER} from '../output/claim.js';
import {usersOf} from '../output/users.js';
import {readExisting, type ExistingOut} from '../output/existing.js';
import {OutputRefused, snapshotOutput, type OutputSnapshot} from '../output/write.js';
import type {ExistingAuthority} from '../pki/generate.js';
import {keyTypeOf} from '../pki/algorithms.js';
import {authorityProblem} from '../pki/reuse.js';
import {rotationOf, signingCertificate} from './rotate.js';
import {isRequestLeftover, pendingRequestPaths} from './rotate-request.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {printable} from '../spec/quote.js';
import {shellQuote} from '../scripts/shell.js';
import {ANSIBLE_FILES, ANSIBLE_RETRY_FILE} from '../scripts/ansible.js';

export interface Target {
  /** Authorities OUT already holds and the plan keeps (never regenerated). */
  authorities: Partial<Record<AuthorityId, ExistingAuthority>>;
  /** What OUT holds, when it holds an earlier result (only with force). */
  existing?: ExistingOut;
  /** OUT as checked: the swap refuses if it is no longer so. */
  snapshot: OutputSnapshot;
}

/** The files kubepki writes besides those the manifest lists. */
const OWN_FILES = ['cluster.yaml', 'manifest.json', 'verify.sh', 'distribute.sh', 'restart.sh', ...ANSIBLE_FILES, ANSIBLE_RETRY_FILE, STAGING_MARKER];

/** Every file under `dir` that the old manifest does not account for (symbolic links included). */
export function foreignFiles(dir: string, manifest: Manifest): string[] {
  const own = new Set<string>(OWN_FILES);
  for (const a of manifest.authorities) own.add(a.cert).add(a.key);
  for (const c of manifest.certificates) own.add(c.cert).add(c.key);
  for (const k of manifest.kubeconfigs) own.add(k.file);
  own.add(manifest.serviceAccount.key).add(manifest.serviceAccount.publicKey);
  for (const d of manifest.documents ?? []) own.add(d.path);
  // A --csr request for a new CA waiting in pki/rotation/ (the engine carries it over).
  for (const f of pendingRequestPaths(dir, manifest)) own.add(f);
  for (const u of usersOf(manifest)) for (const f of [u.key, u.cert, u.kubeconfig, u.csr, u.request]) if (f !== undefined) own.add(f);
  for (const entry of Object.values(manifest.nodes ?? {})) for (const f of entry.files) own.add(`${entry.bundle}${f.path}`);
  const foreign: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), {withFileTypes: true})) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      // What a killed `rotate start --csr` left (it writes only under the lock this run holds): the swap drops it.
      if (entry.isDirectory() && isRequestLeftover(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (!own.has(path) || !lstatSync(join(dir, path)).isFile()) foreign.push(path);
    }
  };
  walk('');
  return foreign.sort();
}

/**
 * Nothing is touched when this throws (an InputError naming --out). `out` is what the user
 * wrote (for messages); `dir` is where it really is (the target of a symbolic link).
 */
/**
 * `keyless`: authorities a rotation's phase may find without their key in OUT (an external CA: the
 * rotation records it; its leaves are kept, never issued by it, and from issue on the new key signs).
 */
export function checkTarget(out: string, plan: Plan, force: boolean, dir: string = out, keyless: ReadonlySet<AuthorityId> = new Set()): Target {
  let snapshot: OutputSnapshot;
  try {
    snapshot = snapshotOutput(dir);
  } catch (error) {
    if (error instanceof OutputRefused) throw new InputError([`--out: ${error.message}`]);
    throw error;
  }
  const shown = printable(out);
  if (snapshot.state !== 'occupied') return {authorities: {}, snapshot};
  if (!force) throw new InputError([`--out: ${shown} already holds files; nothing was changed. Choose another directory; to apply an edited cluster.yaml to it, pass --update (unchanged certificates are kept); or pass --force to re-issue every certificate (its CAs are kept).`]);
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new InputError([`--out: ${shown} holds files that kubepki did not write (no manifest.json); --force only replaces kubepki output. Choose another directory.`]);
  }
  let existing: ExistingOut;
  try {
    existing = readExisting(dir);
  } catch (error) {
    if (error instanceof InputError) throw new InputError([...error.lines.map(l => `--out: ${l}`), `--out: refusing to replace ${shown}.`]);
    throw error;
  }
  // --force replaces what kubepki wrote, and nothing else: a NOTES.md beside the PKI is the user's.
  const foreign = foreignFiles(dir, existing.manifest);
  if (foreign.length > 0) {
    const named = foreign.slice(0, 5).map(printable).join(', ') + (foreign.length > 5 ? ` (and ${foreign.length - 5} more)` : '');
    throw new InputError([`--out: ${shown} holds files kubepki did not write: ${named}. --force replaces only kubepki's own files; move these out of ${shown} first. Nothing was changed.`]);
  }
  // user add refuses a user named like one of the cluster's own certificates (it would act as that
  // component); a plan that brings such a certificate to an existing user is refused the same way.
  for (const user of usersOf(existing.manifest)) {
    const named = plan.certificates.filter(c => c.cn === user.name);
    if (named.length === 0) continue;
    throw new InputError([`--out: ${shown} has a user ${JSON.stringify(user.name)} (users/${printable(user.name)}/), and the new plan gives the cluster's own ${named.map(c => c.ref).join(', ')} certificate${named.length === 1 ? '' : 's'} that name (CN): the user would act as that component. Name the node otherwise, or remove the user first (kubepki user remove ${printable(user.name)} --out ${shellQuote(out)}). Nothing was changed.`]);
  }
  const kept: Partial<Record<AuthorityId, ExistingAuthority>> = {};
  for (const [id, a] of existing.authorities) {
    if (!plan.authorities.some(p => p.id === id)) {
      throw new InputError([`--out: ${shown} holds CA ${id} (${a.key.path}), which the new plan does not use; replacing the directory would lose that key. Move it away first.`]);
    }
    if (a.cert.pem !== undefined && a.key.pem === undefined && keyless.has(id)) {
      kept[id] = {certPem: a.cert.pem};
      continue;
    }
    if (a.cert.pem === undefined || a.key.pem === undefined) {
      throw new InputError([`--out: ${shown}'s manifest names CA ${id} but ${a.cert.path} or ${a.key.path} cannot be read; refusing to replace it.`]);
    }
    // During a CA rotation the certificate file is a bundle: the key beside it is one of its certificates' (the signer's).
    const problem = authorityProblem(rotationOf(existing.manifest)?.authority === id ? signingCertificate(a.cert.pem, a.key.pem) : a.cert.pem, a.key.pem);
    if (problem) {
      // Where the nodes hold copies: a CA key is never re-made, only restored.
      const planned = plan.authorities.find(p => p.id === id)!;
      const copies = [planned.certInstalls[0], planned.keyInstalls[0]].filter(i => i !== undefined).map(i => `${i.node}:${i.path}`);
      throw new InputError([`--out: ${shown}'s CA ${id} cannot be reused: ${problem} (${a.cert.path}, ${a.key.path}). Nothing was changed; restore the CA's own files from a backup${copies.length ? ` or from a node that holds them (${copies.join(', ')})` : ''}, or move ${shown} away to start new CAs (every node then needs new files).`]);
    }
    kept[id] = {certPem: a.cert.pem, keyPem: a.key.pem};
    // A kept CA keeps its key type (an RSA CA may sign new ECDSA leaves): the plan says which.
    try {
      plan.authorities.find(p => p.id === id)!.keyType = keyTypeOf(a.key.pem);
    } catch (error) {
      throw new InputError([`--out: CA ${id}'s key ${a.key.path} cannot be used: ${(error as Error).message}; refusing to replace it.`]);
    }
  }
  return {authorities: kept, existing, snapshot};
}
