// Plain-text tables sized from the data, with a rule under the header. When the table is wider
// than the screen, columns give up width and their cells wrap onto more lines: nothing is cut.
import {wrapText} from './wrap.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** When the table is too wide, columns with a higher number give up width first… */
  shrink?: number;
  /** …down to this width. */
  min?: number;
}

/** Below this a column would wrap every few characters; the table is then wider than asked. */
const NARROWEST = 4;

/** The longest piece of text that `wrapText` keeps on one line: a word, or with `pieces` a word's part after a separator. */
function longest(text: string, pieces: boolean): number {
  const parts = text.split(' ').flatMap(word => (pieces ? word.split(/(?<=[,/:=-])/) : [word]));
  return Math.max(0, ...parts.map(p => p.length));
}

export function columnWidths<T>(columns: Column<T>[], rows: T[], maxWidth = Infinity): number[] {
  const cells = columns.map(c => [c.header, ...rows.map(r => c.value(r))]);
  const widths = cells.map(texts => Math.max(...texts.map(t => t.length)));
  const gap = 2 * (columns.length - 1);
  let excess = widths.reduce((a, b) => a + b, 0) + gap - maxWidth;
  // Take width from the most expendable column first, then the next: first only down to its
  // longest word (cells wrap between words), then to its longest piece between separators
  // (CN=kube- / apiserver), and only then to its minimum, where words break anywhere.
  const order = columns.map((c, i) => i).filter(i => columns[i]!.shrink !== undefined)
    .sort((a, b) => columns[b]!.shrink! - columns[a]!.shrink!);
  const floors = [
    (i: number) => Math.max(columns[i]!.min ?? 6, ...cells[i]!.map(t => longest(t, false))),
    (i: number) => Math.max(columns[i]!.min ?? 6, ...cells[i]!.map(t => longest(t, true))),
    (i: number) => columns[i]!.min ?? 6,
  ];
  for (const floorOf of floors) {
    for (const i of order) {
      if (excess <= 0) break;
      const floor = Math.min(widths[i]!, floorOf(i));
      const take = Math.min(excess, widths[i]! - floor);
      widths[i]! -= take;
      excess -= take;
    }
  }
  // Still too wide (a narrow terminal): the widest column gives up one character at a time.
  while (excess > 0) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= NARROWEST) break;
    widths[widest]! -= 1;
    excess -= 1;
  }
  return widths;
}

/** One row: each cell wrapped inside its column, as many lines as its tallest cell. */
export function rowLines(cells: string[], widths: number[]): string[] {
  const wrapped = cells.map((cell, i) => wrapText(cell, widths[i]!));
  const height = Math.max(...wrapped.map(w => w.length));
  return Array.from({length: height}, (_, line) =>
    wrapped.map((w, i) => (i === cells.length - 1 ? w[line] ?? '' : (w[line] ?? '').padEnd(widths[i]!))).join('  ').trimEnd());
}

export interface TableLines {
  header: string[];
  rule: string;
  /** Each row's lines, in the order of the rows. */
  rows: string[][];
}

export function tableLines<T>(columns: Column<T>[], rows: T[], maxWidth = Infinity): TableLines {
  const widths = columnWidths(columns, rows, maxWidth);
  return {
    header: rowLines(columns.map(c => c.header), widths),
    rule: '─'.repeat(Math.min(maxWidth, widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1))),
    rows: rows.map(r => rowLines(columns.map(c => c.value(r)), widths)),
  };
}

/**
 * A table of rows two lines or more high: each row's cells, then lines of its own under them
 * (indented two, wrapped to the width), so what would not fit in a column is read in full.
 */
export function notedTable<T>(columns: Column<T>[], rows: T[], width: number, under: (row: T) => string[]): TableLines {
  const table = tableLines(columns, rows, width);
  return {...table, rows: table.rows.map((lines, i) => [...lines, ...under(rows[i]!).flatMap(t => wrapText(t, width - 2).map(l => `  ${l}`))])};
}

export function renderTable<T>(columns: Column<T>[], rows: T[], maxWidth = Infinity): string {
  const table = tableLines(columns, rows, maxWidth);
  return [...table.header, table.rule, ...table.rows.flat()].join('\n');
}
