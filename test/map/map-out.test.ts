// kubepki map --out FILE: a regular file is replaced whole (written beside it and renamed); a link,
// a device or a FIFO is written through, as the shell's > does, never replaced by a rename (as root,
// --out /dev/stdout or /dev/full would otherwise turn the device node itself into a file); a
// directory is refused with exit 2 and no temporary file left beside it.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {tempDir} from '../helpers/cluster.js';
import {kubepki} from '../helpers/run.js';

const tmp = tempDir('kubepki-map-out-');
afterAll(() => tmp.remove());

let config: string;
beforeAll(() => {
  config = join(tmp.path, 'cluster.yaml');
  writeFileSync(config, kubepki(['example']).stdout);
});

describe('kubepki map --out', () => {
  it('a link is written through: the link stays, its target holds the map', () => {
    const target = join(tmp.path, 'target.txt');
    writeFileSync(target, 'old');
    const link = join(tmp.path, 'link.txt');
    symlinkSync(target, link);
    const r = kubepki(['map', '--config', config, '--out', link]);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toMatch(/^kubernetes: trust map \(plan\)\n19 connections/);
  });

  it('a link to a device (/dev/null) stays a link to it', () => {
    const link = join(tmp.path, 'null');
    symlinkSync('/dev/null', link);
    expect(kubepki(['map', '--config', config, '--out', link]).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a directory is refused (exit 2, named), and nothing is left beside it', () => {
    const dir = join(tmp.path, 'adir');
    mkdirSync(dir);
    const before = readdirSync(tmp.path).sort();
    const r = kubepki(['map', '--config', config, '--out', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`kubepki: --out: ${dir} is a directory; give a file name such as trust-map.svg\n`);
    expect(readdirSync(tmp.path).sort()).toEqual(before);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a regular file is replaced whole', () => {
    const file = join(tmp.path, 'map.txt');
    writeFileSync(file, 'old');
    expect(kubepki(['map', '--config', config, '--out', file]).status).toBe(0);
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/^kubernetes: trust map \(plan\)\n/);
  });
});
