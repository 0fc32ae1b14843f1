import {
  AUTHORITY_TOPOLOGIES, DEFAULTS, KEY_TYPES, KNOWN_MINORS, KUBEADM_FLOWS, LAYOUTS, ROLES, isControlPlane,
  type ClusterSpec, type NodeSpec, type Role,
} from './types.js';
import {bytesToIp, checkAddress, cidrsOverlap, ipFamily, isDnsLabel, isDnsName, parseCidr} from './net.js';
import {quote} from './quote.js';
import {parseDurationHours} from './duration.js';

export type FieldPath = (string | number)[];

export interface Issue {
  path: FieldPath;
  message: string;
  /** The name of the node the path is under (`nodes[5]` is worker4): shown beside its index. */
  node?: string;
}

export type Validation = {ok: true; spec: ClusterSpec} | {ok: false; issues: Issue[]};

/** A key people write (`pki.layout`) as is; any other key (spaces, escapes, 5 MB) quoted. */
const keyText = (key: string) => (/^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : quote(key));

/** `nodes[5].ip`; with the node's name, `nodes[5] (worker4).ip`: people count nodes by name, not from 0. */
export function formatPath(path: FieldPath, node?: string): string {
  return path.reduce<string>((text, part, i) =>
    typeof part === 'number'
      ? `${text}[${part}]${i === 1 && path[0] === 'nodes' && node ? ` (${node})` : ''}`
      : text ? `${text}.${keyText(part)}` : keyText(part), '') || '(top level)';
}

export const formatIssue = (issue: Issue) => `${formatPath(issue.path, issue.node)}: ${issue.message}`;

/** How a node is named beside its index: its name as written, when it is one that prints plainly. */
export const nodeLabel = (name: unknown) =>
  typeof name === 'string' && /^[\x21-\x7E]{1,253}$/.test(name.trim()) ? name.trim() : undefined;

const show = (value: unknown) => quote(value);

/** A node name is a DNS subdomain (what the API server accepts as a Node's name). */
export const MAX_NODE_NAME = 253;
/** No field needs more: DNS names stop at 253 characters. Longer values are refused, not echoed. */
export const MAX_VALUE_LENGTH = 1024;
/** Every extra SAN goes into the apiserver certificate, which every client parses on every handshake. */
export const MAX_EXTRA_SANS = 1000;
/** The last instant an X.509 time can express (GeneralizedTime, RFC 5280 4.1.2.5). */
export const LAST_X509_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads one object field by field. Every problem is recorded with its path, so the
 * user sees all of them at once, each naming the field.
 */
class Reader {
  constructor(readonly issues: Issue[]) {}

  object(value: unknown, path: FieldPath, keys: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) {
      this.issues.push({path, message: `must be a mapping, got ${show(value)}`});
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        this.issues.push({path: [...path, key], message: `unknown key (expected one of: ${keys.join(', ')})`});
      }
    }
    return value;
  }

  string(value: unknown, path: FieldPath, fallback?: string): string | undefined {
    if (value === undefined || value === null) {
      if (fallback === undefined) this.issues.push({path, message: 'is required'});
      return fallback;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.issues.push({path, message: `must be a non-empty string, got ${show(value)}`});
      return undefined;
    }
    if (value.length > MAX_VALUE_LENGTH) {
      this.issues.push({path, message: `is ${value.length} characters long; at most ${MAX_VALUE_LENGTH} are accepted (${show(value)})`});
      return undefined;
    }
    const control = controlCharacterProblem(value);
    if (control) {
      this.issues.push({path, message: control});
      return undefined;
    }
    return value.trim();
  }

  oneOf<T extends string>(value: unknown, path: FieldPath, allowed: readonly T[], fallback: T): T | undefined {
    const text = this.string(value, path, fallback);
    if (text === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(text)) {
      this.issues.push({path, message: `${show(text)} is not one of: ${allowed.join(', ')}`});
      return undefined;
    }
    return text as T;
  }

  list(value: unknown, path: FieldPath): unknown[] | undefined {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.issues.push({path, message: `must be a list, got ${show(value)}`});
      return undefined;
    }
    return value;
  }

  add(path: FieldPath, message: string) {
    this.issues.push({path, message});
  }
}

/** A control character (a stray Backspace or escape typed into a value) is never part of one. */
export function controlCharacterProblem(value: string): string | undefined {
  const at = value.search(/[\u0000-\u001F\u007F-\u009F]/);
  if (at < 0) return undefined;
  const code = value.codePointAt(at)!.toString(16).toUpperCase().padStart(4, '0');
  return `${show(value)} contains a control character (U+${code} at position ${at + 1})`;
}

/**
 * Why `host` is neither an address nor a DNS name, with the fix when it is a URL or carries a
 * port (https://lb.example.com:6443): the scheme is always https, and the port has its own field.
 */
function hostMessage(host: string, portField?: string): string {
  const url = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(host);
  const authority = url ? url[2]! : host;
  const withPort = /^\[([^\]]+)\]:(\d+)$/.exec(authority) ?? /^([^:]+):(\d+)$/.exec(authority);
  const bare = withPort ? withPort[1]! : authority.replace(/^\[(.*)\]$/, '$1');
  const fixable = bare !== host && (ipFamily(bare) !== undefined || isDnsName(bare.toLowerCase(), true));
  if (!fixable) return `${show(host)} is neither an IPv4/IPv6 address nor a DNS name`;
  const drop = [url && `the scheme ${url[1]}://`, withPort && `the port :${withPort[2]}`, url && host.length > url[0].length && 'the path'].filter(Boolean);
  const port = withPort && portField ? ` (the port goes in ${portField}: ${withPort[2]})` : '';
  return `${show(host)} is not a host: drop ${drop.join(' and ') || 'the brackets'}; write ${show(bare.toLowerCase())}${port}`;
}

/** A DNS name as Kubernetes and TLS compare it: case-insensitively, so written in lower case. */
const dnsName = (text: string, allowWildcard = false) => (isDnsName(text.toLowerCase(), allowWildcard) ? text.toLowerCase() : undefined);

/** The single validator all front ends call. Input is whatever YAML/JSON parsing produced. */
export function validate(raw: unknown, now: Date = new Date()): Validation {
  const issues: Issue[] = [];
  const r = new Reader(issues);
  const top = r.object(raw, [], ['apiVersion', 'kind', 'name', 'kubernetesVersion', 'endpoint', 'apiServer', 'network', 'nodes', 'pki', 'kubeadm', 'extraSANs', 'ssh', 'monitoring']);
  if (!top) return {ok: false, issues};

  r.oneOf(top.apiVersion, ['apiVersion'], ['kubepki/v1'], 'kubepki/v1');
  r.oneOf(top.kind, ['kind'], ['Cluster'], 'Cluster');

  const name = r.string(top.name, ['name'], DEFAULTS.name);
  if (name !== undefined && !isDnsLabel(name)) {
    r.add(['name'], `${show(name)} is not an RFC 1123 label (lower-case letters, digits and '-', at most 63)`);
  }

  const kubernetesVersion = r.string(top.kubernetesVersion, ['kubernetesVersion'], DEFAULTS.kubernetesVersion);
  const version = kubernetesVersion === undefined ? undefined : /^v1\.(\d+)\.(\d+)$/.exec(kubernetesVersion);
  if (kubernetesVersion !== undefined && !version) {
    r.add(['kubernetesVersion'], `${show(kubernetesVersion)} is not a Kubernetes release (write it as kubeadm does: v1.34.4)`);
  } else if (version && Number(version[1]) < KNOWN_MINORS.first) {
    // Newer minors are accepted: they get the newest identities kubepki knows, and the plan warns.
    r.add(['kubernetesVersion'], `${show(kubernetesVersion)} is not a release kubepki knows: it knows the identities of v1.${KNOWN_MINORS.first} and later`);
  }

  const nodes = readNodes(r, top.nodes);

  const endpointRaw = r.object(top.endpoint, ['endpoint'], ['host', 'port']);
  const firstControlPlane = nodes?.find(isControlPlane);
  let host = endpointRaw && r.string(endpointRaw.host, ['endpoint', 'host'], firstControlPlane?.ip ?? '');
  if (host === '') {
    r.add(['endpoint', 'host'], 'is required (a load balancer address, or the first control-plane node\'s IP)');
    host = undefined;
  } else if (host !== undefined && ipFamily(host)) {
    const address = checkAddress(host);
    if (address.ok) host = address.ip;
    else { r.add(['endpoint', 'host'], `${show(host)} ${address.reason}`); host = undefined; }
  } else if (host !== undefined) {
    // DNS names are case-insensitive: LB.Example.COM is lb.example.com, in the SANs and kubeconfigs alike.
    const lower = dnsName(host);
    if (lower !== undefined) host = lower;
    else r.add(['endpoint', 'host'], hostMessage(host, 'endpoint.port'));
  }
  const port = endpointRaw && readPort(r, endpointRaw.port, ['endpoint', 'port'], DEFAULTS.port);
  const apiServerRaw = r.object(top.apiServer, ['apiServer'], ['port']);
  const apiServerPort = apiServerRaw && readPort(r, apiServerRaw.port, ['apiServer', 'port'], DEFAULTS.apiServerPort);

  const networkRaw = r.object(top.network, ['network'], ['serviceCIDR', 'clusterDomain']);
  const serviceCIDRText = networkRaw && r.string(networkRaw.serviceCIDR, ['network', 'serviceCIDR'], DEFAULTS.serviceCIDR);
  const serviceCIDR = serviceCIDRText === undefined ? undefined : checkServiceCidr(r, serviceCIDRText, firstControlPlane?.ip);
  const clusterDomain = networkRaw && r.string(networkRaw.clusterDomain, ['network', 'clusterDomain'], DEFAULTS.clusterDomain);
  if (clusterDomain !== undefined && !isDnsName(clusterDomain)) {
    r.add(['network', 'clusterDomain'], `${show(clusterDomain)} is not a DNS domain`);
  }

  const pkiRaw = r.object(top.pki, ['pki'], ['authorities', 'key', 'validity', 'layout']);
  const authorities = pkiRaw && r.oneOf(pkiRaw.authorities, ['pki', 'authorities'], AUTHORITY_TOPOLOGIES, DEFAULTS.authorities);
  const key = pkiRaw && r.oneOf(pkiRaw.key, ['pki', 'key'], KEY_TYPES, DEFAULTS.key);
  const layout = pkiRaw && r.oneOf(pkiRaw.layout, ['pki', 'layout'], LAYOUTS, DEFAULTS.layout);
  const validityRaw = pkiRaw && r.object(pkiRaw.validity, ['pki', 'validity'], ['ca', 'certificate']);
  const caValidity = validityRaw && readDuration(r, validityRaw.ca, ['pki', 'validity', 'ca'], DEFAULTS.caValidity);
  const certValidity = validityRaw && readDuration(r, validityRaw.certificate, ['pki', 'validity', 'certificate'], DEFAULTS.certificateValidity);
  for (const [validity, field] of [[caValidity, 'ca'], [certValidity, 'certificate']] as const) {
    if (validity && now.getTime() + validity.hours * 3_600_000 > LAST_X509_TIME) {
      r.add(['pki', 'validity', field], `${show(validity.text)} would end after 9999-12-31, the last date a certificate can carry; choose a shorter validity`);
    }
  }
  if (caValidity && certValidity && caValidity.hours < certValidity.hours) {
    r.add(['pki', 'validity', 'ca'], `${caValidity.text} is shorter than the certificate validity ${certValidity.text}: a certificate cannot outlive the CA that signed it`);
  }

  const kubeadmRaw = r.object(top.kubeadm, ['kubeadm'], ['flow']);
  const flow = kubeadmRaw && r.oneOf(kubeadmRaw.flow, ['kubeadm', 'flow'], KUBEADM_FLOWS, DEFAULTS.kubeadmFlow);
  if (flow && flow !== DEFAULTS.kubeadmFlow && layout === 'hard-way') {
    r.add(['kubeadm', 'flow'], `${show(flow)} applies to the kubeadm layout only (pki.layout is hard-way)`);
  }

  const extraSANs = readExtraSANs(r, top.extraSANs);

  const sshRaw = r.object(top.ssh, ['ssh'], ['user', 'sudo']);
  const sshUser = sshRaw && r.string(sshRaw.user, ['ssh', 'user'], DEFAULTS.sshUser);
  if (sshUser !== undefined && !/^[a-z_][a-z0-9_.-]{0,31}$/i.test(sshUser)) {
    r.add(['ssh', 'user'], `${show(sshUser)} is not a user name`);
  }
  const sshSudo = sshRaw?.sudo ?? DEFAULTS.sshSudo;
  if (typeof sshSudo !== 'boolean') r.add(['ssh', 'sudo'], `${show(sshSudo)} is not true or false (true: distribute.sh installs with sudo)`);

  const monitoringRaw = r.object(top.monitoring, ['monitoring'], ['expiry']);
  const expiry = monitoringRaw?.expiry ?? DEFAULTS.monitoringExpiry;
  if (typeof expiry !== 'boolean') r.add(['monitoring', 'expiry'], `${show(expiry)} is not true or false (true: each node gets a daily expiry check and metrics)`);

  if (issues.length > 0) return {ok: false, issues};
  return {
    ok: true,
    spec: {
      apiVersion: 'kubepki/v1',
      kind: 'Cluster',
      name: name!,
      kubernetesVersion: kubernetesVersion!,
      endpoint: {host: host!, port: port!},
      apiServer: {port: apiServerPort!},
      network: {serviceCIDR: serviceCIDR!, clusterDomain: clusterDomain!},
      nodes: nodes!,
      pki: {
        authorities: authorities!,
        key: key!,
        validity: {ca: caValidity!.text, certificate: certValidity!.text},
        layout: layout!,
      },
      kubeadm: {flow: flow!},
      extraSANs,
      ssh: {user: sshUser!, sudo: sshSudo as boolean},
      monitoring: {expiry: expiry as boolean},
    },
  };
}

function readPort(r: Reader, value: unknown, path: FieldPath, fallback: number): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    r.add(path, `${show(value)} is not a port number (1-65535)`);
    return undefined;
  }
  return value;
}

function readDuration(r: Reader, value: unknown, path: FieldPath, fallback: string) {
  const text = r.string(typeof value === 'number' ? String(value) : value, path, fallback);
  if (text === undefined) return undefined;
  const hours = parseDurationHours(text);
  if (hours === undefined) {
    r.add(path, `${show(text)} is not a duration (write hours, days or years: 8760h, 365d, 10y)`);
    return undefined;
  }
  return {text, hours};
}

/** Extra SANs, each checked, IPs in canonical spelling, repeats dropped (in one pass: a Set). */
function readExtraSANs(r: Reader, value: unknown): string[] {
  const list = r.list(value, ['extraSANs']);
  if (!list) return [];
  if (list.length > MAX_EXTRA_SANS) {
    r.add(['extraSANs'], `has ${list.length} entries; at most ${MAX_EXTRA_SANS} are accepted`);
    return [];
  }
  const seen = new Set<string>();
  list.forEach((san, i) => {
    if (typeof san !== 'string') return r.add(['extraSANs', i], `must be a string, got ${show(san)}`);
    if (san.length > MAX_VALUE_LENGTH) return r.add(['extraSANs', i], `is ${san.length} characters long; at most ${MAX_VALUE_LENGTH} are accepted (${show(san)})`);
    let name = san;
    if (ipFamily(san)) {
      const address = checkAddress(san);
      if (!address.ok) return r.add(['extraSANs', i], `${show(san)} ${address.reason}`);
      name = address.ip;
    } else if (dnsName(san, true) !== undefined) name = dnsName(san, true)!;
    else return r.add(['extraSANs', i], hostMessage(san));
    seen.add(name);
  });
  return [...seen];
}

/** Ranges a Service IP must never come from: the machine itself, one link, or a group. */
const RESERVED_RANGES: [string, string][] = [
  ['127.0.0.0/8', 'loopback'], ['169.254.0.0/16', 'link-local'], ['224.0.0.0/4', 'multicast'],
  ['::1/128', 'loopback'], ['fe80::/10', 'link-local'], ['ff00::/8', 'multicast'],
];
const reserved = RESERVED_RANGES.map(([text, what]) => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`reserved range ${text}: ${parsed.reason}`);
  return {text, what, cidr: parsed.cidr};
});

/** The range in canonical spelling, or undefined (with the reason recorded). */
function checkServiceCidr(r: Reader, text: string, controlPlaneIp: string | undefined): string | undefined {
  const path = ['network', 'serviceCIDR'];
  const parsed = parseCidr(text);
  if (!parsed.ok) return void r.add(path, `${show(text)} ${parsed.reason}`);
  const {family, prefix} = parsed.cidr;
  if (prefix === 0) return void r.add(path, `${show(text)} is the whole IPv${family} address space: choose a private range such as 10.96.0.0/12`);
  // Too small: the apiserver takes the first address and needs room for Services.
  if (family === 4 && prefix > 28) return void r.add(path, `${show(text)} is too small: /${prefix} leaves no room for Services (use /28 or larger, e.g. /24)`);
  if (family === 6 && prefix > 124) return void r.add(path, `${show(text)} is too small: use /124 or larger`);
  // kube-apiserver refuses IPv6 service ranges of more than 20 host bits.
  if (family === 6 && prefix < 108) return void r.add(path, `${show(text)} is too large: kube-apiserver accepts at most /108 for IPv6`);
  const cpFamily = controlPlaneIp ? ipFamily(controlPlaneIp) : undefined;
  if (cpFamily && cpFamily !== family) {
    return void r.add(path, `${show(text)} is IPv${family} but the control plane's address ${controlPlaneIp} is IPv${cpFamily}: the service range must be of the same family`);
  }
  const clash = reserved.find(range => cidrsOverlap(parsed.cidr, range.cidr));
  if (clash) return void r.add(path, `${show(text)} overlaps the ${clash.what} range ${clash.text}: Service IPs must be ordinary unicast addresses (e.g. 10.96.0.0/12)`);
  return `${bytesToIp(parsed.cidr.network)}/${prefix}`;
}


function readNodes(r: Reader, value: unknown): NodeSpec[] | undefined {
  if (value === undefined || value === null) {
    r.add(['nodes'], 'is required: list the nodes, at least one with role control-plane');
    return undefined;
  }
  const list = r.list(value, ['nodes']);
  if (!list) return undefined;
  const nodes: NodeSpec[] = [];
  const names = new Map<string, number>();
  const ips = new Map<string, number>();
  let valid = true;
  const labels: (string | undefined)[] = [];
  const nameOf = (i: number) => (labels[i] ? ` (${labels[i]})` : '');
  list.forEach((item, i) => {
    const path = ['nodes', i];
    const before = r.issues.length;
    const raw = r.object(item, path, ['name', 'ip', 'roles']);
    const label = raw ? nodeLabel(raw.name) : undefined;
    labels[i] = label;
    const labelIssues = () => { if (label) for (const issue of r.issues.slice(before)) issue.node = label; };
    if (!raw) { valid = false; labelIssues(); return; }
    let name = r.string(raw.name, [...path, 'name']);
    // The kubelet registers its node under its host name in lower case (component-helpers'
    // GetHostname lowers it, the override too): Worker1 is the node worker1, and so are its identities.
    if (name !== undefined && dnsName(name) !== undefined) name = dnsName(name)!;
    if (name !== undefined) {
      if (!isDnsName(name)) {
        r.add([...path, 'name'], `${show(name)} is not a node name: a DNS subdomain (RFC 1123) of labels separated by '.', each of lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters, ${MAX_NODE_NAME} in all (cp1, ip-10-0-0-2.ec2.internal)`);
      } else if (names.has(name)) {
        r.add([...path, 'name'], `${show(name)} is already the name of nodes[${names.get(name)}]`);
      } else names.set(name, i);
    }
    let ip = r.string(raw.ip, [...path, 'ip']);
    if (ip !== undefined) {
      const address = checkAddress(ip);
      if (!address.ok) r.add([...path, 'ip'], `${show(ip)} ${address.reason}`);
      else if (ips.has(address.ip)) r.add([...path, 'ip'], `${show(ip)} is already the IP of nodes[${ips.get(address.ip)}]${nameOf(ips.get(address.ip)!)}`);
      else { ips.set(address.ip, i); ip = address.ip; }
    }
    const rolesRaw = r.list(raw.roles, [...path, 'roles']);
    const roles: Role[] = [];
    rolesRaw?.forEach((role, j) => {
      if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
        r.add([...path, 'roles', j], `${show(role)} is not one of: ${ROLES.join(', ')}`);
      } else if (!roles.includes(role as Role)) roles.push(role as Role);
    });
    if (rolesRaw && rolesRaw.length === 0) r.add([...path, 'roles'], `must name at least one of: ${ROLES.join(', ')}`);
    if (name === undefined || ip === undefined || !rolesRaw) valid = false;
    labelIssues();
    nodes.push({name: name ?? '', ip: ip ?? '', roles: ROLES.filter(role => roles.includes(role))});
  });
  if (list.length === 0) r.add(['nodes'], 'is empty: list at least one node with role control-plane');
  else if (!nodes.some(isControlPlane)) {
    r.add(['nodes'], 'has no node with role control-plane: the apiserver must run somewhere');
  }
  return valid ? nodes : undefined;
}
