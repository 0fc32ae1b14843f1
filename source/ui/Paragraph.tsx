import React from 'react';
import {Box, Text, type TextProps} from 'ink';

/**
 * Text that wraps between words. Ink's own wrap keeps the space where a line breaks and starts the
 * next line with it (a stray indent); here each word is laid out on its own, gaps only between
 * words on one line. A word wider than the line still wraps inside itself.
 */
export function Paragraph({text, ...style}: {text: string} & Omit<TextProps, 'children' | 'wrap'>) {
  return (
    <Box flexDirection="column">
      {text.split('\n').map((line, l) => (
        <Box key={l} flexWrap="wrap" columnGap={1}>
          {line.split(' ').filter(Boolean).map((word, i) => <Text key={i} {...style}>{word}</Text>)}
        </Box>
      ))}
    </Box>
  );
}
