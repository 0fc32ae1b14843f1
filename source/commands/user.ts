// `kubepki user add NAME --group G… --out OUT [--validity D] [--csr]` and
// `kubepki user finish NAME --certificate FILE --out OUT`.
import {join} from 'node:path';
import {addUser, finishUser, type UserResult} from '../build/users.js';
import {shellQuote} from '../scripts/shell.js';
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
  if (result.commands.length) {
    io.out(`\nThe cluster signs it (kubernetes.io/kube-apiserver-client; the CA key was not used). As a cluster admin:\n${result.commands.map(c => `  ${c}\n`).join('')}`);
  } else if (entry.kubeconfig) {
    io.out(`\nTry it: kubectl --kubeconfig ${shellQuote(join(out, entry.kubeconfig))} auth whoami   (context ${result.context})\n`);
    io.out('Its groups get no rights until RBAC binds them, e.g.: kubectl create clusterrolebinding NAME --clusterrole=view --group=GROUP\n');
  }
}
