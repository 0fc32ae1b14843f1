import React from 'react';
import {Box, Text} from 'ink';

export interface Progress {
  done: number;
  total: number;
  item: string;
  elapsedMs: number;
}

export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

export function GenerateStep({progress, out}: {progress: Progress; out: string}) {
  return (
    <Box flexDirection="column">
      <Text>Writing to {out} (into a private directory first; renamed into place when complete)</Text>
      <Text>{progressBar(progress.done, progress.total)} {progress.done}/{progress.total} keys · {(progress.elapsedMs / 1000).toFixed(1)}s</Text>
      <Text dimColor>{progress.item ? `last: ${progress.item}` : 'starting…'}</Text>
      <Text dimColor>Ctrl+C stops and leaves nothing behind.</Text>
    </Box>
  );
}
