import {InputError} from '../spec/load.js';
import {runExample} from './example.js';
import {runGenerate} from './generate.js';
import {EXIT, processIo, type Io} from './io.js';
import {runPlan} from './plan.js';
import {runVerify} from './verify.js';

export type Command =
  | {command: 'example'}
  | {command: 'plan'; config: string; json: boolean}
  | {command: 'generate'; config: string; out: string; force: boolean}
  | {command: 'verify'; dir: string}
  | {command: 'wizard'; config?: string; plain: boolean};

/** Runs one command; bad input becomes exit 2 with every message, before anything is written. */
export async function runCommand(cmd: Command, io: Io = processIo()): Promise<number> {
  try {
    switch (cmd.command) {
      case 'example': return runExample(io);
      case 'plan': return runPlan(io, cmd.config, cmd.json);
      case 'generate': return await runGenerate(io, cmd.config, cmd.out, cmd.force);
      case 'verify': return runVerify(io, cmd.dir);
      case 'wizard': {
        const {runInteractive} = await import('../ui/run.js');
        return await runInteractive({config: cmd.config, plain: cmd.plain});
      }
    }
  } catch (error) {
    if (error instanceof InputError) {
      io.err(error.lines.map(l => `kubepki: ${l}\n`).join(''));
      return EXIT.usage;
    }
    throw error;
  }
}
