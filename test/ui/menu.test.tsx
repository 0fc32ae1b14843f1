// The wizard's menus (ui/Menu.tsx): every key of a burst applied. ink-select-input alone reads
// its index from the last render, so ↓↓⏎ in one chunk moved once and selected the first item.
import React from 'react';
import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {Menu} from '../../source/ui/Menu.js';
import {KEY, settle, waitForFrame} from '../helpers/ink.js';

const letters = (n: number) => Array.from({length: n}, (_, i) => String.fromCharCode(97 + i));

function menu(values: string[], limit?: number, initialIndex?: number) {
  const chosen: string[] = [];
  const highlighted: string[] = [];
  const ui = render(<Menu items={values.map(v => ({key: v, label: `item ${v}`, value: v}))} limit={limit} initialIndex={initialIndex}
    onHighlight={i => highlighted.push(i.value)} onSelect={i => chosen.push(i.value)} />);
  return {ui, chosen, highlighted};
}

const selectedLine = (frame: string) => frame.split('\n').find(l => l.includes('❯'))?.trim();
async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 5));
  }
}

describe('Menu', () => {
  it('↓↓⏎ in one burst selects the third item, and shows it', async () => {
    const {ui, chosen, highlighted} = menu(letters(4));
    await settle(ui, 'item a');
    ui.stdin.write(`${KEY.down}${KEY.down}${KEY.enter}`);
    await until(() => chosen.length > 0, 'a selection');
    expect(chosen).toEqual(['c']);
    expect(highlighted).toEqual(['b', 'c']);
    expect(selectedLine(await waitForFrame(ui, f => selectedLine(f) === '❯ item c', 'c highlighted'))).toBe('❯ item c');
    ui.unmount();
  });

  it('with a limit, the window follows a burst and wraps around; digits pick a visible row', async () => {
    const {ui, chosen} = menu(letters(10), 3);
    await settle(ui, 'item a');
    ui.stdin.write(KEY.down.repeat(5));
    let frame = await waitForFrame(ui, f => selectedLine(f) === '❯ item f', 'f highlighted');
    expect(frame.split('\n').map(l => l.trim())).toEqual(['item d', 'item e', '❯ item f']);
    ui.stdin.write(`${KEY.up}${KEY.up}${KEY.up}${KEY.up}`);
    frame = await waitForFrame(ui, f => selectedLine(f) === '❯ item b', 'b highlighted');
    expect(frame.split('\n').map(l => l.trim())).toEqual(['❯ item b', 'item c', 'item d']);
    ui.stdin.write(`${KEY.up}${KEY.up}`); // past the first: the last
    frame = await waitForFrame(ui, f => selectedLine(f) === '❯ item j', 'j highlighted');
    expect(frame.split('\n').map(l => l.trim())).toEqual(['item h', 'item i', '❯ item j']);
    ui.stdin.write('2');
    await until(() => chosen.length > 0, 'a selection');
    expect(chosen).toEqual(['i']);
    ui.unmount();
  });

  it('starts at initialIndex, in view (the window scrolled just enough)', async () => {
    const {ui, chosen} = menu(letters(6), 2, 4);
    const frame = await settle(ui, 'item e');
    expect(frame.split('\n').map(l => l.trim())).toEqual(['item d', '❯ item e']);
    ui.stdin.write(KEY.enter);
    await until(() => chosen.length > 0, 'a selection');
    expect(chosen).toEqual(['e']);
    ui.unmount();
  });
});
