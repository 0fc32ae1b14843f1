// Starts the interactive front end: the Ink wizard, or plain prompts with --plain. Ink, the
// prompts and the engine are imported here only when needed, so the first frame comes fast.
import type {Plan} from '../plan/types.js';
import {outputProblem} from '../output/write.js';
import {exampleSpec} from '../spec/example.js';
import type {ProgressEvent} from '../pki/generate.js';
import {draftFromSpec} from '../interview/draft.js';
import type {FrontEndDeps, UpdateOptions} from '../interview/checks.js';
import type {OpenedOut} from '../interview/update.js';
import type {WizardDeps} from '../ui/App.js';
import {InputError} from '../spec/errors.js';
import {EXIT, STOP_EXIT, stopped, type Stop} from './io.js';
import {onStreamClosed, watchStreams, writeTo} from './streams.js';

export interface InteractiveOptions {
  config?: string;
  plain: boolean;
  /** `kubepki OUT`: open the wizard on an existing output directory and update it. */
  open?: string;
  /** false: no terminal to show the wizard on (checked after OUT is read, so a damaged OUT is named first). */
  terminal?: boolean;
}

/**
 * The engine, stoppable: cleanup() aborts a build in progress and resolves once the engine has
 * removed what it wrote and released OUT (or at once when nothing is running).
 */
export function trackedGenerate(): FrontEndDeps['generate'] & {cleanup: () => Promise<string>} {
  const controller = new AbortController();
  let running: Promise<unknown> | undefined;
  let written: string | undefined;
  const generate = async (plan: Plan, out: string, onProgress: (e: ProgressEvent) => void, options: UpdateOptions = {}) => {
    const {buildCluster} = await import('../build/index.js');
    // An update is `generate --update`: only what the plan changed is issued anew (build/index.ts),
    // and only while OUT still holds the manifest the plan was shown against.
    const build = buildCluster(plan, out, {onProgress, signal: controller.signal, ...(options.update ? {force: true, only: new Set<string>(), expectManifest: options.expectManifest} : {})});
    running = build.then(report => { written = report.out; }, () => {});
    return build;
  };
  /** Stops the build; says what the output directory holds afterwards. */
  const cleanup = async (): Promise<string> => {
    controller.abort();
    await running;
    return written ? `${written} was written in full before the interrupt` : 'nothing was written';
  };
  return Object.assign(generate, {cleanup});
}

/**
 * A rotation step (the wizard's "Rotate a CA"), stoppable as the engine is: cleanup() aborts a
 * step in progress and resolves once the engine has put OUT back as it was.
 */
export function trackedRotate(): NonNullable<WizardDeps['rotate']> & {cleanup: () => Promise<string | undefined>} {
  const controller = new AbortController();
  let running: Promise<unknown> | undefined;
  let written: string | undefined;
  const rotate: NonNullable<WizardDeps['rotate']> = async (out, step, options) => {
    const {runRotationStep} = await import('./rotate.js');
    const run = runRotationStep(out, step, {...options, signal: controller.signal});
    running = run.then(outcome => { written = `${outcome.build.out} holds the rotation's ${step}`; }, () => {});
    return run;
  };
  /** Stops a step in progress; says what OUT holds when a step was written (undefined: none was). */
  const cleanup = async (): Promise<string | undefined> => {
    controller.abort();
    await running;
    return written;
  };
  return Object.assign(rotate, {cleanup});
}

export async function runInteractive(options: InteractiveOptions): Promise<number> {
  // The YAML readers load only for --config: the first frame of the default wizard needs neither.
  const opened = options.open ? (await import('../interview/update.js')).openOut(options.open) : undefined;
  if (opened && options.terminal === false) {
    throw new InputError([`no terminal for the wizard: to apply an edited ${options.open}/cluster.yaml without questions run kubepki generate --config ${options.open}/cluster.yaml --out ${options.open} --update`]);
  }
  const spec = opened ? opened.spec : options.config ? (await import('../spec/load.js')).specFromFile(options.config) : exampleSpec();
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
  const generate = trackedGenerate();
  const rotate = trackedRotate();
  const deps: FrontEndDeps = {generate, checkOut: outputProblem};
  /** Stops whatever the front end runs (a build, a rotation step); says what OUT holds. */
  const cleanup = async () => {
    const [built, rotated] = await Promise.all([generate.cleanup(), rotate.cleanup()]);
    return rotated ?? built;
  };
  // Ctrl+C reaches the wizard as a key (raw mode); TERM and HUP (a closed terminal) arrive as
  // signals, and a closed output (`kubepki --plain | head`) as EPIPE: the build stops and cleans
  // up, then kubepki leaves with 128 + the signal's number (1 for EPIPE).
  let stopping = false;
  const onSignal = (stop: Extract<Stop, 'SIGTERM' | 'SIGHUP' | 'EPIPE'>) => {
    if (stopping) return;
    stopping = true;
    void cleanup().then(async state => {
      // The wizard's last frame first, then the message (not drawn over by a frame still pending).
      if (!options.plain) (await import('../ui/render.js')).unmountWizard();
      writeTo('stderr')(`\nkubepki: ${stopped(stop)}; ${state}.\n`);
      process.exit(STOP_EXIT[stop]);
    });
  };
  watchStreams();
  const stopListening = onStreamClosed(() => onSignal('EPIPE'));
  const onTerm = () => onSignal('SIGTERM');
  const onHup = () => onSignal('SIGHUP');
  // `on`, not `once`: Ink's signal-exit kills the process when it finds itself the only listener,
  // and a `once` listener is removed before it runs.
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  try {
    return await interact(options, spec, deps, cleanup, opened, rotate);
  } finally {
    process.removeListener('SIGTERM', onTerm);
    process.removeListener('SIGHUP', onHup);
    stopListening();
  }
}

async function interact(options: InteractiveOptions, spec: ReturnType<typeof exampleSpec>, deps: FrontEndDeps, cleanup: () => Promise<string>, opened?: OpenedOut, rotate?: WizardDeps['rotate']): Promise<number> {
  if (options.plain) {
    const {runPlain} = await import('../plain/plain.js');
    const outcome = await runPlain(spec, deps);
    if (outcome.code === 130) await cleanup();
    return outcome.code;
  }

  const {startWizard} = await import('../ui/render.js');
  // With --config the user came to plan that cluster; without, the first screen offers plan or check.
  const outcome = await startWizard(draftFromSpec(spec, opened?.dir), {...deps, rotate}, {choose: !options.config && !opened, opened});
  if (outcome.code === 130) {
    process.stderr.write(`kubepki: interrupted; ${await cleanup()}.\n`);
    // Key generation may still be running in the thread pool: leave now.
    process.exit(EXIT.interrupted);
  }
  if ('inspected' in outcome) {
    // The full report stays in the terminal's scrollback after the wizard's screen is gone.
    if (outcome.inspected) {
      // The broken arrows first, so the report's summary stays at the bottom of the screen.
      const broken = (await import('../interview/broken-connections.js')).brokenConnections(outcome.inspected, process.stdout.columns).text;
      if (broken) process.stdout.write(`\n${broken}`);
      process.stdout.write(`\n${(await import('../inspect/render.js')).renderReport(outcome.inspected, process.stdout.columns)}`);
    }
    return outcome.code;
  }
  if (outcome.code === 0 && outcome.before) {
    // What the engine did: its written files against the manifest it found in OUT (outcome.before is the engine's).
    const [{changesReport, summarizeChanges}, {updateReportTitle}] = await Promise.all([import('../build/changes.js'), import('../build/upgrade.js')]);
    const {result, before} = outcome;
    // Then what the new release changes, when kubernetesVersion moved: as generate --update says it.
    process.stdout.write(`\n${changesReport(summarizeChanges(result, before), result.out, updateReportTitle(`Updated ${result.out}.`, result.plan, before, result.out))}`);
  } else if (outcome.code === 0) {
    process.stdout.write(`\n${(await import('../build/report.js')).finalReport(outcome.result)}`);
  }
  return outcome.code;
}
