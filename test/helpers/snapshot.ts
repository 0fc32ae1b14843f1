import {createHash} from 'node:crypto';
import {cpSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'vitest';
import {kubepki} from './run.js';

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

/** Every file and directory under `dir`: its SHA-256 (a directory: none) and its mode, by relative path. */
export function digests(dir: string): Map<string, string> {
  const entries = readdirSync(dir, {recursive: true, withFileTypes: true});
  return new Map(entries.map(e => {
    const path = join(e.parentPath, e.name);
    const mode = (statSync(path).mode & 0o7777).toString(8);
    return [path.slice(dir.length + 1), e.isFile() ? `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${mode}` : `${e.isDirectory() ? 'dir' : 'other'} ${mode}`];
  }));
}

/** manifest.json without what every build stamps anew (`generatedAt`, the time of the build). */
export function manifestBody(dir: string): object {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  delete manifest.generatedAt;
  return manifest;
}

/** Copies of an OUT under `dir` (out-1, out-2, …), its files' times kept: one per test that changes it. */
export function outCopier(dir: string): (from: string) => string {
  let copies = 0;
  return from => {
    const out = join(dir, `out-${++copies}`);
    cpSync(from, out, {recursive: true, preserveTimestamps: true});
    return out;
  };
}

/** `kubepki ARGS` on `out` is refused: exit 2, stderr matching `message`, not one file of `out` changed. */
export function refusedUnchanged(out: string, args: string[], message: RegExp) {
  const before = snapshot(out);
  const r = kubepki(args);
  expect(r.status, r.stdout).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(differing(before, snapshot(out))).toEqual([]);
}
