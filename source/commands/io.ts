import {watchStreams, writeTo} from './streams.js';

/** Where a command writes: injectable so tests run commands in-process. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Columns of the terminal, or undefined when output is not a terminal. */
  columns?: number;
  stderrIsTTY?: boolean;
}

/** The process's own streams; a write to one that has closed (EPIPE) is dropped (streams.ts). */
export const processIo = (): Io => {
  watchStreams();
  return {
    out: writeTo('stdout'),
    err: writeTo('stderr'),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    stderrIsTTY: process.stderr.isTTY,
  };
};

export const EXIT = {ok: 0, failed: 1, usage: 2, interrupted: 130} as const;

/** 128 + the signal's number, as shells report a process a signal ended. */
export const INTERRUPT_EXIT = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;

/**
 * Why a command that writes OUT stopped early: a signal, or its output closed (EPIPE: the reader
 * of stdout or stderr went away), which is a failure like any other (exit 1).
 */
export const STOP_EXIT = {...INTERRUPT_EXIT, EPIPE: EXIT.failed} as const;
export type Stop = keyof typeof STOP_EXIT;

/** How a message names the stop: `interrupted (SIGINT)`, `stopped (its output was closed, EPIPE)`. */
export const stopped = (stop: Stop) => (stop === 'EPIPE' ? 'stopped (its output was closed, EPIPE)' : `interrupted (${stop})`);
