// OUT is owned while writing: an exclusive lock file beside OUT for the whole run, staging
// directories that carry a marker naming their owner, and a sweep that removes what a killed
// run (SIGKILL, power loss) left behind, only once its owner is dead.
import {closeSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, rmdirSync, statSync, unlinkSync, writeSync} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {InputError} from '../spec/errors.js';
import {printable} from '../spec/quote.js';

/** A file inside every staging directory (and every old tree being swapped out): who owns it. */
export const STAGING_MARKER = '.kubepki-staging';

/** OUT cannot be written: bad input (exit 2), nothing was changed. */
export class OutputRefused extends Error {}

/** Writing failed (a full disk, an I/O error): exit 1 with this one line; OUT is as it was. */
export class OutputFailed extends Error {}

/** Failures of the disk rather than of kubepki: reported in one line, exit 1. */
const FILE_SYSTEM_FAILURES: Record<string, string> = {
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EIO: 'an input/output error',
  EROFS: 'the file system is read-only', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EMFILE: 'too many open files', ENFILE: 'too many open files',
};

/** `no space left on the device (ENOSPC)` for a failure of the disk, undefined for anything else. */
export function fileSystemFailure(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code && FILE_SYSTEM_FAILURES[code] ? `${FILE_SYSTEM_FAILURES[code]} (${code})` : undefined;
}

/** Another live kubepki holds OUT's lock (exit 2). */
export class OutputBusy extends OutputRefused {
  constructor(readonly pid: number, lock: string) {
    super(`another kubepki (PID ${pid}) is writing this output directory (lock ${lock}); wait for it to finish, or stop it`);
  }
}

export interface Claim {
  /** The directory that is written: OUT, or the target of OUT when OUT is a symbolic link. */
  target: string;
  parent: string;
  lock: string;
  /** Leftovers of dead runs removed (or, for an old tree a killed swap left aside, restored). */
  swept: string[];
  /** Give the lock up (and remove the parent directories this run created, if still empty). */
  release: () => void;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Names of this output's staging directories: `.OUT.kubepki-PID-HEX`, and `…-previous` for an old tree. */
export const stagingPattern = (base: string) => new RegExp(`^\\.${escapeRegExp(base)}\\.kubepki-(\\d+)-[0-9a-f]{8}(-previous)?$`);

export const lockPath = (target: string) => join(dirname(target), `.${basename(target)}.kubepki.lock`);

/** Whether a process with this PID exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const why = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of the path is a file' : code === 'EROFS' ? 'read-only file system' : (fileSystemFailure(error) ?? code ?? String(error));
};

/**
 * Where OUT's files really go. A symbolic link is written through: its target is replaced, the
 * link stays. A link to nowhere is refused rather than guessed at.
 */
export function resolveTarget(out: string): string {
  const abs = resolve(out);
  let info;
  try {
    info = lstatSync(abs);
  } catch {
    return abs;
  }
  if (!info.isSymbolicLink()) return abs;
  try {
    const real = realpathSync(abs);
    if (!statSync(real).isDirectory()) throw new OutputRefused(`${printable(out)} is a symbolic link to ${printable(real)}, which is not a directory`);
    return real;
  } catch (error) {
    if (error instanceof OutputRefused) throw error;
    throw new OutputRefused(`${printable(out)} is a symbolic link to ${printable(readlinkSync(abs))}, which does not exist; create the target or give its path`);
  }
}

/**
 * Removes a directory kubepki marked as its own (staging, an old tree swapped out) with the marker
 * last: a run killed half-way leaves a directory that still names its dead owner, which the next
 * run's sweep finds and finishes; never a marker-less tree of keys that no sweep may touch.
 */
export function removeMarkedTree(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of entries) if (name !== STAGING_MARKER) rmSync(join(dir, name), {recursive: true, force: true, maxRetries: 3});
  rmSync(join(dir, STAGING_MARKER), {force: true});
  rmSync(dir, {recursive: true, force: true});
}

function isEmptyDirectory(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory() && readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

function readOwner(dir: string): number | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dir, STAGING_MARKER), 'utf8')) as {pid?: unknown};
    return typeof owner.pid === 'number' ? owner.pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the staging directories of dead runs beside `target`; an old tree that a killed swap
 * left aside while OUT is gone is put back instead. Only directories with kubepki's marker whose
 * owner (named both in the directory name and in the marker) is no longer alive are touched.
 */
export function sweepLeftovers(target: string): string[] {
  const parent = dirname(target);
  const pattern = stagingPattern(basename(target));
  const swept: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return swept;
  }
  for (const name of entries) {
    const m = pattern.exec(name);
    if (!m) continue;
    const dir = join(parent, name);
    const pid = Number(m[1]);
    if (processAlive(pid)) continue;
    // Its marker goes last (removeMarkedTree): without one, only an empty directory is ours to remove.
    if (readOwner(dir) !== pid) {
      if (isEmptyDirectory(dir)) {
        rmdirSync(dir);
        swept.push(name);
      }
      continue;
    }
    if (m[2]) {
      let outExists = true;
      try { lstatSync(target); } catch { outExists = false; }
      if (!outExists) {
        renameSync(dir, target);
        rmSync(join(target, STAGING_MARKER), {force: true});
        swept.push(`${name} (restored as ${basename(target)})`);
        continue;
      }
    }
    removeMarkedTree(dir);
    swept.push(name);
  }
  return swept;
}

function takeLock(lock: string): boolean {
  let fd;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new OutputRefused(`cannot create the lock ${printable(lock)}: ${why(error)}`);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } catch (error) {
    // A lock that names no one would hold others off for nothing.
    closeSync(fd);
    rmSync(lock, {force: true});
    throw new OutputFailed(`cannot write the lock ${printable(lock)}: ${why(error)}; nothing was changed.`);
  }
  closeSync(fd);
  return true;
}

function readHolder(lock: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    return Number.isNaN(pid) ? undefined : pid;
  } catch {
    return undefined;
  }
}

function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes a dead holder's lock. Two runs may find the same dead holder: the one that takes the
 * breaker lock re-reads the holder and removes the lock only if it is still the dead one, so the
 * other cannot delete a lock the first has just taken.
 */
function breakStaleLock(lock: string, holder: number | undefined) {
  const breaker = `${lock}.break`;
  if (!takeLock(breaker)) {
    // A breaker killed mid-way leaves its file: after 10 s it is stale too.
    if (!youngerThan(breaker, 10_000)) rmSync(breaker, {force: true});
    pause(50);
    return;
  }
  try {
    if (readHolder(lock) === holder) rmSync(lock, {force: true});
  } finally {
    rmSync(breaker, {force: true});
  }
}

/**
 * Claims OUT for this run: resolves a symbolic link, creates the parent, takes the lock (or
 * throws OutputBusy naming the live holder; a dead holder's lock is taken over), then sweeps the
 * leftovers of dead runs. Synchronous, so a signal cannot fall between taking and recording.
 */
export function claimOutput(out: string): Claim {
  const target = resolveTarget(out);
  const parent = dirname(target);
  let created: string | undefined;
  try {
    created = mkdirSync(parent, {recursive: true});
  } catch (error) {
    throw new OutputRefused(`cannot create ${printable(parent)}: ${why(error)}`);
  }
  const lock = lockPath(target);
  const removeCreated = () => {
    if (created === undefined) return;
    // Innermost first: only directories this run made, and only while still empty.
    for (let dir = parent; dir.length >= created.length; dir = dirname(dir)) {
      try { rmdirSync(dir); } catch { break; }
    }
  };
  try {
    for (let attempt = 0; !takeLock(lock); attempt++) {
      const holder = readHolder(lock);
      if (holder !== undefined && processAlive(holder)) throw new OutputBusy(holder, printable(lock));
      if (holder === undefined && youngerThan(lock, 5_000) && attempt < 100) {
        pause(50); // just created, its PID not yet written
        continue;
      }
      if (attempt >= 120) throw new OutputRefused(`cannot take the lock ${printable(lock)}; remove it if no kubepki is running`);
      breakStaleLock(lock, holder);
    }
  } catch (error) {
    removeCreated();
    throw error;
  }
  let swept: string[];
  try {
    swept = sweepLeftovers(target);
  } catch (error) {
    rmSync(lock, {force: true});
    throw new OutputRefused(`cannot remove the leftovers of an earlier run beside ${printable(target)}: ${why(error)}`);
  }
  let released = false;
  return {
    target, parent, lock, swept,
    release: () => {
      if (released) return;
      released = true;
      try {
        if (readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock);
      } catch {
        // already gone
      }
      removeCreated();
    },
  };
}

/** claimOutput, its refusal (busy, not creatable) the `--out` input error every command reports (exit 2). */
export function claimOutputForCommand(out: string): Claim {
  try {
    return claimOutput(out);
  } catch (error) {
    if (error instanceof OutputRefused) throw new InputError([`--out: ${error.message}`]);
    throw error;
  }
}

/**
 * claimOutput for a command that is quick to run (the user commands): while another live kubepki
 * holds OUT, wait for it up to `waitMs` (telling `onWait` once), then give up with OutputBusy.
 * An abort while waiting throws the signal's reason, having claimed nothing.
 */
export async function claimOutputWaiting(out: string, options: {waitMs: number; signal?: AbortSignal; onWait?: (busy: OutputBusy) => void}): Promise<Claim> {
  const deadline = Date.now() + options.waitMs;
  let told = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      return claimOutput(out);
    } catch (error) {
      if (!(error instanceof OutputBusy) || Date.now() >= deadline) throw error;
      if (!told) options.onWait?.(error);
      told = true;
    }
    await new Promise(resolve => setTimeout(resolve, 25 + Math.random() * 50));
  }
}
