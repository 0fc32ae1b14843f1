import {closeSync, openSync, readSync} from 'node:fs';
import {Document, LineCounter, parseDocument, isCollection, isMap, isNode, isScalar, isSeq, type Scalar} from 'yaml';
import {formatIssue, validate, type Issue} from './validate.js';
import type {ClusterSpec, NodeSpec} from './types.js';

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
  const {doc, lineCounter, raw} = readDocument(text, source);
  if (!expandsWithin(raw, MAX_EXPANDED_VALUES)) {
    throw new InputError([`${source}: its aliases (*name) expand to more than ${MAX_EXPANDED_VALUES.toLocaleString('en')} values; write the values out instead of nesting aliases`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError([`${source}: expected a mapping with apiVersion: kubepki/v1 and kind: Cluster (run \`kubepki example\`)`]);
  }
  const result = validate(raw);
  if (result.ok) return result.spec;
  throw new InputError(result.issues.map(issue => `${source}${lineOf(doc, lineCounter, issue)}: ${formatIssue(issue)}`));
}

/**
 * The one YAML reader (eemeli's yaml): a Document keeps what validation points at (each node's
 * line) and what a rewrite of cluster.yaml must keep (the comments, the style).
 */
function readDocument(text: string, source: string): {doc: Document.Parsed; lineCounter: LineCounter; raw: unknown} {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  let raw: unknown;
  try {
    doc = parseDocument(text, {lineCounter, prettyErrors: false});
    const error = doc.errors[0];
    if (error) {
      const {line, col} = lineCounter.linePos(error.pos[0]);
      throw new InputError([`${source}:${line}:${col}: not valid YAML: ${printable(error.message.split('\n')[0]!).slice(0, 200)}`]);
    }
    // An alias is the anchored value itself (shared, not copied), so a "billion laughs" costs
    // nothing here; expandsWithin counts it as a reader would see it.
    raw = doc.toJS({maxAliasCount: -1});
  } catch (error) {
    if (error instanceof RangeError) throw new InputError([`${source}: not valid YAML: nested too deeply`]);
    throw error;
  }
  return {doc, lineCounter, raw};
}

function lineOf(doc: Document.Parsed, lines: LineCounter, issue: Issue): string {
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

/**
 * OUT/cluster.yaml as an update writes it back: the text OUT holds, edited to describe `spec`, so
 * the user's comments, order and style stay (the same text when it already describes `spec`). A
 * new OUT, or a text that cannot be edited safely, gets the whole spec written out.
 */
export function clusterYamlText(spec: ClusterSpec, before: string | undefined, header: string): string {
  return (before === undefined ? undefined : editedText(spec, before)) ?? specToYaml(spec, header);
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function editedText(spec: ClusterSpec, text: string): string | undefined {
  try {
    const was = specFromText(text, 'cluster.yaml');
    if (sameValue(was, spec)) return text;
    const {doc} = readDocument(text, 'cluster.yaml');
    const edits: Edits = {values: [], structural: false};
    for (const key of Object.keys(spec) as (keyof ClusterSpec)[]) {
      if (key === 'nodes') editNodes(doc, was.nodes, spec.nodes, edits);
      else editValue(doc, [key], was[key], spec[key], edits);
    }
    // Values changed in place: every other byte of the file stays. A node added or removed: the
    // document is written out (comments kept; the spacing of its flow lists may change).
    const edited = edits.structural ? doc.toString({lineWidth: 0}) : edits.values.sort((a, b) => b.at[0] - a.at[0])
      .reduce((t, e) => `${t.slice(0, e.at[0])}${e.text}${t.slice(e.at[1])}`, text);
    // Only a text that reads back as exactly `spec` is written; anything else is written whole.
    return sameValue(specFromText(edited, 'cluster.yaml'), spec) ? edited : undefined;
  } catch {
    return undefined;
  }
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Scalars replaced where they stand in the text; `structural` when the document must be written out. */
interface Edits {
  values: {at: [number, number]; text: string}[];
  structural: boolean;
}

/** A scalar keeps its node (and the comment beside it); its new text replaces the old in place. */
function editScalar(node: Scalar, now: unknown, edits: Edits): void {
  node.value = now;
  const text = new Document(now).toString().trimEnd();
  if (node.range && !text.includes('\n')) edits.values.push({at: [node.range[0], node.range[1]], text});
  else edits.structural = true;
}

/** Sets what differs, leaf by leaf: a scalar in place, a list keeping its flow style. */
function editValue(doc: Document, path: (string | number)[], was: unknown, now: unknown, edits: Edits): void {
  if (sameValue(was, now)) return;
  if (isPlain(was) && isPlain(now)) {
    for (const key of Object.keys(now)) editValue(doc, [...path, key], was[key], now[key], edits);
    return;
  }
  const node = doc.getIn(path, true);
  if (isScalar(node) && !isPlain(now) && !Array.isArray(now)) return editScalar(node, now, edits);
  const fresh = doc.createNode(now);
  if (isCollection(node) && isCollection(fresh)) fresh.flow = node.flow;
  doc.setIn(path, fresh);
  edits.structural = true;
}

/** Nodes by name: gone ones deleted, kept ones edited in place, new ones inserted where the spec has them. */
function editNodes(doc: Document, was: NodeSpec[], now: NodeSpec[], edits: Edits): void {
  const seq = doc.getIn(['nodes'], true);
  const names = new Set(now.map(n => n.name));
  const kept = was.filter(n => names.has(n.name));
  const order = now.filter(n => kept.some(k => k.name === n.name));
  if (!isSeq(seq) || seq.items.length !== was.length || !sameValue(kept.map(n => n.name), order.map(n => n.name))) {
    editValue(doc, ['nodes'], was, now, edits);
    return;
  }
  if (was.length !== now.length || kept.length !== was.length) edits.structural = true;
  const items = seq.items.filter((_, i) => names.has(was[i]!.name));
  const flow = isCollection(items[0]) ? items[0].flow : true;
  seq.items = now.map(node => {
    const index = kept.findIndex(k => k.name === node.name);
    if (index >= 0) {
      const item = items[index];
      if (isMap(item)) {
        for (const field of Object.keys(node) as (keyof NodeSpec)[]) {
          if (sameValue(kept[index]![field], node[field])) continue;
          const value = item.get(field, true);
          if (isScalar(value) && typeof node[field] === 'string') editScalar(value, node[field], edits);
          else {
            const fresh = doc.createNode(node[field]);
            if (isCollection(value) && isCollection(fresh)) fresh.flow = value.flow;
            item.set(field, fresh);
            edits.structural = true;
          }
        }
        return item;
      }
    }
    const fresh = doc.createNode({...node});
    fresh.flow = flow;
    edits.structural = true;
    return fresh;
  });
}
