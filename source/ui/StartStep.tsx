import React from 'react';
import {Box} from 'ink';
import {Menu} from './Menu.js';
import {START_CHOICES, type StartChoice} from '../interview/check.js';

export function StartStep({onChoose}: {onChoose: (choice: StartChoice) => void}) {
  return (
    <Box flexDirection="column">
      <Menu items={START_CHOICES.map(c => ({key: c.value, label: c.label, value: c.value}))} onSelect={item => onChoose(item.value)} />
    </Box>
  );
}
