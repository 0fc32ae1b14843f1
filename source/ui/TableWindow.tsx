// What the plan screen and the update's plan screen share: a table whose rows are two lines or
// more (text/table.ts notedTable) shown as a window that keeps the selected row in view, and a
// scrolling view of lines (details, warnings) for when they do not fit.
import React, {useRef, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import type {TableLines} from '../text/table.js';
import {wrapText} from '../text/wrap.js';

/**
 * The rows drawn: from the first, as many as fit in `budget` lines. The first row moves only as
 * far as needed to keep the selected row on screen. `page`: how many rows PgUp/PgDn move.
 */
export function useRowWindow(rows: string[][], cursor: number, budget: number): {first: number; last: number; page: number} {
  const top = useRef(0);
  const linesFrom = (from: number, to: number) => rows.slice(from, to + 1).reduce((n, r) => n + r.length, 0);
  let first = Math.min(top.current, cursor);
  while (first < cursor && linesFrom(first, cursor) > budget) first++;
  top.current = first;
  let last = first;
  while (last + 1 < rows.length && linesFrom(first, last + 1) <= budget) last++;
  return {first, last, page: Math.max(1, last - first + 1)};
}

/** The header, the rule and the rows first..last; the selected one marked › (seen without colour too). */
export function TableRows({table, first, last, cursor, budget, color}: {
  table: TableLines; first: number; last: number; cursor: number; budget: number;
  color?: (row: number) => string | undefined;
}) {
  return (
    <>
      {table.header.map((line, i) => <Text key={`h${i}`} bold wrap="truncate">{'  '}{line}</Text>)}
      <Text dimColor wrap="truncate">{'  '}{table.rule}</Text>
      {table.rows.slice(first, last + 1).flatMap((lines, r) => lines.slice(0, budget).map((line, i) => (
        <Text key={`${first + r}:${i}`} inverse={first + r === cursor} color={color?.(first + r)} wrap="truncate">
          {first + r === cursor && i === 0 ? '› ' : '  '}{line}
        </Text>
      )))}
    </>
  );
}

/** A line of a scrolling view: an optional label column, then text that already fits. */
export interface Line {
  label?: string;
  text: string;
  tone?: 'title' | 'warning' | 'error';
}

/** Every warning in full, wrapped, under a title that counts them. */
export function warningLines(warnings: string[], width: number): Line[] {
  const out: Line[] = [{text: warnings.length ? `Warnings (${warnings.length})` : 'No warnings', tone: 'title'}];
  for (const w of warnings) {
    wrapText(w, width - 2).forEach((text, i) => out.push({text: `${i === 0 ? '⚠ ' : '  '}${text}`, tone: 'warning'}));
  }
  return out;
}

/**
 * Lines in a window of `height` (the last line says where it is): ↑/↓ PgUp/PgDn scroll; Esc,
 * Enter, q (and `closeKey`) go back.
 */
export function ScrollView({lines, height, closeKey, closeLabel = 'back to the table', onClose}: {lines: Line[]; height: number; closeKey?: string; closeLabel?: string; onClose: () => void}) {
  const [offset, setOffset] = useState(0);
  const window = Math.max(1, height - 1);
  const maxOffset = Math.max(0, lines.length - window);
  const at = Math.min(offset, maxOffset);
  useInput((input, key) => {
    if (key.escape || key.return || input === 'q' || (closeKey !== undefined && input === closeKey)) return onClose();
    // From the previous key's result, not this render's: a burst (a held key) moves by each key.
    const scroll = (by: number) => setOffset(o => Math.max(0, Math.min(maxOffset, Math.min(o, maxOffset) + by)));
    if (key.upArrow) scroll(-1);
    if (key.downArrow) scroll(1);
    if (key.pageUp) scroll(-window);
    if (key.pageDown) scroll(window);
  });
  const shown = lines.slice(at, at + window);
  const label = Math.max(0, ...lines.map(l => (l.label === undefined ? 0 : l.label.length)));
  const where = lines.length > window ? `lines ${at + 1}-${at + shown.length} of ${lines.length} · ↑/↓ PgUp/PgDn · ` : '';
  return (
    <Box flexDirection="column">
      {shown.map((l, i) => <ScrolledLine key={at + i} line={l} label={label} />)}
      <Text dimColor wrap="truncate">{where}Esc: {closeLabel}</Text>
    </Box>
  );
}

function ScrolledLine({line, label}: {line: Line; label: number}) {
  const color = line.tone === 'warning' ? 'yellow' : line.tone === 'error' ? 'red' : undefined;
  return (
    <Text wrap="truncate" bold={line.tone === 'title'} color={color}>
      {line.label !== undefined ? <Text color="cyan">{line.label.padEnd(label + 2)}</Text> : null}{line.text}
    </Text>
  );
}
