import React from 'react';
import {Box, Text, useInput} from 'ink';
import type {BuildReport} from '../build/index.js';
import {checkCommand, clusterChecks} from '../scripts/checks.js';
import {verifyScriptChecks} from '../scripts/verify-script.js';
import {shellQuote} from '../scripts/shell.js';
import {wrapCommand, wrapText} from '../text/wrap.js';
import {TRUST_MAP_FILE} from '../plan/paths.js';
import {useTerminalSize} from './use-terminal-size.js';

/** A line of the final screen; `dim` is a comment after the command, left out where it would not fit on the line. */
interface Line {
  text: string;
  bold?: boolean;
  color?: 'green';
  dimColor?: boolean;
  comment?: string;
}

/**
 * What was written, the checks that matter for this cluster, and one complete shipping
 * sequence: every line a command that runs as shown (from OUT). It fits the terminal: `title`
 * and `footer` (the screen around it) count, a comment that would wrap is left out, and the
 * cluster checks are shown as far as there is room (verify.sh runs them all; its count is said).
 */
export function DoneStep({result, onExit, onAddUser, title = '', footer = ''}: {result: BuildReport; onExit: () => void; onAddUser?: () => void; title?: string; footer?: string}) {
  useInput((input, key) => {
    if (key.return || key.escape || input === 'q') onExit();
    if (input === 'u') onAddUser?.();
  });
  const plan = result.plan;
  // verify.sh's own count (it prints the same number when it passes).
  const {total} = verifyScriptChecks(plan);
  const user = plan.spec.ssh.user;
  const {columns, rows} = useTerminalSize();
  const withComment = (text: string, comment: string): Line => ({text, comment});
  const head: Line[] = [
    {text: `✓ Wrote ${plan.certificates.length + plan.authorities.length} certificates and ${plan.kubeconfigs.length} kubeconfigs to`, color: 'green'},
    {text: `  ${result.out}`},
    {text: `Check them (all ${total} checks: bash verify.sh):`, bold: true},
    {text: `  cd ${shellQuote(result.out)}`},
  ];
  // Long commands break with ` \` so that what is copied from the screen runs as one command.
  const checks: Line[][] = clusterChecks(plan).map(({label, check}) => [
    {text: `  # ${label}`, dimColor: true},
    ...wrapCommand(checkCommand(check), columns - 2).map(line => ({text: `  ${line}`})),
  ]);
  const tail: Line[] = [
    {text: `Ship them to the ${plan.nodes.length} nodes as ${user} (ssh):`, bold: true},
    withComment('  bash distribute.sh --dry-run   ', '# every command, nothing copied'),
    withComment('  bash distribute.sh             ', '# then copy for real'),
    ...(result.kubeadmSteps.length > 0 ? [
      {text: `Then kubeadm, node by node (${plan.kubeadm!.flow} flow):`, bold: true},
      withComment('  bash kubeadm-steps.sh           ', "# each node's commands, in order"),
    ] : []),
    ...(plan.components.length > 0 ? [
      {text: 'Then start them, as The Hard Way does:', bold: true},
      withComment('  systemctl on each node, then the RBAC ', '# printed when you quit'),
    ] : []),
    {text: `Saved ${result.kubeadmSteps.length > 0 ? 'verify.sh, distribute.sh, kubeadm-steps.sh' : 'verify.sh, distribute.sh'} and your answers in cluster.yaml. The trust map, who presents what to whom: ${TRUST_MAP_FILE} (open it in a browser).`},
  ];
  // A comment stays only where its line still fits the terminal's width.
  const fit = (line: Line): Line => (line.comment && line.text.length + line.comment.length > columns - 1 ? {...line, text: line.text.trimEnd(), comment: undefined} : line);
  const height = (lines: Line[]) => lines.reduce((n, l) => n + wrapText(`${l.text}${l.comment ?? ''}`, columns).length, 0);
  const around = (title ? wrapText(title, columns).length + 1 : 0) + (footer ? wrapText(footer, columns).length + 1 : 0);
  const fixed = [...head, ...tail].map(fit);
  let room = rows - around - height(fixed);
  const shown: Line[] = [];
  for (const check of checks) {
    if (height(check) > room) break;
    shown.push(...check);
    room -= height(check);
  }
  const lines = [...head, ...shown, ...tail].map(fit);
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} bold={l.bold} color={l.color} dimColor={l.dimColor} wrap="wrap">{l.text}{l.comment ? <Text dimColor>{l.comment}</Text> : null}</Text>
      ))}
    </Box>
  );
}
