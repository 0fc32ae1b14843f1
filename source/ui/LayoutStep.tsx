import React, {useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {Menu} from './Menu.js';
import {LAYOUT_CHOICES, chooseLayout, layoutChoiceLabel, layoutChoiceOf} from '../interview/choices.js';
import {layoutExample} from '../plan/layouts.js';
import {useTerminalSize} from './use-terminal-size.js';
import type {StepProps} from './steps.js';
import {Paragraph} from './Paragraph.js';

/** kubeadm in its shared-CA or external-CA flow, or The Hard Way; the highlighted one explained. */
export function LayoutStep({state, edit, next, back}: StepProps) {
  const initial = layoutChoiceOf(state.draft);
  const [highlighted, setHighlighted] = useState(initial.value);
  useInput((_input, key) => { if (key.escape) back(); });
  const explained = LAYOUT_CHOICES.find(c => c.value === highlighted)!;
  // One line per row (the pointer and its space take two columns): in a narrow terminal the example
  // path leaves the rows and is said under them, for the highlighted choice.
  const {columns} = useTerminalSize();
  const labels = LAYOUT_CHOICES.map(c => layoutChoiceLabel(c, columns - 3));
  const short = labels.some((label, i) => label === LAYOUT_CHOICES[i]!.label);
  return (
    <Box flexDirection="column">
      <Menu
        items={LAYOUT_CHOICES.map((c, i) => ({key: c.value, label: labels[i]!, value: c.value}))}
        initialIndex={LAYOUT_CHOICES.indexOf(initial)}
        onHighlight={item => setHighlighted(item.value)}
        onSelect={item => { edit(chooseLayout(state.draft, LAYOUT_CHOICES.find(c => c.value === item.value)!)); next(); }}
      />
      <Box marginTop={1}><Paragraph text={`${short ? `Files such as ${layoutExample(explained.layout)}. ` : ''}${explained.explanation}`} /></Box>
    </Box>
  );
}
