// A menu that applies every key of a burst. ink-select-input (6.2) reads its highlighted index
// from the last render: when several keys arrive in one chunk (a held arrow key, tmux, a paste),
// each sees the same index, so ↓↓⏎ moved once and selected the first item. Here the index lives
// in a ref that each key updates at once; ink-select-input draws the visible window (its
// indicator and items), remounted on each move with the index to show.
import React, {useRef, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import SelectInput from 'ink-select-input';

export interface MenuItem<V> {
  key?: string;
  label: string;
  value: V;
}

interface Props<V> {
  items: MenuItem<V>[];
  initialIndex?: number;
  /** At most this many rows; the window follows the highlighted item. */
  limit?: number;
  onHighlight?: (item: MenuItem<V>) => void;
  onSelect: (item: MenuItem<V>) => void;
}

interface Position {
  index: number;
  top: number;
}

/** The first visible row that keeps `index` in a window of `size` rows. */
function follow(index: number, top: number, size: number): number {
  if (index < top) return index;
  if (index >= top + size) return index - size + 1;
  return top;
}

/**
 * ink-select-input's pointer, kept from shrinking: a row wider than the terminal wraps under its
 * own first character (its indent kept), not under the pointer.
 */
function Pointer({isSelected = false}: {isSelected?: boolean}) {
  return <Box marginRight={1} flexShrink={0}>{isSelected ? <Text color="blue">❯</Text> : <Text> </Text>}</Box>;
}

export function Menu<V>({items, initialIndex = 0, limit, onHighlight, onSelect}: Props<V>) {
  const count = items.length;
  const size = limit !== undefined && limit < count ? Math.max(1, limit) : count;
  const start = Math.min(Math.max(0, initialIndex), count - 1);
  const position = useRef<Position>({index: start, top: follow(start, 0, size)});
  const [shown, setShown] = useState<Position>(position.current);
  // The window may shrink or grow (the terminal resized): keep the highlighted item inside it.
  const fit = ({index, top}: Position) => Math.min(follow(index, top, size), Math.max(0, count - size));
  const top = fit(shown);

  const move = (index: number) => {
    const next = {index, top: fit({index, top: position.current.top})};
    position.current = next;
    setShown(next);
    onHighlight?.(items[index]!);
  };

  useInput((input, key) => {
    if (count === 0) return;
    const {index} = position.current;
    if (key.upArrow || input === 'k') move((index - 1 + count) % count);
    else if (key.downArrow || input === 'j') move((index + 1) % count);
    else if (key.return) onSelect(items[index]!);
    else if (/^[1-9]$/.test(input)) {
      const item = items[fit(position.current) + Number(input) - 1];
      if (item && Number(input) <= size) onSelect(item);
    }
  });

  const visible = items.slice(top, top + size);
  return (
    <SelectInput
      key={`${top}:${shown.index}`}
      items={visible.map((item, i) => ({key: item.key ?? String(top + i), label: item.label, value: top + i}))}
      initialIndex={shown.index - top}
      isFocused={false}
      indicatorComponent={Pointer}
      onSelect={() => {}}
    />
  );
}
