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
import {chmodSync, readFileSync, statSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {AuthorityId, Plan} from '../plan/types.js';
import {generateMaterial, type KeptLeaves, type ProgressEvent} from '../pki/generate.js';
import {buildManifest, type Manifest} from '../output/manifest.js';
import {carryUsers, sweepUserChanges, withUsers} from '../output/users.js';
import {reissueUsers, repointUsers} from './users.js';
import {claimOutputForCommand, fileSystemFailure, OutputFailed, OutputRefused, type Claim} from '../output/claim.js';
import {printable} from '../spec/quote.js';
import {shellQuote} from '../scripts/shell.js';
import {keyPairProblem, keyProblem, leafProblem} from '../pki/reuse.js';
import {commitStagingNow, createStaging, discardStagingNow, keepOwner, PUBLIC_MODE, SCRIPT_MODE, stagingWriter, type ExtraFile} from '../output/write.js';
import {keyTypeOf} from '../pki/algorithms.js';
import {InputError} from '../spec/errors.js';
import {renderDistributeScript} from '../scripts/distribute-script.js';
import {renderVerifyScript} from '../scripts/verify-script.js';
import {renderComponentFiles} from '../scripts/units.js';
import {bootstrapToken, tokenInConfig, kubeadmSteps, renderKubeadmFiles, renderKubeadmStepsScript} from '../scripts/kubeadm-config.js';
import {kubeletApiAdminRbac} from '../scripts/kubelet-api-rbac.js';
import {renderMonitoringFiles} from '../scripts/expiry-check.js';
import {clusterYamlText} from '../spec/load.js';
import {TRUST_MAP_FILE} from '../plan/paths.js';
import {buildTrustMap} from '../map/build.js';
import {foldMap} from '../map/fold.js';
import {renderMapSvg} from '../map/render.js';
import {sourceFromPlan} from '../map/sources.js';
import {restartsFor, type RestartStage} from '../plan/restarts.js';
import {renderRestartScript} from '../scripts/restart-script.js';
import {ansibleFiles} from '../scripts/ansible.js';
import {checkTarget, type Target} from './target.js';
import {refuseUnapplied} from './unapplied.js';
import {kubeconfigDifferences, leafDifferences, SERVICE_ACCOUNT_REF, serviceAccountDifferences} from './changes.js';
import {carryRetired, RETIRED_DIR, retrustUserKubeconfigs, rotationDocuments, rotationsOf, sameRotation, type RotationBuild, type RotationTrust} from './rotate.js';
import {anyRotationOf, rotationName, useServiceAccountPair} from './rotate-service-account.js';
import {carryRequest} from './rotate-request.js';

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
  /**
   * With force: the manifest OUT held when the plan was shown (the wizard on OUT). Checked under
   * the claim: when OUT holds another (a run in between changed it), refused (InputError, nothing written).
   */
  expectManifest?: Manifest;
  /**
   * renew: the plan must be the one OUT was built with (build/unapplied.ts); refused otherwise,
   * naming each difference. OUT's cluster.yaml and its recorded spec are carried over as they are.
   */
  samePlan?: boolean;
  /** A phase of a CA rotation (build/rotate.ts): trust bundles, the rotation's files and its state. Without it, an OUT under rotation is refused. */
  rotation?: RotationBuild;
}

/** The run was stopped by its signal before OUT was touched; `before` is what OUT was (and still is). */
export class BuildInterrupted extends Error {
  constructor(readonly before: 'absent' | 'empty' | 'occupied') {
    super('interrupted before the output directory was written');
  }
}

/** Resolves when `signal` aborts; never when it has none. */
const aborted = (signal: AbortSignal | undefined) => new Promise<'aborted'>(resolve => {
  if (signal?.aborted) resolve('aborted');
  else signal?.addEventListener('abort', () => resolve('aborted'), {once: true});
});

export {SERVICE_ACCOUNT_REF} from './changes.js';

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
  /** The manifest OUT held when this run claimed it (absent for a new OUT): what the run's changes are against. */
  before?: Manifest;
  /** Files OUT held damaged (where they would have been kept, or renewed): issued or rendered anew. */
  repaired: Repaired[];
  /** Users' kubeconfigs (OUT/users/NAME/) rendered anew for a new endpoint or cluster name, around the same certificate and key. */
  usersRepointed: string[];
  /** What must restart to read the files this run replaced (none on a first generation: nothing runs yet); also OUT/restart.sh. */
  restarts: RestartStage[];
}

export interface Repaired {
  /** planRef of the certificate or kubeconfig. */
  ref: string;
  /** OUT-relative. */
  file: string;
  problem: string;
}

export async function buildCluster(plan: Plan, out: string, options: BuildOptions = {}): Promise<BuildReport> {
  const signal = options.signal;
  if (signal?.aborted) throw new BuildInterrupted('absent');
  const claim = claimOutputForCommand(out);
  try {
    // What a killed user command left inside OUT, undone before OUT is read.
    sweepUserChanges(claim.target);
    return await buildClaimed(plan, out, claim, options);
  } finally {
    claim.release();
  }
}

async function buildClaimed(plan: Plan, out: string, claim: Claim, options: BuildOptions): Promise<BuildReport> {
  const target = checkTarget(out, plan, options.force ?? false, claim.target, new Set(Object.keys(options.rotation?.trust ?? {}) as AuthorityId[]));
  if (options.expectManifest && target.existing && JSON.stringify(target.existing.manifest) !== JSON.stringify(options.expectManifest)) {
    throw new InputError([`--out: ${printable(out)} changed since this plan was made against it (another run wrote it); nothing was changed. Look at the plan again.`]);
  }
  if (options.samePlan && target.existing) refuseUnapplied(out, plan, target.existing.manifest);
  const rotating = target.existing && anyRotationOf(target.existing.manifest);
  if (rotating && !options.rotation) {
    throw new InputError([`--out: ${printable(out)} is in the middle of a rotation of ${rotationName(rotating.authority)} (phase ${rotating.phase}); nothing was changed. See kubepki rotate ${printable(out)} status; finish it, or go back with kubepki rotate ${printable(out)} abort, first.`]);
  }
  if (options.rotation && !sameRotation(rotating || undefined, options.rotation.basedOn)) {
    throw new InputError([`--out: ${printable(out)}'s rotation changed while this one was being prepared (another kubepki ran); nothing was changed. See kubepki rotate ${printable(out)} status.`]);
  }
  // A rotation's trust: the certificate file holds the bundle, one certificate of it signs (with
  // its key, which from phase issue on is the new CA's: the authority's key file becomes it).
  const rekeyed = new Set<AuthorityId>();
  const retrusted = new Set<AuthorityId>();
  for (const [id, trust] of Object.entries(options.rotation?.trust ?? {}) as [AuthorityId, RotationTrust][]) {
    const kept = target.authorities[id];
    if (!kept) continue;
    if (trust.trustPem !== target.existing?.authorities.get(id)?.cert.pem) retrusted.add(id);
    if (trust.keyPem !== undefined && trust.keyPem !== kept.keyPem) rekeyed.add(id);
    target.authorities[id] = {...kept, certPem: trust.signerPem, trustPem: trust.trustPem, keyPem: trust.keyPem ?? kept.keyPem};
    // The manifest names the key type of the key that signs (a rotation's new CA may be of another type: rotate start --key-type).
    const signingKey = trust.keyPem ?? kept.keyPem;
    if (signingKey !== undefined) plan.authorities.find(p => p.id === id)!.keyType = keyTypeOf(signingKey);
  }
  const now = new Date();
  const interrupted = aborted(options.signal);
  // Stops key generation on an interrupt or on the first failure: queued keys are never made.
  const stop = new AbortController();
  options.signal?.addEventListener('abort', () => stop.abort(), {once: true});
  // Read (and refused) before anything is staged.
  const {keep, repaired} = options.only && target.existing ? keptLeaves(out, plan, target, options.only, options.keepKeys ?? false) : {keep: undefined, repaired: []};
  const serviceAccountChanged = keep && options.rotation?.serviceAccount ? useServiceAccountPair(plan, keep, options.rotation.serviceAccount) : [];
  const staging = createStaging(claim.target);
  const kept = new Set(Object.keys(target.authorities).flatMap(id => {
    const a = plan.authorities.find(p => p.id === id)!;
    return [a.cert, a.key];
  }));
  for (const c of plan.certificates) if (keep?.certificates.has(c.ref)) kept.add(c.cert).add(c.key);
  for (const k of plan.kubeconfigs) if (keep?.kubeconfigs.has(k.ref)) kept.add(k.file);
  if (keep?.serviceAccount) kept.add(plan.serviceAccount.key).add(plan.serviceAccount.publicKey);
  // The service-account pair's files, when a rotation changes what they hold (their readers restart).
  for (const path of serviceAccountChanged) kept.delete(path);
  // A rotated authority's certificate file is written anew when its trust changes, so its nodes get it again…
  for (const id of retrusted) kept.delete(plan.authorities.find(a => a.id === id)!.cert);
  // …and its key file, when the key changes (the nodes that hold the CA key get the new one).
  for (const id of rekeyed) kept.delete(plan.authorities.find(a => a.id === id)!.key);
  // A kubeconfig embeds its authority's trust: when that changes it is rendered anew around the kept certificate.
  for (const k of plan.kubeconfigs) {
    if (retrusted.has(k.authority) && keep?.kubeconfigs.delete(k.ref)) kept.delete(k.file);
  }
  const written: string[] = [];
  const usersRepointed: string[] = [];
  let steps: BuildReport['kubeadmSteps'] = [];
  let restarts: RestartStage[] = [];
  const writer = stagingWriter(staging, plan);
  try {
    const write = (file: {path: string; content: string; secret: boolean}) => {
      if (!kept.has(file.path)) written.push(file.path);
      return writer.write(file);
    };
    // The trust map needs only the plan: Graphviz lays it out while the keys are made.
    const trustMap = renderMapSvg(foldMap(buildTrustMap(sourceFromPlan(plan))));
    trustMap.catch(() => {}); // awaited below; a failure then fails the build
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
    const renders = await Promise.allSettled([...renderComponentFiles(plan), ...renderKubeadmFiles(plan, secrets), ...renderMonitoringFiles(plan)].map(file => {
      if (target.existing && readSame(join(target.existing.dir, file.path), file.content)) {
        kept.add(file.path);
        return writer.write(file);
      }
      return write(file);
    }));
    const failed = renders.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all((options.rotation?.files ?? []).map(write));
    const manifest = buildManifest(plan, now);
    // OUT's cluster.yaml is the user's document: edited to the spec, its comments kept. A renewal
    // (or a rotation's phase) applies no edit of it: the file, and the spec OUT records, stay as they were.
    const clusterYaml = target.existing ? readText(join(target.existing.dir, 'cluster.yaml')) : undefined;
    if (options.samePlan) manifest.spec = (target.existing?.manifest as {spec?: typeof manifest.spec} | undefined)?.spec;
    const recorded = withUsers(manifest, target.existing?.manifest);
    // The old CAs of finished rotations (retired/, in no bundle) and their record stay with OUT through every later build.
    const previous = target.existing?.manifest;
    recorded.documents.push(...(previous?.documents ?? []).filter(d => d.path.startsWith(`${RETIRED_DIR}/`)));
    const rotations = [...(previous ? rotationsOf(previous) : []), ...(options.rotation?.record ? [options.rotation.record] : [])];
    if (rotations.length) Object.assign(recorded, {rotations});
    if (options.rotation) {
      recorded.documents.push(...rotationDocuments(options.rotation.files));
      if (options.rotation.state) Object.assign(recorded, {rotation: options.rotation.state});
    }
    // Only files that replace others need a restart: on a first generation nothing runs yet.
    restarts = target.existing ? restartsFor(plan, new Set(written), new Set(Object.keys(target.existing.manifest.nodes ?? {}))) : [];
    const extra: ExtraFile[] = [
      {
        path: 'cluster.yaml', mode: PUBLIC_MODE,
        content: options.samePlan && clusterYaml !== undefined ? clusterYaml
          : clusterYamlText(plan.spec, clusterYaml, `# Written by kubepki ${now.toISOString()}; run again with: kubepki generate --config cluster.yaml --out DIR\n`),
      },
      {path: 'manifest.json', content: `${JSON.stringify(recorded, null, 2)}\n`, mode: PUBLIC_MODE},
      {path: 'verify.sh', content: renderVerifyScript(plan), mode: SCRIPT_MODE},
      {path: 'distribute.sh', content: renderDistributeScript(plan), mode: SCRIPT_MODE},
      {path: 'restart.sh', content: renderRestartScript(plan, restarts), mode: SCRIPT_MODE},
      ...ansibleFiles(plan).map(f => ({...f, mode: PUBLIC_MODE})),
      ...(steps.length ? [{path: 'kubeadm-steps.sh', content: renderKubeadmStepsScript(steps), mode: SCRIPT_MODE}] : []),
      ...(plan.kubeadm?.kubeletApiRbac ? [{path: plan.kubeadm.kubeletApiRbac, content: kubeletApiAdminRbac(plan), mode: PUBLIC_MODE}] : []),
      {path: TRUST_MAP_FILE, content: await trustMap, mode: PUBLIC_MODE},
    ];
    if (await Promise.race([writer.finish(extra), interrupted]) === 'aborted') throw new BuildInterrupted(target.snapshot.state);
    if (target.existing) {
      carryUsers(out, staging);
      carryRetired(out, staging);
      carryRequest(out, staging, target.existing.manifest, options.rotation);
      usersRepointed.push(...repointUsers(staging, target.existing.manifest, manifest, caPem));
    }
    const clusterTrust = options.rotation?.trust.ca;
    if (clusterTrust && target.existing) {
      // The users kubepki signed, issued again by the signer of this phase; every user's kubeconfig then trusts what the cluster CA's file holds.
      const reissued = options.rotation?.users ? reissueUsers(staging, target.existing.manifest, options.rotation.users, clusterTrust.trustPem, now) : [];
      const retrusted = retrustUserKubeconfigs(staging, target.existing.manifest, clusterTrust.trustPem);
      written.push(...new Set([...reissued, ...retrusted]));
    }
    if (target.snapshot.state !== 'absent') {
      // An OUT that exists stays its owner's (root updating a user's OUT leaves it theirs), and
      // kubepki output keeps the mode its owner gave it.
      const before = statSync(claim.target);
      keepOwner(staging, before);
      if (target.snapshot.state === 'occupied') chmodSync(staging, before.mode & 0o7777);
    }
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
    const failure = fileSystemFailure(error);
    if (failure) {
      const state = target.snapshot.state === 'occupied' ? 'it still holds its earlier files, unchanged' : target.snapshot.state === 'empty' ? 'it is still empty' : 'it was not created';
      throw new OutputFailed(`cannot write ${printable(out)}: ${failure}; the unfinished files were removed and ${state}.`);
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
    ...(target.existing ? {before: target.existing.manifest} : {}),
    repaired,
    usersRepointed,
    restarts,
  };
}

/**
 * The leaves OUT holds that `only` does not name and that still match the plan, signed by a CA
 * that is kept; and the files that would have been kept but are damaged (missing, unreadable,
 * a key that is not the certificate's, another CA's signature): those are issued anew and said so.
 * A damaged service-account pair is refused: a new one invalidates every token.
 */
function keptLeaves(out: string, plan: Plan, target: Target, only: ReadonlySet<string>, keepKeys: boolean): {keep: KeptLeaves; repaired: Repaired[]} {
  const existing = target.existing!;
  const keep: KeptLeaves = {certificates: new Map(), kubeconfigs: new Map(), keys: new Map()};
  const repaired: Repaired[] = [];
  for (const c of plan.certificates) {
    const old = existing.certificates.get(c.ref);
    const ca = target.authorities[c.signer];
    if (!old || !ca) continue;
    const damage = old.cert.pem === undefined ? `the certificate is ${old.cert.problem}`
      : old.key.pem === undefined ? `the key is ${old.key.problem}`
        : leafProblem(old.cert.pem, old.key.pem, ca.certPem);
    if (only.has(c.ref)) {
      const keyDamage = old.key.pem === undefined ? `the key is ${old.key.problem}` : keyProblem(old.key.pem);
      const sameKind = old.entry.key === c.key && old.entry.keyType === c.keyType;
      if (keepKeys && sameKind && keyDamage === undefined) keep.keys!.set(c.ref, old.key.pem!);
      if (damage) repaired.push({ref: c.ref, file: c.cert, problem: keepKeys && sameKind && keyDamage ? `${damage}; a new key was made` : damage});
      continue;
    }
    if (leafDifferences(old.entry, c).length > 0) continue;
    if (damage) {
      repaired.push({ref: c.ref, file: c.cert, problem: damage});
      continue;
    }
    keep.certificates.set(c.ref, {certPem: old.cert.pem!, keyPem: old.key.pem!});
  }
  for (const k of plan.kubeconfigs) {
    const old = existing.kubeconfigs.get(k.ref);
    const leaf = keep.certificates.get(k.certificate.ref);
    if (!leaf || !old || kubeconfigDifferences(old.entry, k).length > 0) continue;
    // A kubeconfig embeds its certificate and key: one that no longer does is rendered anew.
    const embeds = (pem: string) => old.file.pem!.includes(Buffer.from(pem).toString('base64'));
    if (old.file.pem !== undefined && embeds(leaf.certPem) && embeds(leaf.keyPem)) keep.kubeconfigs.set(k.ref, old.file.pem);
    else repaired.push({ref: k.ref, file: k.file, problem: old.file.pem === undefined ? `the kubeconfig is ${old.file.problem}` : 'the kubeconfig does not hold its certificate and key'});
  }
  const sa = existing.serviceAccount;
  if (!only.has(SERVICE_ACCOUNT_REF) && serviceAccountDifferences(existing.manifest.serviceAccount, plan.serviceAccount).length === 0) {
    const damage = sa.key.pem === undefined ? `${sa.key.path} is ${sa.key.problem}` : sa.publicKey.pem === undefined ? `${sa.publicKey.path} is ${sa.publicKey.problem}` : keyPairProblem(sa.key.pem, sa.publicKey.pem);
    if (damage) {
      const copy = plan.serviceAccount.keyInstalls[0];
      throw new InputError([
        `--out: ${printable(out)}'s service-account key pair cannot be carried over: ${damage} (${sa.key.path}, ${sa.publicKey.path}). A new pair would make every service-account token invalid. Nothing was changed.`,
        `--out: copy the pair back${copy ? ` from a control-plane node (${copy.node}:${copy.path} and its public key)` : ''} or from a backup; or make a new pair on purpose: kubepki renew ${shellQuote(out)} ${SERVICE_ACCOUNT_REF}.`,
      ]);
    }
    keep.serviceAccount = {keyPem: sa.key.pem!, publicKeyPem: sa.publicKey.pem!};
  }
  return {keep, repaired};
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

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const readSame = (path: string, content: string) => readText(path) === content;
