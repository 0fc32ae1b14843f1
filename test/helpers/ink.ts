// Driving Ink 6 in tests: write a key, wait until the frame changes, then yield one macrotask so
// Ink has re-registered its input handler before the next key (see ../shared/STYLE.md).
import type {render} from 'ink-testing-library';

type Rendered = ReturnType<typeof render>;

export const KEY = {enter: '\r', escape: '\u001B', up: '\u001B[A', down: '\u001B[B', left: '\u001B[D', right: '\u001B[C',
  pageDown: '\u001B[6~', pageUp: '\u001B[5~', backspace: '\u007F', tab: '\t', ctrlC: '\u0003', home: '\u001B[H', end: '\u001B[F'} as const;

const macrotask = () => new Promise<void>(resolve => setImmediate(() => setTimeout(resolve, 0)));

export async function waitForFrame(ui: Rendered, predicate: (frame: string) => boolean, what: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = ui.lastFrame() ?? '';
    if (predicate(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${frame}`);
    await new Promise(r => setTimeout(r, 5));
  }
}

/** Press a key that changes the screen; fails (bounded) if the screen does not change. */
export async function press(ui: Rendered, key: string, times = 1): Promise<string> {
  for (let i = 0; i < times; i++) {
    const before = ui.lastFrame();
    ui.stdin.write(key);
    await waitForFrame(ui, frame => frame !== before, `the screen to change after ${JSON.stringify(key)}`);
    await macrotask();
  }
  return ui.lastFrame() ?? '';
}

export async function type(ui: Rendered, text: string): Promise<string> {
  for (const ch of text) await press(ui, ch);
  return ui.lastFrame() ?? '';
}

/** Let the first render's effects (input handlers) settle before the first key. */
export async function settle(ui: Rendered, text: string): Promise<string> {
  const frame = await waitForFrame(ui, f => f.includes(text), JSON.stringify(text));
  await macrotask();
  return frame;
}

/** The terminal resized, as a terminal emulator does: the new size, then a resize event. */
export function resizeTo(ui: Rendered, columns: number, rows: number) {
  Object.defineProperty(ui.stdout, 'columns', {configurable: true, get: () => columns});
  Object.defineProperty(ui.stdout, 'rows', {configurable: true, get: () => rows});
  ui.stdout.emit('resize');
}
