import React, {useEffect, useState} from 'react';
import {Box, Text} from 'ink';

export interface Progress {
  done: number;
  total: number;
  item: string;
  startedAt: number;
}

export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** `updating`: the wizard on an existing OUT, whose files stay as they were until the swap. */
export function GenerateStep({progress, out, updating = false}: {progress: Progress; out: string; updating?: boolean}) {
  // Keys can take seconds each (RSA-4096): keep the clock moving between them.
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return (
    <Box flexDirection="column">
      <Text>{updating
        ? `Updating ${out} (the new tree is made in a private directory beside it; swapped for it when complete)`
        : `Writing to ${out} (into a private directory first; renamed into place when complete)`}</Text>
      <Text>{progressBar(progress.done, progress.total)} {progress.done}/{progress.total} keys · {(Math.max(0, now - progress.startedAt) / 1000).toFixed(1)}s</Text>
      <Text dimColor>{progress.item ? `last: ${progress.item}` : 'starting…'}</Text>
      <Text dimColor>{updating ? `Ctrl+C stops and leaves ${out} as it was.` : 'Ctrl+C stops and leaves nothing behind.'}</Text>
    </Box>
  );
}
