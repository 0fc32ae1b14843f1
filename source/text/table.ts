// Plain-text tables sized from the data, with a rule under the header; cells too wide for the
// screen are cut with an ellipsis so rows never wrap.

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** When the table is too wide, columns with a higher number give up width first… */
  shrink?: number;
  /** …down to this width. */
  min?: number;
}

export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

export function columnWidths<T>(columns: Column<T>[], rows: T[], maxWidth = Infinity): number[] {
  const widths = columns.map(c => Math.max(c.header.length, ...rows.map(r => c.value(r).length)));
  const gap = 2 * (columns.length - 1);
  let excess = widths.reduce((a, b) => a + b, 0) + gap - maxWidth;
  // Take width from the most expendable column first, down to its minimum, then the next.
  const order = columns.map((c, i) => i).filter(i => columns[i]!.shrink !== undefined)
    .sort((a, b) => columns[b]!.shrink! - columns[a]!.shrink!);
  for (const i of order) {
    const floor = Math.min(widths[i]!, columns[i]!.min ?? 6);
    const take = Math.min(Math.max(0, excess), widths[i]! - floor);
    widths[i]! -= take;
    excess -= take;
  }
  return widths;
}

export function formatRow(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === cells.length - 1 ? truncate(cell, widths[i]!) : truncate(cell, widths[i]!).padEnd(widths[i]!))).join('  ').trimEnd();
}

export function renderTable<T>(columns: Column<T>[], rows: T[], maxWidth = Infinity): string {
  const widths = columnWidths(columns, rows, maxWidth);
  const lines = [
    formatRow(columns.map(c => c.header), widths),
    '─'.repeat(Math.min(maxWidth, widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1))),
    ...rows.map(r => formatRow(columns.map(c => c.value(r)), widths)),
  ];
  return lines.join('\n');
}
