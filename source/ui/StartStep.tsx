import React from 'react';
import {Box} from 'ink';
import SelectInput from 'ink-select-input';
import {START_CHOICES, type StartChoice} from '../interview/check.js';

export function StartStep({onChoose}: {onChoose: (choice: StartChoice) => void}) {
  return (
    <Box flexDirection="column">
      <SelectInput items={START_CHOICES.map(c => ({key: c.value, label: c.label, value: c.value}))} onSelect={item => onChoose(item.value)} />
    </Box>
  );
}
