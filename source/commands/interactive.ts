// Starts the interactive front end: the Ink wizard, or plain prompts with --plain. Ink, the
// prompts and the engine are imported here only when needed, so the first frame comes fast.
import type {Plan} from '../plan/types.js';
import {discardStagingNow, outputProblem} from '../output/write.js';
import {exampleSpec} from '../spec/example.js';
import type {ProgressEvent} from '../pki/generate.js';
import {draftFromSpec} from '../interview/draft.js';
import type {FrontEndDeps} from '../interview/checks.js';
import {EXIT} from './io.js';

export interface InteractiveOptions {
  config?: string;
  plain: boolean;
}

/** The engine with its staging directory tracked, so an interrupt can remove a half-written directory. */
export function trackedGenerate(): FrontEndDeps['generate'] & {cleanup: () => void} {
  let staging: string | undefined;
  const generate = async (plan: Plan, out: string, onProgress: (e: ProgressEvent) => void) => {
    const {buildCluster} = await import('../build/index.js');
    return buildCluster(plan, out, {onProgress, onStaging: dir => { staging = dir; }});
  };
  return Object.assign(generate, {cleanup: () => { if (staging) discardStagingNow(staging); }});
}

export async function runInteractive(options: InteractiveOptions): Promise<number> {
  // The YAML readers load only for --config: the first frame of the default wizard needs neither.
  const spec = options.config ? (await import('../spec/load.js')).specFromFile(options.config) : exampleSpec();
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
  const generate = trackedGenerate();
  const deps: FrontEndDeps = {generate, checkOut: outputProblem};

  if (options.plain) {
    const {runPlain} = await import('../plain/plain.js');
    const outcome = await runPlain(spec, deps);
    if (outcome.code === 130) generate.cleanup();
    return outcome.code;
  }

  const {startWizard} = await import('../ui/render.js');
  const outcome = await startWizard(draftFromSpec(spec), deps);
  if (outcome.code === 130) {
    generate.cleanup();
    process.stderr.write('kubepki: interrupted; nothing was written.\n');
    // Key generation may still be running in the thread pool: leave now.
    process.exit(EXIT.interrupted);
  }
  if (outcome.code === 0) process.stdout.write(`\n${(await import('../build/report.js')).finalReport(outcome.result)}`);
  return outcome.code;
}
