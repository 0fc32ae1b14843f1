// The hand-written DER encoder kubepki used before node-forge came back (source/pki/der.ts at
// fa2e9d7), kept only as the reference the forge-backed encoder must match byte for byte.

const TAG = {
  boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, null: 0x05, oid: 0x06,
  utf8String: 0x0c, printableString: 0x13, utcTime: 0x17, generalizedTime: 0x18,
  sequence: 0x30, set: 0x31,
} as const;

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
export const sequence = (...parts: Buffer[]) => tlv(TAG.sequence, Buffer.concat(parts));
export const set = (...parts: Buffer[]) => tlv(TAG.set, Buffer.concat(parts));
export const octetString = (bytes: Buffer) => tlv(TAG.octetString, bytes);
export const bitString = (bytes: Buffer, unusedBits = 0) => tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
export const boolean = (value: boolean) => tlv(TAG.boolean, Buffer.from([value ? 0xff : 0]));
export const nullValue = () => tlv(TAG.null, Buffer.alloc(0));
/** Context-specific tag: constructed (EXPLICIT, or IMPLICIT over a constructed type) or primitive (IMPLICIT). */
export const explicit = (n: number, content: Buffer) => tlv(0xa0 | n, content);
export const implicit = (n: number, content: Buffer) => tlv(0x80 | n, content);

/** A non-negative INTEGER from its big-endian magnitude, minimally encoded. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return tlv(TAG.integer, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}
export const smallInteger = (n: number) => unsignedInteger(Buffer.from([n]));

const oidCache = new Map<string, Buffer>();
export function oid(dotted: string): Buffer {
  let encoded = oidCache.get(dotted);
  if (encoded) return encoded;
  const arcs = dotted.split('.').map(Number);
  const bytes = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128 = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) base128.unshift(0x80 | (n & 0x7f));
    bytes.push(...base128);
  }
  encoded = tlv(TAG.oid, Buffer.from(bytes));
  oidCache.set(dotted, encoded);
  return encoded;
}

// PrintableString's alphabet (X.680), as Go's crypto/x509 chooses it; anything else is UTF8String.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
export const directoryString = (value: string) =>
  tlv(PRINTABLE.test(value) ? TAG.printableString : TAG.utf8String, Buffer.from(value, 'utf8'));

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), always in seconds and Z. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = date.getUTCFullYear();
  return year < 2050 && year >= 1950
    ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'ascii'));
}

/** Named bits of a BIT STRING (bit 0 is the most significant), trailing zero bits dropped as DER requires. */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return bitString(bytes, 7 - (highest & 7));
}

/** PEM as Go's encoding/pem and OpenSSL write it: 64-column base64, LF line ends, a final LF. */
export function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** The DER bytes of the first PEM block labelled `label`. */
export function fromPem(text: string, label: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*)-----END ${label}-----`).exec(text);
  if (!match) throw new Error(`no ${label} PEM block`);
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

// Reading: just enough to walk a certificate or a SubjectPublicKeyInfo.

export interface Element {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  content: Buffer;
}

export function read(der: Buffer, offset = 0): Element {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i]!;
    header += count;
  }
  if (offset + header + length > der.length) throw new Error('truncated DER');
  return {tag, raw: der.subarray(offset, offset + header + length), content: der.subarray(offset + header, offset + header + length)};
}

export function children(element: Element): Element[] {
  const out: Element[] = [];
  for (let offset = 0; offset < element.content.length;) {
    const child = read(element.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

export function decodeOid(element: Element): string {
  const b = element.content;
  const arcs = [Math.floor(b[0]! / 40), b[0]! % 40];
  let n = 0;
  for (const byte of b.subarray(1)) {
    n = n * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) { arcs.push(n); n = 0; }
  }
  return arcs.join('.');
}
