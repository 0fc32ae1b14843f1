import {isPrintable} from '../spec/quote.js';

/**
 * Quote for POSIX shells only when needed, so printed commands stay readable. A word holding a
 * character a terminal would act on or hide (ESC, U+009B, U+202E…) is written in bash's $'…' with
 * that character escaped: the printed line stays what it looks like and still pastes as the word.
 */
export const shellQuote = (word: string) => {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  if (isPrintable(word)) return `'${word.replaceAll("'", `'\\''`)}'`;
  return `$'${[...word].map(c => (c === '\\' || c === "'" ? `\\${c}` : isPrintable(c) ? c : ansiEscape(c))).join('')}'`;
};
export const shellLine = (argv: string[]) => argv.map(shellQuote).join(' ');

/** One character as bash's $'…' writes it: \xHH below U+0080 (the byte), \uHHHH above (its UTF-8). */
function ansiEscape(c: string): string {
  const code = c.codePointAt(0)!;
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
