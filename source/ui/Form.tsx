import React, {useState} from 'react';
import {Box, Text, useInput} from 'ink';

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
 * A column of fields. Typing edits the focused one; ↑/↓ or Tab move; ←/→ change a choice; Enter
 * moves on and, on the last field, submits; Esc goes back.
 */
export function Form({fields, errors, onChange, onSubmit, onBack, isActive = true, live = {}}: Props) {
  const [focus, setFocus] = useState(0);
  const field = fields[Math.min(focus, fields.length - 1)]!;

  useInput((input, key) => {
    if (key.escape) return onBack();
    if (key.upArrow || (key.tab && key.shift)) return setFocus(f => Math.max(0, f - 1));
    if (key.downArrow || key.tab) return setFocus(f => Math.min(fields.length - 1, f + 1));
    if (key.return) {
      if (focus >= fields.length - 1) return onSubmit();
      return setFocus(f => f + 1);
    }
    if (field.kind === 'choice') {
      const i = field.options.indexOf(field.value);
      if (key.leftArrow) onChange(field.key, field.options[(i - 1 + field.options.length) % field.options.length]!);
      if (key.rightArrow || input === ' ') onChange(field.key, field.options[(i + 1) % field.options.length]!);
      return;
    }
    // Ink 6 reports the Backspace key as `delete`.
    if (key.backspace || key.delete) return onChange(field.key, field.value.slice(0, -1));
    if (key.ctrl || key.meta || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return;
    if (input) onChange(field.key, field.value + input);
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
                <Text>{f.value}{focused ? <Text inverse> </Text> : ''}</Text>
              )}
            </Box>
            {focused && f.hint ? <Text dimColor>{' '.repeat(width + 4)}{f.hint}</Text> : null}
            {focused && live[f.key] ? <Text color="green">{' '.repeat(width + 4)}{live[f.key]}</Text> : null}
            {error ? <Text color="red">{' '.repeat(width + 4)}✗ {error}</Text> : null}
          </Box>
        );
      })}
    </Box>
  );
}
