// `kubepki user add NAME --group G… --out OUT [--validity D] [--csr]` and
// `kubepki user finish NAME --certificate FILE --out OUT`.
import {join} from 'node:path';
import {addUser, finishUser, userNextSteps, type UserResult} from '../build/users.js';
import {EXIT, type Io} from './io.js';

export async function runUserAdd(io: Io, out: string, name: string, groups: string[], validity: string | undefined, csr: boolean): Promise<number> {
  const result = await addUser(out, {name, groups, validity, csr});
  report(io, out, result);
  return EXIT.ok;
}

export function runUserFinish(io: Io, out: string, name: string, certificate: string): number {
  report(io, out, finishUser(out, name, certificate));
  return EXIT.ok;
}

function report(io: Io, out: string, result: UserResult) {
  for (const w of result.warnings) io.err(`kubepki: warning: ${w}\n`);
  const {entry} = result;
  io.out(`User ${entry.name} (groups ${entry.groups.join(', ')}) in ${join(out, 'users', entry.name)}:\n${result.written.map(f => `  ${f}\n`).join('')}`);
  const [first, ...rest] = userNextSteps(out, result);
  if (!first) return;
  // The signing commands are indented under their heading; the "Try it" lines stand alone.
  io.out(`\n${first}\n${rest.map(line => (result.commands.length ? `  ${line}\n` : `${line}\n`)).join('')}`);
}
