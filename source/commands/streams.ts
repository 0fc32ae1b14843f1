// Standard output and standard error as a command sees them: a reader that goes away (`| head`,
// a closed terminal's pipe) makes the next write fail with EPIPE. A command that only reads (plan,
// verify) has nothing to undo and ends quietly with 0. A command that writes OUT treats it as it
// treats a signal (interrupts.ts): it stops, removes what it wrote, releases OUT and exits 1 —
// and writes nothing more to the closed stream (the other one may still carry its last word).

export type StreamName = 'stdout' | 'stderr';

const closed = new Set<StreamName>();
const listeners = new Set<(stream: StreamName) => void>();
let watching = false;
/** A command that writes OUT runs: a closed stream must not end the process before it cleans up. */
let writing = false;

/** Installs the error handlers on process.stdout and process.stderr (once). */
export function watchStreams(): void {
  if (watching) return;
  watching = true;
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', error => {
      const code = (error as NodeJS.ErrnoException).code;
      // EPIPE, and what a destroyed stream says to a later write: the reader is gone.
      if (code !== 'EPIPE' && code !== 'ERR_STREAM_DESTROYED' && code !== 'ECONNRESET') throw error;
      const first = !closed.has(name);
      closed.add(name);
      if (!first) return;
      if (listeners.size === 0) {
        if (!writing) process.exit(0);
        // A command that wrote OUT and has finished, its report lost: not a success.
        process.exitCode = 1;
      }
      for (const listener of [...listeners]) listener(name);
    });
  }
}

/** From now on a closed stream is a failure to clean up after, not a quiet end (see the top). */
export function commandWrites(): void {
  writing = true;
}

export const streamClosed = (name: StreamName): boolean => closed.has(name);
export const closedStreams = (): StreamName[] => [...closed];

/** Calls `listener` when a stream closes (at once if one already has); returns the unsubscriber. */
export function onStreamClosed(listener: (stream: StreamName) => void): () => void {
  listeners.add(listener);
  const [already] = closed;
  if (already) queueMicrotask(() => { if (listeners.has(listener)) listener(already); });
  return () => { listeners.delete(listener); };
}

/** A write that is dropped once its stream has closed. */
export const writeTo = (name: StreamName) => (text: string): void => {
  if (!closed.has(name)) process[name].write(text);
};

/**
 * Resolves once what was written to stdout and stderr has left the process (or its reader is gone)
 * and an error reported late (EPIPE, ENOSPC) has surfaced. Before process.exit: a write to a pipe
 * whose buffer is full is queued, and exiting would cut the output short.
 */
export async function flushed(): Promise<void> {
  await Promise.all((['stdout', 'stderr'] as const).map(name => new Promise<void>(resolve => {
    const stream = process[name];
    if (closed.has(name) || stream.destroyed || stream.writableLength === 0) return resolve();
    stream.write('', () => resolve());
  })));
  await new Promise(resolve => setImmediate(resolve));
}

/** For tests: a stream closes (as an EPIPE would report it). */
export function closeStreamForTest(name: StreamName): void {
  if (closed.has(name)) return;
  closed.add(name);
  for (const listener of [...listeners]) listener(name);
}

/** For tests: both streams open again, and no one listening. */
export function resetStreamsForTest(): void {
  closed.clear();
  listeners.clear();
}
