// `kubepki inspect PATH… [--config FILE] [--json]`: read any PKI, print roles and problems.
import {existsSync} from 'node:fs';
import {inspectPaths} from '../inspect/inspect.js';
import {renderReport} from '../inspect/render.js';
import {InputError} from '../spec/errors.js';
import {specFromFile} from '../spec/load.js';
import {printable} from '../spec/quote.js';
import {EXIT, processIo, type Io} from './io.js';

export function runInspect(paths: string[], options: {config?: string; json: boolean}, io: Io = processIo()): number {
  try {
    if (paths.length === 0) throw new InputError(['inspect needs at least one PATH: a directory (/etc/kubernetes, a folder of certificates) or a file']);
    const missing = paths.filter(p => !existsSync(p));
    if (missing.length) throw new InputError(missing.map(p => `${printable(p)}: no such file or directory`));
    const spec = options.config === undefined ? undefined : specFromFile(options.config);
    const report = inspectPaths(paths, {spec});
    // Into a file or a pipe (no terminal) every line is whole: grep and diff read it best that way.
    io.out(options.json ? `${jsonText(report)}\n` : renderReport(report, io.columns));
    return report.problems ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.err(error.lines.map(l => `kubepki: ${l}\n`).join(''));
    return EXIT.usage;
  }
}

/**
 * The report as JSON whose text is safe on a terminal and parses to the same values: JSON.stringify
 * escapes C0 controls but leaves C1 controls and bidi overrides raw. The only raw C0 characters in
 * its output are the line breaks of the indentation, so escaping each line escapes only characters
 * inside strings.
 */
function jsonText(report: unknown): string {
  return JSON.stringify(report, null, 2).split('\n').map(printable).join('\n');
}
