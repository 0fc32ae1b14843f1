import React from 'react';
import {Box, Text, useInput} from 'ink';
import type {BuildReport} from '../build/index.js';
import {checkCommand, clusterChecks} from '../scripts/checks.js';
import {verifyScriptChecks} from '../scripts/verify-script.js';
import {shellQuote} from '../scripts/shell.js';
import {wrapCommand} from '../text/wrap.js';
import {useTerminalSize} from './use-terminal-size.js';

/**
 * What was written, the checks that matter for this cluster, and one complete shipping
 * sequence: every line a command that runs as shown (from OUT), short enough for 60×20.
 */
export function DoneStep({result, onExit, onAddUser}: {result: BuildReport; onExit: () => void; onAddUser?: () => void}) {
  useInput((input, key) => {
    if (key.return || key.escape || input === 'q') onExit();
    if (input === 'u') onAddUser?.();
  });
  const plan = result.plan;
  // verify.sh's own count (it prints the same number when it passes).
  const {total} = verifyScriptChecks(plan);
  const user = plan.spec.ssh.user;
  // Long commands break with ` \` so that what is copied from the screen runs as one command.
  const {columns} = useTerminalSize();
  return (
    <Box flexDirection="column">
      <Text color="green">✓ Wrote {plan.certificates.length + plan.authorities.length} certificates and {plan.kubeconfigs.length} kubeconfigs to</Text>
      <Text>  {result.out}</Text>
      <Text bold>Check them (all {total} checks: bash verify.sh):</Text>
      <Text>  cd {shellQuote(result.out)}</Text>
      {clusterChecks(plan).map(({label, check}) => (
        <Box key={label} flexDirection="column">
          <Text dimColor>  # {label}</Text>
          {wrapCommand(checkCommand(check), columns - 2).map((line, i) => <Text key={i}>  {line}</Text>)}
        </Box>
      ))}
      <Text bold>Ship them to the {plan.nodes.length} nodes as {user} (ssh):</Text>
      <Text>  bash distribute.sh --dry-run   <Text dimColor># every command, nothing copied</Text></Text>
      <Text>  bash distribute.sh             <Text dimColor># then copy for real</Text></Text>
      {result.kubeadmSteps.length > 0 && <>
        <Text bold>Then kubeadm, node by node ({plan.kubeadm!.flow} flow):</Text>
        <Text>  bash kubeadm-steps.sh           <Text dimColor># each node's commands, in order</Text></Text>
      </>}
      {plan.components.length > 0 && <>
        <Text bold>Then start them, as The Hard Way does:</Text>
        <Text>  systemctl on each node, then the RBAC <Text dimColor># printed when you quit</Text></Text>
      </>}
      <Text>Saved {result.kubeadmSteps.length > 0 ? 'verify.sh, distribute.sh, kubeadm-steps.sh' : 'verify.sh, distribute.sh'} and your answers in cluster.yaml.</Text>
    </Box>
  );
}
