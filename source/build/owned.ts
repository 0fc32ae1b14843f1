// A quick change to OUT (the user commands, the wizard's "add a user") made as its owner, the way
// the engine owns OUT for generate, --update and renew (index.ts): OUT's lock is held from before
// OUT is read until after it is written, so two changes never read the same manifest and each
// overwrite the other's; what a killed run left inside OUT is finished or undone first; a full or
// read-only disk is one line (exit 1) with nothing left behind.
import {claimOutputWaiting, fileSystemFailure, OutputBusy, OutputFailed, OutputRefused} from '../output/claim.js';
import {sweepUserChanges} from '../output/users.js';
import {InputError} from '../spec/errors.js';
import {printable} from '../spec/quote.js';

/** A user command takes well under a second: one that finds OUT busy waits this long for it. */
export const OWNER_WAIT_MS = 15_000;

export interface OwnOptions {
  signal?: AbortSignal;
  /** Told once when another kubepki holds OUT and this run waits for it. */
  onWait?: (busy: OutputBusy) => void;
  waitMs?: number;
}

export async function asOwnerOf<T>(out: string, options: OwnOptions, work: () => T | Promise<T>): Promise<T> {
  let claim;
  try {
    claim = await claimOutputWaiting(out, {waitMs: options.waitMs ?? OWNER_WAIT_MS, signal: options.signal, onWait: options.onWait});
  } catch (error) {
    if (error instanceof OutputRefused) throw new InputError([`--out: ${error.message}`]);
    throw error;
  }
  try {
    sweepUserChanges(claim.target);
    options.signal?.throwIfAborted();
    return await work();
  } catch (error) {
    const failure = fileSystemFailure(error);
    if (failure) throw new OutputFailed(`cannot write ${printable(out)}: ${failure}; nothing was changed.`);
    throw error;
  } finally {
    claim.release();
  }
}
