import React, {useRef, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {actionsOf, editText} from './keys.js';
import {Paragraph} from './Paragraph.js';

export type Field =
  | {kind: 'text'; key: string; label: string; value: string; hint?: string; errorKey?: string}
  | {kind: 'choice'; key: string; label: string; value: string; options: readonly string[]; hint?: string; errorKey?: string};

interface Props {
  fields: Field[];
  errors: Record<string, string>;
  onChange: (key: string, value: string) => void;
  onSubmit: () => void;
  onBack: () => void;
  isActive?: boolean;
  /** Shown under the focused field: e.g. the computed service IP. */
  live?: Record<string, string>;
}

/**
 * A column of fields. Typing edits the focused one (←/→ Home/End move the cursor, Backspace,
 * Ctrl+U clears to the start, Ctrl+W deletes a word); ↑/↓ or Tab move; ←/→ change a choice; Enter
 * moves on and, on the last field, submits; Esc goes back. Every key of a burst is applied in order.
 */
export function Form({fields, errors, onChange, onSubmit, onBack, isActive = true, live = {}}: Props) {
  const [focus, setFocus] = useState(0);
  const [cursors, setCursors] = useState<Record<string, number>>({});
  // The latest values, focus and cursors: several keys of one burst are handled before React
  // renders again, so each must see what the previous one did.
  const now = useRef({focus, cursors, values: {} as Record<string, string>});
  now.current.values = Object.fromEntries(fields.map(f => [f.key, f.value]));
  now.current.focus = focus;
  now.current.cursors = cursors;

  useInput((input, key) => {
    for (const action of actionsOf(input, key)) {
      const s = now.current;
      const field = fields[Math.min(s.focus, fields.length - 1)]!;
      const value = s.values[field.key] ?? '';
      const move = (to: number) => { s.focus = to; setFocus(to); };
      const set = (v: string) => { s.values[field.key] = v; onChange(field.key, v); };
      if (action.kind === 'escape') return onBack();
      if (action.kind === 'up' || action.kind === 'backTab') { move(Math.max(0, s.focus - 1)); continue; }
      if (action.kind === 'down' || action.kind === 'tab') { move(Math.min(fields.length - 1, s.focus + 1)); continue; }
      if (action.kind === 'return') {
        if (s.focus >= fields.length - 1) return onSubmit();
        move(s.focus + 1);
        continue;
      }
      if (field.kind === 'choice') {
        const i = field.options.indexOf(value);
        if (action.kind === 'left') set(field.options[(i - 1 + field.options.length) % field.options.length]!);
        if (action.kind === 'right' || (action.kind === 'text' && action.text === ' ')) set(field.options[(i + 1) % field.options.length]!);
        continue;
      }
      const edited = editText({value, cursor: s.cursors[field.key] ?? value.length}, action);
      if (!edited) continue;
      s.cursors = {...s.cursors, [field.key]: edited.cursor};
      setCursors(s.cursors);
      if (edited.value !== value) set(edited.value);
    }
  }, {isActive});

  const width = Math.max(...fields.map(f => f.label.length));
  return (
    <Box flexDirection="column">
      {fields.map((f, i) => {
        const focused = i === focus;
        const error = errors[f.errorKey ?? f.key];
        return (
          <Box key={f.key} flexDirection="column">
            <Box>
              <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}{f.label.padEnd(width)}  </Text>
              {f.kind === 'choice' ? (
                <Text>{f.options.map(o => (o === f.value ? `[${o}]` : ` ${o} `)).join(' ')}</Text>
              ) : (
                <TextValue value={f.value} cursor={focused ? cursors[f.key] ?? f.value.length : undefined} />
              )}
            </Box>
            {focused && f.hint ? <Box paddingLeft={width + 4}><Paragraph dimColor text={f.hint} /></Box> : null}
            {focused && live[f.key] ? <Box paddingLeft={width + 4}><Paragraph color="green" text={live[f.key]!} /></Box> : null}
            {error ? <Box paddingLeft={width + 4}><Text color="red">✗ </Text><Paragraph color="red" text={error} /></Box> : null}
          </Box>
        );
      })}
    </Box>
  );
}

/** A text value with its cursor (inverse video) when focused. */
export function TextValue({value, cursor}: {value: string; cursor?: number}) {
  if (cursor === undefined) return <Text>{value}</Text>;
  const at = Math.max(0, Math.min(cursor, value.length));
  return <Text>{value.slice(0, at)}<Text inverse>{value[at] ?? ' '}</Text>{value.slice(at + 1)}</Text>;
}
