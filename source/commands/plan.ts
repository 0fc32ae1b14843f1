import {buildPlan} from '../plan/plan.js';
import {specFromFile} from '../spec/load.js';
import {PLAN_COLUMNS, planRows, planSummary} from '../text/plan-table.js';
import {renderTable} from '../text/table.js';
import {EXIT, type Io} from './io.js';

export function runPlan(io: Io, config: string, json: boolean): number {
  const plan = buildPlan(specFromFile(config));
  if (json) {
    // The spec is the input, not part of the plan's contract: print what `plan --json` always printed.
    const {spec: _spec, ...printed} = plan;
    io.out(`${JSON.stringify(printed, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(`${renderTable(PLAN_COLUMNS, planRows(plan), io.columns)}\n\n`);
  io.out(planSummary(plan).map(l => `${l}\n`).join(''));
  for (const w of plan.warnings) io.out(`warning: ${w}\n`);
  return EXIT.ok;
}
