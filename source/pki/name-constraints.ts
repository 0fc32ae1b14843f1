// A CA's nameConstraints (RFC 5280 4.2.1.10) and pathLenConstraint, read from its DER, and the
// leaf names they refuse, with Go's crypto/x509 semantics (every component verifies with it): a
// DNS constraint "example.com" permits example.com and every name under it, ".example.com" only
// the names under it, "" every name; an IP constraint is an address and mask of its own family.
// Permitted constraints of a kind bind only names of that kind; an excluded match always refuses.
// A critical extension holding a kind Go does not handle (directoryName, otherName…) makes Go
// refuse the CA certificate itself.
import {BlockList, isIPv4} from 'node:net';
import {children, decodeOid, read, type Element} from './der.js';
import {bytesToIp} from '../spec/net.js';

interface Subtrees {
  dns: string[];
  /** Address and mask, as bytes (4 + 4 or 16 + 16). */
  ip: Array<{address: number[]; mask: number[]}>;
}

export interface NameConstraints {
  critical: boolean;
  permitted: Subtrees;
  excluded: Subtrees;
  /** Kinds other than dNSName, iPAddress, rfc822Name, uniformResourceIdentifier (Go does not handle them). */
  unhandled: string[];
}

const KIND: Record<number, string> = {0xa0: 'otherName', 0x81: 'rfc822Name', 0x82: 'dNSName', 0xa3: 'x400Address', 0xa4: 'directoryName', 0xa5: 'ediPartyName', 0x86: 'uniformResourceIdentifier', 0x87: 'iPAddress', 0x88: 'registeredID'};

/** The extensions of a DER certificate: OID → {critical, the DER inside extnValue}. */
function extensionsOf(der: Buffer): Map<string, {critical: boolean; value: Buffer}> {
  const tbs = children(children(read(der))[0]!);
  const found = new Map<string, {critical: boolean; value: Buffer}>();
  const wrapper = tbs.find(e => e.tag === 0xa3);
  if (!wrapper) return found;
  for (const ext of children(children(wrapper)[0]!)) {
    const parts = children(ext);
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 && parts[1]!.content[0] !== 0;
    found.set(decodeOid(parts[0]!), {critical, value: parts[parts.length - 1]!.content});
  }
  return found;
}

function subtreesOf(element: Element | undefined, unhandled: Set<string>): Subtrees {
  const out: Subtrees = {dns: [], ip: []};
  for (const subtree of element ? children(element) : []) {
    const base = children(subtree)[0]!;
    if (base.tag === 0x82) out.dns.push(base.content.toString('latin1'));
    else if (base.tag === 0x87) {
      const half = base.content.length / 2;
      out.ip.push({address: [...base.content.subarray(0, half)], mask: [...base.content.subarray(half)]});
    } else if (base.tag !== 0x81 && base.tag !== 0x86) unhandled.add(KIND[base.tag] ?? `tag ${base.tag}`);
  }
  return out;
}

/** The certificate's nameConstraints, or undefined when it has none. */
export function nameConstraintsOf(der: Buffer): NameConstraints | undefined {
  const ext = extensionsOf(der).get('2.5.29.30');
  if (!ext) return undefined;
  const parts = children(read(ext.value));
  const unhandled = new Set<string>();
  return {
    critical: ext.critical,
    permitted: subtreesOf(parts.find(p => p.tag === 0xa0), unhandled),
    excluded: subtreesOf(parts.find(p => p.tag === 0xa1), unhandled),
    unhandled: [...unhandled],
  };
}

/** basicConstraints' pathLenConstraint, or undefined when it sets none. */
export function pathLenOf(der: Buffer): number | undefined {
  const ext = extensionsOf(der).get('2.5.29.19');
  if (!ext) return undefined;
  const integer = children(read(ext.value)).find(e => e.tag === 0x02);
  return integer ? integer.content.reduce((n, b) => n * 256 + b, 0) : undefined;
}

/** Go's dnsHasSuffix: `name` is `constraint` or under it; a leading dot asks for a name strictly under it. */
function dnsMatches(constraint: string, name: string): boolean {
  const [c, n] = [constraint.toLowerCase(), name.toLowerCase()];
  if (c === '') return true;
  if (!n.endsWith(c)) return false;
  if (c.startsWith('.') || n.length === c.length) return true;
  return n[n.length - c.length - 1] === '.';
}

const prefixOf = (mask: number[]) => mask.reduce((n, b) => n + b.toString(2).replaceAll('0', '').length, 0);

/** Whether the address is in the range (an address and mask of the same family: Go's IPNet.Contains). */
function ipMatches(range: {address: number[]; mask: number[]}, ip: string): boolean {
  const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
  if ((range.address.length === 4) !== (family === 'ipv4')) return false;
  const list = new BlockList();
  list.addSubnet(bytesToIp(range.address), prefixOf(range.mask), family);
  return list.check(ip, family);
}

const showRange = (r: {address: number[]; mask: number[]}) => `${bytesToIp(r.address)}/${prefixOf(r.mask)}`;

/** Each of the leaf names the constraints refuse, with why; empty when they allow every one. */
export function refusedNames(constraints: NameConstraints, names: {dns: string[]; ip: string[]}): string[] {
  const {permitted, excluded} = constraints;
  const refused: string[] = [];
  for (const name of names.dns) {
    const out = excluded.dns.find(c => dnsMatches(c, name));
    if (out !== undefined) refused.push(`DNS name ${name} (excluded by ${JSON.stringify(out)})`);
    else if (permitted.dns.length && !permitted.dns.some(c => dnsMatches(c, name))) refused.push(`DNS name ${name} (not under ${permitted.dns.map(c => JSON.stringify(c)).join(', ')})`);
  }
  for (const name of names.ip) {
    const out = excluded.ip.find(r => ipMatches(r, name));
    if (out) refused.push(`IP address ${name} (excluded by ${showRange(out)})`);
    else if (permitted.ip.length && !permitted.ip.some(r => ipMatches(r, name))) refused.push(`IP address ${name} (not in ${permitted.ip.map(showRange).join(', ')})`);
  }
  return refused;
}
