// The one reader of a certificate's subject (and issuer) Name: the attribute values as the DER
// holds them. Node's X509Certificate.subject is text with RFC 2253-style escapes (`a\,b`, `dev\ `),
// so a group read back from it differs from the group written; compare identities through this.
import {children, decodeOid, read, type Element} from './der.js';

const TAG = {utf8: 0x0c, bmp: 0x1e, universal: 0x1c} as const;
const ATTRIBUTE: Record<string, string> = {'2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST'};

export interface NameAttribute {
  /** CN, O, OU, C, L, ST, or the dotted OID of any other attribute. */
  type: string;
  value: string;
}

/** A DirectoryString's text: UTF8String, BMPString (UTF-16BE), UniversalString (UTF-32BE), else one byte per character. */
function text(element: Element): string {
  if (element.tag === TAG.utf8) return element.content.toString('utf8');
  if (element.tag === TAG.bmp) return Buffer.from(element.content).swap16().toString('utf16le');
  if (element.tag === TAG.universal) {
    let out = '';
    for (let i = 0; i + 4 <= element.content.length; i += 4) out += String.fromCodePoint(Math.min(element.content.readUInt32BE(i), 0x10ffff));
    return out;
  }
  return element.content.toString('latin1');
}

/** Every attribute of a Name, in the order the DER lists them. */
export function readName(name: Element | undefined): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  if (!name) return attributes;
  for (const rdn of children(name)) {
    for (const pair of children(rdn)) {
      const [type, value] = children(pair);
      if (!type || !value) continue;
      const id = decodeOid(type);
      attributes.push({type: ATTRIBUTE[id] ?? id, value: text(value)});
    }
  }
  return attributes;
}

export interface Subject {
  /** The (first) CN; undefined when the subject has none. */
  cn: string | undefined;
  /** The O values in the certificate's order: a client certificate's groups. */
  organizations: string[];
  attributes: NameAttribute[];
}

/** The subject of a DER certificate (X509Certificate.raw). */
export function subjectOf(der: Buffer): Subject {
  const tbs = children(children(read(der))[0]!);
  // TBSCertificate: [0] version (absent in v1), serial, signature, issuer, validity, subject, …
  const at = tbs[0]?.tag === 0xa0 ? 1 : 0;
  const attributes = readName(tbs[at + 4]);
  return {cn: attributes.find(a => a.type === 'CN')?.value, organizations: attributes.filter(a => a.type === 'O').map(a => a.value), attributes};
}

/** A subject for a message, CN first as people read one: `CN=jane, O=dev`. */
export const subjectText = (attributes: NameAttribute[]) =>
  [...attributes.filter(a => a.type === 'CN'), ...attributes.filter(a => a.type !== 'CN')].map(a => `${a.type}=${a.value}`).join(', ');
