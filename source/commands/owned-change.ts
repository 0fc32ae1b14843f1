// A user command as OUT's owner (build/owned.ts) with the guarantees generate gives: INT, TERM,
// HUP or a closed output before the change is made leave OUT as it was (128 + n, or 1); one that
// lands once it is made says so; the report is printed only after OUT's lock is released.
import {asOwnerOf} from '../build/owned.js';
import {printable} from '../spec/quote.js';
import {EXIT, STOP_EXIT, stopped, type Io, type Stop} from './io.js';
import {Interrupts} from './interrupts.js';

/** Runs `change` (it may check the signal until it writes), then `show` with its result. */
export async function ownedChange<T>(io: Io, out: string, change: (signal: AbortSignal) => T | Promise<T>, show: (result: T) => void): Promise<number> {
  const interrupts = new Interrupts();
  const shown = printable(out);
  try {
    let result: T;
    try {
      result = await asOwnerOf(out, {
        signal: interrupts.signal,
        onWait: busy => io.err(`kubepki: waiting for another kubepki (PID ${busy.pid}) to finish writing ${shown}…\n`),
      }, () => change(interrupts.signal));
    } catch (error) {
      const {received} = interrupts;
      if (!received || !interrupts.signal.aborted || error !== interrupts.signal.reason) throw error;
      io.err(`kubepki: ${stopped(received)}; nothing was changed: ${shown} is as it was.\n`);
      return STOP_EXIT[received];
    }
    // A signal that came during the synchronous change (all of it, with ECDSA keys) is read now:
    // the process could otherwise end before its handler ran, silent. Node needs two turns of
    // the event loop to run a handler for a signal already received.
    for (let turn = 0; turn < 3; turn++) await new Promise(resolve => setImmediate(resolve));
    const afterWrite = (stop: Stop) => `kubepki: ${stopped(stop)} after ${shown} was written: the change is complete.\n`;
    if (interrupts.received) {
      io.err(afterWrite(interrupts.received));
      return STOP_EXIT[interrupts.received];
    }
    interrupts.written(io.err, afterWrite);
    show(result);
    return EXIT.ok;
  } finally {
    interrupts.release();
  }
}
