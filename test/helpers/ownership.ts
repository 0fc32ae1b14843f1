// Shared by the tests of how kubepki owns OUT: a small quick cluster, a tmpfs of a given size,
// and a child script bundled from TypeScript (so it starts fast enough to be killed many times).
import {spawnSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {build} from 'esbuild';
import {parse, stringify} from 'yaml';
import {kubepki} from './run.js';

/** The example with two nodes, one CA and ECDSA keys, written to DIR/small.yaml: generate takes a moment. */
export function smallConfig(dir: string): {file: string; config: ReturnType<typeof parse>} {
  const config = parse(kubepki(['example']).stdout);
  config.nodes = [config.nodes[0], config.nodes[2]];
  config.pki = {...config.pki, authorities: 'single', key: 'ecdsa-p256'};
  const file = join(dir, 'small.yaml');
  writeFileSync(file, stringify(config));
  return {file, config};
}

/** Mounts a tmpfs of `size` (e.g. 96k, 2m) at `dir` (made if absent); returns the unmount. */
export function mountTmpfs(dir: string, size: string): () => void {
  mkdirSync(dir, {recursive: true});
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`this test needs a small tmpfs (root or CAP_SYS_ADMIN): ${r.stderr}`);
  return () => { spawnSync('umount', [dir]); };
}

/** Bundles the TypeScript `source` into DIR/NAME.mjs (node starts it in a fraction of a second). */
export async function bundleChild(dir: string, name: string, source: string): Promise<string> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.mjs`);
  await build({entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error'});
  return outfile;
}
