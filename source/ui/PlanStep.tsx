import React, {useMemo, useRef, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import type {Plan} from '../plan/types.js';
import {planLesson} from '../interview/lessons.js';
import {caKeyHolders, narrowPlanTable, planRowDetails, planRows, planSummary} from '../text/plan-table.js';
import {wrapText} from '../text/wrap.js';
import {useTerminalSize} from './use-terminal-size.js';

export const PLAN_FOOTER = '↑/↓ PgUp/PgDn: move · Enter: details · w: warnings · g: generate · Esc: back';

interface Props {
  plan: Plan;
  failure?: string;
  onGenerate: () => void;
  onBack: () => void;
}

/** A line of a scrolling view: an optional label column, then text that already fits. */
interface Line {
  label?: string;
  text: string;
  tone?: 'title' | 'warning' | 'error';
}

/**
 * The plan as a table that fits the terminal: each certificate on two lines, file, signer and
 * nodes, then its subject (cells wrap rather than being cut), SANs and the rest in the details. The
 * summary and the warnings, in full, on `w`. Details and warnings scroll when the terminal is
 * short; everything is laid out again when the terminal is resized.
 */
export function PlanStep({plan, failure, onGenerate, onBack}: Props) {
  const {columns, rows: height} = useTerminalSize();
  const width = Math.max(20, columns - 1);
  const rows = useMemo(() => planRows(plan), [plan]);
  // Two columns on the left for the › that marks the selected row (seen without colour too).
  const table = useMemo(() => narrowPlanTable(rows, width - 2, true), [rows, width]);
  const [cursor, setCursor] = useState(0);
  const [view, setView] = useState<'table' | 'details' | 'notes'>('table');
  const [offset, setOffset] = useState(0);
  const top = useRef(0);

  // What the screen around this step takes (title, lesson, footer and their margins), and one
  // line spare: Ink redraws the whole screen when its output is as tall as the terminal.
  const chrome = 1 + wrapText(planLesson, columns).length + 2 + wrapText(PLAN_FOOTER, columns).length + 1;
  const body = Math.max(6, height - chrome);

  const keyHolders = wrapText(caKeyHolders(plan), width);
  const failureLines = failure ? wrapText(`✗ ${failure}`, width) : [];
  const warningCount = plan.warnings.length;
  const status = `row ${cursor + 1} of ${rows.length} · ${warningCount ? `⚠ ${warningCount} warning${warningCount > 1 ? 's' : ''}: w to read` : 'w: summary'}`;
  const budget = Math.max(2, body - table.header.length - 2 - keyHolders.length - failureLines.length);

  // The first row drawn: moves only as far as needed to keep the selected row on screen.
  const linesFrom = (from: number, to: number) => table.rows.slice(from, to + 1).reduce((n, r) => n + r.length, 0);
  let first = Math.min(top.current, cursor);
  while (first < cursor && linesFrom(first, cursor) > budget) first++;
  top.current = first;
  let last = first;
  while (last + 1 < rows.length && linesFrom(first, last + 1) <= budget) last++;
  const page = Math.max(1, last - first + 1);

  const scrolled: Line[] = useMemo(() => {
    if (view === 'details') return detailLines(planRowDetails(plan, rows[cursor]!), width);
    if (view === 'notes') return noteLines(plan, width);
    return [];
  }, [view, cursor, plan, width]);
  const window = Math.max(1, body - 1);
  const maxOffset = Math.max(0, scrolled.length - window);
  const at = Math.min(offset, maxOffset);

  useInput((input, key) => {
    if (view !== 'table') {
      if (key.escape || key.return || input === 'q' || (view === 'notes' && input === 'w')) { setView('table'); return; }
      // From the previous key's result, not this render's: a burst (a held key) moves by each key.
      const scroll = (by: number) => setOffset(o => Math.max(0, Math.min(maxOffset, Math.min(o, maxOffset) + by)));
      if (key.upArrow) scroll(-1);
      if (key.downArrow) scroll(1);
      if (key.pageUp) scroll(-window);
      if (key.pageDown) scroll(window);
      return;
    }
    if (key.escape) return onBack();
    if (key.upArrow) return setCursor(c => Math.max(0, c - 1));
    if (key.downArrow) return setCursor(c => Math.min(rows.length - 1, c + 1));
    if (key.pageUp) return setCursor(c => Math.max(0, c - page));
    if (key.pageDown) return setCursor(c => Math.min(rows.length - 1, c + page));
    if (key.home) return setCursor(0);
    if (key.end) return setCursor(rows.length - 1);
    if (key.return) { setOffset(0); return setView('details'); }
    if (input === 'w') { setOffset(0); return setView('notes'); }
    if (input === 'g') return onGenerate();
  });

  if (view !== 'table') {
    const shown = scrolled.slice(at, at + window);
    const label = Math.max(0, ...scrolled.map(l => (l.label === undefined ? 0 : l.label.length)));
    const where = scrolled.length > window ? `lines ${at + 1}-${at + shown.length} of ${scrolled.length} · ↑/↓ PgUp/PgDn · ` : '';
    return (
      <Box flexDirection="column">
        {shown.map((l, i) => <ScrolledLine key={at + i} line={l} label={label} />)}
        <Text dimColor wrap="truncate">{where}Esc: back to the table</Text>
      </Box>
    );
  }

  return (
    <Box flexDirection="column">
      {table.header.map((line, i) => <Text key={`h${i}`} bold wrap="truncate">{'  '}{line}</Text>)}
      <Text dimColor wrap="truncate">{'  '}{table.rule}</Text>
      {table.rows.slice(first, last + 1).flatMap((lines, r) => lines.slice(0, budget).map((line, i) => (
        <Text key={`${first + r}:${i}`} inverse={first + r === cursor} wrap="truncate">
          {first + r === cursor && i === 0 ? '› ' : '  '}{line}
        </Text>
      )))}
      <Text dimColor wrap="truncate">{status}</Text>
      {keyHolders.map(line => <Text key={line} wrap="truncate">{line}</Text>)}
      {failureLines.map(line => <Text key={line} color="red" wrap="truncate">{line}</Text>)}
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

/** A row's details: a label column, each value wrapped beside it. */
function detailLines({title, lines}: ReturnType<typeof planRowDetails>, width: number): Line[] {
  const label = Math.max(...lines.map(([l]) => l.length)) + 2;
  const out: Line[] = wrapText(title, width).map(text => ({text, tone: 'title' as const}));
  for (const [l, value] of lines) {
    wrapText(value, Math.max(10, width - label)).forEach((text, i) => out.push({label: i === 0 ? l : '', text}));
  }
  return out;
}

/** Every warning in full, first: they are what the user must read; then the summary and where ca.key goes. */
function noteLines(plan: Plan, width: number): Line[] {
  const out: Line[] = [{text: plan.warnings.length ? `Warnings (${plan.warnings.length})` : 'No warnings', tone: 'title'}];
  for (const w of plan.warnings) {
    wrapText(w, width - 2).forEach((text, i) => out.push({text: `${i === 0 ? '⚠ ' : '  '}${text}`, tone: 'warning'}));
  }
  out.push({text: ''}, {text: 'Summary', tone: 'title'});
  for (const line of [...planSummary(plan), caKeyHolders(plan)]) out.push(...wrapText(line, width).map(text => ({text})));
  return out;
}
