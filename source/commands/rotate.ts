// `kubepki rotate OUT start AUTHORITY | status [--json] | abort`: the first phase of replacing a
// CA (build/rotate.ts says what a phase is); `issue` and `finish` are not built yet.
import {readFileSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {BuildInterrupted, buildCluster, type BuildReport} from '../build/index.js';
import {redistribution} from '../build/changes.js';
import {
  caIdentity, pemBlocks, rotationFiles, rotationOf, rotationPlan, signingFor, trustBundle,
  type RotationBuild, type RotationFile, type RotationState,
} from '../build/rotate.js';
import {anyRotationOf} from '../build/rotate-service-account.js';
import {readExisting, readManifest} from '../output/existing.js';
import {KEY_ALGORITHMS, keyTypeOf} from '../pki/algorithms.js';
import {createAuthority} from '../pki/certificate.js';
import {createKeyGenerator, KeyGenerationStopped} from '../pki/keys.js';
import {buildPlan} from '../plan/plan.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {specFromFile} from '../spec/load.js';
import {KEY_LABELS} from '../spec/types.js';
import {shellQuote} from '../scripts/shell.js';
import {EXIT, STOP_EXIT, stopped, type Io, type Stop} from './io.js';
import {restartLines} from '../scripts/restart-script.js';
import {Interrupts} from './interrupts.js';
import {isServiceAccountRotation, runServiceAccountRotation} from './rotate-service-account.js';
import {outsideTrustLines, parseCaBundles, renderRotateSteps, ROTATE_STEPS_FILE, type CaBundleRef, type OutsideTrust} from '../scripts/rotate-outside.js';

export const ROTATABLE: readonly AuthorityId[] = ['ca', 'etcd-ca', 'front-proxy-ca'];

export interface RotateOptions {
  out: string;
  action: string;
  authority?: string;
  json: boolean;
  /** --ca-bundle KIND/NAME: caBundles in the cluster that trust the rotated CA (scripts/rotate-outside.ts). */
  caBundles?: string[];
}

export const ROTATE_USAGE = 'rotate needs OUT and an action: kubepki rotate OUT start AUTHORITY (ca, etcd-ca, front-proxy-ca or service-account), kubepki rotate OUT status [--json], kubepki rotate OUT abort; for service-account also issue and finish. (issue and finish of a CA are not built yet.)';

const HOUR_MS = 3_600_000;
const BACKDATE_MS = 5 * 60 * 1000;

export async function runRotate(io: Io, options: RotateOptions): Promise<number> {
  if (options.caBundles?.length && (options.action !== 'start' || options.authority === 'service-account')) throw new InputError(['--ca-bundle names caBundles that trust a CA: give it to rotate OUT start with a CA (finish patches the same objects again)']);
  if (isServiceAccountRotation(options.out, options.action, options.authority)) return runServiceAccountRotation(io, options, run);
  switch (options.action) {
    case 'status': return rotationStatus(io, options.out, options.json);
    case 'start': return run(io, options.out, (plan, signal) => startBuild(io, options.out, plan, options.authority, signal, parseCaBundles(options.caBundles ?? [])));
    case 'abort': return run(io, options.out, plan => abortBuild(options.out, plan));
    default: throw new InputError([`rotate: ${JSON.stringify(options.action)} is not an action here. ${ROTATE_USAGE}`]);
  }
}

function rotationStatus(io: Io, out: string, json: boolean): number {
  const state = rotationOf(readManifest(out)) ?? null;
  if (json) { io.out(`${JSON.stringify({rotation: state}, null, 2)}\n`); return EXIT.ok; }
  if (!state) { io.out(`No rotation under way in ${out}. Start one with: kubepki rotate ${shellQuote(out)} start AUTHORITY\n`); return EXIT.ok; }
  io.out([
    `Rotation of CA ${state.authority} in ${out}: phase start (1 of 3), since ${state.startedAt}.`,
    `  old CA: ${state.old.subject}, SHA-256 ${state.old.fingerprint256}, key id ${state.old.keyId || 'none'}: still signs every certificate`,
    `  new CA: ${state.new.subject}, SHA-256 ${state.new.fingerprint256}, key id ${state.new.keyId} (${state.new.cert}): trusted, signs nothing yet`,
    `  Every trust file of ${state.authority} holds old + new.`,
    ...(state.signing ? [`  The controller-manager signs with the old CA alone: ${state.signing.installs.map(i => `${i.node}:${i.path}`).join(', ')}`] : []),
    'Next: issue (re-issue every leaf from the new CA) and finish are not built yet. To go back to the old CA alone: kubepki rotate ' + `${shellQuote(out)} abort`,
  ].join('\n').concat('\n'));
  return EXIT.ok;
}

interface Phase {
  plan: Plan;
  rotation: RotationBuild;
  report: (build: BuildReport) => string;
}

/** One phase through the engine, with the same interrupt handling as renew. */
async function run(io: Io, out: string, prepare: (plan: Plan, signal: AbortSignal) => Promise<Phase>): Promise<number> {
  const plan = buildPlan(specFromFile(join(out, 'cluster.yaml')));
  const interrupts = new Interrupts();
  try {
    const phase = await prepare(plan, interrupts.signal);
    // samePlan: a phase changes trust only; edits waiting in cluster.yaml are refused, as renew refuses them.
    const build = await buildCluster(phase.plan, out, {force: true, only: new Set(), rotation: phase.rotation, samePlan: true, signal: interrupts.signal});
    const afterWrite = (stop: Stop) => `kubepki: ${stopped(stop)} after ${out} was written: it holds the new phase.\n`;
    if (interrupts.received) { io.err(afterWrite(interrupts.received)); return STOP_EXIT[interrupts.received]; }
    interrupts.written(io.err, afterWrite);
    io.out(phase.report(build));
    return EXIT.ok;
  } catch (error) {
    const {received} = interrupts;
    if (!received || !(error instanceof BuildInterrupted || error instanceof KeyGenerationStopped)) throw error;
    io.err(`\nkubepki: ${stopped(received)}; the unfinished files were removed and ${out} is as it was.\n`);
    return STOP_EXIT[received];
  } finally {
    interrupts.release();
  }
}

function authorityToRotate(plan: Plan, name: string | undefined): AuthorityId {
  if (name === undefined) throw new InputError([`rotate start: name the authority to rotate: ${plan.authorities.map(a => a.id).join(', ')}`]);
  if (name === 'service-account') throw new InputError(['rotate start: rotating the service-account key pair is not built yet; the CAs can be rotated: ' + plan.authorities.map(a => a.id).join(', ')]);
  if (!ROTATABLE.includes(name as AuthorityId)) throw new InputError([`rotate start: ${JSON.stringify(name)} is not an authority; the authorities are ${ROTATABLE.join(', ')}`]);
  if (!plan.authorities.some(a => a.id === name)) {
    throw new InputError([`rotate start: this cluster (pki.authorities: ${plan.topology}) has no ${name}; its CAs: ${plan.authorities.map(a => a.id).join(', ')}`]);
  }
  return name as AuthorityId;
}

async function startBuild(io: Io, out: string, plan: Plan, name: string | undefined, signal: AbortSignal, caBundles: CaBundleRef[] = []): Promise<Phase> {
  const existing = readExisting(out);
  const running = anyRotationOf(existing.manifest);
  if (running) throw new InputError([`rotate start: a rotation of ${running.authority} is already under way in ${out} (phase ${running.phase}, since ${running.startedAt}); one at a time. See kubepki rotate ${shellQuote(out)} status, or go back with kubepki rotate ${shellQuote(out)} abort.`]);
  const id = authorityToRotate(plan, name);
  const authority = plan.authorities.find(a => a.id === id)!;
  const files = existing.authorities.get(id);
  if (files?.cert.pem === undefined) throw new InputError([`rotate start: ${authority.cert} cannot be read (${files?.cert.problem ?? 'not in the manifest'}); nothing was changed.`]);
  if (files.key.pem === undefined) {
    throw new InputError([`rotate start: ${out} does not hold the ${id} key (${authority.key}: ${files.key.problem}): the CA is external. kubepki can rotate a CA only with its key; with an external CA the new CA comes from you (a CSR for it is not built yet). Nothing was changed.`]);
  }
  const oldPem = files.cert.pem;
  if (pemBlocks(oldPem).length !== 1) throw new InputError([`rotate start: ${authority.cert} holds ${pemBlocks(oldPem).length} certificates, expected the CA's one; nothing was changed.`]);
  // The same key type as the old CA; a subject of its own (openssl and Go build chains by
  // subject and key id: a distinct name keeps old and new apart in every chain and every log).
  const now = new Date();
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '');
  const cn = `${authority.cn}-${stamp}Z`;
  const algorithm = KEY_ALGORITHMS[keyTypeOf(files.key.pem)];
  io.err(`kubepki: making the new ${id} CA (${KEY_LABELS[algorithm.type]})\n`);
  const pair = await createKeyGenerator(1, signal)(algorithm);
  const {pem: newPem} = createAuthority({
    subject: {cn, organizations: []}, publicKey: pair.spki, algorithm, dnsNames: [cn], ipAddresses: [],
    notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + authority.validityHours * HOUR_MS),
  }, pair.privateKeyPem);
  const paths = rotationFiles(id);
  const state: RotationState = {
    authority: id, phase: 'start', startedAt: now.toISOString(),
    old: {...caIdentity(oldPem), cert: paths.old},
    new: {...caIdentity(newPem), cert: paths.newCert, key: paths.newKey},
    ...(signingFor(plan, id, paths.old) ? {signing: signingFor(plan, id, paths.old)} : {}),
    ...(caBundles.length ? {caBundles: caBundles.map(r => `${r.kind}/${r.name}`)} : {}),
  };
  const outside: OutsideTrust = {phase: 'start', authority: id, file: authority.cert, caBundles};
  const steps: RotationFile = {path: ROTATE_STEPS_FILE, content: renderRotateSteps(plan, outside), secret: false, kind: 'rotation: the steps for trust kubepki did not write'};
  const rotation: RotationBuild = {
    trust: {[id]: {signerPem: oldPem, trustPem: trustBundle(oldPem, newPem)}},
    files: [
      {path: paths.old, content: oldPem, secret: false},
      {path: paths.newCert, content: newPem, secret: false},
      {path: paths.newKey, content: pair.privateKeyPem, secret: true},
      steps,
    ],
    state,
    basedOn: undefined,
  };
  return {plan: rotationPlan(plan, state), rotation, report: build => startReport(build, state) + outsideTrustLines(build.plan, out, outside).map(l => `${l}\n`).join('')};
}

function startReport(build: BuildReport, state: RotationState): string {
  const {plan} = build;
  const out = build.out;
  const written = new Set(build.written);
  const kubeconfigs = plan.kubeconfigs.filter(k => k.authority === state.authority && written.has(k.file)).map(k => k.ref);
  const users = build.written.filter(f => f.startsWith('users/'));
  const trustCopies = Object.values(plan.bundles).flat().filter(f => f.source === plan.authorities.find(a => a.id === state.authority)!.cert).length;
  const leaves = plan.certificates.filter(c => build.kept.includes(c.cert)).length;
  const layout = plan.layout;
  return [
    `Started the rotation of CA ${state.authority} in ${out} (phase 1 of 3: start).`,
    `  old CA: ${state.old.subject}, SHA-256 ${state.old.fingerprint256}: still signs every certificate`,
    `  new CA: ${state.new.subject}, SHA-256 ${state.new.fingerprint256} (${state.new.cert}): trusted from now on, signs nothing yet`,
    `Trust now old + new: ${plan.authorities.find(a => a.id === state.authority)!.cert} and its ${trustCopies} copies on the nodes${kubeconfigs.length ? `; ${kubeconfigs.length} kubeconfigs (${kubeconfigs.join(', ')})` : ''}${users.length ? `; ${users.length} users' kubeconfigs` : ''}.`,
    `Kept byte-identical: ${leaves} of ${plan.certificates.length} certificates (every leaf; the old CA still signs them).`,
    ...(state.signing ? [layout === 'hard-way'
      ? `The controller-manager keeps signing with the old CA alone: its unit's --cluster-signing-cert-file now names ${state.signing.installs[0]!.path} (one certificate; its signer refuses a bundle) and --root-ca-file the bundle.`
      : `The controller-manager must keep signing with the old CA alone: its signer refuses a file with two certificates, and kubeadm points --cluster-signing-cert-file at ca.crt, now the bundle. Before restarting it, set --cluster-signing-cert-file=${state.signing.installs[0]!.path} in /etc/kubernetes/manifests/kube-controller-manager.yaml on each control-plane node (the workaround of the Kubernetes task page "Manual Rotation of CA Certificates"); --root-ca-file keeps ca.crt, the bundle.`] : []),
    '',
    ...redistribution(build.nodesToRedistribute, out),
    // The restart steps come from the plan's readers of the files this phase wrote (scripts/restart-script.ts), as after renew.
    ...restartLines(plan, build.restarts, out),
    `Next: kubepki rotate ${shellQuote(out)} status. The next phases (issue, finish) are not built yet; to go back to the old CA alone: kubepki rotate ${shellQuote(out)} abort.`,
  ].join('\n').concat('\n');
}

async function abortBuild(out: string, plan: Plan): Promise<Phase> {
  const existing = readExisting(out);
  const state = rotationOf(existing.manifest);
  if (!state) throw new InputError([`rotate abort: no rotation is under way in ${out}; nothing was changed.`]);
  const oldPem = readFileOrRefuse(out, state.old.cert);
  if (caIdentity(oldPem).fingerprint256 !== state.old.fingerprint256) {
    throw new InputError([`rotate abort: ${state.old.cert} is no longer the old CA the manifest records (SHA-256 ${state.old.fingerprint256}); nothing was changed.`]);
  }
  const rotation: RotationBuild = {trust: {[state.authority]: {signerPem: oldPem, trustPem: oldPem}}, files: [], state: undefined, basedOn: state};
  return {
    plan,
    rotation,
    report: build => [
      `Aborted the rotation of CA ${state.authority} in ${build.out}: every trust file holds the old CA alone again, and the new CA (${state.new.subject}) is gone.`,
      '',
      ...redistribution(build.nodesToRedistribute, build.out),
      ...(state.signing && plan.layout === 'kubeadm' ? [`Before the controller-manager restarts, its --cluster-signing-cert-file may name ca.crt again, a single certificate once more (kubepki no longer ships ${state.signing.installs[0]!.path}; distribute.sh leaves the copy on the nodes).`] : []),
      ...restartLines(plan, build.restarts, build.out),
    ].join('\n').concat('\n'),
  };
}

function readFileOrRefuse(out: string, path: string): string {
  // The manifest is input: its rotation's paths must stay inside OUT, like every other path in it.
  if (typeof path !== 'string' || path === '' || isAbsolute(path) || path.split('/').includes('..')) {
    throw new InputError([`rotate: manifest.json's rotation names ${JSON.stringify(path)}, not a path inside ${out}; nothing was changed.`]);
  }
  try {
    return readFileSync(join(out, path), 'utf8');
  } catch {
    throw new InputError([`rotate: ${path} cannot be read; nothing was changed.`]);
  }
}
