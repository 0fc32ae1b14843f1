// PEM blocks found in any text in one pass: every search starts where the last one ended, so a file
// of a million BEGIN lines and no END costs one read, not a million (a lazy regular expression
// from each BEGIN to the next END does the latter).

export interface PemBlock {
  /** The label after BEGIN (CERTIFICATE, RSA PRIVATE KEY…). */
  type: string;
  /** The label after END: a block pasted together wrongly has another one. */
  endType: string;
  /** From "-----BEGIN" through the END line's closing dashes. */
  whole: string;
  /** Between the BEGIN line and the END line: headers and base64. */
  body: string;
}

export interface PemScan {
  blocks: PemBlock[];
  /** A BEGIN with no END after it: the file was cut short. */
  unterminated: boolean;
  /** A "-----BEGIN " that is not followed by a label and dashes. */
  badHeader: boolean;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
/** Labels are short upper-case words; looking further than this for the closing dashes is never needed. */
const LABEL = /^([A-Z0-9 ]{1,64})-----/;
const labelAt = (text: string, at: number) => LABEL.exec(text.slice(at, at + 70))?.[1];

export function scanPem(text: string): PemScan {
  const blocks: PemBlock[] = [];
  let unterminated = false;
  let badHeader = false;
  let pos = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin < 0) break;
    const type = labelAt(text, begin + BEGIN.length);
    if (type === undefined) {
      badHeader = true;
      pos = begin + BEGIN.length;
      continue;
    }
    const bodyStart = begin + BEGIN.length + type.length + 5;
    let end = text.indexOf(END, bodyStart);
    let endType: string | undefined;
    while (end >= 0 && (endType = labelAt(text, end + END.length)) === undefined) end = text.indexOf(END, end + END.length);
    if (end < 0 || endType === undefined) {
      unterminated = true;
      break;
    }
    const after = end + END.length + endType.length + 5;
    blocks.push({type, endType, whole: text.slice(begin, after), body: text.slice(bodyStart, end)});
    pos = after;
  }
  return {blocks, unterminated, badHeader};
}
