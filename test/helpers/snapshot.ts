import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

/** Every file under a directory, by its path relative to that directory, with its content. */
export function snapshot(dir: string): Map<string, string> {
  const files = readdirSync(dir, {recursive: true, withFileTypes: true}).filter(e => e.isFile());
  return new Map(files.map(e => {
    const path = join(e.parentPath, e.name);
    return [path.slice(dir.length + 1), readFileSync(path, 'utf8')];
  }));
}

/** Paths added, changed or removed between two snapshots, sorted. */
export const differing = (before: Map<string, string>, after: Map<string, string>) =>
  [...new Set([...before.keys(), ...after.keys()])].filter(p => before.get(p) !== after.get(p)).sort();
