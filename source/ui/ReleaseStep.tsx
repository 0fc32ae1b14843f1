import React, {useMemo, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {Menu} from './Menu.js';
import {releaseChoices, releaseNote} from '../interview/choices.js';
import {releaseLesson} from '../interview/lessons.js';
import {wrapText} from '../text/wrap.js';
import {useTerminalSize} from './use-terminal-size.js';
import type {StepProps} from './steps.js';
import {Paragraph} from './Paragraph.js';

/** The target Kubernetes release: the known ones, each with what it gives the files. */
export function ReleaseStep({state, edit, next, back}: StepProps) {
  const {columns, rows} = useTerminalSize();
  const choices = useMemo(() => releaseChoices(state.draft), [state.draft.layout, state.draft.kubernetesVersion]);
  const initial = Math.max(0, choices.findIndex(c => c.version === state.draft.kubernetesVersion));
  const [highlighted, setHighlighted] = useState(initial);
  useInput((_input, key) => { if (key.escape) back(); });
  const note = releaseNote(state.draft);
  // Room for the title, lesson, facts, note and footer (and a spare line, or Ink redraws the whole
  // screen): a window of the list on a short terminal.
  const facts = Math.max(...choices.map(c => c.facts.length));
  const around = 1 + wrapText(releaseLesson, columns).length + 1 + 1 + 1 + facts + (note ? wrapText(note, columns).length + 1 : 0) + 1 + 1 + 1;
  const limit = Math.max(3, Math.min(choices.length, rows - around));
  return (
    <Box flexDirection="column">
      <Menu
        items={choices.map((c, i) => ({key: c.version, label: c.label, value: i}))}
        initialIndex={initial}
        limit={limit}
        onHighlight={item => setHighlighted(item.value)}
        onSelect={item => { edit({kubernetesVersion: choices[item.value]!.version}); next(); }}
      />
      <Box marginTop={1} flexDirection="column">
        <Text bold>With {choices[highlighted]!.version}:</Text>
        {choices[highlighted]!.facts.map(f => <Box key={f} paddingLeft={2}><Paragraph text={f} /></Box>)}
      </Box>
      {note ? <Box marginTop={1}><Paragraph text={note} /></Box> : null}
    </Box>
  );
}
