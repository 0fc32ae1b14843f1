import {closeSync, openSync, readSync} from 'node:fs';
import {load, YAMLException} from 'js-yaml';
import {LineCounter, parseDocument, isNode} from 'yaml';
import {formatIssue, validate, type Issue} from './validate.js';
import type {ClusterSpec} from './types.js';

import {InputError} from './errors.js';
import {printable} from './quote.js';

export {InputError};

/** A cluster of 5,000 nodes takes ~400 KB; anything larger is not a cluster description. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/**
 * Values in the document once aliases are expanded. A few hundred bytes of nested aliases
 * (a "billion laughs") expand to 10^8 values; a legitimate 1 MB file has fewer than 500,000.
 */
export const MAX_EXPANDED_VALUES = 1_000_000;

/** Counts values as a reader of the document sees them (each alias expanded), stopping at the cap. */
function expandsWithin(value: unknown, budget: number): boolean {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++count > budget) return false;
    if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (typeof v === 'object' && v !== null && !(v instanceof Date)) for (const key in v) stack.push((v as Record<string, unknown>)[key]);
  }
  return true;
}

/** Parse and validate config text; every problem is reported with its line when the file has one. */
export function specFromText(text: string, sourceName: string): ClusterSpec {
  const source = printable(sourceName);
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new InputError([`${source}: is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MB; a cluster description is far smaller (run \`kubepki example\`)`]);
  }
  if (text.trim() === '') throw new InputError([`${source}: the file is empty (run \`kubepki example\` for a starting point)`]);
  // js-yaml reads a 5,000-node file in ~40 ms (yaml's Document API takes ~400 ms); the Document
  // is built only when there is an invalid field to point at.
  let raw: unknown;
  try {
    raw = load(text, {filename: source});
  } catch (error) {
    // js-yaml recurses per nesting level: a file of 100,000 '[' overflows the stack.
    if (error instanceof RangeError) throw new InputError([`${source}: not valid YAML: nested too deeply`]);
    if (!(error instanceof YAMLException)) throw error;
    const at = error.mark ? `:${error.mark.line + 1}:${error.mark.column + 1}` : '';
    throw new InputError([`${source}${at}: not valid YAML: ${printable(String(error.reason)).slice(0, 200)}`]);
  }
  if (!expandsWithin(raw, MAX_EXPANDED_VALUES)) {
    throw new InputError([`${source}: its aliases (*name) expand to more than ${MAX_EXPANDED_VALUES.toLocaleString('en')} values; write the values out instead of nesting aliases`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError([`${source}: expected a mapping with apiVersion: kubepki/v1 and kind: Cluster (run \`kubepki example\`)`]);
  }
  const result = validate(raw);
  if (result.ok) return result.spec;
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument> | undefined;
  try {
    doc = parseDocument(text, {lineCounter});
  } catch {
    doc = undefined; // the messages go out without line numbers
  }
  throw new InputError(result.issues.map(issue => `${source}${doc ? lineOf(doc, lineCounter, issue) : ''}: ${formatIssue(issue)}`));
}

function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, issue: Issue): string {
  for (let n = issue.path.length; n > 0; n--) {
    const node = doc.getIn(issue.path.slice(0, n), true);
    if (isNode(node) && node.range) return `:${lines.linePos(node.range[0]).line}`;
  }
  return '';
}

/** Reads at most one byte more than the cap, so /dev/zero or a 5 GB file cost nothing. */
function readCapped(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0;) length += n;
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

export function specFromFile(file: string): ClusterSpec {
  let bytes: Buffer;
  try {
    bytes = readCapped(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
    throw new InputError([`${printable(file)}: cannot read the config: ${why}`]);
  }
  if (bytes.length > MAX_CONFIG_BYTES) {
    throw new InputError([`${printable(file)}: is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MB; a cluster description is far smaller (run \`kubepki example\`)`]);
  }
  return specFromText(bytes.toString('utf8'), file);
}

/** The config as written back (cluster.yaml, `kubepki example`), in the shape people write it. */
export function specToYaml(spec: ClusterSpec, header = ''): string {
  const q = (text: string) => (/^[A-Za-z0-9._/-]+$/.test(text) ? text : JSON.stringify(text));
  const list = (items: string[]) => `[${items.map(q).join(', ')}]`;
  return `${header}apiVersion: ${spec.apiVersion}
kind: ${spec.kind}
name: ${q(spec.name)}
kubernetesVersion: ${q(spec.kubernetesVersion)}
endpoint: { host: ${q(spec.endpoint.host)}, port: ${spec.endpoint.port} }
apiServer: { port: ${spec.apiServer.port} }
network: { serviceCIDR: ${q(spec.network.serviceCIDR)}, clusterDomain: ${q(spec.network.clusterDomain)} }
nodes:
${spec.nodes.map(n => `  - { name: ${q(n.name)}, ip: ${q(n.ip)}, roles: ${list(n.roles)} }`).join('\n')}
pki:
  authorities: ${spec.pki.authorities}
  key: ${spec.pki.key}
  validity: { ca: ${q(spec.pki.validity.ca)}, certificate: ${q(spec.pki.validity.certificate)} }
  layout: ${spec.pki.layout}
${spec.pki.layout === 'kubeadm' ? `kubeadm: { flow: ${spec.kubeadm.flow} }\n` : ''}extraSANs: ${list(spec.extraSANs)}
ssh: { user: ${q(spec.ssh.user)}, sudo: ${spec.ssh.sudo} }
${spec.monitoring.expiry ? 'monitoring: { expiry: true }\n' : ''}`;
}
