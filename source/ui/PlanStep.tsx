import React, {useMemo, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import type {Plan} from '../plan/types.js';
import {planLesson} from '../interview/lessons.js';
import {caKeyHolders, narrowPlanTable, planRowDetails, planRows, planSummary} from '../text/plan-table.js';
import {wrapText} from '../text/wrap.js';
import {buildTrustMap} from '../map/build.js';
import {focusMap, focusOfPlanRow} from '../map/focus.js';
import {renderMapText} from '../map/render.js';
import {sourceFromPlan} from '../map/sources.js';
import {useTerminalSize} from './use-terminal-size.js';
import {ScrollView, TableRows, useRowWindow, warningLines, type Line} from './TableWindow.js';

export const PLAN_FOOTER = '↑/↓ PgUp/PgDn: move · Enter: details · m: map · w: warnings · g: generate · Esc: back';

interface Props {
  plan: Plan;
  failure?: string;
  onGenerate: () => void;
  onBack: () => void;
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
  const [view, setView] = useState<'table' | 'details' | 'notes' | 'map'>('table');

  // What the screen around this step takes (title, lesson, footer and their margins), and one
  // line spare: Ink redraws the whole screen when its output is as tall as the terminal.
  const chrome = 1 + wrapText(planLesson, columns).length + 2 + wrapText(PLAN_FOOTER, columns).length + 1;
  const body = Math.max(6, height - chrome);

  const keyHolders = wrapText(caKeyHolders(plan), width);
  const failureLines = failure ? wrapText(`✗ ${failure}`, width) : [];
  const warningCount = plan.warnings.length;
  const status = `row ${cursor + 1} of ${rows.length} · ${warningCount ? `⚠ ${warningCount} warning${warningCount > 1 ? 's' : ''}: w to read` : 'w: summary'}`;
  const budget = Math.max(2, body - table.header.length - 2 - keyHolders.length - failureLines.length);
  const {first, last, page} = useRowWindow(table.rows, cursor, budget);

  const scrolled: Line[] = useMemo(() => {
    if (view === 'details') return detailLines(planRowDetails(plan, rows[cursor]!), width);
    if (view === 'notes') return noteLines(plan, width);
    if (view === 'map') return mapLines(plan, rows[cursor]!, width);
    return [];
  }, [view, cursor, plan, width]);

  useInput((input, key) => {
    if (view !== 'table') return; // the scrolling view reads its own keys
    if (key.escape) return onBack();
    if (key.upArrow) return setCursor(c => Math.max(0, c - 1));
    if (key.downArrow) return setCursor(c => Math.min(rows.length - 1, c + 1));
    if (key.pageUp) return setCursor(c => Math.max(0, c - page));
    if (key.pageDown) return setCursor(c => Math.min(rows.length - 1, c + page));
    if (key.home) return setCursor(0);
    if (key.end) return setCursor(rows.length - 1);
    if (key.return) return setView('details');
    if (input === 'w') return setView('notes');
    if (input === 'm') return setView('map');
    if (input === 'g') return onGenerate();
  });

  if (view !== 'table') return <ScrollView lines={scrolled} height={body} closeKey={view === 'notes' ? 'w' : view === 'map' ? 'm' : undefined} onClose={() => setView('table')} />;

  return (
    <Box flexDirection="column">
      <TableRows table={table} first={first} last={last} cursor={cursor} budget={budget} />
      <Text dimColor wrap="truncate">{status}</Text>
      {keyHolders.map(line => <Text key={line} wrap="truncate">{line}</Text>)}
      {failureLines.map(line => <Text key={line} color="red" wrap="truncate">{line}</Text>)}
    </Box>
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

/** The trust map around the selected row: the connections its certificate is presented on, as text. */
function mapLines(plan: Plan, row: ReturnType<typeof planRows>[number], width: number): Line[] {
  const {focus, title, names} = focusOfPlanRow(plan, row);
  const map = focusMap(buildTrustMap(sourceFromPlan(plan)), focus);
  const body = renderMapText({...map, title}, width).trimEnd().split('\n');
  const out: Line[] = [{text: body[0]!, tone: 'title'}, ...body.slice(1).map(text => ({text}))];
  if (names) out.push({text: ''}, {text: 'Why its names matter', tone: 'title'}, ...wrapText(names, width).map(text => ({text})));
  return out;
}

/** Every warning in full, first: they are what the user must read; then the summary and where ca.key goes. */
function noteLines(plan: Plan, width: number): Line[] {
  const out = warningLines(plan.warnings, width);
  out.push({text: ''}, {text: 'Summary', tone: 'title'});
  for (const line of [...planSummary(plan), caKeyHolders(plan)]) out.push(...wrapText(line, width).map(text => ({text})));
  return out;
}
