// Where a CA rotation stands and what its next step will change, as data for the wizard's
// "Rotate a CA" screen (and anything else that wants to say it). Pure: from the plan of OUT's
// cluster.yaml and manifest.json's `rotation` (build/rotate.ts), nothing read from disk. What a
// phase changes is derived from the plan — the authority's trust files and their copies, the
// kubeconfigs that embed it, the leaves it signs, the users kubepki holds keys for — and the
// restarts from the readers table (plan/restarts.ts), as the phases themselves derive them.
import {usersOf} from '../output/users.js';
import {restartsFor, type RestartStage} from '../plan/restarts.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {PHASES, retiredDir, rotationFiles, signingFor} from './rotate.js';
import {anyRotationOf, serviceAccountRotationFiles} from './rotate-service-account.js';

export const ROTATION_PHASES = PHASES;
export type RotationPhaseName = typeof ROTATION_PHASES[number];
/** What `kubepki rotate OUT STEP` runs: a phase, or abort. */
export type RotationStep = RotationPhaseName | 'abort';
/** What can be rotated: a CA of the plan, or the service-account key pair. */
export type RotationSubject = AuthorityId | 'service-account';
export const SERVICE_ACCOUNT = 'service-account';

/** What each phase does, in a few words (the design's table, ROTATION-DESIGN). */
export const PHASE_DOES: Record<RotationPhaseName, string> = {
  start: 'trust old + new; the old one still signs',
  issue: 'the new one signs; every leaf re-issued',
  finish: 'trust the new one alone; the old one retired',
};

/** What one step (a phase, or abort) will change in OUT and on the nodes. */
export interface StepChange {
  step: RotationStep;
  /** The trust files whose content changes (OUT-relative master copies), and how many node copies they have. */
  trust: {files: string[]; copies: number; becomes: 'old + new' | 'new alone' | 'old alone'} | undefined;
  /** Kubeconfigs (planRef) rendered anew: their certificate-authority-data, or their embedded certificate. */
  kubeconfigs: string[];
  /** Users' kubeconfigs (users/NAME/…) whose trust or certificate changes. */
  users: string[];
  /** Leaf certificates (planRef) issued anew, by the CA that signs after this step. */
  reissued: string[];
  /** Files that move to retired/ (OUT-relative, as they lie before the step), and where. */
  retired: {files: string[]; dir: string} | undefined;
  /** The restarts, from the plan's readers of the files the step writes. */
  restarts: RestartStage[];
  /** The same, said in lines a screen shows (no certificate logic left for the reader). */
  lines: string[];
}

export interface TimelinePhase {
  phase: RotationPhaseName;
  does: string;
  state: 'done' | 'next' | 'later';
}

export interface RotationTimeline {
  /** The rotated authority: the one under way, else the one chosen; undefined: none chosen yet. */
  subject: RotationSubject | undefined;
  /** A rotation is recorded in manifest.json. */
  underWay: boolean;
  /** Phases done, 0 to 3. */
  done: number;
  since?: string;
  phases: TimelinePhase[];
  /** Where OUT stands, in one line. */
  position: string;
  /** The next phase and what it changes (undefined with no subject chosen). */
  next: StepChange | undefined;
  /** What abort would change (only while a rotation is under way). */
  abort: StepChange | undefined;
  /** Where abort goes back to, in a few words (only while a rotation is under way). */
  abortTo: string | undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The authorities this plan can rotate, as the CLI names them, with what each is. */
export function rotationSubjects(plan: Plan): {id: RotationSubject; label: string}[] {
  return [
    ...plan.authorities.map(a => ({id: a.id as RotationSubject, label: `${a.id}: ${a.cn} (${a.cert}; signs ${plural(plan.certificates.filter(c => c.signer === a.id).length, 'certificate')})`})),
    {id: SERVICE_ACCOUNT, label: `${SERVICE_ACCOUNT}: the key pair that signs and verifies service-account tokens (${plan.serviceAccount.key})`},
  ];
}

/** One line per restart stage: the component and on how many nodes, in the order they restart. */
export function restartSummary(stages: RestartStage[]): string {
  if (stages.length === 0) return 'nothing to restart';
  return stages.map(s => `${s.component} on ${plural(s.restarts.length, 'node')}${s.order === 'one-at-a-time' && s.restarts.length > 1 ? ' one at a time' : ''}`).join(', then ');
}

const unique = <T>(items: T[]) => [...new Set(items)];

interface Parts {
  trustFiles: string[];
  copies: number;
  /** Kubeconfigs that embed the authority as trust. */
  trustKubeconfigs: {ref: string; file: string}[];
  /** Leaves the authority signs, and the kubeconfigs that embed one of them. */
  leaves: {ref: string; cert: string}[];
  leafKubeconfigs: {ref: string; file: string}[];
  /** The authority's key (a CA's key, or the service-account signing key). */
  key: string;
  /** Users' kubeconfigs (cluster CA only: they embed it and a certificate it signed). */
  users: {kubeconfig: string; cert?: string}[];
}

function partsOf(plan: Plan, manifest: object, subject: RotationSubject): Parts {
  if (subject === SERVICE_ACCOUNT) {
    // What the apiservers verify tokens with: the public key (kubeadm's sa.pub) or, the hard way, a certificate holding it.
    const trustFiles = unique(plan.reads.filter(r => r.via === '--service-account-key-file').map(r => r.source));
    return {
      trustFiles, copies: Object.values(plan.bundles).flat().filter(f => trustFiles.includes(f.source)).length,
      trustKubeconfigs: [], leaves: [], leafKubeconfigs: [], key: plan.serviceAccount.key, users: [],
    };
  }
  const authority = plan.authorities.find(a => a.id === subject);
  if (!authority) throw new Error(`this plan has no authority ${subject}`);
  const leaves = plan.certificates.filter(c => c.signer === subject);
  const leafRefs = new Set(leaves.map(c => c.ref));
  const users = subject === 'ca'
    ? usersOf(manifest).filter(u => u.kubeconfig).map(u => ({kubeconfig: u.kubeconfig!, ...(u.signedBy === 'ca' && u.cert ? {cert: u.cert} : {})}))
    : [];
  return {
    trustFiles: [authority.cert],
    copies: Object.values(plan.bundles).flat().filter(f => f.source === authority.cert).length,
    trustKubeconfigs: plan.kubeconfigs.filter(k => k.authority === subject).map(k => ({ref: k.ref, file: k.file})),
    leaves: leaves.map(c => ({ref: c.ref, cert: c.cert})),
    leafKubeconfigs: plan.kubeconfigs.filter(k => leafRefs.has(k.certificate.ref)).map(k => ({ref: k.ref, file: k.file})),
    key: authority.key,
    users,
  };
}

function change(plan: Plan, step: StepChange['step'], subject: RotationSubject, parts: Parts, what: {
  trust?: 'old + new' | 'new alone' | 'old alone';
  reissue?: boolean;
  key?: boolean;
  retired?: StepChange['retired'];
  extra: string[];
}): StepChange {
  const kubeconfigs = unique([...(what.trust ? parts.trustKubeconfigs : []), ...(what.reissue ? parts.leafKubeconfigs : [])].map(k => k.ref));
  const kubeconfigFiles = unique([...(what.trust ? parts.trustKubeconfigs : []), ...(what.reissue ? parts.leafKubeconfigs : [])].map(k => k.file));
  const users = parts.users.filter(u => what.trust || (what.reissue && u.cert));
  const reissued = what.reissue ? parts.leaves.map(l => l.ref) : [];
  const changed = new Set([
    ...(what.trust ? parts.trustFiles : []),
    ...(what.reissue ? parts.leaves.map(l => l.cert) : []),
    ...(what.key ? [parts.key] : []),
    ...kubeconfigFiles,
  ]);
  const restarts = restartsFor(plan, changed);
  const isKeyPair = subject === SERVICE_ACCOUNT;
  const lines = [
    ...(what.trust ? [isKeyPair
      ? `${parts.trustFiles.join(', ')} (${plural(parts.copies, 'copy', 'copies')} on the nodes) holds ${what.trust === 'old + new' ? 'the old and the new public key: the apiservers verify tokens signed by either' : `the ${what.trust === 'new alone' ? 'new' : 'old'} public key alone`}`
      : `Trust becomes ${what.trust}: ${parts.trustFiles.join(', ')} and its ${plural(parts.copies, 'copy', 'copies')} on the nodes${parts.trustKubeconfigs.length ? `, the certificate-authority-data of ${plural(parts.trustKubeconfigs.length, 'kubeconfig')}` : ''}${users.length ? `, ${plural(users.length, "user's kubeconfig", "users' kubeconfigs")}` : ''}`] : []),
    ...(what.reissue && !isKeyPair ? [reissued.length || users.length
      ? `${plural(reissued.length, 'leaf certificate')} re-issued${users.some(u => u.cert) ? ` and ${plural(users.filter(u => u.cert).length, "user's certificate", "users' certificates")}` : ''} by the ${step === 'abort' ? 'old' : 'new'} CA (keys kept)${parts.leafKubeconfigs.length ? `; ${plural(parts.leafKubeconfigs.length, 'kubeconfig')} embed one and are rendered anew` : ''}`
      : 'No leaf to re-issue'] : []),
    ...(what.key ? [isKeyPair
      ? `Tokens are signed with the ${step === 'abort' ? 'old' : 'new'} key (${parts.key})`
      : `${parts.key} on the nodes becomes the ${step === 'abort' ? 'old' : 'new'} key`] : []),
    ...what.extra,
    ...(what.retired ? [`Moves to ${what.retired.dir}/ (in no node bundle): ${what.retired.files.join(', ')}`] : []),
    `Restarts: ${restartSummary(restarts)}`,
  ];
  return {
    step, trust: what.trust ? {files: parts.trustFiles, copies: parts.copies, becomes: what.trust} : undefined,
    kubeconfigs, users: users.map(u => u.kubeconfig), reissued, retired: what.retired, restarts, lines,
  };
}

/** The cluster CA's controller-manager signing file: it signs with one certificate, never a bundle. */
function signsWith(plan: Plan, subject: RotationSubject, which: 'old' | 'new' | 'its CA file'): string[] {
  const signing = subject === SERVICE_ACCOUNT ? undefined : signingFor(plan, subject, rotationFiles(subject).old);
  if (!signing) return [];
  const where = `on ${plural(signing.installs.length, 'node')}`;
  return [which === 'its CA file'
    ? `The controller-manager signs with ${plan.authorities.find(a => a.id === subject)!.cert} again, a single certificate (${signing.installs[0]!.path} ${where} is no longer shipped)`
    : `The controller-manager signs with the ${which} CA alone: ${signing.installs[0]!.path} ${where}`];
}

function nextChange(plan: Plan, manifest: object, subject: RotationSubject, done: number, now: Date): StepChange | undefined {
  const parts = partsOf(plan, manifest, subject);
  const files = subject === SERVICE_ACCOUNT ? undefined : rotationFiles(subject);
  switch (ROTATION_PHASES[done]) {
    case 'start': return change(plan, 'start', subject, parts, {
      trust: 'old + new',
      extra: [
        subject === SERVICE_ACCOUNT ? 'A new key pair is made; tokens are still signed with the old key' : `A new CA is made (${files!.newCert}, key ${files!.newKey}, same key type); no leaf is re-issued`,
        ...signsWith(plan, subject, 'old'),
      ],
    });
    case 'issue': return change(plan, 'issue', subject, parts, {
      reissue: true, key: true,
      extra: [
        ...(subject === SERVICE_ACCOUNT ? [] : [`Trust stays old + new; the old key is kept in ${files!.oldKey} (on no node) until finish`]),
        ...signsWith(plan, subject, 'new'),
      ],
    });
    case 'finish': return change(plan, 'finish', subject, parts, {
      trust: 'new alone',
      // The directory finish picks: a second one the same day gets -2 (the documents OUT lists are taken).
      retired: {dir: retiredDir(subject, now, documentsOf(manifest)), files: subject === SERVICE_ACCOUNT
        ? [serviceAccountRotationFiles.oldKey, serviceAccountRotationFiles.oldPublicKey]
        : [files!.old, files!.oldKey]},
      extra: [
        ...signsWith(plan, subject, 'its CA file'),
        ...(subject === 'ca' && plan.layout === 'kubeadm' ? ["kubeadm's --discovery-token-ca-cert-hash is computed again from the new CA"] : []),
      ],
    });
    default: return undefined;
  }
}

function abortChange(plan: Plan, manifest: object, subject: RotationSubject, done: number): StepChange {
  const parts = partsOf(plan, manifest, subject);
  if (done >= 2) {
    // Abort after issue goes one phase back: tokens the new key signed since issue are in use; a
    // component already trusting the old CA alone would refuse a node still presenting a leaf of the new one.
    return subject === SERVICE_ACCOUNT
      ? change(plan, 'abort', subject, parts, {
        trust: 'old + new', key: true,
        extra: ['Back to phase start: the new key pair stays accepted for the tokens it signed; a second abort deletes it'],
      })
      : change(plan, 'abort', subject, parts, {
        reissue: true, key: true,
        extra: [
          `Back to phase start: trust stays old + new while the nodes take the files; the new CA's key goes back to ${rotationFiles(subject).newKey}; a second abort, once every node has them, goes to the old CA alone`,
          ...signsWith(plan, subject, 'old'),
        ],
      });
  }
  return change(plan, 'abort', subject, parts, {
    trust: 'old alone',
    extra: [subject === SERVICE_ACCOUNT ? 'The new key pair is deleted' : `The new CA is deleted (${rotationFiles(subject).newCert}, its key)`],
  });
}

const documentsOf = (manifest: object): string[] => {
  const documents = (manifest as {documents?: unknown}).documents;
  return Array.isArray(documents) ? documents.map(d => (d as {path: string}).path) : [];
};

/** How many phases a recorded rotation has done: its `phase` names the last one. */
const phasesDone = (phase: string) => ROTATION_PHASES.indexOf(phase as RotationPhaseName) + 1;

/**
 * The timeline of OUT: the rotation manifest.json records, or (none under way) the one `chosen`
 * would start. `now` dates the retired/ directory finish would make.
 */
export function rotationTimeline(plan: Plan, manifest: object, chosen?: RotationSubject, now = new Date()): RotationTimeline {
  // A CA's rotation, or the service-account pair's: both record the same authority, phase and dates.
  const state = anyRotationOf(manifest) as {authority: string; phase: string; startedAt: string; issuedAt?: string} | undefined;
  const subject = (state?.authority as RotationSubject | undefined) ?? chosen;
  const done = state ? phasesDone(state.phase) : 0;
  const phases = ROTATION_PHASES.map((phase, i): TimelinePhase => ({
    phase, does: PHASE_DOES[phase], state: i < done ? 'done' : i === done && subject ? 'next' : 'later',
  }));
  const position = state
    ? `Rotating ${state.authority}: phase ${done} of 3 (${state.phase}) done, started ${state.startedAt}${state.issuedAt ? `, issued ${state.issuedAt}` : ''}.`
    : subject ? `No rotation under way: ${subject} would start at phase 1 of 3.` : 'No rotation under way: choose what to rotate.';
  return {
    subject, underWay: Boolean(state), done, ...(state?.startedAt ? {since: state.startedAt} : {}), phases, position,
    next: subject ? nextChange(plan, manifest, subject, done, now) : undefined,
    abort: state && subject ? abortChange(plan, manifest, subject, done) : undefined,
    abortTo: state && subject ? (done >= 2 ? `back to phase start (the old ${subject === SERVICE_ACCOUNT ? 'key' : 'CA'} signs again)` : `back to the old ${subject === SERVICE_ACCOUNT ? 'key pair' : 'CA'} alone`) : undefined,
  };
}

const MARK = {done: '●', next: '◉', later: '○'} as const;
const STATE_WORD = {done: 'done', next: 'next', later: ''} as const;

/**
 * The timeline drawn in text, three lines: the marks joined by a rule (solid up to where OUT
 * stands), the phase names, and done / next under them. Each column `width` characters.
 */
export function timelineDrawing(timeline: Pick<RotationTimeline, 'phases'>, width = 14): string[] {
  const {phases} = timeline;
  const cell = (text: string, i: number) => (i === phases.length - 1 ? text : text.padEnd(width));
  const marks = phases.map((p, i) => {
    if (i === phases.length - 1) return MARK[p.state];
    // Solid between phases done: the part of the road OUT has travelled.
    const rule = phases[i + 1]!.state === 'done' ? '━' : '─';
    return `${MARK[p.state]}${rule.repeat(width - 1)}`;
  }).join('');
  return [
    marks,
    phases.map((p, i) => cell(`${i + 1} ${p.phase}`, i)).join(''),
    phases.map((p, i) => cell(STATE_WORD[p.state], i)).join('').trimEnd(),
  ];
}
