// `kubepki inspect PATH… [--config FILE] [--json]`: read any PKI, print roles and problems.
import {existsSync} from 'node:fs';
import {inspectPaths} from '../inspect/inspect.js';
import {renderReport} from '../inspect/render.js';
import {InputError} from '../spec/errors.js';
import {specFromFile} from '../spec/load.js';
import {EXIT, processIo, type Io} from './io.js';

export function runInspect(paths: string[], options: {config?: string; json: boolean}, io: Io = processIo()): number {
  try {
    if (paths.length === 0) throw new InputError(['inspect needs at least one PATH: a directory (/etc/kubernetes, a folder of certificates) or a file']);
    const missing = paths.filter(p => !existsSync(p));
    if (missing.length) throw new InputError(missing.map(p => `${p}: no such file or directory`));
    const spec = options.config === undefined ? undefined : specFromFile(options.config);
    const report = inspectPaths(paths, {spec});
    // Piped output has no terminal width; COLUMNS (set by most shells) still says how wide to be.
    const columns = io.columns ?? (Number(process.env.COLUMNS) > 0 ? Number(process.env.COLUMNS) : undefined);
    io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, columns));
    return report.problems ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.err(error.lines.map(l => `kubepki: ${l}\n`).join(''));
    return EXIT.usage;
  }
}
