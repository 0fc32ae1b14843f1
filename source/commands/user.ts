// `kubepki user add NAME --group G… --out OUT [--validity D] [--csr]`,
// `kubepki user finish NAME --certificate FILE --out OUT`, `kubepki user renew NAME --out OUT
// [--validity D]` and `kubepki user remove NAME --out OUT`.
import {join} from 'node:path';
import {addUser, finishUser, removeUser, renewUser, userNextSteps, type UserResult} from '../build/users.js';
import {shellQuote} from '../scripts/shell.js';
import {printable} from '../spec/quote.js';
import type {Io} from './io.js';
import {ownedChange} from './owned-change.js';

// Each holds OUT's lock while it reads and writes OUT (owned-change.ts); the report follows.
export function runUserAdd(io: Io, out: string, name: string, groups: string[], validity: string | undefined, csr: boolean): Promise<number> {
  return ownedChange(io, out, signal => addUser(out, {name, groups, validity, csr}, undefined, signal), result => report(io, out, result));
}

export function runUserFinish(io: Io, out: string, name: string, certificate: string): Promise<number> {
  return ownedChange(io, out, () => finishUser(out, name, certificate), result => report(io, out, result));
}

export function runUserRenew(io: Io, out: string, name: string, validity: string | undefined): Promise<number> {
  return ownedChange(io, out, () => renewUser(out, name, validity), result => {
    for (const w of result.warnings) io.err(`kubepki: warning: ${w}\n`);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    io.out(`Renewed user ${name} (groups ${groupList(result.entry.groups)}; key kept): valid until ${day(result.until)} (was ${day(result.was)}).\n${result.written.map(f => `  ${printable(f)}\n`).join('')}`);
    io.out(`Give ${name} the new kubeconfig ${shellQuote(join(out, result.entry.kubeconfig!))}; the old certificate stays valid until ${day(result.was)}.\n`);
  });
}

export function runUserRemove(io: Io, out: string, name: string): Promise<number> {
  return ownedChange(io, out, () => removeUser(out, name), ({advice}) => {
    io.out(`Removed user ${name}: ${printable(join(out, 'users', name))} and its entry in manifest.json.\n`);
    const [first, ...rest] = advice;
    io.out(`${first}\n${rest.map(line => (line.startsWith('kubectl') ? `  ${line}\n` : `${line}\n`)).join('')}`);
  });
}

function report(io: Io, out: string, result: UserResult) {
  for (const w of result.warnings) io.err(`kubepki: warning: ${w}\n`);
  const {entry} = result;
  io.out(`User ${entry.name} (groups ${groupList(entry.groups)}) in ${printable(join(out, 'users', entry.name))}:\n${result.written.map(f => `  ${printable(f)}\n`).join('')}`);
  const [first, ...rest] = userNextSteps(out, result);
  if (!first) return;
  // The signing commands are indented under their heading; the "Try it" lines stand alone.
  io.out(`\n${first}\n${rest.map(line => (result.commands.length ? `  ${line}\n` : `${line}\n`)).join('')}`);
}

/** Groups for a message: a manifest written by hand (or by an older kubepki) may hold any text. */
const groupList = (groups: string[]) => printable(groups.join(', '));
