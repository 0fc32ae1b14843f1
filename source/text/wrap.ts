// Text wrapped to a width without losing a character: break at spaces (dropped), else after a
// comma, slash, colon, equals sign or hyphen (kept), else hard. Tables and the wizard's scrolling views both
// wrap with this, so they know how many lines a text takes before drawing it.

/** The text as lines of at most `width` characters; every character but the break spaces kept. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let rest = paragraph;
    while (rest.length > w) {
      const window = rest.slice(0, w + 1);
      const space = window.lastIndexOf(' ');
      if (space > 0) {
        lines.push(rest.slice(0, space).trimEnd());
        rest = rest.slice(space + 1).trimStart();
        continue;
      }
      // After a separator that falls inside the width (the separator stays on the line).
      let cut = -1;
      for (let i = w - 1; i > 0; i--) if (',/:=-'.includes(rest[i]!)) { cut = i + 1; break; }
      if (cut <= 0) cut = w;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    lines.push(rest);
  }
  return lines;
}

/**
 * A shell command as lines of at most `width` characters that still paste and run as one: broken
 * only at spaces outside quotes, each line but the last ending in ` \`, the next indented two
 * spaces. A word longer than the width stays whole on its own line.
 */
export function wrapCommand(command: string, width: number): string[] {
  if (command.length <= width) return [command];
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  for (const ch of command) {
    if (quote) { if (ch === quote) quote = null; }
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ' ') { if (word) words.push(word); word = ''; continue; }
    word += ch;
  }
  if (word) words.push(word);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const indent = lines.length ? '  ' : '';
    const next = line ? `${line} ${w}` : `${indent}${w}`;
    // Room for the ` \` of a continued line.
    if (line && next.length + 2 > width) { lines.push(`${line} \\`); line = `  ${w}`; }
    else line = next;
  }
  lines.push(line);
  return lines;
}
