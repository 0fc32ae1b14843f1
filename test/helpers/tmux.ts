// The built CLI in a real pseudo-terminal of a fixed size (tmux), on a private tmux server.
import {existsSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {requireCommand, waitFor} from './processes.js';
import {CLI, run} from './run.js';

export class Terminal {
  private readonly socket = `kubepki-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly tmux = requireCommand('tmux', 'tmux');
  readonly exitFile: string;

  constructor(readonly cwd: string, args: string[] = [], env: Record<string, string> = {}, size = {columns: 80, rows: 24}) {
    this.exitFile = join(cwd, `.exit-${this.socket}`);
    const exports = Object.entries(env).map(([k, v]) => `export ${k}=${v}; `).join('');
    // The test runner's CI=false/FORCE_COLOR=0 are for Ink in-process; a terminal user has neither.
    const command = `unset CI FORCE_COLOR; ${exports}${process.execPath} ${CLI} ${args.join(' ')}; echo $? > ${this.exitFile}; sleep 120`; // keep the pane to read it
    const r = run(this.tmux, ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'k', '-x', String(size.columns), '-y', String(size.rows), '-c', cwd, command]);
    if (r.status !== 0) throw new Error(`tmux did not start: ${r.stderr}`);
  }

  screen(escapes = false): string {
    return run(this.tmux, ['-L', this.socket, 'capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'k']).stdout.replace(/\n$/, '');
  }

  /** The screen with lines the terminal wrapped joined again: a line wider than the pane shows as such. */
  joinedScreen(): string {
    return run(this.tmux, ['-L', this.socket, 'capture-pane', '-p', '-J', '-t', 'k']).stdout.replace(/\n$/, '');
  }

  /** Everything the pane printed, its scrollback included, wrapped lines joined: what stays after the program exits. */
  scrollback(): string {
    return run(this.tmux, ['-L', this.socket, 'capture-pane', '-p', '-J', '-S', '-', '-t', 'k']).stdout.replace(/\n+$/, '');
  }

  /** The terminal resized, as when its window is (the program gets SIGWINCH). */
  resize(columns: number, rows: number) {
    const r = run(this.tmux, ['-L', this.socket, 'resize-window', '-t', 'k', '-x', String(columns), '-y', String(rows)]);
    if (r.status !== 0) throw new Error(`tmux resize-window: ${r.stderr}`);
  }

  async waitFor(what: string, predicate: (screen: string) => boolean, timeoutMs = 15_000): Promise<string> {
    let last = '';
    await waitFor(what, () => predicate((last = this.screen())), timeoutMs, 50).catch(error => {
      throw new Error(`${(error as Error).message}; screen:\n${last}`);
    });
    return last;
  }

  /** Send a key and wait until the screen shows its effect (bounded). */
  async press(key: string, times = 1): Promise<string> {
    let screen = this.screen();
    for (let i = 0; i < times; i++) {
      const before = screen;
      run(this.tmux, ['-L', this.socket, 'send-keys', '-t', 'k', key]);
      screen = await this.waitFor(`the screen to change after ${key}`, s => s !== before);
    }
    return screen;
  }

  send(key: string) {
    run(this.tmux, ['-L', this.socket, 'send-keys', '-t', 'k', key]);
  }

  /** Several keys in one send-keys: the program reads them as one burst, as from a held key or a paste. */
  burst(...keys: string[]) {
    run(this.tmux, ['-L', this.socket, 'send-keys', '-t', 'k', ...keys]);
  }

  async exitCode(timeoutMs = 15_000): Promise<number> {
    await waitFor('the CLI to exit', () => existsSync(this.exitFile) && readFileSync(this.exitFile, 'utf8').trim() !== '', timeoutMs);
    return Number(readFileSync(this.exitFile, 'utf8').trim());
  }

  /** The CLI's process: the child of the pane's shell. */
  cliPid(): number {
    const shell = run(this.tmux, ['-L', this.socket, 'display-message', '-p', '-t', 'k', '#{pane_pid}']).stdout.trim();
    const children = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) throw new Error(`expected one process under the pane's shell ${shell}, found ${children.length}`);
    return Number(children[0]);
  }

  close() {
    run(this.tmux, ['-L', this.socket, 'kill-server']);
    // A killed server may leave its socket file behind: remove it too.
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid!()}`, this.socket), {force: true});
  }
}
