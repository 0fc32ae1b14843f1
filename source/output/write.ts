// Puts material on disk so that nothing is lost and no one is let in: everything goes into a
// private temporary directory beside OUT and is renamed into place at the end, so an interrupted
// run leaves either nothing or a complete result.
import {chmod, mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises';
import {existsSync, rmSync} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {randomBytes} from 'node:crypto';
import type {Plan} from '../plan/types.js';
import type {MaterialFile} from '../pki/generate.js';

export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const DIR_MODE = 0o700;
export const SCRIPT_MODE = 0o700;

export interface ExtraFile {
  path: string;
  content: string;
  mode: number;
}

export class OutputRefused extends Error {}

/** What is in OUT now: nothing (absent or empty), or files that --force is needed to replace. */
export async function inspectOutput(out: string): Promise<'absent' | 'empty' | 'occupied'> {
  let info;
  try {
    info = await stat(out);
  } catch {
    return 'absent';
  }
  if (!info.isDirectory()) throw new OutputRefused(`${out} exists and is not a directory`);
  return (await readdir(out)).length === 0 ? 'empty' : 'occupied';
}

async function writePrivate(root: string, rel: string, content: string, mode: number) {
  const path = join(root, rel);
  await mkdir(dirname(path), {recursive: true, mode: DIR_MODE});
  await writeFile(path, content, {mode, flag: 'wx'});
  // writeFile's mode is filtered by the umask; set it exactly.
  await chmod(path, mode);
}

/** A staging directory beside OUT (same file system, so the final rename is atomic). */
export async function createStaging(out: string): Promise<string> {
  const abs = resolve(out);
  await mkdir(dirname(abs), {recursive: true});
  const staging = join(dirname(abs), `.${basename(abs)}.kubepki-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, {mode: DIR_MODE});
  await chmod(staging, DIR_MODE);
  return staging;
}

/** The master copy, each node's bundle and the extra files (manifest, scripts) into staging. */
export async function writeStaging(staging: string, plan: Plan, material: MaterialFile[], extra: ExtraFile[]) {
  const byPath = new Map(material.map(f => [f.path, f]));
  await Promise.all(material.map(f => writePrivate(staging, f.path, f.content, f.secret ? SECRET_MODE : PUBLIC_MODE)));
  await Promise.all(Object.entries(plan.bundles).flatMap(([node, files]) => files.map(file => {
    const source = byPath.get(file.source);
    if (!source) throw new Error(`internal: bundle of ${node} needs ${file.source}, which was not generated`);
    return writePrivate(staging, join('nodes', node, file.target), source.content, file.secret ? SECRET_MODE : PUBLIC_MODE);
  })));
  for (const node of plan.nodes) await mkdir(join(staging, 'nodes', node.name), {recursive: true, mode: DIR_MODE});
  await Promise.all(extra.map(f => writePrivate(staging, f.path, f.content, f.mode)));
  await tightenDirectories(staging);
}

async function tightenDirectories(dir: string) {
  await chmod(dir, DIR_MODE);
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    if (entry.isDirectory()) await tightenDirectories(join(dir, entry.name));
  }
}

/** Swap staging into OUT. An existing OUT is moved aside first and removed only after the swap. */
export async function commitStaging(staging: string, out: string): Promise<void> {
  const abs = resolve(out);
  const state = await inspectOutput(abs);
  if (state === 'absent') return rename(staging, abs);
  const aside = `${staging}-previous`;
  await rename(abs, aside);
  try {
    await rename(staging, abs);
  } catch (error) {
    await rename(aside, abs);
    throw error;
  }
  await rm(aside, {recursive: true, force: true});
}

export async function discardStaging(staging: string) {
  if (existsSync(staging)) await rm(staging, {recursive: true, force: true});
}

/**
 * For interrupt handlers: synchronous, so it does not wait behind key generation in the thread
 * pool, and completes before the process exits.
 */
export function discardStagingNow(staging: string) {
  rmSync(staging, {recursive: true, force: true});
}
