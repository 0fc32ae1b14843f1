import React from 'react';
import {Box, Text, useInput, useStdout} from 'ink';
import type {WriteResult} from '../commands/generate.js';
import {checkCommand, opensslChecks} from '../scripts/checks.js';
import {distributionCommands} from '../scripts/distribute-script.js';
import {truncate} from '../text/table.js';

export function DoneStep({result, onExit}: {result: WriteResult; onExit: () => void}) {
  const {stdout} = useStdout();
  const width = Math.max(40, (stdout?.columns ?? 80) - 1);
  const height = stdout?.rows ?? 24;
  useInput((input, key) => { if (key.return || key.escape || input === 'q') onExit(); });
  const groups = opensslChecks(result.plan);
  const ships = distributionCommands(result.plan);
  const nodeLines = Math.max(1, height - 12 - groups.length);
  const line = (text: string) => truncate(text, width);
  return (
    <Box flexDirection="column">
      <Text color="green">{line(`✓ Wrote ${result.plan.certificates.length + result.plan.authorities.length} certificates and ${result.plan.kubeconfigs.length} kubeconfigs to ${result.out}`)}</Text>
      <Text bold>{line(`Verify with openssl (cd ${result.out}; all checks: bash verify.sh):`)}</Text>
      {groups.map(g => {
        const example = g.checks.find(c => c.kind === 'verify' && c.argv.includes('-purpose')) ?? g.checks[0]!;
        const more = g.checks.length > 1 ? ` (+${g.checks.length - 1})` : '';
        return <Text key={g.title}>{truncate(`  ${g.authority}: ${checkCommand(example)}`, width - more.length)}<Text dimColor>{more}</Text></Text>;
      })}
      <Text bold>{line('Ship with scp (all of it: bash distribute.sh [NODE...]):')}</Text>
      {ships.slice(0, nodeLines).map(s => (
        <Text key={s.node}>{line(`  ${s.node}: ${s.lines[1] ?? s.lines[0]}`)}</Text>
      ))}
      {ships.length > nodeLines ? <Text dimColor>{`  … and ${ships.length - nodeLines} more nodes`}</Text> : null}
      <Text>{line(`Saved: verify.sh, distribute.sh, cluster.yaml (run again: kubepki --config ${result.out}/cluster.yaml)`)}</Text>
      <Text dimColor>Enter: quit and print every command</Text>
    </Box>
  );
}
