// `kubepki generate`: reads the config, runs the engine, prints progress and the report.
import {buildPlan} from '../plan/plan.js';
import {buildCluster, finalReport} from '../build/index.js';
import {discardStagingNow} from '../output/write.js';
import {specFromFile} from '../spec/load.js';
import {EXIT, type Io} from './io.js';

export async function runGenerate(io: Io, config: string, out: string, force: boolean): Promise<number> {
  const plan = buildPlan(specFromFile(config));
  let staging: string | undefined;
  const onSigint = () => {
    if (staging) discardStagingNow(staging);
    io.err('\nkubepki: interrupted; nothing was written.\n');
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', onSigint);
  const started = Date.now();
  let lastShown = 0;
  try {
    const report = await buildCluster(plan, out, {
      force,
      onStaging: dir => { staging = dir; },
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
    io.out(finalReport(report));
    return EXIT.ok;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
