import React from 'react';
import {Box, Text} from 'ink';
import {Paragraph} from './Paragraph.js';

interface Props {
  /** Absent on screens outside the numbered planning steps (the first screen, the check). */
  step?: number;
  total?: number;
  title: string;
  /** One or two lines that teach what this choice means. */
  lesson?: string;
  footer: string;
  children: React.ReactNode;
}

export function Screen({step, total, title, lesson, footer, children}: Props) {
  return (
    <Box flexDirection="column">
      <Text bold>kubepki · {step === undefined ? '' : `${step}/${total} · `}{title}</Text>
      {lesson ? <Paragraph dimColor text={lesson} /> : null}
      <Box marginTop={1} flexDirection="column">{children}</Box>
      <Box marginTop={1}><Paragraph dimColor text={footer} /></Box>
    </Box>
  );
}
