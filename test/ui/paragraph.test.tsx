import React from 'react';
import {describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {Box} from 'ink';
import {Paragraph} from '../../source/ui/Paragraph.js';
import {Form} from '../../source/ui/Form.js';
import {Screen} from '../../source/ui/Screen.js';

describe('wrapped text', () => {
  it('a paragraph never starts a line with a space, whatever the width', () => {
    const text = 'Everything outside the cluster reaches the apiserver through this endpoint, so it goes into the apiserver certificate as a SAN.';
    for (let width = 12; width <= 60; width++) {
      const {lastFrame, unmount} = render(<Box width={width}><Paragraph text={text} /></Box>);
      const lines = lastFrame()!.split('\n');
      expect(lines.every(l => !l.startsWith(' ') && l.length <= width), `width ${width}:\n${lastFrame()}`).toBe(true);
      expect(lines.map(l => l.trim()).join(' ')).toBe(text);
      unmount();
    }
  });

  it('a form hint and a screen lesson wrap under their own start, with no stray indent', () => {
    const hint = 'hours, days or years: 87600h, 3650d, 10y; a CA usually lives ten years and its leaves one';
    const {lastFrame, unmount} = render(
      <Box width={50}>
        <Screen title="t" lesson="A CA signs certificates; whoever trusts it accepts them. Separate CAs for etcd and the front proxy." footer="f">
          <Form fields={[{kind: 'text', key: 'v', label: 'CA validity', value: '87600h', hint}]} errors={{v: 'a message long enough that it has to wrap on a narrow screen'}} onChange={() => {}} onSubmit={() => {}} onBack={() => {}} />
        </Screen>
      </Box>,
    );
    const lines = lastFrame()!.split('\n');
    const indent = '› CA validity  '.length;
    const hintLines = lines.slice(lines.findIndex(l => l.includes('hours, days')), lines.findIndex(l => l.includes('✗')));
    expect(hintLines.length).toBeGreaterThan(1);
    for (const l of hintLines) expect(l).toMatch(new RegExp(`^ {${indent}}\\S`));
    const errorLines = lines.slice(lines.findIndex(l => l.includes('✗')), lines.findIndex(l => l.trim() === 'f') - 1).filter(l => l.trim());
    expect(errorLines.length).toBeGreaterThan(1);
    expect(errorLines[0]).toMatch(new RegExp(`^ {${indent}}✗ a message`));
    for (const l of errorLines.slice(1)) expect(l).toMatch(new RegExp(`^ {${indent + 2}}\\S`));
    const lesson = lines.slice(1, lines.findIndex(l => l.trim() === ''));
    expect(lesson.length).toBeGreaterThan(1);
    for (const l of lesson) expect(l).toMatch(/^\S/);
    unmount();
  });
});
