import React from 'react';
import {Box, Text, useInput} from 'ink';
import type {updateOutcome} from '../interview/update.js';

interface Props {
  out: string;
  outcome: ReturnType<typeof updateOutcome>;
  onExit: () => void;
  onAddUser: () => void;
}

/** The end of an update: what changed, and which nodes must receive files again (only those). */
export function UpdateDoneStep({out, outcome, onExit, onAddUser}: Props) {
  useInput((input, key) => {
    if (key.return || key.escape || input === 'q') onExit();
    if (input === 'u') onAddUser();
  });
  return (
    <Box flexDirection="column">
      <Text color="green">✓ Updated {out}</Text>
      <Text>  {outcome.summary}</Text>
      {outcome.newNodes.length ? <Text>  New nodes: {outcome.newNodes.join(' ')}</Text> : null}
      {outcome.removedNodes.length ? <Text wrap="wrap">  Removed nodes: {outcome.removedNodes.join(' ')} (their bundles are gone; remove their files on those machines yourself)</Text> : null}
      {outcome.redistribution.map(line => <Text key={line} bold={!line.startsWith(' ')} wrap="wrap">{line}</Text>)}
      {outcome.nodesToRedistribute.length ? <Text dimColor>  (add --dry-run first to see every command)</Text> : null}
      <Text wrap="wrap">Rewrote {outcome.rewritten.join(', ')}.</Text>
    </Box>
  );
}
