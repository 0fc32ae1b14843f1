import {readFileSync} from 'node:fs';
import {load, YAMLException} from 'js-yaml';
import {LineCounter, parseDocument, isNode} from 'yaml';
import {formatIssue, validate, type Issue} from './validate.js';
import type {ClusterSpec} from './types.js';

import {InputError} from './errors.js';

export {InputError};

/** Parse and validate config text; every problem is reported with its line when the file has one. */
export function specFromText(text: string, source: string): ClusterSpec {
  if (text.trim() === '') throw new InputError([`${source}: the file is empty (run \`kubepki example\` for a starting point)`]);
  // js-yaml reads a 5,000-node file in ~40 ms (yaml's Document API takes ~400 ms); the Document
  // is built only when there is an invalid field to point at.
  let raw: unknown;
  try {
    raw = load(text, {filename: source});
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const at = error.mark ? `:${error.mark.line + 1}:${error.mark.column + 1}` : '';
    throw new InputError([`${source}${at}: not valid YAML: ${error.reason}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError([`${source}: expected a mapping with apiVersion: kubepki/v1 and kind: Cluster (run \`kubepki example\`)`]);
  }
  const result = validate(raw);
  if (result.ok) return result.spec;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {lineCounter});
  throw new InputError(result.issues.map(issue => `${source}${lineOf(doc, lineCounter, issue)}: ${formatIssue(issue)}`));
}

function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, issue: Issue): string {
  for (let n = issue.path.length; n > 0; n--) {
    const node = doc.getIn(issue.path.slice(0, n), true);
    if (isNode(node) && node.range) return `:${lines.linePos(node.range[0]).line}`;
  }
  return '';
}

export function specFromFile(file: string): ClusterSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new InputError([`${file}: cannot read the config: ${why}`]);
  }
  return specFromText(text, file);
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
ssh: { user: ${q(spec.ssh.user)} }
`;
}
