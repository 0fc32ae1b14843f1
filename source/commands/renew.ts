// `kubepki renew OUT [ID|NODE|all…] [--expiring-within 30d] [--new-keys]`: re-issue leaves from
// OUT's CAs with a fresh validity; keys kept unless --new-keys; CAs never touched.
import {X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {BuildInterrupted, buildCluster, SERVICE_ACCOUNT_REF} from '../build/index.js';
import {keptLine, NEW_SERVICE_ACCOUNT_PAIR, redistribution, repairedLines, summarizeChanges} from '../build/changes.js';
import {selectRenewals} from '../build/renew.js';
import {refuseUnapplied} from '../build/unapplied.js';
import {readExisting} from '../output/existing.js';
import {buildPlan} from '../plan/plan.js';
import {parseDurationHours} from '../spec/duration.js';
import {InputError} from '../spec/errors.js';
import {specFromFile} from '../spec/load.js';
import {EXIT, STOP_EXIT, stopped, type Io, type Stop} from './io.js';
import {Interrupts} from './interrupts.js';

export interface RenewOptions {
  out: string;
  names: string[];
  expiringWithin?: string;
  newKeys: boolean;
}

export async function runRenew(io: Io, options: RenewOptions): Promise<number> {
  const {out, names} = options;
  let hours: number | undefined;
  if (options.expiringWithin !== undefined) {
    hours = parseDurationHours(options.expiringWithin);
    if (hours === undefined) throw new InputError([`--expiring-within: ${JSON.stringify(options.expiringWithin)} is not a duration such as 30d or 720h`]);
  }
  if (names.length === 0 && hours === undefined) throw new InputError(['renew: name what to renew: certificate ids, refs or nodes, all, or --expiring-within 30d']);
  const existing = readExisting(out);
  const plan = buildPlan(specFromFile(join(out, 'cluster.yaml')));
  // Before the names are read against it: a node cluster.yaml dropped is still OUT's.
  refuseUnapplied(out, plan, existing.manifest);
  const {refs, expires} = selectRenewals(plan, existing, names, hours);
  if (refs.length === 0) {
    io.out(`Nothing to renew: no certificate in ${out} expires within ${options.expiringWithin}. Nothing was changed.\n`);
    return EXIT.ok;
  }
  const interrupts = new Interrupts();
  try {
    const report = await buildCluster(plan, out, {
      force: true, only: new Set(refs), keepKeys: !options.newKeys, samePlan: true, signal: interrupts.signal,
    });
    const afterWrite = (stop: Stop) => `kubepki: ${stopped(stop)} after ${out} was written: it holds the renewed files.\n`;
    const {received} = interrupts;
    if (received) {
      io.err(afterWrite(received));
      return STOP_EXIT[received];
    }
    interrupts.written(io.err, afterWrite);
    // The new dates are read back from the renewed certificates now in OUT; to the minute, since a
    // renewal on the day of the last one ends on the same day.
    const renewed = new Map(plan.certificates.filter(c => refs.includes(c.ref))
      .map(c => [c.ref, new Date(new X509Certificate(readFileSync(join(out, c.cert))).validTo)]));
    const when = (at: Map<string, Date>, ref: string) => at.get(ref)?.toISOString().slice(0, 16).replace('T', ' ').concat(' UTC') ?? 'unknown';
    const lines = refs.map(ref => `  ${ref.padEnd(36)} ${ref === SERVICE_ACCOUNT_REF ? 'new key pair' : `valid until ${when(renewed, ref)} (was ${when(expires, ref)})`}`);
    const changes = summarizeChanges(report, report.before ?? existing.manifest); // what the engine found under the lock
    const kubeconfigs = changes.changed.filter(c => c.kind === 'kubeconfig').map(c => c.ref);
    io.out([
      `Renewed ${refs.length} in ${report.out} (${options.newKeys ? 'new keys' : 'keys kept'}; the CAs are not touched):`,
      ...lines,
      ...(kubeconfigs.length ? [`Kubeconfigs rewritten around them (${kubeconfigs.length}): ${kubeconfigs.join(', ')}`] : []),
      ...repairedLines(changes.repaired),
      ...(refs.includes(SERVICE_ACCOUNT_REF) ? [`warning: ${NEW_SERVICE_ACCOUNT_PAIR}`] : []),
      keptLine(changes),
      '',
      ...redistribution(changes.nodesToRedistribute, report.out),
      ...(changes.nodesToRedistribute.length ? changes.restartSteps : []),
    ].join('\n').concat('\n'));
    return EXIT.ok;
  } catch (error) {
    const {received} = interrupts;
    if (!(error instanceof BuildInterrupted) || !received) throw error;
    io.err(`\nkubepki: ${stopped(received)}; the unfinished files were removed and ${out} is as it was.\n`);
    return STOP_EXIT[received];
  } finally {
    interrupts.release();
  }
}
