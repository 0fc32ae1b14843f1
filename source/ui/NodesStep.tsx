import React, {useRef, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {ROLES, type Role} from '../spec/types.js';
import {nodeErrors as errorsOfNode} from '../interview/checks.js';
import type {DraftNode} from '../interview/draft.js';
import type {StepProps} from './steps.js';
import {TextValue} from './Form.js';
import {actionsOf, editText} from './keys.js';


/** Rows shown at once: a 500-node list stays responsive and fits 24 lines. */
const WINDOW = 8;

export function NodesStep({state, edit, next, back}: StepProps) {
  const nodes = state.draft.nodes;
  // Start on "continue": pressing Enter through the wizard keeps the nodes as they are.
  const [cursor, setCursor] = useState(nodes.length);
  const [editing, setEditing] = useState<{index: number; node: DraftNode} | undefined>();
  // The nodes `d` removed, last on top: each `u` puts the last one back where it was, so every
  // deletion can be undone in turn (until another change: an edit or an added node).
  const [removed, setRemoved] = useState<{index: number; node: DraftNode}[]>([]);
  const lastRemoved = removed.at(-1);
  const rows = nodes.length + 1; // the last row is "continue"

  useInput((input, key) => {
    if (key.escape) return back();
    if (key.upArrow) return setCursor(c => Math.max(0, c - 1));
    if (key.downArrow) return setCursor(c => Math.min(rows - 1, c + 1));
    if (key.pageUp) return setCursor(c => Math.max(0, c - WINDOW));
    if (key.pageDown) return setCursor(c => Math.min(rows - 1, c + WINDOW));
    if (key.home) return setCursor(0);
    if (key.end) return setCursor(rows - 1);
    if (input === 'u' && lastRemoved) {
      const list = [...nodes];
      list.splice(lastRemoved.index, 0, lastRemoved.node);
      edit({nodes: list});
      setRemoved(removed.slice(0, -1));
      return setCursor(lastRemoved.index);
    }
    if (input === 'a') {
      const n = nodes.length + 1;
      return setEditing({index: nodes.length, node: {name: `node${n}`, ip: '', roles: ['worker']}});
    }
    if (input === 'd' && cursor < nodes.length) {
      setRemoved([...removed, {index: cursor, node: nodes[cursor]!}]);
      edit({nodes: nodes.filter((_, i) => i !== cursor)});
      return setCursor(c => Math.min(c, nodes.length - 1));
    }
    if ((key.return || input === 'e') && cursor < nodes.length) return setEditing({index: cursor, node: {...nodes[cursor]!}});
    if (key.return && cursor === nodes.length) return next();
  }, {isActive: !editing});

  if (editing) {
    return (
      <NodeEditor
        title={editing.index < nodes.length ? `Edit ${nodes[editing.index]!.name}` : 'Add a node'}
        initial={editing.node}
        validate={node => {
          const prefix = `nodes[${editing.index}].`;
          return Object.fromEntries(Object.entries(errorsOfNode(state.draft, editing.index, node))
            .filter(([path]) => path.startsWith(prefix))
            .map(([path, message]) => [path.slice(prefix.length).replace(/\[\d+\]$/, ''), message]));
        }}
        onSave={node => {
          const list = [...nodes];
          list[editing.index] = node;
          edit({nodes: list});
          setRemoved([]);
          setCursor(editing.index);
          setEditing(undefined);
        }}
        onCancel={() => setEditing(undefined)}
      />
    );
  }

  const start = Math.max(0, Math.min(cursor - Math.floor(WINDOW / 2), rows - WINDOW));
  const visible = nodes.map((n, i) => ({n, i})).slice(start, start + WINDOW);
  const nodeErrors = Object.entries(state.errors);
  // Columns as wide as the longest name and address (DNS-subdomain names, IPv6), so rows align.
  const nameWidth = Math.max(16, ...nodes.map(n => n.name.length));
  const ipWidth = Math.max(16, ...nodes.map(n => n.ip.length));
  return (
    <Box flexDirection="column">
      {start > 0 ? <Text dimColor>  ↑ {start} more</Text> : null}
      {visible.map(({n, i}) => (
        <Text key={i} inverse={i === cursor}>
          {i === cursor ? '› ' : '  '}{n.name.padEnd(nameWidth)} {n.ip.padEnd(ipWidth)} {n.roles.join(', ')}
        </Text>
      ))}
      {start + WINDOW < nodes.length ? <Text dimColor>  ↓ {nodes.length - start - WINDOW} more</Text> : null}
      <Text inverse={cursor === nodes.length} color="green">{cursor === nodes.length ? '› ' : '  '}Continue with {nodes.length} node{nodes.length === 1 ? '' : 's'} →</Text>
      {lastRemoved ? <Text color="yellow">Removed {lastRemoved.node.name} ({lastRemoved.node.ip}){removed.length > 1 ? ` and ${removed.length - 1} more` : ''} · u: undo</Text> : null}
      {nodeErrors.map(([path, message]) => <Text key={path} color="red">✗ {path}: {message}</Text>)}
    </Box>
  );
}

interface EditorProps {
  title: string;
  initial: DraftNode;
  validate: (node: DraftNode) => Record<string, string>;
  onSave: (node: DraftNode) => void;
  onCancel: () => void;
}

function NodeEditor({title, initial, validate, onSave, onCancel}: EditorProps) {
  const [node, setNode] = useState(initial);
  const [focus, setFocus] = useState(0);
  const [cursors, setCursors] = useState({name: initial.name.length, ip: initial.ip.length});
  const [roleCursor, setRoleCursor] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // The latest state for the keys of one burst, handled before React renders again.
  const now = useRef({node, focus, cursors});
  now.current = {node, focus, cursors};

  useInput((input, key) => {
    for (const action of actionsOf(input, key)) {
      const s = now.current;
      if (action.kind === 'escape') return onCancel();
      if (action.kind === 'up' || action.kind === 'backTab') { setFocus(s.focus = Math.max(0, s.focus - 1)); continue; }
      if (action.kind === 'down' || action.kind === 'tab') { setFocus(s.focus = Math.min(2, s.focus + 1)); continue; }
      if (action.kind === 'return') {
        if (s.focus < 2) { setFocus(s.focus += 1); continue; }
        const found = validate(s.node);
        if (Object.keys(found).length > 0) return setErrors(found);
        return onSave(s.node);
      }
      if (s.focus === 2) {
        if (action.kind === 'left') setRoleCursor(r => (r + ROLES.length - 1) % ROLES.length);
        if (action.kind === 'right') setRoleCursor(r => (r + 1) % ROLES.length);
        if (action.kind === 'text' && action.text === ' ') {
          const role: Role = ROLES[roleCursor]!;
          setErrors({});
          const roles = s.node.roles.includes(role) ? s.node.roles.filter(r => r !== role) : ROLES.filter(r => r === role || s.node.roles.includes(r));
          setNode(s.node = {...s.node, roles});
        }
        continue;
      }
      const field = (['name', 'ip'] as const)[s.focus]!;
      const edited = editText({value: s.node[field], cursor: s.cursors[field]}, action);
      if (!edited) continue;
      setCursors(s.cursors = {...s.cursors, [field]: edited.cursor});
      if (edited.value !== s.node[field]) { setErrors({}); setNode(s.node = {...s.node, [field]: edited.value}); }
    }
  });

  const line = (i: number, label: string, value: React.ReactNode, error?: string) => (
    <Box flexDirection="column">
      <Text color={focus === i ? 'cyan' : undefined}>{focus === i ? '› ' : '  '}{label.padEnd(6)} {value}</Text>
      {error ? <Text color="red">         ✗ {error}</Text> : null}
    </Box>
  );
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      {line(0, 'name', <TextValue value={node.name} cursor={focus === 0 ? cursors.name : undefined} />, errors.name)}
      {line(1, 'IP', <TextValue value={node.ip} cursor={focus === 1 ? cursors.ip : undefined} />, errors.ip)}
      {line(2, 'roles', <Text>{ROLES.map((r, i) => (
        <Text key={r} inverse={focus === 2 && i === roleCursor}>{focus === 2 && i === roleCursor ? '›' : ' '}{node.roles.includes(r) ? '[x]' : '[ ]'} {r} </Text>
      ))}</Text>, errors.roles)}
      <Text dimColor>Enter: next field / save · ←/→ and Space: toggle a role · Esc: cancel</Text>
    </Box>
  );
}
