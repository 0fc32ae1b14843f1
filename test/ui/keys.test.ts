import {describe, expect, it} from 'vitest';
import {actionsOf, editText, type TextState} from '../../source/ui/keys.js';

/** Applies one raw input event (as Ink delivers it, with no key flags) to a value. */
function typed(start: TextState, input: string, flags = {}): TextState {
  let state = start;
  for (const action of actionsOf(input, flags)) state = editText(state, action) ?? state;
  return state;
}
const at = (value: string): TextState => ({value, cursor: value.length});

describe('text input keys', () => {
  it('applies every key of a burst in order and lets no control character in', () => {
    expect(typed(at('out'), 'XYZ\u007F\u007F\u007F')).toEqual(at('out'));
    expect(typed(at('out'), '\u007F\u007F\u007F\u007F\u007F')).toEqual(at(''));
    expect(typed(at(''), 'ab\u0008c\u0000\u001Bd\u009B')).toEqual(at('acd'));
    expect(actionsOf('ab\rc', {})).toEqual([{kind: 'text', text: 'ab'}, {kind: 'return'}, {kind: 'text', text: 'c'}]);
  });

  it('Ctrl+U clears to the start, Ctrl+W deletes a word, Home/End and arrows move the cursor', () => {
    expect(typed(at('10.0.0.1'), 'u', {ctrl: true})).toEqual(at(''));
    expect(typed(at('10.0.0.1'), '\u0015')).toEqual(at(''));
    expect(typed(at('ip-10-0-0-2.ec2'), 'w', {ctrl: true})).toEqual(at('ip-10-0-0-2.'));
    expect(typed(at('ip-10-0-0-2.'), '\u0017')).toEqual(at('ip-10-0-0-'));
    const home = typed(at('node1'), '', {home: true});
    expect(home).toEqual({value: 'node1', cursor: 0});
    expect(typed(home, 'x')).toEqual({value: 'xnode1', cursor: 1});
    expect(typed({value: 'node1', cursor: 0}, '', {end: true})).toEqual(at('node1'));
    expect(typed(at('node1'), '', {leftArrow: true})).toEqual({value: 'node1', cursor: 4});
    expect(typed({value: 'node1', cursor: 4}, '\u007F')).toEqual({value: 'nod1', cursor: 3});
    expect(typed(at('abc'), '', {backspace: true, meta: true})).toEqual(at(''));
    expect(typed(at('abc'), 'x', {ctrl: true})).toEqual(at('abc'));
  });
});
