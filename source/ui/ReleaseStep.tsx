import React, {useMemo, useState} from 'react';
import {Box, Text, useInput, useStdout} from 'ink';
import SelectInput from 'ink-select-input';
import {releaseChoices} from '../interview/choices.js';
import type {StepProps} from './steps.js';
import {Paragraph} from './Paragraph.js';

/** The target Kubernetes release: the known ones, each with what it gives the files. */
export function ReleaseStep({state, edit, next, back}: StepProps) {
  const {stdout} = useStdout();
  const choices = useMemo(() => releaseChoices(state.draft), [state.draft.layout, state.draft.kubernetesVersion]);
  const initial = Math.max(0, choices.findIndex(c => c.version === state.draft.kubernetesVersion));
  const [highlighted, setHighlighted] = useState(initial);
  useInput((_input, key) => { if (key.escape) back(); });
  // Room for the header, lesson, facts and footer: a window of the list on a short terminal.
  const limit = Math.max(3, Math.min(choices.length, (stdout?.rows ?? 24) - 14));
  return (
    <Box flexDirection="column">
      <SelectInput
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
    </Box>
  );
}
