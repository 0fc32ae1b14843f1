// `kubepki generate`: reads the config, runs the engine, prints progress and the report.
// INT, TERM and HUP stop the engine, which removes everything it wrote before the swap; the
// message then says what OUT holds, and the exit code is 128 + the signal's number.
import {existsSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {buildPlan, sshWarning} from '../plan/plan.js';
import {timings} from '../pki/timings.js';
import {BuildInterrupted, buildCluster, finalReport} from '../build/index.js';
import {changesReport, summarizeChanges} from '../build/changes.js';
import {updateReportTitle} from '../build/upgrade.js';
import {monitoringUpdateLines} from '../build/report.js';
import {readManifest} from '../output/existing.js';
import {InputError} from '../spec/errors.js';
import {specFromFile} from '../spec/load.js';
import {printable} from '../spec/quote.js';
import {EXIT, STOP_EXIT, stopped, type Io, type Stop} from './io.js';
import {Interrupts} from './interrupts.js';

/** `update`: OUT must hold kubepki output; only what the plan changed is issued anew (see build/index.ts). */
/** `verbose`: the report lists every check and every node's commands, not only the summary. */
export async function runGenerate(io: Io, config: string, out: string, force: boolean, update = false, verbose = false): Promise<number> {
  // KUBEPKI_TIMINGS=1: where the time goes, one JSON line on stderr (npm run bench reads it).
  timings.enabled = process.env.KUBEPKI_TIMINGS === '1';
  const startup = performance.now(); // since the process started: Node, the bundle, the engine's modules
  const interrupts = new Interrupts();
  const shown = printable(out);
  try {
    const plan = buildPlan(specFromFile(config));
    const before = update ? manifestToUpdate(out) : undefined;
    // What kubepki plan warns about, said before the keys are made (the report repeats the ssh one).
    const ssh = sshWarning(plan.spec.ssh);
    for (const w of plan.warnings.filter(w => w !== ssh)) io.err(`kubepki: warning: ${w}\n`);
    const planned = performance.now();
    const loop = performance.eventLoopUtilization();
    const started = Date.now();
    let lastShown = 0;
    const report = await buildCluster(plan, out, {
      force: force || update,
      ...(update ? {only: new Set<string>()} : {}),
      signal: interrupts.signal,
      onProgress: ({done, total, item}) => {
        const elapsed = ((Date.now() - started) / 1000).toFixed(1);
        if (io.stderrIsTTY) io.err(`\r\u001B[Kgenerating keys ${done}/${total} (${elapsed}s) ${item}`);
        else if (done === total || Date.now() - lastShown > 1000) {
          lastShown = Date.now();
          io.err(`generating keys ${done}/${total} (${elapsed}s)\n`);
        }
      },
    });
    if (io.stderrIsTTY) io.err('\n');
    const afterWrite = (stop: Stop) => `kubepki: ${stopped(stop)} after ${shown} was written: it holds the complete new files.\n`;
    const {received} = interrupts;
    if (received) {
      io.err(afterWrite(received));
      return STOP_EXIT[received];
    }
    interrupts.written(io.err, afterWrite);
    const updateReport = (manifest: NonNullable<typeof before>) => {
      const changes = summarizeChanges(report, manifest);
      const monitoring = monitoringUpdateLines(plan, manifest, report.out, changes.newNodes);
      return changesReport(changes, report.out, updateReportTitle(`Updated ${report.out} from ${config}.`, plan, manifest, report.out))
        + (monitoring.length ? `\n${monitoring.join('\n')}` : '');
    };
    const built = performance.now();
    const {idle, active} = performance.eventLoopUtilization(loop);
    // What changed is read against the manifest the engine found under OUT's lock (report.before),
    // not the one read above: another run may have written OUT in between.
    io.out(before ? updateReport(report.before ?? before) : finalReport(report, verbose ? 'full' : 'summary'));
    if (timings.enabled) {
      const busy = Object.values(timings.ms).reduce((a, b) => a + b, 0);
      const ms = (n: number) => Math.round(n * 10) / 10;
      io.err(`timings ${JSON.stringify({
        startup: ms(startup), plan: ms(planned - startup), engine: ms(built - planned),
        ...Object.fromEntries(Object.entries(timings.ms).map(([k, v]) => [k, ms(v)])),
        // Main-thread work outside those phases (writes issued, manifest, scripts), and waiting on
        // the thread pool (RSA keys, the file system) with nothing else to do.
        otherWork: ms(active - busy), waiting: ms(idle), report: ms(performance.now() - built),
      })}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    const {received} = interrupts;
    if (!(error instanceof BuildInterrupted) || !received) throw error;
    const state = error.before === 'occupied'
      ? `${shown} still holds its earlier files, unchanged`
      : existsSync(out) ? `${shown} is as it was (empty)` : `${shown} was not created`;
    io.err(`\nkubepki: ${stopped(received)}; the unfinished files were removed and ${state}.\n`);
    return STOP_EXIT[received];
  } finally {
    interrupts.release();
  }
}

function manifestToUpdate(out: string) {
  try {
    return readManifest(out);
  } catch (error) {
    if (error instanceof InputError) throw new InputError([...error.lines.map(l => `--out: ${l}`), '--out: --update changes a directory written by kubepki generate; nothing was written.']);
    throw error;
  }
}
