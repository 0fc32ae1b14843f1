// INT, TERM and HUP while a command writes OUT. The first signal aborts the engine, which cleans
// up; later ones (a second Ctrl+C) must find a handler still there rather than the default action
// that would cut the cleanup short. A signal that arrives once OUT is complete, while the report
// is printed, ends the process with 128 + n and says that OUT holds the new files: without a
// handler then, the default action would kill it with no word about OUT.
import {INTERRUPT_EXIT} from './io.js';

export type Interrupt = keyof typeof INTERRUPT_EXIT;
const INTERRUPTS = Object.keys(INTERRUPT_EXIT) as Interrupt[];

export class Interrupts {
  /** The first signal received, if any. */
  received: Interrupt | undefined;
  readonly controller = new AbortController();
  private handlers: (readonly [Interrupt, () => void])[] = [];
  private complete = false;

  constructor() {
    this.install(signal => {
      this.received ??= signal;
      this.controller.abort();
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** OUT is complete: from now on a signal prints `message(signal)` and exits with 128 + n. */
  written(write: (text: string) => void, message: (signal: Interrupt) => string): void {
    if (this.received) return;
    this.complete = true;
    this.install(signal => {
      write(message(signal));
      process.exit(INTERRUPT_EXIT[signal]);
    });
  }

  /**
   * The command is done. Once interrupted or written, the handlers stay until the process exits
   * (it is about to); otherwise (bad input, an error) nothing was written and they go.
   */
  release(): void {
    if (!this.received && !this.complete) this.uninstall();
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
