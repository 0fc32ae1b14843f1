// The map as text (a terminal), DOT (Graphviz), Mermaid (a README) and SVG (DOT laid out by
// Graphviz compiled to WebAssembly, loaded only when an SVG is asked for).
import {wrapText} from '../text/wrap.js';
import type {AuthorityId} from '../plan/types.js';
import {SERVICES} from './connections.js';
import type {MapEdge, MapNode, Presented, TrustMap} from './types.js';

const nodeLabel = (map: TrustMap, id: string) => map.nodes.find(n => n.id === id)?.label ?? id;
const nodeOf = (map: TrustMap, id: string) => map.nodes.find(n => n.id === id);
// pki/etcd/ca.crt → etcd/ca.crt: short, and still not confused with the cluster's ca.crt.
const base = (file: string) => file.replace(/^pki\//, '');

const describePresented = (p: Presented) =>
  p.certificate ? `${p.certificate}${p.file ? ` (${p.file})` : ''}` : p.note ?? 'nothing of ours';
const describeCheck = (p: Presented) =>
  p.certificate ? `checks it with ${p.checkedWith.file} (${p.checkedWith.by})` : '';

function edgeHeading(map: TrustMap, e: MapEdge): string {
  const count = e.count > 1 ? ` ×${e.count}` : '';
  const verdict = e.problems.length ? (e.count > 1 ? `BROKEN (${e.broken} of ${e.count})` : 'BROKEN') : 'ok';
  return `${nodeLabel(map, e.client)} → ${nodeLabel(map, e.server)}${count}  [${SERVICES[e.service].label}]  ${verdict}`;
}

/** One connection, in words: who presents what, checked with which file, and why it fails. */
export function describeEdge(map: TrustMap, e: MapEdge): string[] {
  const lines = [edgeHeading(map, e)];
  const client = nodeLabel(map, e.client);
  const server = nodeLabel(map, e.server);
  lines.push(`  ${client} presents ${describePresented(e.clientPresents)}`);
  if (e.clientPresents.certificate) lines.push(`    ${server} ${describeCheck(e.clientPresents)}`);
  if (e.service !== 'etcd-peer' || e.client !== e.server) {
    lines.push(`  ${server} presents ${describePresented(e.serverPresents)}`);
    if (e.serverPresents.certificate) lines.push(`    ${client} ${describeCheck(e.serverPresents)}`);
  }
  for (const p of e.problems) lines.push(`  ✗ ${p}`);
  return lines;
}

export function renderMapText(map: TrustMap, columns?: number): string {
  const fit = (line: string) => {
    if (!columns || line.length <= columns) return [line];
    const indent = /^ */.exec(line)![0];
    return wrapText(line.trimStart(), columns - indent.length - 2).map((l, i) => `${indent}${i ? '  ' : ''}${l}`);
  };
  const authorities = map.nodes.filter(n => n.kind === 'authority');
  const broken = map.edges.filter(e => e.problems.length);
  const out = [
    map.title,
    `${map.edges.length} connections, ${broken.length ? `${broken.length} broken` : 'none broken'}; CAs: ${authorities.map(a => `${a.label} ${a.detail ?? ''}`.trim()).join(' · ')}`,
  ];
  // Broken connections first: they are what the reader came for.
  for (const e of [...broken, ...map.edges.filter(x => !x.problems.length)]) out.push('', ...describeEdge(map, e));
  return `${out.flatMap(fit).join('\n')}\n`;
}

const COLOURS: Record<AuthorityId | 'none', string> = {ca: '#1f5fbf', 'etcd-ca': '#1a7f37', 'front-proxy-ca': '#8250df', none: '#6e7781'};
const BROKEN = '#d1242f';
const colourOf = (e: MapEdge) => (e.problems.length ? BROKEN : COLOURS[e.clientPresents.checkedWith.authority ?? 'none']);

const shortCert = (p: Presented) => (p.certificate ?? (p.note?.startsWith('a service-account token') ? 'token' : p.note?.startsWith('a bootstrap') ? 'bootstrap token' : '—'));

/** The few words on an arrow: what each end presents and the CA file that checks the client. */
function edgeLines(e: MapEdge): string[] {
  const lines = [`${SERVICES[e.service].label}${e.count > 1 ? ` ×${e.count}` : ''}`];
  lines.push(`${shortCert(e.clientPresents)} ⇄ ${shortCert(e.serverPresents)}`);
  if (e.clientPresents.certificate) lines.push(`checked with ${base(e.clientPresents.checkedWith.file)}`);
  if (e.problems.length) {
    const shown = e.problems.slice(0, 2).flatMap(p => wrapText(`✗ ${p}`, 48));
    lines.push(...shown, ...(e.problems.length > 2 ? [`… and ${e.problems.length - 2} more`] : []));
    if (e.count > 1) lines.push(`(${e.broken} of ${e.count} broken)`);
  }
  return lines;
}

function nodeLines(n: MapNode): string[] {
  if (n.kind === 'authority') return [n.label, n.detail ?? ''].filter(Boolean);
  const hosts = n.count === 1 && n.hosts.length && !n.label.includes('@') ? [n.hosts.length > 3 ? `on ${n.hosts.length} nodes` : `on ${n.hosts.join(', ')}`] : [];
  return [n.label, ...hosts];
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const dotLines = (lines: string[]) => dotString(lines.join('\n')).replace(/\n/g, '\\n');

const SHAPE: Record<MapNode['kind'], string> = {
  authority: 'shape=note, style=filled, fillcolor="#fff4cc"',
  component: 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
  person: 'shape=box, style="rounded,filled", fillcolor="#e6f4ea"',
  external: 'shape=box, style="rounded,filled,dashed", fillcolor="#f6f8fa"',
};

export function renderMapDot(map: TrustMap): string {
  const out = [
    'digraph trust_map {',
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=16, labelloc=t, label=${dotString(map.title)}, nodesep=0.35, ranksep=1.1];`,
    // Graphviz in WebAssembly sizes text with built-in Helvetica metrics; browsers draw a wider
    // sans-serif, so boxes keep a wide margin.
    '  node [fontname="Helvetica", fontsize=11, margin="0.3,0.08"];',
    '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    '  subgraph cluster_authorities {',
    '    label="CAs (arrow colour: the CA that checks the client)"; style="rounded,dashed"; color="#c9a227"; fontsize=11;',
  ];
  for (const n of map.nodes.filter(x => x.kind === 'authority')) out.push(`    ${dotString(n.id)} [label=${dotLines(nodeLines(n))}, ${SHAPE.authority}, color=${dotString(COLOURS[n.id.slice('authority:'.length) as AuthorityId] ?? '#000')}];`);
  out.push('  }');
  for (const n of map.nodes.filter(x => x.kind !== 'authority')) {
    const fold = n.count > 1 ? ', peripheries=2' : '';
    out.push(`  ${dotString(n.id)} [label=${dotLines(nodeLines(n))}, ${SHAPE[n.kind]}${fold}];`);
  }
  for (const e of map.edges) {
    const colour = colourOf(e);
    const broken = e.problems.length ? `, penwidth=2.4, fontcolor=${dotString(BROKEN)}, tooltip=${dotString(e.problems.join('; '))}` : '';
    const both = e.service === 'etcd-peer' ? ', dir=both' : '';
    out.push(`  ${dotString(e.client)} -> ${dotString(e.server)} [label=${dotLines(edgeLines(e))}, color=${dotString(colour)}${broken}${both}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Mermaid labels: quoted, with the characters its parser treats specially written as entities. */
const mermaidText = (lines: string[]) =>
  `"${lines.map(l => l.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;')).join('<br/>')}"`;

export function renderMapMermaid(map: TrustMap): string {
  const ids = new Map(map.nodes.map((n, i) => [n.id, `n${i}`]));
  const out = ['flowchart LR', '  subgraph CAs["CAs (arrow colour: the CA that checks the client)"]'];
  for (const n of map.nodes.filter(x => x.kind === 'authority')) out.push(`    ${ids.get(n.id)}[${mermaidText(nodeLines(n))}]:::authority`);
  out.push('  end');
  for (const n of map.nodes.filter(x => x.kind !== 'authority')) out.push(`  ${ids.get(n.id)}(${mermaidText(nodeLines(n))}):::${n.kind}`);
  const styles: string[] = [];
  map.edges.forEach((e, i) => {
    const arrow = e.service === 'etcd-peer' ? '<-->' : '-->';
    out.push(`  ${ids.get(e.client)} ${arrow}|${mermaidText(edgeLines(e))}| ${ids.get(e.server)}`);
    styles.push(`  linkStyle ${i} stroke:${colourOf(e)},stroke-width:${e.problems.length ? 3 : 1.5}px`);
  });
  out.push(...styles,
    '  classDef authority fill:#fff4cc,stroke:#c9a227',
    '  classDef component fill:#e8f0fe,stroke:#1f5fbf',
    '  classDef person fill:#e6f4ea,stroke:#1a7f37',
    '  classDef external fill:#f6f8fa,stroke:#6e7781,stroke-dasharray:4');
  return `${out.join('\n')}\n`;
}

/** Graphviz (WebAssembly) lays the DOT out; imported here, so only an SVG pays for loading it. */
export async function renderMapSvg(map: TrustMap): Promise<string> {
  const {Graphviz} = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return graphviz.dot(renderMapDot(map), 'svg');
}

export type MapFormat = 'text' | 'dot' | 'mermaid' | 'svg';
export const MAP_FORMATS: MapFormat[] = ['text', 'dot', 'mermaid', 'svg'];

export async function renderMap(map: TrustMap, format: MapFormat, columns?: number): Promise<string> {
  switch (format) {
    case 'text': return renderMapText(map, columns);
    case 'dot': return renderMapDot(map);
    case 'mermaid': return renderMapMermaid(map);
    case 'svg': return renderMapSvg(map);
  }
}

/** After a check: the connections an inspected tree breaks (the map's red arrows), or nothing when none is. */
export function renderBrokenConnections(map: TrustMap, paths: string[], columns?: number): string {
  const broken = map.edges.filter(e => e.problems.length);
  if (broken.length === 0) return '';
  const title = `${broken.length} of ${map.edges.length} connections broken (the trust map's red arrows; draw it: kubepki map --inspect ${paths.join(' ')} --out trust-map.svg)`;
  // renderMapText's own header counts the edges it is given: drop it, keep the connections.
  const body = renderMapText({...map, edges: broken}, columns).split('\n');
  const first = body.findIndex(l => l === '');
  return `${[...(columns ? wrapText(title, columns) : [title]), ...body.slice(first)].join('\n')}`;
}
