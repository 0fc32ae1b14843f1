// Puts material on disk so that nothing is lost and no one is let in: everything goes into a
// private temporary directory beside OUT and is renamed into place at the end, so an interrupted
// run leaves either nothing or a complete result.
import {chmod, mkdir, readdir} from 'node:fs/promises';
import {chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFile as writeFileCallback, writeFileSync, type Stats} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {randomBytes} from 'node:crypto';
import {bundleDir} from '../plan/paths.js';
import type {Plan} from '../plan/types.js';
import type {MaterialFile} from '../pki/generate.js';
import {OutputRefused, removeMarkedTree, STAGING_MARKER} from './claim.js';
import {printable} from '../spec/quote.js';

export {OutputRefused};

export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;
export const DIR_MODE = 0o700;
export const SCRIPT_MODE = 0o700;

export interface ExtraFile {
  path: string;
  content: string;
  mode: number;
}

/** What is in OUT now: nothing (absent or empty), or files that --force is needed to replace. */
export function inspectOutput(out: string): 'absent' | 'empty' | 'occupied' {
  let info;
  try {
    info = statSync(out);
  } catch {
    return 'absent';
  }
  if (!info.isDirectory()) throw new OutputRefused(`${printable(out)} exists and is not a directory`);
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

const ownerMark = () => `${JSON.stringify({pid: process.pid, started: new Date().toISOString()})}\n`;

/**
 * A staging directory beside the (claimed, resolved) target: same file system, so the final
 * rename is atomic. Its name and its marker both name this process, so a later run can tell a
 * dead run's leftovers from a live run's work (claim.ts, sweepLeftovers).
 */
export function createStaging(target: string): string {
  const staging = join(dirname(target), `.${basename(target)}.kubepki-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(staging, {mode: DIR_MODE});
  chmodSync(staging, DIR_MODE);
  writeFileSync(join(staging, STAGING_MARKER), ownerMark(), {mode: SECRET_MODE, flag: 'wx'});
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
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const forget = () => { inFlight.delete(work); };
    work.then(forget, forget);
    return work;
  };
  return {
    write: async (file: MaterialFile) => {
      // After stop() a key job that finishes late writes nothing: cleanup must not race it.
      if (stopped) return;
      const mode = file.secret ? SECRET_MODE : PUBLIC_MODE;
      written.add(file.path);
      // Each file tracked on its own: when one copy fails, the others are still landing and
      // stop() must wait for them too.
      await Promise.all([
        writePrivate(staging, file.path, file.content, mode),
        ...(copies.get(file.path) ?? []).map(c => writePrivate(staging, c.path, file.content, c.secret ? SECRET_MODE : PUBLIC_MODE)),
      ].map(track));
    },
    /**
     * Refuses every later write and waits (at most `limitMs`) for the writes already started,
     * so the staging directory can be removed with nothing still landing in it.
     */
    stop: async (limitMs = 10_000) => {
      stopped = true;
      const deadline = Date.now() + limitMs;
      while (inFlight.size > 0 && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise(resolve => { timer = setTimeout(resolve, Math.max(0, deadline - Date.now())); }),
        ]);
        clearTimeout(timer);
      }
    },
    /** The extra files (manifest, scripts), empty bundles, and directory modes; checks nothing planned is missing. */
    finish: async (extra: ExtraFile[]) => {
      const missing = [...copies.keys()].filter(source => !written.has(source));
      if (missing.length) throw new Error(`internal: bundles need ${missing.join(', ')}, which were not generated`);
      if (stopped) return;
      for (const node of plan.nodes) await track(ensureDirectory(join(staging, bundleDir(node.name))));
      await track(Promise.all(extra.map(f => writePrivate(staging, f.path, f.content, f.mode))));
      if (umaskNarrows(DIR_MODE)) await track(tightenDirectories(staging));
    },
  };
}

async function tightenDirectories(dir: string) {
  await chmod(dir, DIR_MODE);
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    if (entry.isDirectory()) await tightenDirectories(join(dir, entry.name));
  }
}

function forgetDirectories(staging: string) {
  for (const dir of madeDirectories.keys()) if (dir === staging || dir.startsWith(`${staging}/`)) madeDirectories.delete(dir);
}

/**
 * Files root writes into a directory someone else owns become that owner's (every file and
 * directory under `dir`): root updating a user's OUT must not take it from them. Only root can
 * give files away; anyone else's files are theirs already.
 */
export function keepOwner(dir: string, owner: Pick<Stats, 'uid' | 'gid'>): void {
  if (process.getuid?.() !== 0 || (owner.uid === 0 && owner.gid === 0)) return;
  const walk = (path: string) => {
    lchownSync(path, owner.uid, owner.gid);
    if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
}

/** What OUT was when the run checked it, to be found the same just before the swap. */
export interface OutputSnapshot {
  state: 'absent' | 'empty' | 'occupied';
  /** For an occupied OUT: every entry with its size and modification time. */
  listing?: string;
}

function listing(dir: string): string {
  const lines: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), {withFileTypes: true})) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const info = lstatSync(join(dir, path));
      lines.push(`${path}\t${info.mode}\t${info.size}\t${info.mtimeMs}`);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk('');
  return lines.sort().join('\n');
}

export function snapshotOutput(target: string): OutputSnapshot {
  const state = inspectOutput(target);
  return state === 'occupied' ? {state, listing: listing(target)} : {state};
}

export type Committed = 'created' | 'replaced';

/**
 * Puts staging in OUT's place. Synchronous from the re-check to the last rename: a signal handler
 * (JavaScript, run between event-loop turns) cannot fall between the steps, so an interrupt
 * leaves either the old tree or the new one. The old tree is removed in the same step: its keys
 * never linger beside OUT. Throws OutputRefused, having changed nothing, when OUT is no longer
 * what the run checked (someone made it, or changed it, meanwhile).
 */
export function commitStagingNow(staging: string, target: string, before: OutputSnapshot): Committed {
  forgetDirectories(staging);
  const now = snapshotOutput(target);
  if (now.state === 'occupied' && (before.state !== 'occupied' || now.listing !== before.listing)) {
    throw new OutputRefused(before.state === 'occupied'
      ? `${printable(target)} changed while kubepki was generating; nothing was changed. Run again.`
      : `${printable(target)} was created by someone else while kubepki was generating; nothing was changed.`);
  }
  if (now.state !== 'occupied') {
    // rename() replaces an empty directory, and fails (changing nothing) if one has appeared with files.
    renameSync(staging, target);
    rmSync(join(target, STAGING_MARKER), {force: true});
    return 'created';
  }
  const aside = `${staging}-previous`;
  // Marked, so that if this process is killed between the renames the next run puts it back.
  writeFileSync(join(target, STAGING_MARKER), ownerMark(), {mode: SECRET_MODE});
  renameSync(target, aside);
  try {
    renameSync(staging, target);
  } catch (error) {
    renameSync(aside, target);
    rmSync(join(target, STAGING_MARKER), {force: true});
    throw error;
  }
  rmSync(join(target, STAGING_MARKER), {force: true});
  // Marker last: killed during this removal, the old tree (CA keys) is still swept by the next run.
  removeMarkedTree(aside);
  return 'replaced';
}

/**
 * Removes a staging directory and every key in it. Synchronous, so it completes before the
 * process exits; call the writer's stop() first so no write lands during the removal.
 */
export function discardStagingNow(staging: string) {
  forgetDirectories(staging);
  for (let attempt = 0; ; attempt++) {
    try {
      removeMarkedTree(staging);
      return;
    } catch (error) {
      // A write that outlived stop()'s limit may still create a file: try again briefly.
      if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw error;
    }
  }
}
