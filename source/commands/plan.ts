import {buildPlan} from '../plan/plan.js';
import {specFromFile} from '../spec/load.js';
import {planSummary, renderPlanTable} from '../text/plan-table.js';
import {wrapText} from '../text/wrap.js';
import {EXIT, type Io} from './io.js';

export function runPlan(io: Io, config: string, json: boolean): number {
  const plan = buildPlan(specFromFile(config));
  if (json) {
    // The spec is the input, not part of the plan's contract: print what `plan --json` always printed.
    const {spec: _spec, ...printed} = plan;
    io.out(`${JSON.stringify(printed, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(`${renderPlanTable(plan, io.columns)}\n\n`);
  // On a terminal, long lines wrap between words at its width; into a pipe, one line each.
  const fit = (line: string) => (io.columns ? wrapText(line, io.columns).join('\n') : line);
  io.out(planSummary(plan).map(l => `${fit(l)}\n`).join(''));
  for (const w of plan.warnings) io.out(`${fit(`warning: ${w}`)}\n`);
  return EXIT.ok;
}
