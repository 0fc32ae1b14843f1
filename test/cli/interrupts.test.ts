// The signal handlers generate and renew hold while they write OUT (source/commands/interrupts.ts):
// a first signal aborts, a later one must not meet the default action, and a signal that lands
// once OUT is complete (the report being printed) exits 128 + n with a word about OUT rather than
// killing the process silently — a fresh-clone CI run met exactly that window.
import {afterEach, describe, expect, it, vi} from 'vitest';
import {Interrupts} from '../../source/commands/interrupts.js';
import {closeStreamForTest, resetStreamsForTest} from '../../source/commands/streams.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const counts = () => SIGNALS.map(s => process.listenerCount(s));
const baseline = counts();
const before = new Map(SIGNALS.map(s => [s, process.listeners(s)]));

afterEach(() => {
  vi.restoreAllMocks();
  resetStreamsForTest();
  // Whatever a case left installed goes, so the test process keeps its own behaviour.
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s)!.includes(l)) process.removeListener(s, l);
  }
});

describe('Interrupts', () => {
  it('the first signal aborts; the handlers stay after release (a second Ctrl+C finds one)', () => {
    const i = new Interrupts();
    expect(counts()).toEqual(baseline.map(n => n + 1));
    process.emit('SIGTERM');
    process.emit('SIGINT');
    expect(i.received).toBe('SIGTERM');
    expect(i.signal.aborted).toBe(true);
    i.release();
    expect(counts()).toEqual(baseline.map(n => n + 1));
  });

  it('once OUT is written, a signal prints what OUT holds and exits 128 + n, even after release', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const written: string[] = [];
    const i = new Interrupts();
    i.written(text => written.push(text), signal => `interrupted (${signal}) after OUT was written\n`);
    i.release();
    expect(counts()).toEqual(baseline.map(n => n + 1)); // swapped, not added
    process.emit('SIGHUP');
    expect(written).toEqual(['interrupted (SIGHUP) after OUT was written\n']);
    expect(exit).toHaveBeenCalledWith(129);
    expect(i.signal.aborted).toBe(false);
  });

  it('without a signal or a write (bad input, an error), release removes every handler', () => {
    const i = new Interrupts();
    i.release();
    expect(counts()).toEqual(baseline);
    expect(i.received).toBeUndefined();
  });

  it('a closed stdout or stderr (EPIPE) aborts like a signal, with exit 1 (issue 20)', async () => {
    const i = new Interrupts();
    closeStreamForTest('stderr');
    expect(i.received).toBe('EPIPE');
    expect(i.signal.aborted).toBe(true);
    i.release();
  });

  it('once OUT is written, a closed stream says what OUT holds (on the other stream) and exits 1', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const written: string[] = [];
    const i = new Interrupts();
    i.written(text => written.push(text), stop => `${stop} after OUT was written\n`);
    i.release();
    closeStreamForTest('stdout');
    expect(written).toEqual(['EPIPE after OUT was written\n']);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('without a stop or a write, release stops listening to the streams too', () => {
    const i = new Interrupts();
    i.release();
    closeStreamForTest('stdout');
    expect(i.received).toBeUndefined();
  });
});
