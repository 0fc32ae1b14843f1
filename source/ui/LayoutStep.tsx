import React from 'react';
import {Box, Text, useInput} from 'ink';
import SelectInput from 'ink-select-input';
import {layoutExample} from '../plan/layouts.js';
import {LAYOUTS} from '../spec/types.js';
import type {StepProps} from './steps.js';


export function LayoutStep({state, edit, next, back}: StepProps) {
  useInput((_input, key) => { if (key.escape) back(); });
  return (
    <Box flexDirection="column">
      <SelectInput
        items={LAYOUTS.map(l => ({key: l, label: `${l.padEnd(9)} e.g. ${layoutExample(l)}`, value: l}))}
        initialIndex={LAYOUTS.indexOf(state.draft.layout)}
        onSelect={item => { edit({layout: item.value}); next(); }}
      />
    </Box>
  );
}
