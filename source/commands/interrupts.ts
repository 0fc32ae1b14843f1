// INT, TERM and HUP, and a closed stdout or stderr (EPIPE), while a command writes OUT. The first
// of them aborts the engine, which cleans up; later signals (a second Ctrl+C) must find a handler
// still there rather than the default action that would cut the cleanup short. One that arrives
// once OUT is complete, while the report is printed, ends the process with 128 + n (1 for a closed
// stream) and says that OUT holds the new files: without a handler then, the default action would
// kill it with no word about OUT.
import {STOP_EXIT, INTERRUPT_EXIT, type Stop} from './io.js';
import {commandWrites, onStreamClosed} from './streams.js';

export type Interrupt = keyof typeof INTERRUPT_EXIT;
const INTERRUPTS = Object.keys(INTERRUPT_EXIT) as Interrupt[];

export class Interrupts {
  /** The first signal received (or EPIPE: an output closed), if any. */
  received: Stop | undefined;
  readonly controller = new AbortController();
  private handlers: (readonly [Interrupt, () => void])[] = [];
  private complete = false;
  private unsubscribe: () => void;
  private onStop: (stop: Stop) => void = stop => {
    this.received ??= stop;
    this.controller.abort();
  };

  constructor() {
    // A closed stream while writing is cleaned up after, not a quiet exit.
    commandWrites();
    this.install(signal => this.onStop(signal));
    this.unsubscribe = onStreamClosed(() => this.onStop('EPIPE'));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** OUT is complete: from now on a signal or a closed stream prints `message(stop)` and exits with its code. */
  written(write: (text: string) => void, message: (stop: Stop) => string): void {
    if (this.received) return;
    this.complete = true;
    // The installed handlers call this.onStop, so swapping it is enough. Reinstalling them would
    // remove every listener first, and with none left Node restores the default action: a signal
    // in that instant killed the process with no word (seen in CI as exit null).
    this.onStop = stop => {
      write(message(stop));
      process.exit(STOP_EXIT[stop]);
    };
  }

  /**
   * The command is done. Once interrupted or written, the handlers stay until the process exits
   * (it is about to); otherwise (bad input, an error) nothing was written and they go.
   */
  release(): void {
    if (!this.received && !this.complete) {
      this.uninstall();
      this.unsubscribe();
    }
  }

  private install(on: (signal: Interrupt) => void): void {
    this.uninstall();
    this.handlers = INTERRUPTS.map(signal => [signal, () => on(signal)] as const);
    for (const [signal, handler] of this.handlers) process.on(signal, handler);
  }

  private uninstall(): void {
    for (const [signal, handler] of this.handlers) process.removeListener(signal, handler);
    this.handlers = [];
  }
}
