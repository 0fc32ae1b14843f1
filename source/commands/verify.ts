import {DEFAULT_EXPIRY_WARNING, inspectDirectory} from '../verify/read-out.js';
import {renderTable} from '../text/table.js';
import {parseDurationHours} from '../spec/duration.js';
import {InputError} from '../spec/errors.js';
import {readManifest} from '../output/existing.js';
import {usersOf} from '../output/users.js';
import {shellQuote} from '../scripts/shell.js';
import {printable} from '../spec/quote.js';
import {EXIT, type Io} from './io.js';

export {DEFAULT_EXPIRY_WARNING};

/** `json`: every check with its days left (for CI jobs); the exit code is the same. */
export function runVerify(io: Io, dir: string, expiringWithin = DEFAULT_EXPIRY_WARNING, json = false): number {
  const hours = parseDurationHours(expiringWithin);
  if (hours === undefined) throw new InputError([`--expiring-within: ${JSON.stringify(expiringWithin)} is not a duration such as 30d or 720h`]);
  const findings = inspectDirectory(dir);
  if (json) {
    const failed = findings.filter(f => !f.ok).length;
    io.out(`${JSON.stringify({
      ok: failed === 0, failed, expiringWithinDays: hours / 24,
      checks: findings.map(f => ({file: f.file, check: f.check, ok: f.ok, detail: f.detail, daysLeft: f.daysLeft ?? null, expiring: f.ok && f.daysLeft !== undefined && f.daysLeft < hours / 24})),
    }, null, 2)}\n`);
    return failed ? EXIT.failed : EXIT.ok;
  }
  io.out(`${renderTable([
    // In a narrow terminal the detail keeps the most room: it says what is wrong.
    {header: 'FILE', value: f => printable(f.file), shrink: 3, min: 18},
    {header: 'CHECK', value: f => printable(f.check), shrink: 2, min: 12},
    {header: 'RESULT', value: f => (f.ok ? 'ok' : 'FAIL')},
    {header: 'DAYS LEFT', value: f => (f.daysLeft === undefined ? '' : String(f.daysLeft))},
    {header: 'DETAIL', value: f => printable(f.detail), shrink: 1, min: 24},
  ], findings, io.columns)}\n`);
  const failed = findings.filter(f => !f.ok);
  // One row per file or node bundle (verify.sh counts its checks, several per file: another number).
  io.out(failed.length ? `\n${failed.length} of the ${findings.length} files and bundles above failed.\n` : `\nAll ${findings.length} files and bundles above passed.\n`);
  const days = hours / 24;
  const expiring = findings.filter(f => f.ok && f.daysLeft !== undefined && f.daysLeft < days);
  if (expiring.length) {
    io.out(`\nwarning: ${expiring.length} expire within ${printable(expiringWithin)}:\n${expiring.map(f => `  ${printable(f.file)} (${printable(f.check)}): ${f.daysLeft} days left\n`).join('')}`);
    const shown = shellQuote(dir);
    const names = new Set(expiring.filter(f => f.check.startsWith('user ')).map(f => f.check.split(' ')[1]!));
    if (expiring.some(f => !f.check.startsWith('user '))) io.out(`Renew the certificates among them (the CAs are not renewed): kubepki renew ${shown} --expiring-within ${expiringWithin}\n`);
    for (const user of usersOf(readManifest(dir)).filter(u => names.has(u.name))) {
      // A --csr user is renewed the way it was made: by the cluster.
      io.out(user.signedBy === 'csr'
        ? `Renew user ${printable(user.name)} through the cluster: kubepki user remove ${shellQuote(user.name)} --out ${shown}, then kubepki user add ${shellQuote(user.name)} --csr ${user.groups.map(g => `--group ${shellQuote(g)}`).join(' ')} --out ${shown}\n`
        : `Renew user ${printable(user.name)}: kubepki user renew ${shellQuote(user.name)} --out ${shown}\n`);
    }
  }
  return failed.length ? EXIT.failed : EXIT.ok;
}
