// Starts the interactive front end: the Ink wizard, or plain prompts with --plain. Ink is
// imported here only, so the other commands never load it.
import {EXIT} from '../commands/io.js';
import type {WriteResult} from '../commands/generate.js';
import {discardStagingNow, outputProblem} from '../output/write.js';
import {exampleSpec} from '../spec/example.js';
import type {ClusterSpec} from '../spec/types.js';
import type {ProgressEvent} from '../pki/generate.js';
import {draftFromSpec} from './draft.js';

export interface InteractiveOptions {
  config?: string;
  plain: boolean;
}

/** Generation with staging tracked, so an interrupt can remove a half-written directory. */
export function trackedGenerate() {
  let staging: string | undefined;
  return {
    generate: async (spec: ClusterSpec, out: string, onProgress: (e: ProgressEvent) => void): Promise<WriteResult> => {
      const {writeCluster} = await import('../commands/generate.js');
      return writeCluster(spec, out, {onProgress, onStaging: dir => { staging = dir; }});
    },
    cleanup: () => { if (staging) discardStagingNow(staging); },
  };
}

export async function runInteractive(options: InteractiveOptions): Promise<number> {
  // The YAML readers load only for --config: the first frame of the default wizard needs neither.
  const spec = options.config ? (await import('../spec/load.js')).specFromFile(options.config) : exampleSpec();
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') process.env.FORCE_COLOR = '0';
  const tracked = trackedGenerate();

  if (options.plain) {
    const {runPlain} = await import('../plain/plain.js');
    const outcome = await runPlain(spec, {generate: tracked.generate, checkOut: outputProblem});
    if (outcome.code === 130) tracked.cleanup();
    return outcome.code;
  }

  const {startWizard} = await import('./render.js');
  const outcome = await startWizard(draftFromSpec(spec), {generate: tracked.generate, checkOut: outputProblem});
  if (outcome.code === 130) {
    tracked.cleanup();
    process.stderr.write('kubepki: interrupted; nothing was written.\n');
    // Key generation may still be running in the thread pool: leave now.
    process.exit(EXIT.interrupted);
  }
  if (outcome.code === 0) process.stdout.write(`\n${(await import('../commands/generate.js')).finalReport(outcome.result)}`);
  return outcome.code;
}
