import React, {useMemo, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {diffRowsShown, diffSummary, diffTable, filterName, otherFilter, updateLesson, upgradeHeadline, type DiffFilter, type PlanDiff} from '../interview/update.js';
import {wrapText} from '../text/wrap.js';
import {ScrollView, TableRows, useRowWindow, warningLines, type Line} from './TableWindow.js';
import {useTerminalSize} from './use-terminal-size.js';

/** The footer: `f` named by what it shows next, as the row counter says it. */
export function updateFooter(diff: PlanDiff, filter: DiffFilter, rotate = false): string {
  return `↑/↓ PgUp/PgDn: move · f: ${filterName(diff, otherFilter(filter))} · w: warnings${diff.upgrade.length ? ' · r: release changes' : ''} · g: generate · u: add a user${rotate ? ' · c: rotate a CA' : ''} · Esc: back`;
}

interface Props {
  diff: PlanDiff;
  warnings: string[];
  failure?: string;
  /** Which rows are shown: the App holds it, as the footer names what `f` does next. */
  filter: DiffFilter;
  onFilter: (filter: DiffFilter) => void;
  /** The screen's title line, as drawn around this step (its height counts). */
  title: string;
  onGenerate: () => void;
  onBack: () => void;
  onAddUser: () => void;
  /** "Rotate a CA" (c), when the wizard can run a rotation. */
  onRotate?: () => void;
}

/** What the new release changes, in full, wrapped (indented lines keep their indent). */
function upgradeView(upgrade: string[], width: number): Line[] {
  return upgrade.flatMap((line, i) => {
    const indent = /^ */.exec(line)![0];
    return wrapText(line.trimStart(), width - indent.length).map(text => ({text: `${indent}${text}`, ...(i === 0 ? {tone: 'title' as const} : {})}));
  });
}

/**
 * The plan of the wizard on an existing OUT, as the plan screen draws its own: each row on two
 * lines or more (status, what and which file; then what happens to it), nothing cut, laid out
 * again when the terminal is resized. The warnings, in full, on `w`.
 */
export function UpdatePlanStep({diff, warnings, failure, filter, onFilter, title, onGenerate, onBack, onAddUser, onRotate}: Props) {
  const {columns, rows: height} = useTerminalSize();
  const width = Math.max(20, columns - 1);
  const rows = useMemo(() => diffRowsShown(diff, filter), [diff, filter]);
  // Two columns on the left for the ›.
  const table = useMemo(() => diffTable(rows, width - 2), [rows, width]);
  const [cursor, setCursor] = useState(0);
  const [notes, setNotes] = useState(false);
  const [release, setRelease] = useState(false);
  const at = Math.min(cursor, Math.max(0, rows.length - 1));

  // The screen around this step (title, lesson, footer, margins) and one line spare, as PlanStep.
  const chrome = wrapText(title, columns).length + wrapText(updateLesson, columns).length + 2 + wrapText(updateFooter(diff, filter, onRotate !== undefined), columns).length + 1;
  const body = Math.max(6, height - chrome);

  const summary = wrapText(diffSummary(diff), width);
  const nodes = [
    ...(diff.newNodes.length ? [`new nodes: ${diff.newNodes.join(' ')}`] : []),
    ...(diff.removedNodes.length ? [`removed nodes: ${diff.removedNodes.join(' ')} (their bundles are deleted)`] : []),
  ].flatMap(line => wrapText(line, width));
  const count = warnings.length;
  const upgrade = upgradeHeadline(diff);
  const status = wrapText(`row ${rows.length ? at + 1 : 0} of ${rows.length} (${filterName(diff, filter)})`
    + (count ? ` · ⚠ ${count} warning${count > 1 ? 's' : ''}: w to read` : '')
    // What the new release changes, named here and read in full on r.
    + (upgrade ? ` · ⚠ ${upgrade}: r to read what changes` : ''), width);
  const failureLines = failure ? wrapText(`✗ ${failure}`, width) : [];
  const empty = rows.length === 0 ? wrapText(`nothing changes: every file is kept (f: ${filterName(diff, 'all')})`, width - 2) : [];
  const budget = Math.max(2, body - summary.length - table.header.length - 1 - empty.length - status.length - nodes.length - failureLines.length);
  const {first, last, page} = useRowWindow(table.rows, at, budget);

  useInput((input, key) => {
    if (notes || release) return; // the warnings and release views read their own keys
    if (key.escape) return onBack();
    // From the previous key's result: a burst (a held key) moves by each key.
    const move = (by: number) => setCursor(c => Math.max(0, Math.min(rows.length - 1, Math.min(c, rows.length - 1) + by)));
    if (key.upArrow) return move(-1);
    if (key.downArrow) return move(1);
    if (key.pageUp) return move(-page);
    if (key.pageDown) return move(page);
    if (key.home) return setCursor(0);
    if (key.end) return setCursor(Math.max(0, rows.length - 1));
    if (input === 'f') { setCursor(0); return onFilter(otherFilter(filter)); }
    if (input === 'w') return setNotes(true);
    if (input === 'r' && diff.upgrade.length) return setRelease(true);
    if (input === 'g') return onGenerate();
    if (input === 'u') return onAddUser();
    if (input === 'c' && onRotate) return onRotate();
  });

  if (release) return <ScrollView lines={upgradeView(diff.upgrade, width)} height={body} closeKey="r" onClose={() => setRelease(false)} />;
  if (notes) return <ScrollView lines={warningLines(warnings, width)} height={body} closeKey="w" onClose={() => setNotes(false)} />;

  return (
    <Box flexDirection="column">
      {summary.map((line, i) => <Text key={`s${i}`} wrap="truncate">{line}</Text>)}
      <TableRows table={table} first={first} last={last} cursor={at} budget={budget} color={i => (rows[i]?.expiring ? 'yellow' : undefined)} />
      {empty.map((line, i) => <Text key={`e${i}`} wrap="truncate">{'  '}{line}</Text>)}
      {status.map((line, i) => <Text key={`r${i}`} dimColor wrap="truncate">{line}</Text>)}
      {nodes.map((line, i) => <Text key={`n${i}`} wrap="truncate">{line}</Text>)}
      {failureLines.map((line, i) => <Text key={`f${i}`} color="red" wrap="truncate">{line}</Text>)}
    </Box>
  );
}
