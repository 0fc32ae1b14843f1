// How plain mode asks: arrow-key prompts (@inquirer/prompts) on a terminal, or numbered line
// prompts when the output is not a terminal (`kubepki --plain | tee log`) or TERM=dumb: plain
// lines that a log, a screen reader or a dumb terminal can follow, answered by typing a line.
import {checkbox, input, select} from '@inquirer/prompts';
import {createInterface} from 'node:readline';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/** What is wrong with an answer (shown under it, and the question asked again), or undefined when it is fine. */
export type AnswerCheck<T> = (answer: T) => string | undefined;

export interface Asker {
  /** A text answer; `value` is offered as the default (Enter keeps it) unless undefined; `check` refuses an answer as it is given. */
  text(message: string, value: string | undefined, check?: AnswerCheck<string>): Promise<string>;
  select<T>(message: string, choices: Choice<T>[], value?: T): Promise<T>;
  checkbox<T>(message: string, choices: (Choice<T> & {checked: boolean})[], check?: AnswerCheck<T[]>): Promise<T[]>;
}

export type Context = Parameters<typeof input>[1];

/** inquirer's validate: true, or the message it shows under the question (marked as line prompts mark it). */
const refusal = (problem: string | undefined) => (problem === undefined ? true : `✗ ${problem}`);

export function inquirerAsker(ctx: Context): Asker {
  return {
    // inquirer shows validate's message under the answer and keeps the question open.
    // A refused answer is cleared (as line prompts do): the default offered again is a valid one.
    text: (message, value, check) => input({message, default: value, ...(check ? {validate: answer => refusal(check(answer)), theme: {validationFailureMode: 'clear' as const}} : {})}, ctx),
    select: (message, choices, value) => select({message, choices, default: value}, ctx),
    checkbox: (message, choices, check) => checkbox({message, choices, ...(check ? {validate: picked => refusal(check(picked.map(c => c.value)))} : {})}, ctx),
  };
}

/** Raised when the input ends (Ctrl+D, or a closed pipe) in the middle of a question. */
export class InputEnded extends Error {
  override name = 'AbortPromptError';
}

export function lineAsker(inputStream: NodeJS.ReadableStream, output: NodeJS.WritableStream): Asker & {close: () => void} {
  const rl = createInterface({input: inputStream, terminal: false});
  const lines: string[] = [];
  let waiting: {resolve: (line: string) => void; reject: (error: Error) => void} | undefined;
  let ended = false;
  // Lines are queued as they come: answers typed (or piped) ahead of their question are kept.
  rl.on('line', line => {
    if (waiting) { const w = waiting; waiting = undefined; w.resolve(line); } else lines.push(line);
  });
  rl.on('close', () => { ended = true; waiting?.reject(new InputEnded('the input ended')); waiting = undefined; });
  const say = (text: string) => output.write(text);
  // A terminal echoes what is typed; answers from a pipe are echoed here, so the output reads as a dialogue.
  const echo = !(inputStream as {isTTY?: boolean}).isTTY;
  const line = async (prompt: string) => {
    say(prompt);
    let answer: string;
    if (lines.length) answer = lines.shift()!;
    else if (ended) throw new InputEnded('the input ended');
    else answer = await new Promise<string>((resolve, reject) => { waiting = {resolve, reject}; });
    if (echo) say(`${answer}\n`);
    return answer.trim();
  };
  const pick = (choices: Choice<unknown>[], answer: string): number | undefined => {
    const n = Number(answer);
    if (/^\d+$/.test(answer) && n >= 1 && n <= choices.length) return n - 1;
    const i = choices.findIndex(c => c.name === answer || String(c.value) === answer);
    return i >= 0 ? i : undefined;
  };
  const list = (choices: Choice<unknown>[], mark: (i: number) => string) =>
    choices.map((c, i) => `  ${i + 1}) ${mark(i)}${c.name}${c.description ? `\n${c.description.split('\n').map(l => `       ${l}`).join('\n')}` : ''}`).join('\n');

  return {
    async text(message, value, check) {
      for (;;) {
        const typed = await line(`? ${message}${value ? ` [${value}]` : ''}: `);
        const answer = typed === '' && value !== undefined ? value : typed;
        const problem = check?.(answer);
        if (problem === undefined) return answer;
        say(`✗ ${problem}\n`);
      }
    },
    async select(message, choices, value) {
      const current = Math.max(0, choices.findIndex(c => c.value === value));
      say(`? ${message}\n${list(choices, i => (i === current ? '› ' : '  '))}\n`);
      for (;;) {
        const answer = await line(`  Choose 1-${choices.length} [${current + 1}]: `);
        const i = answer === '' ? current : pick(choices, answer);
        if (i !== undefined) return choices[i]!.value;
        say(`✗ "${answer}" is not one of the numbers 1-${choices.length}\n`);
      }
    },
    async checkbox(message, choices, check) {
      const checked = choices.map((c, i) => (c.checked ? i + 1 : 0)).filter(Boolean);
      say(`? ${message}\n${list(choices, i => (choices[i]!.checked ? '[x] ' : '[ ] '))}\n`);
      for (;;) {
        const answer = await line(`  Numbers or names, comma-separated [${checked.join(',')}]: `);
        const picked = answer === '' ? choices.flatMap((c, i) => (c.checked ? [i] : [])) : answer.split(/[\s,]+/).filter(Boolean).map(a => pick(choices, a));
        if (!picked.every(i => i !== undefined)) { say(`✗ "${answer}" names something other than 1-${choices.length}\n`); continue; }
        const values = choices.filter((_, i) => picked.includes(i)).map(c => c.value);
        const problem = check?.(values);
        if (problem === undefined) return values;
        say(`✗ ${problem}\n`);
      }
    },
    close: () => rl.close(),
  };
}

/** Line prompts when the output is not a terminal or the terminal is dumb. */
export function wantsLinePrompts(output: NodeJS.WritableStream & {isTTY?: boolean}, env = process.env): boolean {
  return !output.isTTY || env.TERM === 'dumb';
}
