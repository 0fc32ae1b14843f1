// One Ink input event, as the keys it stands for. Ink splits stdin only at escape sequences, so a
// burst (a held Backspace, a paste, tmux send-keys) arrives as one string such as "\x7f\x7f\x7f" or
// "ab\x7fc\r": every key in it is applied in order, and no control character ever reaches a value.

export type Action =
  | {kind: 'text'; text: string}
  | {kind: 'backspace' | 'deleteWord' | 'clearLine' | 'home' | 'end' | 'left' | 'right'
      | 'up' | 'down' | 'pageUp' | 'pageDown' | 'return' | 'tab' | 'backTab' | 'escape'};

/** The subset of Ink's Key this reads (so tests and callers need not build a whole Key). */
export interface KeyFlags {
  upArrow?: boolean; downArrow?: boolean; leftArrow?: boolean; rightArrow?: boolean;
  pageUp?: boolean; pageDown?: boolean; home?: boolean; end?: boolean;
  return?: boolean; escape?: boolean; tab?: boolean; shift?: boolean;
  backspace?: boolean; delete?: boolean; ctrl?: boolean; meta?: boolean;
}

type KeyKind = Exclude<Action['kind'], 'text'>;

const CONTROL_KEYS: Record<string, KeyKind> = {
  '\r': 'return', '\n': 'return', '\t': 'tab', '\u007F': 'backspace', '\b': 'backspace',
  '\u0015': 'clearLine', '\u0017': 'deleteWord', '\u0001': 'home', '\u0005': 'end',
};
const CTRL_LETTERS: Record<string, KeyKind> = {u: 'clearLine', w: 'deleteWord', a: 'home', e: 'end', h: 'backspace'};

/** C0, DEL and C1 control characters: never part of a typed value. */
export const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

export function actionsOf(input: string, key: KeyFlags): Action[] {
  const one = (kind: KeyKind): Action[] => [{kind}];
  if (key.upArrow) return one('up');
  if (key.downArrow) return one('down');
  if (key.leftArrow) return one('left');
  if (key.rightArrow) return one('right');
  if (key.pageUp) return one('pageUp');
  if (key.pageDown) return one('pageDown');
  if (key.home) return one('home');
  if (key.end) return one('end');
  if (key.return) return one('return');
  if (key.tab) return one(key.shift ? 'backTab' : 'tab');
  if (key.escape) return one('escape');
  if ((key.backspace || key.delete) && key.meta) return one('deleteWord');
  if (key.backspace || key.delete) return one('backspace');
  if (key.ctrl) return CTRL_LETTERS[input] ? one(CTRL_LETTERS[input]!) : [];
  if (key.meta) return [];
  const actions: Action[] = [];
  let text = '';
  for (const ch of input) {
    const kind = CONTROL_KEYS[ch];
    if (!kind && CONTROL.test(ch)) continue; // other control characters are dropped
    if (!kind) { text += ch; continue; }
    if (text) actions.push({kind: 'text', text});
    text = '';
    actions.push({kind});
  }
  if (text) actions.push({kind: 'text', text});
  return actions;
}

export interface TextState {
  value: string;
  cursor: number;
}

/**
 * Applies an editing action to a value with a cursor; undefined when the action is not an edit
 * (navigation between fields is the caller's). Ctrl+W deletes back to the start of the word
 * (letters and digits), over any separators just before the cursor.
 */
export function editText({value, cursor}: TextState, action: Action): TextState | undefined {
  const at = Math.max(0, Math.min(cursor, value.length));
  switch (action.kind) {
    case 'text': return {value: value.slice(0, at) + action.text + value.slice(at), cursor: at + action.text.length};
    case 'backspace': return at === 0 ? {value, cursor: at} : {value: value.slice(0, at - 1) + value.slice(at), cursor: at - 1};
    case 'clearLine': return {value: value.slice(at), cursor: 0};
    case 'deleteWord': {
      let start = at;
      while (start > 0 && !/[\p{L}\p{N}]/u.test(value[start - 1]!)) start--;
      while (start > 0 && /[\p{L}\p{N}]/u.test(value[start - 1]!)) start--;
      return {value: value.slice(0, start) + value.slice(at), cursor: start};
    }
    case 'home': return {value, cursor: 0};
    case 'end': return {value, cursor: value.length};
    case 'left': return {value, cursor: Math.max(0, at - 1)};
    case 'right': return {value, cursor: Math.min(value.length, at + 1)};
    default: return undefined;
  }
}
