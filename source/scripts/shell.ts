/** Quote for POSIX shells only when needed, so printed commands stay readable. */
export const shellQuote = (word: string) => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
export const shellLine = (argv: string[]) => argv.map(shellQuote).join(' ');
