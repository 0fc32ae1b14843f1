// The few pieces of DER (X.690) a certificate needs, encoded and decoded by node-forge's ASN.1
// module (forge.asn1) and handed to the rest of pki/ as Buffers. Nothing here knows about a key
// algorithm: public keys arrive as SubjectPublicKeyInfo bytes, signatures as bytes.
//
// Every Buffer made here remembers the forge.asn1 node it was encoded from, so a structure built
// from parts (a Name inside a TBSCertificate) hands forge its nodes without parsing them again;
// bytes from elsewhere (an SPKI from node:crypto, a Name read from a CA on disk) are parsed once by
// forge.asn1.fromDer and must re-encode to exactly the same bytes.
import forge from 'node-forge';

const {asn1} = forge;
type Node = forge.asn1.Asn1;
// Two forge.asn1 functions @types/node-forge leaves out or types too narrowly.
const fromDer = asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: {strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean}) => Node;
const berValueLength = (asn1 as unknown as {getBerValueLength: (b: forge.util.ByteStringBuffer) => number | undefined}).getBerValueLength;
const {UNIVERSAL, CONTEXT_SPECIFIC} = asn1.Class;
const T = asn1.Type;

// forge works on binary strings (one char per byte); the rest of pki/ on Buffers.
const binary = (bytes: Buffer) => bytes.toString('binary');
const fromBinary = (bytes: string) => Buffer.from(bytes, 'binary');

const nodes = new WeakMap<Buffer, Node>();

function emit(node: Node): Buffer {
  const der = fromBinary(asn1.toDer(node).getBytes());
  nodes.set(der, node);
  return der;
}

/** The forge nodes of one or more concatenated DER elements. */
function parse(der: Buffer): Node[] {
  const known = nodes.get(der);
  if (known) return [known];
  const buffer = forge.util.createBuffer(binary(der));
  const out: Node[] = [];
  while (buffer.length() > 0) {
    out.push(fromDer(buffer, {strict: true, parseAllBytes: false, decodeBitStrings: false}));
  }
  // A structure that forge would write differently (BER, a non-minimal length) cannot be carried
  // through it; an issuer Name in particular must be copied byte for byte.
  if (out.length === 1 ? !emit(out[0]!).equals(der) : !Buffer.concat(out.map(n => fromBinary(asn1.toDer(n).getBytes()))).equals(der)) {
    throw new Error('not DER: the bytes would not survive re-encoding');
  }
  return out;
}

/**
 * A primitive with a tag of any class. forge.asn1.toDer treats the value by tag number alone, so a
 * context-specific [2] (a SAN dNSName) would be trimmed like an INTEGER and a [30] widened like a
 * BMPString; carrying the number in tagClass (toDer writes tagClass | type) keeps the bytes as given.
 */
function primitive(tagClass: number, type: number, value: string): Node {
  const special = tagClass !== UNIVERSAL && (type === T.INTEGER || type === T.BMPSTRING);
  return asn1.create((special ? tagClass | type : tagClass) as forge.asn1.Class, special ? 0 : type, false, value);
}

/** Any tag over `content` (for a constructed tag, `content` is the concatenated DER of the children). */
export function tlv(tag: number, content: Buffer): Buffer {
  const constructed = (tag & 0x20) !== 0;
  if ((tag & 0x1f) === 0x1f) throw new Error('high tag numbers are not supported');
  return emit(constructed
    ? asn1.create(tag & 0xc0, tag & 0x1f, true, content.length ? parse(content) : [])
    : primitive(tag & 0xc0, tag & 0x1f, binary(content)));
}

export const sequence = (...parts: Buffer[]) => emit(asn1.create(UNIVERSAL, T.SEQUENCE, true, parts.flatMap(parse)));
export const set = (...parts: Buffer[]) => emit(asn1.create(UNIVERSAL, T.SET, true, parts.flatMap(parse)));
export const octetString = (bytes: Buffer) => emit(asn1.create(UNIVERSAL, T.OCTETSTRING, false, binary(bytes)));
// forge keeps a primitive BIT STRING's value with its leading unused-bits octet.
export const bitString = (bytes: Buffer, unusedBits = 0) =>
  emit(asn1.create(UNIVERSAL, T.BITSTRING, false, String.fromCharCode(unusedBits) + binary(bytes)));
export const boolean = (value: boolean) => emit(asn1.create(UNIVERSAL, T.BOOLEAN, false, value ? '\xff' : '\x00'));
export const nullValue = () => emit(asn1.create(UNIVERSAL, T.NULL, false, ''));
/** Context-specific tag: constructed (EXPLICIT, or IMPLICIT over a constructed type) or primitive (IMPLICIT). */
export const explicit = (n: number, content: Buffer) => emit(asn1.create(CONTEXT_SPECIFIC, n, true, parse(content)));
export const implicit = (n: number, content: Buffer) => emit(primitive(CONTEXT_SPECIFIC, n, binary(content)));

/** A non-negative INTEGER from its big-endian magnitude, minimally encoded. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  // A set top bit would read as negative: one zero octet in front keeps it positive.
  const value = trimmed[0]! & 0x80 ? `\x00${binary(trimmed)}` : binary(trimmed);
  return emit(asn1.create(UNIVERSAL, T.INTEGER, false, value));
}
export function smallInteger(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new Error(`not a small non-negative integer: ${n}`);
  return emit(asn1.create(UNIVERSAL, T.INTEGER, false, asn1.integerToDer(n).getBytes()));
}

const oidCache = new Map<string, Buffer>();
export function oid(dotted: string): Buffer {
  let encoded = oidCache.get(dotted);
  if (!encoded) {
    encoded = emit(asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(dotted).getBytes()));
    oidCache.set(dotted, encoded);
  }
  return encoded;
}

// PrintableString's alphabet (X.680), as Go's crypto/x509 chooses it; anything else is UTF8String.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
export const directoryString = (value: string) => PRINTABLE.test(value)
  ? emit(asn1.create(UNIVERSAL, T.PRINTABLESTRING, false, value))
  : emit(asn1.create(UNIVERSAL, T.UTF8, false, forge.util.encodeUtf8(value)));

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), always in seconds and Z. */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year < 2050 && year >= 1950
    ? emit(asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(date)))
    : emit(asn1.create(UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date)));
}

/** Named bits of a BIT STRING (bit 0 is the most significant), trailing zero bits dropped as DER requires. */
export function namedBits(bits: number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return bitString(bytes, 7 - (highest & 7));
}

/**
 * PEM as Go's encoding/pem and OpenSSL write it: 64-column base64, LF line ends, a final LF.
 * Written here, not by forge.pem.encode, which ends every line with CRLF.
 */
export function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** The DER bytes of the first PEM block labelled `label` (read by forge.pem, LF or CRLF). */
export function fromPem(text: string, label: string): Buffer {
  const block = forge.pem.decode(text).find(message => message.type === label);
  if (!block) throw new Error(`no ${label} PEM block`);
  return fromBinary(block.body);
}

// Reading: just enough to walk a certificate or a SubjectPublicKeyInfo. Each element's header is
// decoded by forge (its tag octet and asn1.getBerValueLength); raw and content stay views of the
// caller's Buffer, so walking a certificate copies nothing.

export interface Element {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  content: Buffer;
}

export function read(der: Buffer, offset = 0): Element {
  if (offset + 2 > der.length) throw new Error('truncated DER');
  const header = forge.util.createBuffer(binary(der.subarray(offset, offset + 6)));
  const tag = header.getByte();
  const lengthOctet = der[offset + 1]!;
  if (lengthOctet === 0x80 || (lengthOctet & 0x7f) > 4 && lengthOctet & 0x80) throw new Error('unsupported DER length');
  if (lengthOctet & 0x80 && offset + 2 + (lengthOctet & 0x7f) > der.length) throw new Error('truncated DER');
  const length = berValueLength(header);
  if (length === undefined || length < 0) throw new Error('unsupported DER length');
  const headerLength = header.read;
  if (offset + headerLength + length > der.length) throw new Error('truncated DER');
  return {tag, raw: der.subarray(offset, offset + headerLength + length), content: der.subarray(offset + headerLength, offset + headerLength + length)};
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

export const decodeOid = (element: Element): string => asn1.derToOid(binary(element.content));
