import React from 'react';
import {Box, Text} from 'ink';
import {Paragraph} from './Paragraph.js';

interface Props {
  /** Absent on screens outside the numbered planning steps (the first screen, the check). */
  step?: number;
  total?: number;
  title: string;
  /** What the whole wizard does, before the step (the wizard on OUT: "Updating OUT"). */
  context?: string;
  /** One or two lines that teach what this choice means. */
  lesson?: string;
  footer: string;
  children: React.ReactNode;
}

/** The first line of a screen (steps that size themselves to the terminal count its height). */
export const screenTitle = ({step, total, title, context}: Pick<Props, 'step' | 'total' | 'title' | 'context'>) =>
  `kubepki · ${context ? `${context} · ` : ''}${step === undefined ? '' : `${step}/${total} · `}${title}`;

export function Screen({step, total, title, context, lesson, footer, children}: Props) {
  return (
    <Box flexDirection="column">
      <Text bold>{screenTitle({step, total, title, context})}</Text>
      {lesson ? <Paragraph dimColor text={lesson} /> : null}
      <Box marginTop={1} flexDirection="column">{children}</Box>
      <Box marginTop={1}><Paragraph dimColor text={footer} /></Box>
    </Box>
  );
}
