// The engine: a plan (and what OUT already holds) → files in OUT, and a report of what changed.
// Every front end calls this with the plan it showed; nothing here asks or prints.
//
//   buildCluster(plan, out, {force?, only?, onProgress?, signal?}) → Promise<BuildReport>
//
// - plan: buildPlan(spec); it carries its spec, which is saved as OUT/cluster.yaml.
// - out: the directory to write. Absent or empty: written. Holding files: refused (InputError
//   naming --out) unless `force`, and then only when it is kubepki output whose CAs the plan
//   still uses; those CAs are kept (their bytes are carried over), every leaf is issued anew.
// - only (with force): the refs (plan/paths.ts planRef: `apiserver`, `kubelet-client/worker1`,
//   and `service-account` for the sa key pair) to issue anew. Every other planned leaf that OUT
//   holds is carried over byte-identical when it still matches the plan (same paths, signer,
//   CN, O, usages, SANs and key type; its CA kept); one that does not is issued anew, so a
//   stale certificate is never kept. A kept certificate's kubeconfig is kept too, or rendered
//   anew around it when its server, user or cluster changed. Validity alone does not re-issue.
//   So `--update` is `only: new Set()`, `renew ID…` is `only: new Set(refs)`. Files of nodes
//   gone from the plan are not carried: see `removed`.
// - Safety: OUT is claimed for the whole run (a lock file beside it; a second run is refused
//   naming the holder's PID; a dead run's leftovers are swept). Everything is written into a
//   private staging directory beside OUT as it is made (keys 0600, directories 0700) and swapped
//   into place at the end in one synchronous step (an interrupt leaves the old tree or the new
//   one). On any failure, or when `signal` aborts before the swap, writing stops, the staging
//   directory is removed, the lock released, and the promise rejects (BuildInterrupted for the
//   signal): OUT is as it was. A symbolic link OUT is written through: its target is replaced.
// - BuildReport lists OUT-relative paths: `written` (made or re-issued in this run), `kept`
//   (carried over byte-identical), `removed` (in the old OUT, gone from the new one), and
//   `nodesToRedistribute` (nodes whose bundle changed and must receive files again).
import {readFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {AuthorityId, Plan} from '../plan/types.js';
import {generateMaterial, type KeptLeaves, type ProgressEvent} from '../pki/generate.js';
import {buildManifest, type Manifest} from '../output/manifest.js';
import {carryUsers, withUsers} from '../output/users.js';
import {claimOutput, OutputFailed, OutputRefused, type Claim} from '../output/claim.js';
import {printable} from '../spec/quote.js';
import {commitStagingNow, createStaging, discardStagingNow, PUBLIC_MODE, SCRIPT_MODE, stagingWriter, type ExtraFile} from '../output/write.js';
import {InputError} from '../spec/errors.js';
import {renderDistributeScript} from '../scripts/distribute-script.js';
import {renderVerifyScript} from '../scripts/verify-script.js';
import {renderComponentFiles} from '../scripts/units.js';
import {bootstrapToken, tokenInConfig, kubeadmSteps, renderKubeadmFiles, renderKubeadmStepsScript} from '../scripts/kubeadm-config.js';
import {specToYaml} from '../spec/load.js';
import {restartsFor, type RestartStage} from '../plan/restarts.js';
import {renderRestartScript} from '../scripts/restart-script.js';
import {checkTarget, type Target} from './target.js';
import {kubeconfigDifferences, leafDifferences, serviceAccountDifferences} from './changes.js';

export {checkTarget} from './target.js';
export {finalReport} from './report.js';
export type {ProgressEvent} from '../pki/generate.js';

export interface BuildOptions {
  /** Accept an OUT that holds earlier kubepki output: keep its CAs, issue everything else anew. */
  force?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** With force: issue only these refs anew; keep every other leaf OUT holds (see the top of this file). */
  only?: ReadonlySet<string>;
  /** With only: each named certificate is issued anew around the key OUT holds for it (when its key type is unchanged). */
  keepKeys?: boolean;
  /** Aborted (an interrupt): stop, remove everything written, reject with BuildInterrupted. */
  signal?: AbortSignal;
}

/** The run was stopped by its signal before OUT was touched; `before` is what OUT was (and still is). */
export class BuildInterrupted extends Error {
  constructor(readonly before: 'absent' | 'empty' | 'occupied') {
    super('interrupted before the output directory was written');
  }
}

/** Failures of the disk rather than of kubepki: reported in one line, exit 1. */
const FILE_SYSTEM_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EIO: 'an input/output error',
  EROFS: 'the file system is read-only', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EMFILE: 'too many open files', ENFILE: 'too many open files',
};

/** Resolves when `signal` aborts; never when it has none. */
const aborted = (signal: AbortSignal | undefined) => new Promise<'aborted'>(resolve => {
  if (signal?.aborted) resolve('aborted');
  else signal?.addEventListener('abort', () => resolve('aborted'), {once: true});
});

/** The ref of the service-account key pair in `only`. */
export const SERVICE_ACCOUNT_REF = 'service-account';

export interface BuildReport {
  plan: Plan;
  /** OUT, absolute. */
  out: string;
  written: string[];
  kept: string[];
  removed: string[];
  nodesToRedistribute: string[];
  /** Authorities carried over from the old OUT (their keys were not replaced). */
  keptAuthorities: AuthorityId[];
  /** kubeadm layout: the commands each node runs, in order. */
  kubeadmSteps: {node: string; lines: string[]}[];
  /** What must restart to read the files this run replaced (none on a first generation: nothing runs yet); also OUT/restart.sh. */
  restarts: RestartStage[];
}

export async function buildCluster(plan: Plan, out: string, options: BuildOptions = {}): Promise<BuildReport> {
  const signal = options.signal;
  if (signal?.aborted) throw new BuildInterrupted('absent');
  let claim: Claim;
  try {
    claim = claimOutput(out);
  } catch (error) {
    if (error instanceof OutputRefused) throw new InputError([`--out: ${error.message}`]);
    throw error;
  }
  try {
    return await buildClaimed(plan, out, claim, options);
  } finally {
    claim.release();
  }
}

async function buildClaimed(plan: Plan, out: string, claim: Claim, options: BuildOptions): Promise<BuildReport> {
  const target = checkTarget(out, plan, options.force ?? false, claim.target);
  const now = new Date();
  const interrupted = aborted(options.signal);
  // Stops key generation on an interrupt or on the first failure: queued keys are never made.
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), {once: true});
  const staging = createStaging(claim.target);
  const kept = new Set(Object.keys(target.authorities).flatMap(id => {
    const a = plan.authorities.find(p => p.id === id)!;
    return [a.cert, a.key];
  }));
  const keep = options.only && target.existing ? keptLeaves(plan, target, options.only, options.keepKeys ?? false) : undefined;
  for (const c of plan.certificates) if (keep?.certificates.has(c.ref)) kept.add(c.cert).add(c.key);
  for (const k of plan.kubeconfigs) if (keep?.kubeconfigs.has(k.ref)) kept.add(k.file);
  if (keep?.serviceAccount) kept.add(plan.serviceAccount.key).add(plan.serviceAccount.publicKey);
  const written: string[] = [];
  let steps: BuildReport['kubeadmSteps'] = [];
  let restarts: RestartStage[] = [];
  const writer = stagingWriter(staging, plan);
  try {
    const write = (file: {path: string; content: string; secret: boolean}) => {
      if (!kept.has(file.path)) written.push(file.path);
      return writer.write(file);
    };
    const generation = generateMaterial(plan, {
      now, existing: target.authorities, keep, onProgress: options.onProgress, signal: stop.signal, onFile: write,
    });
    generation.catch(() => {}); // when the interrupt wins the race below, its rejection is expected
    const material = await Promise.race([generation, interrupted]);
    if (material === 'aborted') throw new BuildInterrupted(target.snapshot.state);
    // What starts each component (hard-way units) and kubeadm's configuration with a bootstrap
    // token and the hash of the CA just made or kept.
    const caPem = material.find(f => f.path === plan.authorities.find(a => a.id === 'ca')!.cert)!.content;
    // An OUT being updated keeps its bootstrap token, so unchanged kubeadm configurations stay
    // byte-identical; a node it adds joins with a token of its own (an OUT with no token had no kubeadm joins yet).
    const oldToken = plan.kubeadm && target.existing ? readToken(join(target.existing.dir, plan.kubeadm.tokenFile)) : undefined;
    const secrets = {token: oldToken ?? bootstrapToken(), caPem, joinTokens: target.existing && oldToken ? joinTokens(plan, target.existing.dir) : undefined};
    steps = kubeadmSteps(plan, secrets);
    // A rendered file that comes out as it was counts as kept (its node need not receive it again).
    // Every write settles before a failure is raised, so none lands after the cleanup.
    const renders = await Promise.allSettled([...renderComponentFiles(plan), ...renderKubeadmFiles(plan, secrets)].map(file => {
      if (target.existing && readSame(join(target.existing.dir, file.path), file.content)) {
        kept.add(file.path);
        return writer.write(file);
      }
      return write(file);
    }));
    const failed = renders.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Only files that replace others need a restart: on a first generation nothing runs yet.
    restarts = target.existing ? restartsFor(plan, new Set(written), new Set(Object.keys(target.existing.manifest.nodes ?? {}))) : [];
    const extra: ExtraFile[] = [
      {path: 'cluster.yaml', content: specToYaml(plan.spec, `# Written by kubepki ${now.toISOString()}; run again with: kubepki generate --config cluster.yaml --out DIR\n`), mode: PUBLIC_MODE},
      {path: 'manifest.json', content: `${JSON.stringify(withUsers(buildManifest(plan, now), target.existing?.manifest), null, 2)}\n`, mode: PUBLIC_MODE},
      {path: 'verify.sh', content: renderVerifyScript(plan), mode: SCRIPT_MODE},
      {path: 'distribute.sh', content: renderDistributeScript(plan), mode: SCRIPT_MODE},
      {path: 'restart.sh', content: renderRestartScript(plan, restarts), mode: SCRIPT_MODE},
      ...(steps.length ? [{path: 'kubeadm-steps.sh', content: renderKubeadmStepsScript(steps), mode: SCRIPT_MODE}] : []),
    ];
    if (await Promise.race([writer.finish(extra), interrupted]) === 'aborted') throw new BuildInterrupted(target.snapshot.state);
    if (target.existing) carryUsers(out, staging);
    written.push(...extra.map(f => f.path));
    // The last moment an interrupt can still mean "nothing changed"; from here the swap is one step.
    if (options.signal?.aborted) throw new BuildInterrupted(target.snapshot.state);
    try {
      commitStagingNow(staging, claim.target, target.snapshot);
    } catch (error) {
      if (error instanceof OutputRefused) throw new InputError([`--out: ${error.message}`]);
      throw error;
    }
  } catch (error) {
    stop.abort();
    await writer.stop();
    discardStagingNow(staging);
    const code = (error as NodeJS.ErrnoException).code;
    if (code && FILE_SYSTEM_FAILURES[code]) {
      const state = target.snapshot.state === 'occupied' ? 'it still holds its earlier files, unchanged' : target.snapshot.state === 'empty' ? 'it is still empty' : 'it was not created';
      throw new OutputFailed(`cannot write ${printable(out)}: ${FILE_SYSTEM_FAILURES[code]} (${code}); the unfinished files were removed and ${state}.`);
    }
    throw error;
  }
  return {
    plan,
    out: resolve(out),
    written: written.sort(),
    kept: [...kept].sort(),
    ...changes(plan, target.existing?.manifest, new Set(written)),
    keptAuthorities: Object.keys(target.authorities) as AuthorityId[],
    kubeadmSteps: steps,
    restarts,
  };
}

/** The leaves OUT holds that `only` does not name and that still match the plan, signed by a CA that is kept. */
function keptLeaves(plan: Plan, target: Target, only: ReadonlySet<string>, keepKeys: boolean): KeptLeaves {
  const existing = target.existing!;
  const keep: KeptLeaves = {certificates: new Map(), kubeconfigs: new Map(), keys: new Map()};
  for (const c of plan.certificates) {
    const old = existing.certificates.get(c.ref);
    if (keepKeys && only.has(c.ref) && old?.key.pem !== undefined && old.entry.key === c.key && old.entry.keyType === c.keyType) keep.keys!.set(c.ref, old.key.pem);
    if (only.has(c.ref) || !old || !target.authorities[c.signer] || old.cert.pem === undefined || old.key.pem === undefined) continue;
    if (leafDifferences(old.entry, c).length > 0) continue;
    keep.certificates.set(c.ref, {certPem: old.cert.pem, keyPem: old.key.pem});
  }
  for (const k of plan.kubeconfigs) {
    const old = existing.kubeconfigs.get(k.ref);
    if (!keep.certificates.has(k.certificate.ref) || !old || old.file.pem === undefined) continue;
    if (kubeconfigDifferences(old.entry, k).length === 0) keep.kubeconfigs.set(k.ref, old.file.pem);
  }
  const sa = existing.serviceAccount;
  if (!only.has(SERVICE_ACCOUNT_REF) && serviceAccountDifferences(existing.manifest.serviceAccount, plan.serviceAccount).length === 0
    && sa.key.pem !== undefined && sa.publicKey.pem !== undefined) {
    keep.serviceAccount = {keyPem: sa.key.pem, publicKeyPem: sa.publicKey.pem};
  }
  return keep;
}

/** What the old OUT had that the new one lacks, and which nodes' bundles differ from before. */
function changes(plan: Plan, old: Manifest | undefined, written: Set<string>) {
  const now = new Set(Object.values(plan.bundles).flat().map(f => f.source));
  for (const a of plan.authorities) now.add(a.cert).add(a.key);
  for (const c of plan.certificates) now.add(c.cert).add(c.key);
  for (const k of plan.kubeconfigs) now.add(k.file);
  now.add(plan.serviceAccount.key).add(plan.serviceAccount.publicKey);
  const removed = new Set<string>();
  const lost = new Set<string>();
  if (old) {
    const before = [
      ...old.authorities.flatMap(a => [a.cert, a.key]), ...old.certificates.flatMap(c => [c.cert, c.key]),
      ...old.kubeconfigs.map(k => k.file), old.serviceAccount.key, old.serviceAccount.publicKey,
    ];
    for (const path of before) if (!now.has(path)) removed.add(path);
    for (const [node, entry] of Object.entries(old.nodes)) {
      const bundle = plan.bundles[node];
      if (!bundle) { removed.add(entry.bundle); continue; }
      const targets = new Set(bundle.map(f => f.target));
      if (entry.files.some(f => !targets.has(f.path))) lost.add(node);
    }
  }
  const nodesToRedistribute = plan.nodes.map(n => n.name)
    .filter(node => lost.has(node) || plan.bundles[node]!.some(f => written.has(f.source)));
  return {removed: [...removed].sort(), nodesToRedistribute};
}

/**
 * Per joining node, the token its configuration presents: the one its configuration in OUT already
 * holds (so an unchanged configuration stays byte-identical), or, for a node this run adds, a fresh
 * one: the token of `kubeadm init` expired 24 hours after it (kubeadm's default TTL).
 */
function joinTokens(plan: Plan, dir: string): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const config of plan.kubeadm!.configs) {
    if (config.kind !== 'join-worker' && config.kind !== 'join-control-plane') continue;
    let text: string | undefined;
    try { text = readFileSync(join(dir, config.file), 'utf8'); } catch { text = undefined; }
    tokens[config.node] = (text !== undefined ? tokenInConfig(text) : undefined) ?? bootstrapToken();
  }
  return tokens;
}

/** A bootstrap token kubepki wrote earlier, if it is still one. */
function readToken(path: string): string | undefined {
  try {
    const token = readFileSync(path, 'utf8').trim();
    return /^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}

function readSame(path: string, content: string): boolean {
  try {
    return readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
}
