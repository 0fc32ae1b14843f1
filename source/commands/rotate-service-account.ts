// `kubepki rotate OUT start service-account`, then issue, finish (abort, status): the
// service-account key pair in three phases (build/rotate-service-account.ts says what each holds).
// Each phase runs through the same runner as a CA's (commands/rotate.ts), which builds it with the
// engine; this file says what the phase did and what comes next.
import type {BuildReport} from '../build/index.js';
import {redistribution} from '../build/changes.js';
import {
  rotationLeftovers, serviceAccountAbort, serviceAccountFinish, serviceAccountIssue, serviceAccountRotationFiles, serviceAccountRotationOf, serviceAccountStart,
  SERVICE_ACCOUNT_AUTHORITY, type ServiceAccountPhase, type ServiceAccountRotationState,
} from '../build/rotate-service-account.js';
import type {Phase, RotateOptions} from './rotate.js';
import {readManifest} from '../output/existing.js';
import type {Plan} from '../plan/types.js';
import {restartLines} from '../scripts/restart-script.js';
import {workloadRestart} from '../scripts/rotate-outside.js';
import {shellQuote} from '../scripts/shell.js';
import {InputError} from '../spec/errors.js';
import {EXIT, type Io} from './io.js';

/** Whether `kubepki rotate OUT ACTION [AUTHORITY]` is about the service-account pair. */
export function isServiceAccountRotation(out: string, action: string, authority: string | undefined): boolean {
  if (action === 'start') return authority === SERVICE_ACCOUNT_AUTHORITY;
  if (!['issue', 'finish', 'abort', 'status'].includes(action)) return false;
  try {
    return serviceAccountRotationOf(readManifest(out)) !== undefined;
  } catch {
    // An OUT that cannot be read: the CA commands say why.
    return false;
  }
}

/**
 * One step of the pair's rotation as a Phase for runRotationStep (commands/rotate.ts), which
 * puts it through the engine like a CA's. Every phase but abort restarts every apiserver:
 * `refuseOutage` refuses a single one unless the operator accepts the outage.
 */
export async function serviceAccountStep(options: RotateOptions, plan: Plan, signal: AbortSignal, io: Io, refuseOutage: (plan: Plan, action: string, allowOutage: boolean | undefined) => void): Promise<Phase> {
  const {out, action} = options;
  if (action !== 'abort') refuseOutage(plan, action, options.allowOutage);
  const phase = (prepared: ServiceAccountPhase, report: (build: BuildReport, phase: ServiceAccountPhase) => string[]): Phase =>
    ({plan: prepared.plan, rotation: prepared.rotation, only: new Set(), report: build => `${report(build, prepared).join('\n')}\n`});
  switch (action) {
    case 'start':
      io.err('kubepki: making the new service-account key pair\n');
      return phase(await serviceAccountStart(out, plan, signal), startReport);
    case 'issue': return phase(serviceAccountIssue(out, plan), issueReport);
    case 'finish': return phase(serviceAccountFinish(out, plan), finishReport);
    case 'abort': return phase(serviceAccountAbort(out, plan), abortReport);
    default: throw new InputError([`rotate: ${JSON.stringify(action)} is not an action here`]);
  }
}

const ROTATION_PUBLIC_KEYS = [serviceAccountRotationFiles.oldPublicKey, serviceAccountRotationFiles.newPublicKey];

const identity = (k: {keyType: string; fingerprint256: string}) => `${k.keyType}, public key SHA-256 ${k.fingerprint256}`;

/** Where the apiservers find the public keys they check tokens with, in this phase's plan. */
function checkedWith(plan: Plan, phase: 'start' | 'issue'): string {
  const extra = plan.reads.filter(r => r.component === 'kube-apiserver' && r.via === '--service-account-key-file' && ROTATION_PUBLIC_KEYS.includes(r.source));
  if (extra.length) {
    return `each kube-apiserver unit names a second --service-account-key-file=${extra[0]!.path} (the ${phase === 'start' ? 'new' : 'old'} public key) after its own`;
  }
  const pub = plan.serviceAccount.publicKeyInstalls[0]?.path ?? plan.serviceAccount.publicKey;
  return `${pub} holds both public keys (${phase === 'start' ? 'old, new' : 'new, old'}), and kube-apiserver --service-account-key-file reads every key of its file: the static-pod manifests stay as kubeadm wrote them`;
}

const steps = (build: BuildReport) => [...redistribution(build.nodesToRedistribute, build.out), ...restartLines(build.plan, build.restarts, build.out)];
const rotate = (out: string, action: string) => `kubepki rotate ${shellQuote(out)} ${action}`;

function startReport(build: BuildReport, phase: ServiceAccountPhase): string[] {
  const state = phase.state!;
  const key = build.plan.serviceAccount.keyInstalls[0];
  return [
    `Started the rotation of the service-account key pair in ${build.out} (phase 1 of 3: start).`,
    `  old pair: ${identity(state.old)}: still signs every token`,
    `  new pair: ${identity(state.new)} (${state.new.key}): trusted from now on, signs nothing yet`,
    `The apiservers accept tokens signed by either key: ${checkedWith(build.plan, 'start')}.`,
    `The private keys stay in ${build.out} and on the control-plane nodes (${key ? key.path : 'none'}); no worker receives either pair.`,
    '',
    ...steps(build),
    `Next, once every apiserver above passed its check (each must accept the new key before any signs with it): ${rotate(build.out, 'issue')}. To go back: ${rotate(build.out, 'abort')}.`,
  ];
}

/** Every token signed by the old key must be replaced before the apiservers stop accepting it. */
export function tokenReplacementSteps(out: string): string[] {
  return [
    'Before finish, replace every token signed by the old key (after finish the apiservers refuse them):',
    '  1. Pods\' projected tokens: the kubelet asks for a new one when the old is over 80% of its life or 24 hours old. Wait 24 hours after the last restart above, or restart the workloads now, each waited for:',
    ...workloadRestart.map(l => `       ${l}`),
    '  2. Tokens kept in Secrets (type kubernetes.io/service-account-token) were signed once and are never signed again on their own. Remove each one\'s token; the controller-manager signs a new one with the new key:',
    `       kubectl get secrets -A --field-selector type=kubernetes.io/service-account-token -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{"\\n"}{end}' | while read -r ns name; do kubectl -n "$ns" patch secret "$name" --type=json -p '[{"op":"remove","path":"/data/token"}]'; done`,
    '     then restart the pods that read them.',
    '  3. Tokens handed out of the cluster (CI systems, kubeconfigs holding a token): make them again (kubectl create token NAME -n NAMESPACE).',
    `Then: ${rotate(out, 'finish')}.`,
  ];
}

function issueReport(build: BuildReport, phase: ServiceAccountPhase): string[] {
  const state = phase.state!;
  const sa = build.plan.serviceAccount;
  return [
    `The new service-account key signs from now on in ${build.out} (phase 2 of 3: issue).`,
    `  ${sa.key} (on the control-plane nodes: ${sa.keyInstalls.map(i => i.path).filter((p, i, all) => all.indexOf(p) === i).join(', ')}) is the new key: kube-apiserver --service-account-signing-key-file and kube-controller-manager --service-account-private-key-file read it.`,
    `  The apiservers still accept tokens signed by the old key (${identity(state.old)}): ${checkedWith(build.plan, 'issue')}.`,
    '',
    ...steps(build),
    ...tokenReplacementSteps(build.out),
  ];
}

function finishReport(build: BuildReport, phase: ServiceAccountPhase): string[] {
  const before = build.before ? serviceAccountRotationOf(build.before) : undefined;
  return [
    `Finished the rotation of the service-account key pair in ${build.out}: the new pair alone signs and is trusted${before ? ` (${identity(before.new)})` : ''}.`,
    `The old pair is in ${phase.retired}/ (in ${build.out} only, on no node). A token signed by it is refused once the restarts below are done.`,
    '',
    ...steps(build),
    ...leftoverSteps(build.plan),
  ];
}

/** Removing the rotation's extra public keys from the nodes, once no apiserver names them. */
function leftoverSteps(plan: Plan): string[] {
  const leftovers = rotationLeftovers(plan);
  if (leftovers.length === 0) return [];
  const {user, sudo} = plan.spec.ssh;
  return [
    '# Then, once every apiserver above passed its check, remove the rotation\'s extra public keys from the nodes (distribute.sh adds files, it never removes them):',
    ...leftovers.map(l => `ssh ${user}@${l.node} ${sudo ? 'sudo ' : ''}rm -f ${l.paths.join(' ')}`),
  ];
}

function abortReport(build: BuildReport, phase: ServiceAccountPhase): string[] {
  if (phase.state) {
    return [
      `Back to phase start in ${build.out}: the old service-account key signs again, and the apiservers still accept the new one, since tokens it signed since issue are in use.`,
      '',
      ...steps(build),
      `Once those tokens are replaced (the steps printed by issue, with the old key now signing), ${rotate(build.out, 'abort')} again drops the new pair; or go on: ${rotate(build.out, 'issue')}.`,
    ];
  }
  return [
    `Aborted the rotation of the service-account key pair in ${build.out}: the old pair alone signs and is trusted, as before; the new pair is gone.`,
    '',
    ...steps(build),
    ...leftoverSteps(build.plan),
  ];
}

export function serviceAccountStatus(io: Io, out: string, json: boolean): number {
  const state = serviceAccountRotationOf(readManifest(out))!;
  if (json) { io.out(`${JSON.stringify({rotation: state}, null, 2)}\n`); return EXIT.ok; }
  io.out(`${statusLines(out, state).join('\n')}\n`);
  return EXIT.ok;
}

export function statusLines(out: string, state: ServiceAccountRotationState): string[] {
  const issue = state.phase === 'issue';
  return [
    `Rotation of the service-account key pair in ${out}: phase ${state.phase} (${issue ? 2 : 1} of 3), since ${issue ? state.issuedAt : state.startedAt}.`,
    `  old pair: ${identity(state.old)}: ${issue ? 'still accepted, signs nothing' : 'still signs every token'}`,
    `  new pair: ${identity(state.new)}: ${issue ? 'signs every new token' : 'accepted, signs nothing yet'}`,
    `  start (${state.startedAt}): the apiservers accept tokens of both keys; the old one signs.`,
    ...(issue ? [`  issue (${state.issuedAt}): the new key signs (apiserver and controller-manager); both still accepted.`] : []),
    issue
      ? `Next, once no token of the old key is in use: ${rotate(out, 'finish')} (the old pair then moves to retired/). To let the old key sign again: ${rotate(out, 'abort')}.`
      : `Next, once every apiserver runs with both keys: ${rotate(out, 'issue')}. To go back to the old pair alone: ${rotate(out, 'abort')}.`,
  ];
}
