import {isIPv4, isIPv6} from 'node:net';
import {quote} from './quote.js';

export type Family = 4 | 6;

export function ipFamily(text: string): Family | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1123 label: what Kubernetes accepts as a node name segment and a kubelet registers with. */
export const isDnsLabel = (text: string) => LABEL.test(text);

/** RFC 1123 subdomain, optionally a wildcard (`*.apps.example.com`) for extra SANs. */
export function isDnsName(text: string, allowWildcard = false): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.split('.');
  if (allowWildcard && labels[0] === '*') labels.shift();
  return labels.length > 0 && labels.every(l => LABEL.test(l));
}

/** Expand an IPv6 address to its 16 bytes; IPv4 to 4. */
export function ipToBytes(ip: string): number[] {
  if (isIPv4(ip)) return ip.split('.').map(Number);
  let text = ip;
  let tail: number[] = [];
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':').filter(x => x !== '').map(h => parseInt(h, 16)) : []);
  const left = parse(head);
  const right = parse(rest);
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = groups.flatMap(g => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

export function bytesToIp(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map(g => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The canonical spelling of an address, so duplicates written differently are still found. */
export const canonicalIp = (ip: string) => bytesToIp(ipToBytes(ip));

export interface Cidr {
  family: Family;
  network: number[];
  prefix: number;
}

export type CidrResult = {ok: true; cidr: Cidr} | {ok: false; reason: string};

export function parseCidr(text: string): CidrResult {
  const m = text.match(/^([^/]+)\/(\d{1,3})$/);
  if (!m) return {ok: false, reason: 'is not a CIDR (expected ADDRESS/PREFIX, e.g. 10.96.0.0/12)'};
  const address = checkAddress(m[1]!);
  if (!address.ok) return {ok: false, reason: `has ${quote(m[1])}, which ${address.reason}`};
  const family = address.family;
  const prefix = Number(m[2]);
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return {ok: false, reason: `has prefix /${prefix}, beyond the ${bits} bits of an IPv${family} address`};
  const bytes = ipToBytes(address.ip);
  const network = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  if (network.some((b, i) => b !== bytes[i])) {
    return {ok: false, reason: `has host bits set; did you mean ${bytesToIp(network)}/${prefix}?`};
  }
  return {ok: true, cidr: {family, network, prefix}};
}

/** The first address of a service range: the ClusterIP of the `kubernetes` Service, so the apiserver certificate needs it. */
export function firstServiceIp(cidr: Cidr): string {
  const bytes = [...cidr.network];
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 255) { bytes[i]!++; break; }
    bytes[i] = 0;
  }
  return bytesToIp(bytes);
}

export type AddressCheck = {ok: true; ip: string; family: Family} | {ok: false; reason: string};

const isV4Mapped = (bytes: number[]) =>
  bytes.length === 16 && bytes.slice(0, 10).every(b => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;

/**
 * An address as it will be encoded in a certificate, in canonical spelling (RFC 5952 for IPv6),
 * or why it cannot be. A zone id names an interface on one machine, so no certificate can carry
 * it; an IPv4-mapped address (::ffff:a.b.c.d) is encoded by Go's x509 as the IPv4 address, so the
 * same certificate would read differently to kubectl and openssl: the IPv4 address is asked for.
 */
export function checkAddress(text: string): AddressCheck {
  const zone = text.indexOf('%');
  if (zone >= 0 && isIPv6(text)) {
    return {ok: false, reason: `has a zone id (${text.slice(zone)}), which names an interface on one machine and cannot be in a certificate; write the address without it`};
  }
  const family = ipFamily(text);
  if (!family) return {ok: false, reason: 'is not an IPv4 or IPv6 address'};
  const bytes = ipToBytes(text);
  if (isV4Mapped(bytes)) {
    return {ok: false, reason: `is an IPv4-mapped IPv6 address; write the IPv4 address ${bytes.slice(12).join('.')} instead`};
  }
  return {ok: true, ip: bytesToIp(bytes), family};
}

/** Whether two ranges share any address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const prefix = Math.min(a.prefix, b.prefix);
  for (let i = 0; i < a.network.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((a.network[i]! & mask) !== (b.network[i]! & mask)) return false;
  }
  return true;
}
