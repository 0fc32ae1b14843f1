import React, {useMemo, useState} from 'react';
import {Box, Text, useInput, useStdout} from 'ink';
import type {Plan} from '../plan/types.js';
import {PLAN_COLUMNS, caKeyHolders, planRowDetails, planRows, planSummary} from '../text/plan-table.js';
import {columnWidths, formatRow, truncate} from '../text/table.js';


interface Props {
  plan: Plan;
  failure?: string;
  onGenerate: () => void;
  onBack: () => void;
}

export function PlanStep({plan, failure, onGenerate, onBack}: Props) {
  const {stdout} = useStdout();
  const width = Math.max(40, (stdout?.columns ?? 80) - 1);
  const height = stdout?.rows ?? 24;
  const rows = useMemo(() => planRows(plan), [plan]);
  // Two columns on the left for the › that marks the selected row (seen without colour too).
  const widths = useMemo(() => columnWidths(PLAN_COLUMNS, rows, width - 2), [rows, width]);
  const summary = useMemo(() => planSummary(plan), [plan]);
  const [cursor, setCursor] = useState(0);
  const [details, setDetails] = useState(false);
  // Only the visible rows are rendered, so a 500-node plan scrolls as fast as a small one.
  const windowSize = Math.max(3, height - 13 - plan.warnings.length - (failure ? 1 : 0));

  useInput((input, key) => {
    if (details) {
      if (key.escape || key.return || input === 'q') setDetails(false);
      return;
    }
    if (key.escape) return onBack();
    if (key.upArrow) return setCursor(c => Math.max(0, c - 1));
    if (key.downArrow) return setCursor(c => Math.min(rows.length - 1, c + 1));
    if (key.pageUp) return setCursor(c => Math.max(0, c - windowSize));
    if (key.pageDown) return setCursor(c => Math.min(rows.length - 1, c + windowSize));
    if (key.return) return setDetails(true);
    if (input === 'g') return onGenerate();
  });

  if (details) {
    const {title, lines} = planRowDetails(plan, rows[cursor]!);
    const label = Math.max(...lines.map(([l]) => l.length));
    return (
      <Box flexDirection="column" width={width}>
        <Text bold wrap="truncate">{title}</Text>
        {lines.map(([l, v]) => (
          <Box key={l}>
            <Box width={label + 2} flexShrink={0}><Text color="cyan">{l}</Text></Box>
            <Text wrap="wrap">{v}</Text>
          </Box>
        ))}
        <Text dimColor>Esc or Enter: back to the table</Text>
      </Box>
    );
  }

  const start = Math.max(0, Math.min(cursor - Math.floor(windowSize / 2), rows.length - windowSize));
  const visible = rows.slice(start, start + windowSize);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{'  '}{formatRow(PLAN_COLUMNS.map(c => c.header), widths)}</Text>
      <Text dimColor wrap="truncate">{'  '}{'─'.repeat(Math.min(width - 2, widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)))}</Text>
      {visible.map((row, i) => (
        <Text key={start + i} inverse={start + i === cursor} wrap="truncate">
          {start + i === cursor ? '› ' : '  '}{formatRow(PLAN_COLUMNS.map(c => c.value(row)), widths)}
        </Text>
      ))}
      <Text dimColor>row {cursor + 1} of {rows.length}</Text>
      {summary.map(line => <Text key={line} wrap="truncate">{truncate(line, width)}</Text>)}
      <Text wrap="truncate">{truncate(caKeyHolders(plan), width)}</Text>
      {plan.warnings.map(w => <Text key={w} color="yellow" wrap="truncate">{truncate(`⚠ ${w}`, width)}</Text>)}
      {failure ? <Text color="red" wrap="truncate">✗ {failure}</Text> : null}
    </Box>
  );
}
