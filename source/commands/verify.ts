import {inspectDirectory} from '../verify/inspect.js';
import {renderTable} from '../text/table.js';
import {EXIT, type Io} from './io.js';

export function runVerify(io: Io, dir: string): number {
  const findings = inspectDirectory(dir);
  io.out(`${renderTable([
    {header: 'FILE', value: f => f.file, shrink: 2, min: 20},
    {header: 'CHECK', value: f => f.check, shrink: 1, min: 12},
    {header: 'RESULT', value: f => (f.ok ? 'ok' : 'FAIL')},
    {header: 'DAYS LEFT', value: f => (f.daysLeft === undefined ? '' : String(f.daysLeft))},
    {header: 'DETAIL', value: f => f.detail, shrink: 3, min: 10},
  ], findings, io.columns)}\n`);
  const failed = findings.filter(f => !f.ok);
  io.out(failed.length ? `\n${failed.length} of ${findings.length} checks failed.\n` : `\nAll ${findings.length} checks passed.\n`);
  return failed.length ? EXIT.failed : EXIT.ok;
}
