// The folder map of README's "Layout of the code", enforced: data flows one way, so each folder
// of source/ imports only folders upstream of it, and the front ends never import each other.
import {describe, expect, it} from 'vitest';
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

/** Upstream first; ui and plain are one level (neither may import the other). */
const ORDER = ['spec', 'plan', 'pki', 'output', 'scripts', 'text', 'inspect', 'map', 'build', 'verify', 'interview', ['ui', 'plain'], 'commands'];
const level = new Map(ORDER.flatMap((entry, i) => (Array.isArray(entry) ? entry : [entry]).map(folder => [folder, i] as const)));

function importsOf(folder: string): {file: string; target: string}[] {
  const dir = join('source', folder);
  return readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(f => /\.tsx?$/.test(f)).flatMap(file =>
    [...readFileSync(join(dir, file), 'utf8').matchAll(/(?:from|import\(?)\s*'\.\.\/([a-z]+)\//g)].map(m => ({file: `${folder}/${file}`, target: m[1]!})));
}

describe('folder map', () => {
  it('names every folder of source/', () => {
    expect(readdirSync('source').sort()).toEqual([...level.keys()].sort());
  });

  it('each folder imports only folders upstream of it', () => {
    const wrong = [...level].flatMap(([folder, own]) => importsOf(folder)
      .filter(i => !(level.get(i.target)! < own))
      .map(i => `${i.file} imports ${i.target}/`));
    expect(wrong).toEqual([]);
  });
});
