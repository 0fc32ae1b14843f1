/** Where a command writes: injectable so tests run commands in-process. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Columns of the terminal, or undefined when output is not a terminal. */
  columns?: number;
  stderrIsTTY?: boolean;
}

export const processIo = (): Io => ({
  out: text => process.stdout.write(text),
  err: text => process.stderr.write(text),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  stderrIsTTY: process.stderr.isTTY,
});

export const EXIT = {ok: 0, failed: 1, usage: 2, interrupted: 130} as const;

/** 128 + the signal's number, as shells report a process a signal ended. */
export const INTERRUPT_EXIT = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;
