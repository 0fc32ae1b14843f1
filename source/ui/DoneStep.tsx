import React from 'react';
import {Box, Text, useInput, useStdout} from 'ink';
import type {BuildReport} from '../build/index.js';
import {checkCommand, opensslChecks, type Check} from '../scripts/checks.js';
import {distributionCommands} from '../scripts/distribute-script.js';

/** The most telling check of a group: a SAN check if there is one (it teaches -verify_ip), else a purpose check. */
function exampleCheck(checks: Check[]): Check {
  const verify = checks.filter((c): c is Extract<Check, {kind: 'verify'}> => c.kind === 'verify' && c.argv.includes('-purpose'));
  return verify.find(c => c.argv.includes('-verify_ip')) ?? verify.sort((a, b) => checkCommand(a).length - checkCommand(b).length)[0] ?? checks[0]!;
}

export function DoneStep({result, onExit}: {result: BuildReport; onExit: () => void}) {
  const {stdout} = useStdout();
  const height = stdout?.rows ?? 24;
  useInput((input, key) => { if (key.return || key.escape || input === 'q') onExit(); });
  const groups = opensslChecks(result.plan);
  const total = groups.reduce((n, g) => n + g.checks.length, 0);
  // The shortest scp line of each node: a whole command fits on a line or two.
  const ships = distributionCommands(result.plan).map(d => ({node: d.node, scp: d.lines.filter(l => l.startsWith('scp')).sort((a, b) => a.length - b.length)[0] ?? d.lines[0]!, count: d.lines.length}));
  // What is left of the screen after the fixed lines, at most two lines per node.
  const room = Math.max(1, Math.floor((height - 16) / 2));
  return (
    <Box flexDirection="column">
      <Text color="green">✓ Wrote {result.plan.certificates.length + result.plan.authorities.length} certificates and {result.plan.kubeconfigs.length} kubeconfigs to</Text>
      <Text>  {result.out}</Text>
      <Text bold>Verify, from that directory ({total} checks in all: bash verify.sh):</Text>
      {groups.map(g => <Text key={g.title} wrap="wrap">  {checkCommand(exampleCheck(g.checks))}</Text>)}
      <Text bold>Ship to the nodes (every command: bash distribute.sh [NODE...]):</Text>
      {ships.slice(0, room).map(s => <Text key={s.node} wrap="wrap">  {s.scp}</Text>)}
      {ships.length > room ? <Text dimColor>  … and {ships.length - room} more nodes</Text> : null}
      <Text>Saved verify.sh, distribute.sh and your answers in cluster.yaml.</Text>
    </Box>
  );
}
