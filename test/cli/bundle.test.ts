// The shipped bundle: --help and --version must answer without loading Ink, React or node-forge.
import {describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {CLI} from '../helpers/run.js';

/** Files loaded by static imports from `file` (what runs before any dynamic import()). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.[^"']+)["']/g)) {
    staticClosure(join(dirname(file), m[1]!), seen);
  }
  return seen;
}

describe('dist/cli.js', () => {
  it('loads no UI or crypto library before a command asks for it', () => {
    const loaded = [...staticClosure(CLI)];
    const text = loaded.map(f => readFileSync(f, 'utf8')).join('\n');
    expect(text.length).toBeLessThan(20_000);
    expect(text).not.toMatch(/yoga|useInput|node-forge|forge\.pki|getBerValueLength|react\.production/i);
  });

  it('has the UI in a chunk that is imported dynamically', () => {
    const all = readFileSync(CLI, 'utf8');
    expect(all).toMatch(/import\(["']\.\/chunks\/run-[\w-]+\.js["']\)/);
  });
});
