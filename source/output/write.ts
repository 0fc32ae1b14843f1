// Puts material on disk so that nothing is lost and no one is let in: everything goes into a
// private temporary directory beside OUT and is renamed into place at the end, so an interrupted
// run leaves either nothing or a complete result.
import {chmod, mkdir, readdir, rename, rm} from 'node:fs/promises';
import {existsSync, readdirSync, rmSync, statSync, writeFile as writeFileCallback} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {randomBytes} from 'node:crypto';
import {bundleDir} from '../plan/paths.js';
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
export function inspectOutput(out: string): 'absent' | 'empty' | 'occupied' {
  let info;
  try {
    info = statSync(out);
  } catch {
    return 'absent';
  }
  if (!info.isDirectory()) throw new OutputRefused(`${out} exists and is not a directory`);
  return readdirSync(out).length === 0 ? 'empty' : 'occupied';
}

/** Why the front ends cannot offer OUT (they have no --force), or undefined when they can. */
export function outputProblem(out: string): string | undefined {
  try {
    return inspectOutput(out) === 'occupied' ? `${out} already holds files; choose a new or empty directory` : undefined;
  } catch (error) {
    if (error instanceof OutputRefused) return error.message;
    throw error;
  }
}

/** Directories already made under each staging root: thousands of files share a few dozen. */
const madeDirectories = new Map<string, Promise<unknown>>();

function ensureDirectory(dir: string): Promise<unknown> {
  let made = madeDirectories.get(dir);
  if (!made) {
    made = mkdir(dir, {recursive: true, mode: DIR_MODE});
    madeDirectories.set(dir, made);
  }
  return made;
}

/**
 * writeFile's and mkdir's modes are filtered by the umask: a mode the umask narrows is set again
 * after creation. With the usual umasks (022, 027, 077 for 600/700) none is, which saves a
 * system call per file and a walk over every directory (thousands in a large cluster).
 */
const UMASK = process.umask();
const umaskNarrows = (mode: number) => (mode & UMASK) !== 0;

/** fs.writeFile with a callback: a quarter of the main-thread work of fs/promises' FileHandle path, for thousands of small files. */
const createFile = (path: string, content: string, mode: number) =>
  new Promise<void>((resolvePromise, reject) => writeFileCallback(path, content, {mode, flag: 'wx'}, error => (error ? reject(error) : resolvePromise())));

async function writePrivate(root: string, rel: string, content: string, mode: number) {
  const path = join(root, rel);
  await ensureDirectory(dirname(path));
  await createFile(path, content, mode);
  if (umaskNarrows(mode)) await chmod(path, mode);
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

/** Every place a master-copy file is copied to: OUT-relative paths inside the node bundles. */
export function bundleCopies(plan: Plan): Map<string, {path: string; secret: boolean}[]> {
  const copies = new Map<string, {path: string; secret: boolean}[]>();
  for (const file of Object.values(plan.bundles).flat()) {
    const list = copies.get(file.source) ?? [];
    list.push({path: file.path, secret: file.secret});
    copies.set(file.source, list);
  }
  return copies;
}

/**
 * Writes each piece of material, and its copies in the node bundles, as soon as it exists, so
 * writing overlaps key generation instead of following it.
 */
export function stagingWriter(staging: string, plan: Plan) {
  const copies = bundleCopies(plan);
  const written = new Set<string>();
  return {
    write: async (file: MaterialFile) => {
      const mode = file.secret ? SECRET_MODE : PUBLIC_MODE;
      written.add(file.path);
      await Promise.all([
        writePrivate(staging, file.path, file.content, mode),
        ...(copies.get(file.path) ?? []).map(c => writePrivate(staging, c.path, file.content, c.secret ? SECRET_MODE : PUBLIC_MODE)),
      ]);
    },
    /** The extra files (manifest, scripts), empty bundles, and directory modes; checks nothing planned is missing. */
    finish: async (extra: ExtraFile[]) => {
      const missing = [...copies.keys()].filter(source => !written.has(source));
      if (missing.length) throw new Error(`internal: bundles need ${missing.join(', ')}, which were not generated`);
      for (const node of plan.nodes) await ensureDirectory(join(staging, bundleDir(node.name)));
      await Promise.all(extra.map(f => writePrivate(staging, f.path, f.content, f.mode)));
      if (umaskNarrows(DIR_MODE)) await tightenDirectories(staging);
    },
  };
}

async function tightenDirectories(dir: string) {
  await chmod(dir, DIR_MODE);
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    if (entry.isDirectory()) await tightenDirectories(join(dir, entry.name));
  }
}

/** Swap staging into OUT. An existing OUT is moved aside first and removed only after the swap. */
function forgetDirectories(staging: string) {
  for (const dir of madeDirectories.keys()) if (dir === staging || dir.startsWith(`${staging}/`)) madeDirectories.delete(dir);
}

export async function commitStaging(staging: string, out: string): Promise<void> {
  forgetDirectories(staging);
  const abs = resolve(out);
  const state = inspectOutput(abs);
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
  forgetDirectories(staging);
  if (existsSync(staging)) await rm(staging, {recursive: true, force: true});
}

/**
 * For interrupt handlers: synchronous, so it does not wait behind key generation in the thread
 * pool, and completes before the process exits.
 */
export function discardStagingNow(staging: string) {
  forgetDirectories(staging);
  rmSync(staging, {recursive: true, force: true});
}
