import React, {useMemo, useState} from 'react';
import {Box, Text, useInput, useStdout} from 'ink';
import type {DiffRow, PlanDiff} from '../interview/update.js';
import {diffSummary} from '../interview/update.js';
import {columnWidths, formatRow, truncate, type Column} from '../text/table.js';

interface Props {
  out: string;
  diff: PlanDiff;
  warnings: string[];
  failure?: string;
  onGenerate: () => void;
  onBack: () => void;
  onAddUser: () => void;
}

const COLUMNS: Column<DiffRow>[] = [
  {header: 'STATUS', value: r => r.status},
  {header: 'WHAT', value: r => r.ref, shrink: 3, min: 12},
  {header: 'FILE', value: r => r.file, shrink: 2, min: 14},
  // The selected row's detail is shown in full under the table: its column gives way first.
  {header: 'DETAIL', value: r => (r.expiring ? `⚠ ${r.detail}` : r.detail), shrink: 4, min: 14},
];

/** The plan of the wizard on an existing OUT: each row new, changed, kept or removed. */
export function UpdatePlanStep({out, diff, warnings, failure, onGenerate, onBack, onAddUser}: Props) {
  const {stdout} = useStdout();
  const width = Math.max(40, (stdout?.columns ?? 80) - 1);
  const height = stdout?.rows ?? 24;
  // f: only what generating would change (at 500 nodes the kept rows are most of the list).
  const [changesOnly, setChangesOnly] = useState(false);
  const rows = useMemo(() => (changesOnly ? diff.rows.filter(r => r.status !== 'kept' || r.expiring) : diff.rows), [diff, changesOnly]);
  const widths = useMemo(() => columnWidths(COLUMNS, rows, width - 2), [rows, width]);
  const [cursor, setCursor] = useState(0);
  const at = Math.min(cursor, Math.max(0, rows.length - 1));
  const nodes = [
    ...(diff.newNodes.length ? [`new nodes: ${diff.newNodes.join(' ')}`] : []),
    ...(diff.removedNodes.length ? [`removed nodes: ${diff.removedNodes.join(' ')} (their bundles are deleted)`] : []),
  ];
  const windowSize = Math.max(3, height - 16 - warnings.length - (failure ? 1 : 0) - (nodes.length ? 1 : 0));

  useInput((input, key) => {
    if (key.escape) return onBack();
    if (key.upArrow) return setCursor(Math.max(0, at - 1));
    if (key.downArrow) return setCursor(Math.min(rows.length - 1, at + 1));
    if (key.pageUp) return setCursor(Math.max(0, at - windowSize));
    if (key.pageDown) return setCursor(Math.min(rows.length - 1, at + windowSize));
    if (input === 'f') { setCursor(0); return setChangesOnly(c => !c); }
    if (input === 'g') return onGenerate();
    if (input === 'u') return onAddUser();
  });

  const start = Math.max(0, Math.min(at - Math.floor(windowSize / 2), rows.length - windowSize));
  const visible = rows.slice(start, start + windowSize);
  const selected = rows[at];
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">{truncate(`Against ${out}: ${diffSummary(diff)}`, width)}</Text>
      <Text bold wrap="truncate">{'  '}{formatRow(COLUMNS.map(c => c.header), widths)}</Text>
      <Text dimColor wrap="truncate">{'  '}{'─'.repeat(Math.min(width - 2, widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)))}</Text>
      {visible.map((row, i) => (
        <Text key={`${row.kind}:${row.ref}`} inverse={start + i === at} color={row.expiring ? 'yellow' : undefined} wrap="truncate">
          {start + i === at ? '› ' : '  '}{formatRow(COLUMNS.map(c => c.value(row)), widths)}
        </Text>
      ))}
      {rows.length === 0 ? <Text>  nothing changes: every file is kept (f: show all)</Text> : null}
      <Text dimColor>row {rows.length ? at + 1 : 0} of {rows.length}{changesOnly ? ' (changes only; f: all rows)' : ' (f: changes only)'}</Text>
      {selected ? <Text wrap="wrap">{selected.ref} ({selected.kind}, {selected.file}): {selected.detail}</Text> : null}
      {nodes.length ? <Text wrap="truncate">{truncate(nodes.join(' · '), width)}</Text> : null}
      {warnings.map(w => <Text key={w} color="yellow" wrap="wrap">⚠ {w}</Text>)}
      {failure ? <Text color="red" wrap="wrap">✗ {failure}</Text> : null}
    </Box>
  );
}
