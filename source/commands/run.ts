import {InputError} from '../spec/errors.js';
import {OutputFailed} from '../output/claim.js';
import {EXIT, processIo, type Io} from './io.js';
import {commandWrites} from './streams.js';

export type Command =
  | {command: 'example'}
  | {command: 'plan'; config: string; json: boolean}
  | {command: 'generate'; config: string; out: string; force: boolean; update?: boolean; verbose?: boolean}
  | {command: 'verify'; dir: string; expiringWithin?: string; json?: boolean}
  | {command: 'user-add'; out: string; name: string; groups: string[]; validity?: string; csr: boolean}
  | {command: 'user-finish'; out: string; name: string; certificate: string}
  | {command: 'user-renew'; out: string; name: string; validity?: string}
  | {command: 'user-remove'; out: string; name: string}
  | {command: 'renew'; out: string; names: string[]; expiringWithin?: string; newKeys: boolean}
  | ({command: 'map'} & import('./map.js').MapOptions)
  | {command: 'rotate'; out: string; action: string; authority?: string; json: boolean; newKeys?: boolean; allowOutage?: boolean; caBundles?: string[]; csr?: boolean; certificate?: string; keyType?: string}
  | {command: 'wizard'; config?: string; plain: boolean; open?: string; terminal?: boolean};

/** Runs one command; bad input becomes exit 2 with every message, before anything is written. */
export async function runCommand(cmd: Command, io: Io = processIo()): Promise<number> {
  // A command that writes OUT: a closed output is cleaned up after, not a quiet exit (streams.ts).
  if (['generate', 'renew', 'user-add', 'user-finish', 'user-renew', 'user-remove', 'wizard'].includes(cmd.command)) commandWrites();
  try {
    switch (cmd.command) {
      // Each command loads only what it uses: the wizard's first frame must not wait for the engine.
      case 'example': return (await import('./example.js')).runExample(io);
      case 'plan': return (await import('./plan.js')).runPlan(io, cmd.config, cmd.json);
      case 'generate': return await (await import('./generate.js')).runGenerate(io, cmd.config, cmd.out, cmd.force, cmd.update, cmd.verbose);
      case 'verify': return (await import('./verify.js')).runVerify(io, cmd.dir, cmd.expiringWithin, cmd.json);
      case 'user-add': return await (await import('./user.js')).runUserAdd(io, cmd.out, cmd.name, cmd.groups, cmd.validity, cmd.csr);
      case 'user-finish': return await (await import('./user.js')).runUserFinish(io, cmd.out, cmd.name, cmd.certificate);
      case 'user-renew': return await (await import('./user.js')).runUserRenew(io, cmd.out, cmd.name, cmd.validity);
      case 'user-remove': return await (await import('./user.js')).runUserRemove(io, cmd.out, cmd.name);
      case 'renew': return await (await import('./renew.js')).runRenew(io, cmd);
      case 'map': return await (await import('./map.js')).runMap(io, cmd);
      case 'rotate': return await (await import('./rotate.js')).runRotate(io, cmd);
      case 'wizard': {
        const {runInteractive} = await import('./interactive.js');
        return await runInteractive({config: cmd.config, plain: cmd.plain, open: cmd.open, terminal: cmd.terminal});
      }
    }
  } catch (error) {
    if (error instanceof InputError) {
      io.err(error.lines.map(l => `kubepki: ${l}\n`).join(''));
      return EXIT.usage;
    }
    if (error instanceof OutputFailed) {
      io.err(`kubepki: ${error.message}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
