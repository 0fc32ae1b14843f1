// How a value the user wrote is shown back in a message: at most ~80 characters, and never a
// raw control character, so a hostile config cannot flood the terminal or drive it (ESC sequences).

export const QUOTE_MAX = 80;

// What a terminal would act on or draw misleadingly: C0 and C1 controls (U+009B is CSI, as ESC [
// is), DEL, line/paragraph separators, the bidirectional controls that reorder what follows
// (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069, the marks U+200E, U+200F,
// U+061C: "Trojan Source"), invisible characters (zero-width U+200B-U+200D, U+2060-U+2064, the
// byte order mark U+FEFF, interlinear annotations U+FFF9-U+FFFB), and lone UTF-16 surrogates.
const UNPRINTABLE_CLASS = '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb\\ud800-\\udfff]';
const UNPRINTABLE = new RegExp(UNPRINTABLE_CLASS, 'gu');
const ANY_UNPRINTABLE = new RegExp(UNPRINTABLE_CLASS, 'u');
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text with every control character escaped (\u001b, \u009b, \u202e), for file names and keys in messages. */
export const printable = (text: string) => text.replace(UNPRINTABLE, escapeChar);

/** Whether printable() would leave `text` as it is: nothing a terminal acts on or hides. */
export const isPrintable = (text: string) => !ANY_UNPRINTABLE.test(text);

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * A value as JSON-ish text for a message, truncated to about `max` characters. Walks only as
 * much of the value as it prints, so a huge (or alias-expanded) value costs nothing.
 */
export function quote(value: unknown, max = QUOTE_MAX): string {
  if (typeof value === 'string') return printable(JSON.stringify(cut(value, max)));
  let out = '';
  const full = () => out.length > max;
  const visit = (v: unknown) => {
    if (full()) return;
    if (typeof v === 'string') {
      out += printable(JSON.stringify(cut(v, max)));
    } else if (v instanceof Date) {
      out += Number.isNaN(v.getTime()) ? 'an invalid date' : v.toISOString();
    } else if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length && !full(); i++) { if (i) out += ','; visit(v[i]); }
      out += ']';
    } else if (typeof v === 'object' && v !== null) {
      out += '{';
      let first = true;
      for (const key in v) {
        if (full()) break;
        if (!first) out += ',';
        first = false;
        out += `${printable(JSON.stringify(cut(key, max)))}:`;
        visit((v as Record<string, unknown>)[key]);
      }
      out += '}';
    } else {
      out += String(v);
    }
  };
  visit(value);
  return cut(out, max);
}
