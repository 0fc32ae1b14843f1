// `kubepki rotate OUT start AUTHORITY | issue [--new-keys] | finish | status [--json] | abort`:
// replacing a CA in three phases (build/rotate.ts says what each phase writes). Each phase is a
// function returning a Phase — the plan, the rotation the engine writes, the leaves it issues
// anew, and the report — and `run` puts it through the one engine (lock, staging, swap).
import {X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {BuildInterrupted, buildCluster, type BuildReport} from '../build/index.js';
import {redistribution} from '../build/changes.js';
import {
  backToStart, caIdentity, keyLabel, PHASES, pemBlocks, publicKey256, retiredDir, rotationFiles, rotationOf, rotationPlan, rotationsOf, signingFor, startRotation, trustBundle,
  type RotationBuild, type RotationFile, type RotationPhase, type RotationRecord, type RotationState,
} from '../build/rotate.js';
import {anyRotationOf, SERVICE_ACCOUNT_AUTHORITY} from '../build/rotate-service-account.js';
import {csrObjectName, csrSigningCommands} from '../build/users.js';
import type {RotationStep} from '../build/rotation-timeline.js';
import {checkNewCaCertificate, dropRequest, pendingRequestOf, type SuppliedCa} from '../build/rotate-request.js';
import {newCaCn, pendingRequestIn, requestNewCa, requestStatus} from './rotate-request.js';
import {readExisting, readManifest, type ExistingOut} from '../output/existing.js';
import {usersOf} from '../output/users.js';
import {KEY_ALGORITHMS, keyTypeOf} from '../pki/algorithms.js';
import {createAuthority} from '../pki/certificate.js';
import {createKeyGenerator, KeyGenerationStopped} from '../pki/keys.js';
import {buildPlan} from '../plan/plan.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {specFromFile} from '../spec/load.js';
import {KEY_LABELS, KEY_TYPES, type KeyType} from '../spec/types.js';
import {shellQuote} from '../scripts/shell.js';
import {caCertHash} from '../scripts/kubeadm-config.js';
import {EXIT, STOP_EXIT, stopped, type Io, type Stop} from './io.js';
import {apiserverCount, APISERVER_SETTLE_SECONDS, GATE_SECONDS, restartLines} from '../scripts/restart-script.js';
import {Interrupts} from './interrupts.js';
import {isServiceAccountRotation, serviceAccountStatus, serviceAccountStep} from './rotate-service-account.js';
import {bootstrappedKubelets, KUBELET_PKI, outsideTrustLines, outsideTrustSections, parseCaBundles, renderRotateSteps, ROTATE_STEPS_FILE, type CaBundleRef, type OutsideTrust} from '../scripts/rotate-outside.js';

export const ROTATABLE: readonly AuthorityId[] = ['ca', 'etcd-ca', 'front-proxy-ca'];

export interface RotateOptions {
  out: string;
  action: string;
  authority?: string;
  json: boolean;
  /** issue: new key pairs for the re-issued leaves (default: each keeps its key). */
  newKeys?: boolean;
  /** A cluster with one apiserver: rotate anyway, each phase's restart an outage. */
  allowOutage?: boolean;
  /** --ca-bundle KIND/NAME: caBundles in the cluster that trust the rotated CA (scripts/rotate-outside.ts). */
  caBundles?: string[];
  /** start: the new CA's key and a certification request for the user's own root to sign (commands/rotate-request.ts); nothing else written. */
  csr?: boolean;
  /** start: the certificate the root issued for the waiting --csr request: the new CA. */
  certificate?: string;
  /** start (and --csr): the new CA's key type (a CA only: the service-account pair's is pki.key's); none: the old one's. */
  keyType?: string;
}

export const ROTATE_USAGE = 'rotate needs OUT and an action: kubepki rotate OUT start AUTHORITY (ca, etcd-ca, front-proxy-ca or service-account) [--key-type TYPE] [--ca-bundle KIND/NAME] [--csr | --certificate FILE], kubepki rotate OUT issue [--new-keys], kubepki rotate OUT finish, kubepki rotate OUT status [--json], kubepki rotate OUT abort; --allow-outage with a single apiserver.';

const HOUR_MS = 3_600_000;
const BACKDATE_MS = 5 * 60 * 1000;

/** What one phase hands the engine, and how it reports what the engine did. */
export interface Phase {
  plan: Plan;
  rotation: RotationBuild;
  /** The leaves (plan refs) the new signer issues anew; none: every leaf is kept. */
  only?: ReadonlySet<string>;
  /** With only: around the keys they have. */
  keepKeys?: boolean;
  report: (build: BuildReport) => string;
}

export async function runRotate(io: Io, options: RotateOptions): Promise<number> {
  if (options.caBundles?.length && (options.action !== 'start' || options.authority === SERVICE_ACCOUNT_AUTHORITY)) throw new InputError(['--ca-bundle names caBundles that trust a CA: give it to rotate OUT start with a CA (finish patches the same objects again)']);
  if ((options.csr || options.certificate !== undefined) && (options.action !== 'start' || options.authority === SERVICE_ACCOUNT_AUTHORITY)) throw new InputError([`${options.csr ? '--csr' : '--certificate'} asks for a new CA signed by your own root: give it to rotate OUT start with a CA (ca, etcd-ca, front-proxy-ca)`]);
  if (options.csr && options.certificate !== undefined) throw new InputError(['--csr and --certificate: first --csr (the request), then, with the certificate your root issued for it, --certificate FILE']);
  const keyType = newKeyType(options);
  if (options.csr) {
    const plan = buildPlan(specFromFile(join(options.out, 'cluster.yaml')));
    const id = authorityToRotate(plan, options.authority);
    // Refused now rather than after the root's holder has signed.
    refuseOutage(plan, 'start', options.allowOutage);
    return requestNewCa(io, options.out, plan, id, keyType);
  }
  // A request waiting (no rotation yet): abort drops it (status says so, start of another authority is refused).
  if (options.action === 'abort' && pendingRequestIn(options.out)) {
    const dropped = dropRequest(options.out);
    io.out(dropped ? `Dropped the request for a new ${dropped.authority} CA in ${options.out}: ${dropped.csr} and its key ${dropped.key} are removed; no rotation had started, nothing else changed.\n` : `Nothing to drop in ${options.out}.\n`);
    return EXIT.ok;
  }
  if (options.action === 'status') return isServiceAccountRotation(options.out, 'status', undefined) ? serviceAccountStatus(io, options.out, options.json) : rotationStatus(io, options.out, options.json);
  if (!isRotationStep(options.action)) throw new InputError([`rotate: ${JSON.stringify(options.action)} is not an action here. ${ROTATE_USAGE}`]);
  return run(io, options.out, options.action, options);
}

/**
 * --key-type: the new CA's key type, given to start (or --csr, which makes the key)
 * alone; none: the old one's.
 */
function newKeyType(options: Pick<RotateOptions, 'keyType' | 'action' | 'certificate' | 'authority'>): KeyType | undefined {
  const {keyType} = options;
  if (keyType === undefined) return undefined;
  if (!(KEY_TYPES as readonly string[]).includes(keyType)) throw new InputError([`--key-type: ${JSON.stringify(keyType)} is not a key type; one of ${KEY_TYPES.join(', ')}. Nothing was changed.`]);
  if (options.action !== 'start') throw new InputError([`--key-type is the new CA's key type: give it to rotate OUT start; ${options.action} makes no CA. Nothing was changed.`]);
  if (options.certificate !== undefined) throw new InputError(['--key-type with --certificate: the new CA\'s key was made by start --csr (give --key-type there); nothing was changed.']);
  // The pair's key type is pki.key's, as every leaf's (generate --update makes a new pair when they differ, and that ends every token): a CA's is its own.
  if (options.authority === SERVICE_ACCOUNT_AUTHORITY) throw new InputError([`--key-type: the service-account key pair's key type is pki.key in cluster.yaml, as every leaf's (a pair of another type would be replaced by the next generate --update, ending every token); the new pair is of the old one's type. --key-type is for a CA (${ROTATABLE.join(', ')}). Nothing was changed.`]);
  return keyType as KeyType;
}

/** Each step of a rotation by name: the CLI and the wizard's "Rotate a CA" run the same ones. */
const ROTATION_STEPS: Record<RotationStep, (options: RotateOptions, plan: Plan, signal: AbortSignal, io: Io) => Promise<Phase> | Phase> = {
  start: (options, plan, signal, io) => startPhase(io, options, plan, signal, parseCaBundles(options.caBundles ?? [])),
  issue: (options, plan) => issuePhase(options, plan),
  finish: (options, plan) => finishPhase(options, plan),
  abort: (options, plan) => abortPhase(options.out, plan),
};

export const isRotationStep = (name: string): name is RotationStep => Object.hasOwn(ROTATION_STEPS, name);

export interface RotationStepOptions extends Pick<RotateOptions, 'authority' | 'newKeys' | 'allowOutage' | 'caBundles' | 'certificate' | 'keyType'> {
  signal?: AbortSignal;
  /** Where a step says what it is doing while it runs (the CLI's stderr); none: silent. */
  io?: Io;
}

export interface RotationStepOutcome {
  build: BuildReport;
  /** What the step did, what to distribute and the restart steps, as the CLI prints them. */
  report: string;
}

const SILENT: Io = {out: () => {}, err: () => {}};

/** One step through the engine (lock, staging, swap, restart.sh), as `kubepki rotate OUT STEP` runs it. */
export async function runRotationStep(out: string, step: RotationStep, options: RotationStepOptions = {}): Promise<RotationStepOutcome> {
  const plan = buildPlan(specFromFile(join(out, 'cluster.yaml')));
  const signal = options.signal ?? new AbortController().signal;
  const {authority, newKeys, allowOutage, caBundles, certificate, keyType} = options;
  const io = options.io ?? SILENT;
  const stepOptions = {out, action: step, json: false, authority, newKeys, allowOutage, caBundles, certificate, keyType};
  newKeyType(stepOptions);
  const waiting = step === 'start' && authority === SERVICE_ACCOUNT_AUTHORITY ? pendingRequestIn(out) : undefined;
  if (waiting) throw new InputError([`rotate start: a request for a new ${waiting.authority} CA waits in ${out} (${waiting.csr}): one rotation at a time. Give its certificate with kubepki rotate ${q(out)} start ${waiting.authority} --certificate FILE, or drop it with kubepki rotate ${q(out)} abort. Nothing was changed.`]);
  // The service-account pair rotates through the same steps (commands/rotate-service-account.ts says what each does).
  const phase = isServiceAccountRotation(out, step, authority)
    ? await serviceAccountStep(stepOptions, plan, signal, io, refuseOutage)
    : await ROTATION_STEPS[step](stepOptions, plan, signal, io);
  io.err(`kubepki: writing rotate ${step} into ${out}\n`);
  // samePlan: a phase changes trust and signers only; edits waiting in cluster.yaml are refused, as renew refuses them.
  const build = await buildCluster(phase.plan, out, {
    force: true, only: phase.only ?? new Set(), keepKeys: phase.keepKeys, rotation: phase.rotation, samePlan: true, signal,
  });
  return {build, report: phase.report(build)};
}

const phaseNumber = (phase: RotationPhase | 'finish') => PHASES.indexOf(phase) + 1;
const q = shellQuote;

/** What abort does in `phase`, as a command: from issue one phase back (a second abort then goes to the old CA alone). */
function abortStep(out: string, phase: RotationPhase): string {
  return phase === 'start'
    ? `To go back to the old CA alone: kubepki rotate ${q(out)} abort`
    : `To go back to phase start (the old CA signs again, leaves issued anew by it, trust still old + new): kubepki rotate ${q(out)} abort; a second abort, once every node has those files, goes back to the old CA alone`;
}

/** The next step of a rotation in `phase`, as a command. */
function nextStep(out: string, phase: RotationPhase): string {
  return phase === 'start'
    ? `kubepki rotate ${q(out)} issue   (once every node has start's files and restarted: the new CA then signs every leaf)`
    : `kubepki rotate ${q(out)} finish   (once every node has issue's files and restarted: trust becomes the new CA alone)`;
}

function rotationStatus(io: Io, out: string, json: boolean): number {
  const manifest = readManifest(out);
  const state = rotationOf(manifest) ?? null;
  const history = rotationsOf(manifest);
  // A --csr request waiting for its certificate: the rotation has not started.
  const request = pendingRequestOf(out, manifest);
  if (json) {
    io.out(`${JSON.stringify({
      rotation: state,
      ...(state ? {phase: {name: state.phase, number: phaseNumber(state.phase), of: PHASES.length}, next: state.phase === 'start' ? 'issue' : 'finish'} : {}),
      ...(request ? {request: {...request, waitsFor: 'certificate'}, next: 'start --certificate'} : {}),
      rotations: history,
    }, null, 2)}\n`);
    return EXIT.ok;
  }
  const finished = history.map(r => `  finished: ${r.authority} on ${r.finishedAt.slice(0, 10)} (old ${r.authority === SERVICE_ACCOUNT_AUTHORITY ? 'key' : 'CA'} ${r.old.fingerprint256.slice(0, 11)}… retired to ${r.retired}/)`);
  if (!state) {
    io.out([...(request ? requestStatus(out, request) : [`No rotation under way in ${out}. Start one with: kubepki rotate ${q(out)} start AUTHORITY`]), ...finished].join('\n').concat('\n'));
    return EXIT.ok;
  }
  const issued = state.issued;
  io.out([
    `Rotation of CA ${state.authority} in ${out}: phase ${state.phase} (${phaseNumber(state.phase)} of ${PHASES.length}), started ${state.startedAt}${state.issuedAt ? `, issued ${state.issuedAt}` : ''}.`,
    `  old CA: ${state.old.subject}${keyLabel(state.old)}, SHA-256 ${state.old.fingerprint256}, key id ${state.old.keyId || 'none'}: ${state.phase === 'start' ? 'still signs every certificate' : `trusted, signs nothing (its key: ${state.old.key})`}`,
    `  new CA: ${state.new.subject}${keyLabel(state.new)}, SHA-256 ${state.new.fingerprint256}, key id ${state.new.keyId} (${state.new.cert}): ${state.phase === 'start' ? 'trusted, signs nothing yet' : `signs every certificate of ${state.authority} (its key: ${state.new.key})`}`,
    `  1. start: every trust file of the authority became old + new; ${state.backFromIssueAt ? `every leaf kept, then issued anew by the old CA when an abort went back from issue (${state.backFromIssueAt})` : 'every leaf kept'}.`,
    ...(issued ? [`  2. issue: ${issued.leaves} certificates issued anew by the new CA (${issued.newKeys ? 'new keys' : 'keys kept'})${issued.users.length ? `; users ${issued.users.join(', ')}` : ''}${issued.csrUsers.length ? `; --csr users left to the cluster to sign: ${issued.csrUsers.join(', ')}` : ''}.`] : []),
    ...(state.signing ? [`  The controller-manager signs with ${state.phase === 'start' ? 'the old' : 'the new'} CA alone: ${state.signing.installs.map(i => `${i.node}:${i.path}`).join(', ')}`] : []),
    `Next: ${nextStep(out, state.phase)}. ${abortStep(out, state.phase)}.`,
    ...finished,
  ].join('\n').concat('\n'));
  return EXIT.ok;
}

/** One step through the engine, with the same interrupt handling as renew. */
async function run(io: Io, out: string, step: RotationStep, options: RotateOptions): Promise<number> {
  const interrupts = new Interrupts();
  try {
    const {report} = await runRotationStep(out, step, {...options, signal: interrupts.signal, io});
    const afterWrite = (stop: Stop) => `kubepki: ${stopped(stop)} after ${out} was written: it holds the new phase.\n`;
    if (interrupts.received) { io.err(afterWrite(interrupts.received)); return STOP_EXIT[interrupts.received]; }
    interrupts.written(io.err, afterWrite);
    io.out(report);
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

/**
 * Every phase restarts every apiserver (each reads the authority's trust and holds leaves it
 * signs): with several behind the endpoint the others answer meanwhile; with one, each restart
 * is an outage. Refused unless the operator says so.
 */
export function refuseOutage(plan: Plan, action: string, allowOutage: boolean | undefined): void {
  if (allowOutage || apiserverCount(plan) !== 1) return;
  const node = plan.reads.find(r => r.component === 'kube-apiserver')?.node ?? 'its node';
  const howLong = plan.layout === 'kubeadm'
    ? `about 40-60 s each time (a static pod: the kubelet sees its manifest leave and come back in up to 20 s each, then the apiserver starts; restart.sh waits up to ${GATE_SECONDS.staticPod} s for /readyz)`
    : `about 5-30 s each time (systemctl restart until /readyz answers; restart.sh waits up to ${GATE_SECONDS.unit} s)`;
  throw new InputError([
    `rotate ${action}: this cluster has a single apiserver (${node}). Every phase of a rotation restarts it (start, issue and finish each change files it reads), and with one apiserver each restart is an outage of the API: ${howLong}. Without downtime it needs two or more apiservers behind the endpoint (a load balancer checking /readyz; restart.sh gives each ${APISERVER_SETTLE_SECONDS} s to rejoin).`,
    `rotate ${action}: to rotate anyway, accepting those outages, add --allow-outage. Nothing was changed.`,
  ]);
}

function authorityToRotate(plan: Plan, name: string | undefined): AuthorityId {
  if (name === undefined) throw new InputError([`rotate start: name the authority to rotate: ${plan.authorities.map(a => a.id).join(', ')}`]);
  if (!ROTATABLE.includes(name as AuthorityId)) throw new InputError([`rotate start: ${JSON.stringify(name)} is not an authority; the authorities are ${ROTATABLE.join(', ')}`]);
  if (!plan.authorities.some(a => a.id === name)) {
    throw new InputError([`rotate start: this cluster (pki.authorities: ${plan.topology}) has no ${name}; its CAs: ${plan.authorities.map(a => a.id).join(', ')}`]);
  }
  return name as AuthorityId;
}

async function startPhase(io: Io, options: RotateOptions, plan: Plan, signal: AbortSignal, caBundles: CaBundleRef[] = []): Promise<Phase> {
  const {out} = options;
  const existing = readExisting(out);
  const running = anyRotationOf(existing.manifest);
  if (running) throw new InputError([`rotate start: a rotation of ${running.authority} is already under way in ${out} (phase ${running.phase}, since ${running.startedAt}); one at a time. See kubepki rotate ${q(out)} status, or go back with kubepki rotate ${q(out)} abort.`]);
  const id = authorityToRotate(plan, options.authority);
  refuseOutage(plan, 'start', options.allowOutage);
  const authority = plan.authorities.find(a => a.id === id)!;
  const files = existing.authorities.get(id);
  if (files?.cert.pem === undefined) throw new InputError([`rotate start: ${authority.cert} cannot be read (${files?.cert.problem ?? 'not in the manifest'}); nothing was changed.`]);
  const request = pendingRequestOf(out, existing.manifest);
  if (request && (request.authority !== id || options.certificate === undefined)) {
    throw new InputError([`rotate start: a request for a new ${request.authority} CA waits in ${out} (${request.csr}): give its certificate with kubepki rotate ${q(out)} start ${request.authority} --certificate FILE, or drop it with kubepki rotate ${q(out)} abort. Nothing was changed.`]);
  }
  if (options.certificate !== undefined && !request) throw new InputError([`rotate start --certificate: no request for a new ${id} CA waits in ${out}: first kubepki rotate ${q(out)} start ${id} --csr (its key is made here), then have your root CA sign it. Nothing was changed.`]);
  if (files.key.pem === undefined && !request) {
    throw new InputError([`rotate start: ${out} does not hold the ${id} key (${authority.key}: ${files.key.problem}): the CA is external, and kubepki cannot make the new CA alone. Have your own root CA sign it: kubepki rotate ${q(out)} start ${id} --csr writes the new CA's key and a request for it (and prints the openssl command that signs it), then kubepki rotate ${q(out)} start ${id} --certificate FILE starts the rotation with the certificate. Nothing was changed.`]);
  }
  const oldPem = files.cert.pem;
  if (pemBlocks(oldPem).length !== 1) throw new InputError([`rotate start: ${authority.cert} holds ${pemBlocks(oldPem).length} certificates, expected the CA's one; nothing was changed.`]);
  const now = new Date();
  let newPem: string;
  let newKeyPem: string;
  let supplied: SuppliedCa | undefined;
  if (request) {
    // The new CA from the user's root: the key --csr made, the certificate checked against it (build/rotate-request.ts).
    newKeyPem = readFileOrRefuse(out, request.key);
    const leaves = plan.certificates.filter(c => c.signer === id);
    const leafNames = {dns: [...new Set(leaves.flatMap(c => c.dnsNames))], ip: [...new Set(leaves.flatMap(c => c.ipAddresses))]};
    supplied = checkNewCaCertificate(options.certificate!, request, newKeyPem, oldPem, leafNames, now);
    newPem = supplied.pem;
  } else {
    // The old CA's key type unless --key-type; a subject of its own (openssl and Go build chains by
    // subject and key id: a distinct name keeps old and new apart in every chain and every log).
    const cn = newCaCn(authority.cn, now);
    const algorithm = KEY_ALGORITHMS[newKeyType(options) ?? keyTypeOf(files.key.pem!)];
    io.err(`kubepki: making the new ${id} CA (${KEY_LABELS[algorithm.type]})\n`);
    const pair = await createKeyGenerator(1, signal)(algorithm);
    newKeyPem = pair.privateKeyPem;
    newPem = createAuthority({
      subject: {cn, organizations: []}, publicKey: pair.spki, algorithm, dnsNames: [cn], ipAddresses: [],
      notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + authority.validityHours * HOUR_MS),
    }, pair.privateKeyPem).pem;
  }
  const paths = rotationFiles(id);
  const signing = signingFor(plan, id, paths.old);
  const state: RotationState = {
    authority: id, phase: 'start', startedAt: now.toISOString(),
    old: {...caIdentity(oldPem), cert: paths.old, ...(files.key.pem === undefined ? {keyless: true} : {})},
    new: {...caIdentity(newPem), cert: paths.newCert, key: paths.newKey, ...(supplied ? {issuer: supplied.issuer} : {})},
    ...(signing ? {signing} : {}),
    ...(caBundles.length ? {caBundles: caBundles.map(r => `${r.kind}/${r.name}`)} : {}),
  };
  const outside: OutsideTrust = {phase: 'start', authority: id, file: authority.cert, caBundles};
  const rotation = startRotation(id, {oldPem, newPem, newKeyPem}, state, undefined, [rotateStepsFile(plan, outside)]);
  return {plan: rotationPlan(plan, state), rotation, report: build => startReport(build, state) + outsideLines(build, outside)};
}

/** OUT/rotate-steps.sh of a CA's phase: the steps for the trust kubepki did not write (scripts/rotate-outside.ts). */
const rotateStepsFile = (plan: Plan, outside: OutsideTrust): RotationFile =>
  ({path: ROTATE_STEPS_FILE, content: renderRotateSteps(plan, outside), secret: false, kind: `rotation: the steps for trust kubepki did not write (${outside.phase === 'back' ? 'abort after issue' : outside.phase})`});

/** Those steps as the phase prints them, after its own report. */
const outsideLines = (build: BuildReport, outside: OutsideTrust) => outsideTrustLines(build.plan, build.out, outside).map(l => `${l}\n`).join('');

/** How many copies of the authority's certificate file the nodes hold; the kubeconfigs and users' kubeconfigs this build rewrote. */
function trustWritten(build: BuildReport, id: AuthorityId) {
  const {plan} = build;
  const written = new Set(build.written);
  const cert = plan.authorities.find(a => a.id === id)!.cert;
  return {
    cert,
    copies: Object.values(plan.bundles).flat().filter(f => f.source === cert).length,
    kubeconfigs: plan.kubeconfigs.filter(k => k.authority === id && written.has(k.file)).map(k => k.ref),
    users: build.written.filter(f => f.startsWith('users/') && f.endsWith('.conf')),
  };
}

/** Users' kubeconfigs the build rewrote: they leave OUT by hand (`why`: what an earlier one does wrong). */
const usersAgain = (build: BuildReport, why = 'a user left with an earlier one is refused once the rotation finishes') => {
  const users = build.written.filter(f => f.startsWith('users/') && f.endsWith('.conf'));
  return users.length ? [`Hand each user their kubeconfig again before the restarts below (${why}): ${users.join(', ')}.`] : [];
};

const trustLine = (build: BuildReport, id: AuthorityId, what: string) => {
  const t = trustWritten(build, id);
  return [
    `Trust now ${what}: ${t.cert} and its ${t.copies} copies on the nodes${t.kubeconfigs.length ? `; ${t.kubeconfigs.length} kubeconfigs (${t.kubeconfigs.join(', ')})` : ''}${t.users.length ? `; ${t.users.length} users' kubeconfigs` : ''}.`,
    // Found by the zero-downtime proof: nothing else tells the operator that these leave OUT by hand.
    ...usersAgain(build),
    ...(id === 'ca' ? [`A load balancer in front of the apiservers that verifies their certificates must trust ${t.cert} as it is now before the apiservers restart (from issue on they present certificates of the new CA).`] : []),
  ].join('\n');
};

/** What every phase ends with: which nodes get files, what restarts (from the plan's readers of the files written, as restart.sh holds them), the next step. */
function stepsAndNext(build: BuildReport, next: string): string[] {
  return [
    '',
    ...redistribution(build.nodesToRedistribute, build.out),
    ...restartLines(build.plan, build.restarts, build.out),
    next,
  ];
}

function startReport(build: BuildReport, state: RotationState): string {
  const {plan, out} = build;
  const leaves = plan.certificates.filter(c => build.kept.includes(c.cert)).length;
  return [
    `Started the rotation of CA ${state.authority} in ${out} (phase 1 of 3: start).`,
    `  old CA: ${state.old.subject}${keyLabel(state.old)}, SHA-256 ${state.old.fingerprint256}: still signs every certificate`,
    `  new CA: ${state.new.subject}${keyLabel(state.new)}, SHA-256 ${state.new.fingerprint256} (${state.new.cert}): trusted from now on, signs nothing yet`,
    ...(state.new.issuer ? [`  new CA signed by your root ${state.new.issuer}: the cluster trusts the new CA certificate itself, not the root${state.old.keyless ? `; the old CA's key is not in ${out} (external), so no leaf is issued until issue` : ''}`] : []),
    trustLine(build, state.authority, 'old + new'),
    `Kept byte-identical: ${leaves} of ${plan.certificates.length} certificates (every leaf; the old CA still signs them).`,
    ...(state.signing ? [plan.layout === 'hard-way'
      ? `The controller-manager keeps signing with the old CA alone: its unit's --cluster-signing-cert-file now names ${state.signing.installs[0]!.path} (one certificate; its signer refuses a bundle) and --root-ca-file the bundle.`
      : `The controller-manager must keep signing with the old CA alone: its signer refuses a file with two certificates, and kubeadm points --cluster-signing-cert-file at ca.crt, now the bundle. Before restarting it, set --cluster-signing-cert-file=${state.signing.installs[0]!.path} in /etc/kubernetes/manifests/kube-controller-manager.yaml on each control-plane node (the workaround of the Kubernetes task page "Manual Rotation of CA Certificates"); --root-ca-file keeps ca.crt, the bundle.`] : []),
    ...stepsAndNext(build, `Next: ${nextStep(out, 'start')}. ${abortStep(out, 'start')}.`),
  ].join('\n').concat('\n');
}

/** The rotation under way, in the phase `action` follows; else exit 2 naming where OUT stands. */
function rotationIn(out: string, existing: ExistingOut, action: 'issue' | 'finish'): RotationState {
  const state = rotationOf(existing.manifest);
  const after: RotationPhase = action === 'issue' ? 'start' : 'issue';
  if (!state) throw new InputError([`rotate ${action}: no rotation is under way in ${out}; ${action} comes after ${after}${after === 'start' ? `: kubepki rotate ${q(out)} start AUTHORITY` : ''}. Nothing was changed.`]);
  if (state.phase !== after) {
    throw new InputError([state.phase === 'start'
      ? `rotate ${action}: the rotation of ${state.authority} in ${out} is in phase start (1 of 3); finish comes after issue: kubepki rotate ${q(out)} issue first. Nothing was changed.`
      : `rotate ${action}: the rotation of ${state.authority} in ${out} is already in phase ${state.phase} (${phaseNumber(state.phase)} of 3, since ${state.issuedAt}); next: kubepki rotate ${q(out)} finish. Nothing was changed.`]);
  }
  return state;
}

/** A CA certificate the rotation names, read from OUT and checked to be the one it recorded. */
function recordedCa(out: string, path: string, fingerprint256: string, what: string, action: string): string {
  const pem = readFileOrRefuse(out, path);
  if (pemBlocks(pem).length !== 1 || caIdentity(pem).fingerprint256 !== fingerprint256) {
    throw new InputError([`rotate ${action}: ${path} is no longer the ${what} CA the manifest records (SHA-256 ${fingerprint256}); nothing was changed.`]);
  }
  return pem;
}

/** A key the rotation names, read from OUT and checked to be `certPem`'s. */
function keyOf(out: string, path: string, certPem: string, what: string, action: string): string {
  const pem = readFileOrRefuse(out, path);
  let matches = false;
  try {
    matches = publicKey256(pem) === publicKey256(certPem);
  } catch {
    matches = false;
  }
  if (!matches) throw new InputError([`rotate ${action}: ${path} is not the key of the ${what} CA (${caIdentity(certPem).subject}); nothing was changed.`]);
  return pem;
}

/** The leaves an authority signs (plan refs): what issue (and abort after it) issues anew. */
const leavesOf = (plan: Plan, id: AuthorityId) => new Set(plan.certificates.filter(c => c.signer === id).map(c => c.ref));

/** What issue and finish start from: the rotation in the phase before theirs, and both CAs as it records them. */
function phaseBefore(options: RotateOptions, plan: Plan, action: 'issue' | 'finish') {
  const {out} = options;
  const existing = readExisting(out);
  const state = rotationIn(out, existing, action);
  refuseOutage(plan, action, options.allowOutage);
  const id = state.authority;
  return {
    out, existing, state, id, authority: plan.authorities.find(a => a.id === id)!,
    oldPem: recordedCa(out, state.old.cert, state.old.fingerprint256, 'old', action),
    newPem: recordedCa(out, state.new.cert, state.new.fingerprint256, 'new', action),
  };
}

function issuePhase(options: RotateOptions, plan: Plan): Phase {
  const {out, existing, state, id, authority, oldPem, newPem} = phaseBefore(options, plan, 'issue');
  const newKey = keyOf(out, state.new.key, newPem, 'new', 'issue');
  // An external old CA (its key never in OUT): nothing of it to keep; the new key becomes the authority's key file.
  const oldKey = state.old.keyless ? undefined : keyOf(out, authority.key, oldPem, 'old', 'issue');
  const paths = rotationFiles(id);
  const users = id === 'ca' ? usersOf(existing.manifest).filter(u => u.cert) : [];
  const next: RotationState = {
    ...state, phase: 'issue', issuedAt: new Date().toISOString(),
    old: {...state.old, ...(oldKey ? {key: paths.oldKey} : {})},
    new: {...state.new, key: authority.key},
    ...(state.signing ? {signing: {...state.signing, cert: paths.newCert}} : {}),
    issued: {
      leaves: leavesOf(plan, id).size, newKeys: options.newKeys ?? false,
      users: users.filter(u => u.signedBy === 'ca').map(u => u.name), csrUsers: users.filter(u => u.signedBy === 'csr').map(u => u.name),
    },
  };
  // The kubelets' client certificates the cluster signed (TLS bootstrap) must be signed by the new CA before finish.
  const outside: OutsideTrust = {phase: 'issue', authority: id, file: paths.newCert, caBundles: []};
  const rotation: RotationBuild = {
    trust: {[id]: {signerPem: newPem, keyPem: newKey, trustPem: trustBundle(oldPem, newPem)}},
    files: [
      {path: paths.old, content: oldPem, secret: false, kind: `rotation: the ${id} certificate before the rotation`},
      ...(oldKey ? [{path: paths.oldKey, content: oldKey, secret: true, kind: `rotation: the ${id} key before the rotation`}] : []),
      {path: paths.newCert, content: newPem, secret: false, kind: `rotation: the new ${id} certificate`},
      rotateStepsFile(plan, outside),
    ],
    ...(id === 'ca' ? {users: {certPem: newPem, keyPem: newKey}} : {}),
    state: next,
    basedOn: state,
  };
  return {plan: rotationPlan(plan, next), rotation, only: leavesOf(plan, id), keepKeys: !(options.newKeys ?? false), report: build => issueReport(build, next) + outsideLines(build, outside)};
}

/** The steps that have the cluster sign a --csr user again (its CSR object as before, now signed by the controller-manager's new CA). */
function csrUserSteps(out: string, existing: object, names: string[], ca: 'new' | 'old' = 'new'): string[] {
  return usersOf(existing).filter(u => names.includes(u.name) && u.request).flatMap(u => [
    `  ${u.name} (signed by the cluster: kubepki holds no certificate of the ${ca} CA for it). Once the controller-manager signs with the ${ca} CA, as a cluster admin:`,
    `    kubectl delete csr ${csrObjectName(u.name)} --ignore-not-found`,
    ...csrSigningCommands(out, u.name, u.request!, `${u.name}-rotated.crt`).map(c => `    ${c}`),
  ]);
}

function issueReport(build: BuildReport, state: RotationState): string {
  const {plan, out} = build;
  const issued = state.issued!;
  const authority = plan.authorities.find(a => a.id === state.authority)!;
  const reissued = plan.certificates.filter(c => c.signer === state.authority && build.written.includes(c.cert)).length;
  const holders = [...new Set(authority.keyInstalls.map(i => i.node))];
  return [
    `Issued: the rotation of CA ${state.authority} in ${out} is in phase 2 of 3 (issue).`,
    `  new CA: ${state.new.subject}${keyLabel(state.new)}, SHA-256 ${state.new.fingerprint256}: signs every certificate of ${state.authority} now; ${authority.key} is its key${holders.length ? ` (and the copy on ${holders.join(', ')})` : ''}`,
    `  old CA: ${state.old.subject}${keyLabel(state.old)}, SHA-256 ${state.old.fingerprint256}: still trusted, signs nothing; ${state.old.key ? `its key is kept in ${state.old.key} (on no node)` : `its key was never in ${out} (an external CA)`}`,
    `Issued anew by the new CA: ${reissued} of ${plan.certificates.length} certificates (${issued.newKeys ? 'new keys' : 'each keeps its key'}; same names, SANs and usages)${issued.users.length ? `; users ${issued.users.join(', ')} (same key, groups and end date)` : ''}.`,
    trustLine(build, state.authority, 'still old + new'),
    ...(state.signing ? [plan.layout === 'hard-way'
      ? `The controller-manager signs with the new CA alone: ${state.signing.installs[0]!.path} (its unit's --cluster-signing-cert-file) now holds the new certificate, and its key file the new key.`
      : `The controller-manager signs with the new CA alone: ${state.signing.installs[0]!.path} (its --cluster-signing-cert-file since start) now holds the new certificate, and ca.key the new key; keep the flag as start set it.`] : []),
    ...(plan.layout === 'kubeadm' ? [`Until finish, do not run kubeadm certs renew or kubeadm upgrade apply (which renews certificates): kubeadm signs with the first certificate of ${authority.cert.replace(/^pki\//, '/etc/kubernetes/pki/')} (still the old CA) and ${authority.key.replace(/^pki\//, '/etc/kubernetes/pki/')} (now the new key), and what it makes verifies against neither (kubepki renew, too, waits for finish).`] : []),
    ...(issued.csrUsers.length ? ['Users signed by the cluster (--csr) still hold a certificate of the old CA, refused after finish. Have the cluster sign them again:', ...csrUserSteps(out, build.before ?? {}, issued.csrUsers)] : []),
    ...stepsAndNext(build, `Next: ${nextStep(out, 'issue')}. ${abortStep(out, 'issue')}.`),
  ].join('\n').concat('\n');
}

function finishPhase(options: RotateOptions, plan: Plan): Phase {
  const {out, existing, state, id, authority, oldPem, newPem} = phaseBefore(options, plan, 'finish');
  const oldKey = state.old.keyless ? undefined : keyOf(out, state.old.key ?? rotationFiles(id).oldKey, oldPem, 'old', 'finish');
  keyOf(out, authority.key, newPem, 'new', 'finish');
  // A --csr user still signed by the old CA would be refused by every apiserver once trust is the new CA alone.
  refuseStaleCsrUsers(out, existing, newPem, 'new', 'finish');
  const now = new Date();
  const taken = existing.manifest.documents.map(d => d.path);
  const retired = retiredDir(id, now, taken);
  const record: RotationRecord = {
    authority: id, startedAt: state.startedAt, ...(state.issuedAt ? {issuedAt: state.issuedAt} : {}), finishedAt: now.toISOString(),
    old: {...caIdentity(oldPem), publicKey256: publicKey256(oldPem)}, new: caIdentity(newPem), retired,
  };
  // kubelet.conf, cluster-info and the caBundles named at start: the new CA alone.
  const outside: OutsideTrust = {phase: 'finish', authority: id, file: authority.cert, caBundles: parseCaBundles(state.caBundles ?? [])};
  const rotation: RotationBuild = {
    trust: {[id]: {signerPem: newPem, trustPem: newPem}},
    files: [
      {path: `${retired}/${id}.crt`, content: oldPem, secret: false, kind: `retired: the ${id} certificate before the rotation finished ${now.toISOString().slice(0, 10)}`},
      ...(oldKey ? [{path: `${retired}/${id}.key`, content: oldKey, secret: true, kind: `retired: the ${id} key before the rotation finished ${now.toISOString().slice(0, 10)}`}] : []),
      rotateStepsFile(plan, outside),
    ],
    state: undefined,
    record,
    basedOn: state,
  };
  return {plan, rotation, report: build => finishReport(build, state, record) + outsideLines(build, outside)};
}

/** finish, and abort from start: every --csr user must hold a certificate of the one CA trusted afterwards (`ca`), else exit 2 with the steps that have the cluster sign it again. */
function refuseStaleCsrUsers(out: string, existing: ExistingOut, caPem: string, ca: 'new' | 'old', action: 'finish' | 'abort'): void {
  const stale = usersOf(existing.manifest).filter(u => u.signedBy === 'csr' && u.cert && !signedBy(readFileOrRefuse(out, u.cert), caPem)).map(u => u.name);
  if (stale.length === 0) return;
  const other = ca === 'new' ? 'old' : 'new';
  throw new InputError([
    `rotate ${action}: user${stale.length > 1 ? 's' : ''} ${stale.join(', ')} (signed by the cluster, --csr) still hold${stale.length > 1 ? '' : 's'} a certificate of the ${other} CA, which nothing trusts after ${action}. Have the cluster sign ${stale.length > 1 ? 'them' : 'it'} again first (or kubepki user remove NAME); nothing was changed:`,
    ...csrUserSteps(out, existing.manifest, stale, ca),
  ]);
}

function signedBy(certPem: string, caPem: string): boolean {
  try {
    return new X509Certificate(certPem).verify(new X509Certificate(caPem).publicKey);
  } catch {
    return false;
  }
}

function finishReport(build: BuildReport, state: RotationState, record: RotationRecord): string {
  const {plan, out} = build;
  const newPem = readFileSync(join(out, plan.authorities.find(a => a.id === state.authority)!.cert), 'utf8');
  return [
    `Finished the rotation of CA ${state.authority} in ${out} (phase 3 of 3): trust is the new CA alone.`,
    `  new CA: ${state.new.subject}${keyLabel(state.new)}, SHA-256 ${state.new.fingerprint256}`,
    `  old CA: ${state.old.subject}${keyLabel(state.old)}, SHA-256 ${state.old.fingerprint256}: its certificate${state.old.keyless ? '' : ' and key'} moved to ${record.retired}/ (in no node bundle; keep it offline or delete it)`,
    trustLine(build, state.authority, 'the new CA alone'),
    ...(plan.kubeadm && state.authority === 'ca' ? [`kubeadm join: --discovery-token-ca-cert-hash is now ${caCertHash(newPem)} (the join configurations and kubeadm-steps.sh carry it).`] : []),
    ...(state.signing ? [plan.layout === 'hard-way'
      ? `The controller-manager's unit names ${plan.authorities.find(a => a.id === 'ca')!.certInstalls[0]?.path ?? 'ca.crt'} again for --cluster-signing-cert-file (one certificate again); ${state.signing.installs[0]!.path} is no longer shipped (distribute.sh leaves the node's copy: remove it).`
      : `Before the controller-manager restarts, set --cluster-signing-cert-file back to /etc/kubernetes/pki/ca.crt (one certificate again) in /etc/kubernetes/manifests/kube-controller-manager.yaml on each control-plane node; then remove ${state.signing.installs[0]!.path} there (distribute.sh leaves it).`] : []),
    ...bootstrappedWarning(plan, state.authority),
    ...stepsAndNext(build, `Then: kubepki verify ${q(out)} (it names any file outside ${record.retired.split('/')[0]}/ that still holds or trusts the old CA).`),
  ].join('\n').concat('\n');
}

/**
 * finish (`new`) or abort from start (`old`) of the cluster CA: the kubelets whose client
 * certificate the cluster signed are refused unless it is that CA's (issue's steps had it signed
 * by the new CA; after an abort from issue, that abort's steps by the old CA again).
 */
function bootstrappedWarning(plan: Plan, id: AuthorityId, ca: 'new' | 'old' = 'new'): string[] {
  const nodes = id === 'ca' ? bootstrappedKubelets(plan) : [];
  if (nodes.length === 0) return [];
  const check = `check on each: openssl verify -CAfile <the ${ca} CA> ${KUBELET_PKI}/kubelet-client-current.pem`;
  return [ca === 'new'
    ? `Warning: the kubelets of ${nodes.join(', ')} joined by TLS bootstrap: the apiservers refuse their client certificate (${KUBELET_PKI}/kubelet-client-current.pem) once they trust the new CA alone, unless issue's ${ROTATE_STEPS_FILE} had it signed by the new CA (${check}). Those nodes go NotReady otherwise.`
    : `Warning: the kubelets of ${nodes.join(', ')} joined by TLS bootstrap: this rotation went through issue (and back), so the apiservers refuse their client certificate (${KUBELET_PKI}/kubelet-client-current.pem) once they trust the old CA alone, unless the ${ROTATE_STEPS_FILE} of the abort from issue had it signed by the old CA again (${check}). Those nodes go NotReady otherwise.`];
}

function abortPhase(out: string, plan: Plan): Phase {
  const existing = readExisting(out);
  const state = rotationOf(existing.manifest);
  if (!state) throw new InputError([`rotate abort: no rotation is under way in ${out}; nothing was changed.`]);
  const id = state.authority;
  const oldPem = recordedCa(out, state.old.cert, state.old.fingerprint256, 'old', 'abort');
  // After issue the old CA signs again and issues every leaf anew: it needs its key.
  if (state.phase === 'issue' && state.old.keyless) throw new InputError([`rotate abort: the old ${id} CA is external (its key was never in ${out}), so its leaves cannot be issued by it again here after issue; go on with kubepki rotate ${q(out)} finish. Nothing was changed.`]);
  if (state.phase === 'issue') return backToStartPhase(out, plan, existing, state, oldPem);
  // A --csr user the cluster signed with the new CA (after an abort from issue) would be refused once trust is the old CA alone.
  refuseStaleCsrUsers(out, existing, oldPem, 'old', 'abort');
  // What start's steps made old + new outside OUT (bootstrapped kubelets' kubelet.conf, cluster-info, the caBundles named): the old CA alone again.
  const outside: OutsideTrust = {phase: 'abort', authority: id, file: plan.authorities.find(a => a.id === id)!.cert, caBundles: parseCaBundles(state.caBundles ?? [])};
  const steps = outsideTrustSections(plan, '', outside).length ? [rotateStepsFile(plan, outside)] : [];
  const rotation: RotationBuild = {trust: {[id]: {signerPem: oldPem, trustPem: oldPem}}, files: steps, state: undefined, basedOn: state};
  return {
    plan,
    rotation,
    report: build => [
      `Aborted the rotation of CA ${id} in ${build.out}: every trust file holds the old CA alone again, and the new CA (${state.new.subject}) is gone.`,
      ...(state.signing ? [plan.layout === 'kubeadm'
        ? `Before the controller-manager restarts, its --cluster-signing-cert-file may name ca.crt again, a single certificate once more (kubepki no longer ships ${state.signing.installs[0]!.path}; distribute.sh leaves the copy on the nodes).`
        : `The controller-manager's unit names ${plan.authorities.find(a => a.id === 'ca')!.certInstalls[0]?.path ?? 'ca.crt'} again for --cluster-signing-cert-file (one certificate again); ${state.signing.installs[0]!.path} is no longer shipped (distribute.sh leaves the node's copy: remove it).`] : []),
      ...usersAgain(build, 'the one they have trusts the new CA too, which is gone'),
      // Only a rotation that went through issue had them signed by the new CA; from start alone, their certificates are the old CA's.
      ...(state.backFromIssueAt ? bootstrappedWarning(plan, id, 'old') : []),
      ...stepsAndNext(build, `Then: kubepki verify ${q(out)}`),
    ].join('\n').concat('\n') + outsideLines(build, outside),
  };
}

/**
 * Abort after issue: one phase back, to start (the build start writes): the old CA signs again,
 * its key back in the authority's key file, every leaf it signs issued anew by it (keys kept),
 * and trust stays old + new while the nodes take the files one by one. A second abort, from start,
 * then goes to the old CA alone.
 */
function backToStartPhase(out: string, plan: Plan, existing: ExistingOut, state: RotationState, oldPem: string): Phase {
  const id = state.authority;
  const authority = plan.authorities.find(a => a.id === id)!;
  const newPem = recordedCa(out, state.new.cert, state.new.fingerprint256, 'new', 'abort');
  const oldKey = keyOf(out, state.old.key ?? rotationFiles(id).oldKey, oldPem, 'old', 'abort');
  const newKey = keyOf(out, authority.key, newPem, 'new', 'abort');
  const back: RotationState = {...backToStart(state), backFromIssueAt: new Date().toISOString()};
  // The kubelets that bootstrapped again at issue hold a client certificate of the new CA: the cluster signs them with the old one again.
  const outside: OutsideTrust = {phase: 'back', authority: id, file: back.old.cert, caBundles: []};
  const rotation = startRotation(id, {oldPem, newPem, newKeyPem: newKey, oldKeyPem: oldKey}, back, state, [rotateStepsFile(plan, outside)]);
  return {
    plan: rotationPlan(plan, back),
    rotation,
    only: leavesOf(plan, id),
    keepKeys: true,
    report: build => [
      `Back to phase start (1 of 3) of the rotation of CA ${id} in ${build.out}: the old CA signs again (${authority.key} is its key again; the new CA's key is back in ${back.new.key}), and ${plan.certificates.filter(c => c.signer === id && build.written.includes(c.cert)).length} certificates were issued anew by it (each keeps its key).`,
      `Trust stays old + new (${authority.cert} and its copies are unchanged): while the nodes take these files one by one, every component still accepts a leaf of either CA.`,
      ...usersAgain(build, 'the one from issue holds a certificate of the new CA, refused once a second abort makes trust the old CA alone'),
      ...(state.signing ? [plan.layout === 'hard-way'
        ? `The controller-manager signs with the old CA alone again: ${state.signing.installs[0]!.path} (its unit's --cluster-signing-cert-file since start) holds the old certificate again, and its key file the old key.`
        : `The controller-manager signs with the old CA alone again: ${state.signing.installs[0]!.path} (its --cluster-signing-cert-file since start) holds the old certificate again, and ca.key the old key; keep the flag as start set it (ca.crt is still the bundle).`] : []),
      ...(state.issued?.csrUsers.length ? ['Users signed by the cluster (--csr) after issue hold a certificate of the new CA; have the cluster sign them again once the controller-manager signs with the old CA (a second abort refuses while one still holds a certificate of the new CA):', ...csrUserSteps(out, existing.manifest, state.issued.csrUsers, 'old')] : []),
      ...stepsAndNext(build, `Next, once every node has these files and restarted${outsideTrustLines(plan, out, outside).length ? ' (and the steps below ran)' : ''}: kubepki rotate ${q(out)} abort again goes back to the old CA alone (the new CA deleted). Or go on: kubepki rotate ${q(out)} issue.`),
    ].join('\n').concat('\n') + outsideLines(build, outside),
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
