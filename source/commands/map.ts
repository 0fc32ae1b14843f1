// `kubepki map (--config FILE | OUT | --inspect PATH…) [--format svg|dot|mermaid|text] [--out FILE] [--node NAME]`
import {existsSync, lstatSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, basename, extname, join} from 'node:path';
import {inspectPaths} from '../inspect/inspect.js';
import {foldMap, unknownNames} from '../map/fold.js';
import {MAP_FORMATS, renderMap, type MapFormat} from '../map/render.js';
import {buildTrustMap} from '../map/build.js';
import {sourceFromInspect, sourceFromPlan} from '../map/sources.js';
import type {TrustMap} from '../map/types.js';
import {readManifest} from '../output/existing.js';
import {usersOf} from '../output/users.js';
import {buildPlan} from '../plan/plan.js';
import {InputError} from '../spec/errors.js';
import {printable} from '../spec/quote.js';
import {specFromFile} from '../spec/load.js';
import {EXIT, type Io} from './io.js';

export interface MapOptions {
  config?: string;
  /** OUT (one directory kubepki generate wrote), or with `inspect` the paths to read. */
  paths: string[];
  inspect: boolean;
  format?: string;
  out?: string;
  nodes: string[];
}

const EXTENSIONS: Record<string, MapFormat> = {'.svg': 'svg', '.dot': 'dot', '.gv': 'dot', '.mmd': 'mermaid', '.mermaid': 'mermaid', '.txt': 'text'};

function formatOf(options: MapOptions): MapFormat {
  if (options.format !== undefined) {
    if (!MAP_FORMATS.includes(options.format as MapFormat)) throw new InputError([`--format: "${printable(options.format)}" is not one of ${MAP_FORMATS.join(', ')}`]);
    return options.format as MapFormat;
  }
  return (options.out && EXTENSIONS[extname(options.out).toLowerCase()]) || 'text';
}

/** The whole map, unfolded: from a config, from OUT (with its users), or from inspected files. */
export function trustMapFor(options: Pick<MapOptions, 'config' | 'paths' | 'inspect'>): TrustMap {
  if (options.inspect && options.paths.length === 0) throw new InputError(['--inspect needs at least one PATH: a directory (/etc/kubernetes, a folder of certificates) or a file']);
  // With --inspect, --config is the cluster the names are checked against (as in kubepki inspect).
  const sources = [options.config !== undefined && !options.inspect, options.inspect, !options.inspect && options.paths.length > 0].filter(Boolean).length;
  if (sources !== 1) throw new InputError(['map needs exactly one of --config FILE, OUT (a directory kubepki generate wrote), or --inspect PATH… [--config FILE]']);
  const missing = options.paths.filter(p => !existsSync(p));
  if (missing.length) throw new InputError(missing.map(p => `${printable(p)}: no such file or directory`));
  if (options.inspect) {
    const spec = options.config === undefined ? undefined : specFromFile(options.config);
    return buildTrustMap(sourceFromInspect(inspectPaths(options.paths, {spec})));
  }
  if (options.config !== undefined) return buildTrustMap(sourceFromPlan(buildPlan(specFromFile(options.config))));
  if (options.paths.length !== 1) throw new InputError([`map OUT takes one directory (got ${options.paths.length}); to map several trees use --inspect PATH…`]);
  const out = options.paths[0]!;
  const manifest = readManifest(out);
  const plan = buildPlan(specFromFile(join(out, 'cluster.yaml')));
  return buildTrustMap(sourceFromPlan(plan, usersOf(manifest), `${plan.cluster}: trust map of ${printable(out)}`));
}

export async function runMap(io: Io, options: MapOptions): Promise<number> {
  const format = formatOf(options);
  const whole = trustMapFor(options);
  const unknown = unknownNames(whole, options.nodes);
  if (unknown.length) throw new InputError(unknown.map(n => `--node: "${printable(n)}" is no node, component or kind on this map`));
  const map = foldMap(whole, {expand: options.nodes});
  const text = await renderMap(map, format, options.out ? undefined : io.columns);
  if (options.out) {
    const existing = lstatSync(options.out, {throwIfNoEntry: false});
    if (existing?.isDirectory()) throw new InputError([`--out: ${printable(options.out)} is a directory; give a file name such as trust-map.svg`]);
    if (existing && !existing.isFile()) {
      // A link, a device or a FIFO (--out /dev/stdout): written through, as the shell's > does;
      // a rename would replace it (as root, even /dev/stdout itself) with a regular file.
      writeFileSync(options.out, text);
    } else {
      // Beside the target and renamed: an interrupted run leaves the old map or the new one.
      const temp = join(dirname(options.out), `.${basename(options.out)}.${process.pid}.tmp`);
      writeFileSync(temp, text, {mode: 0o644});
      try {
        renameSync(temp, options.out);
      } catch (error) {
        rmSync(temp, {force: true});
        throw error;
      }
    }
    io.out(`wrote ${printable(options.out)} (${format}, ${map.edges.length} connections, ${map.edges.filter(e => e.problems.length).length} broken)\n`);
  } else {
    io.out(text);
  }
  return options.inspect && whole.edges.some(e => e.problems.length) ? EXIT.failed : EXIT.ok;
}
