// A map of 500 kubelets is unreadable: nodes of one kind beyond a few fold into one box with a
// count, and their arrows into one arrow with a count (and how many of them are broken).
// `--node NAME` keeps the named host, component or kind unfolded.
import type {MapEdge, MapNode, Presented, TrustMap} from './types.js';

export const FOLD_ABOVE = 6;

const matches = (node: MapNode, name: string) =>
  node.id === name || node.label === name || node.group === name || node.hosts.includes(name);

/** The names --node accepts that match nothing on this map (so the command can refuse them). */
export function unknownNames(map: TrustMap, names: string[]): string[] {
  return names.filter(name => !map.nodes.some(n => matches(n, name)));
}

function abbreviate(list: string[]): string {
  return list.length <= 3 ? list.join(', ') : `${list[0]}, ${list[1]} … ${list.at(-1)}`;
}

function mergePresented(all: Presented[]): Presented {
  const first = all[0]!;
  const certificates = [...new Set(all.map(p => p.certificate))];
  const files = [...new Set(all.map(p => p.file))];
  const checks = [...new Set(all.map(p => p.checkedWith.file))];
  const collapse = (values: (string | null)[]) =>
    values.length === 1 ? values[0]! : `${(values[0] ?? '').split('/')[0]}/… (${values.length})`;
  return {
    ...first,
    certificate: certificates.length === 1 ? first.certificate : collapse(certificates),
    file: files.length === 1 ? first.file : `${files.length} files`,
    checkedWith: checks.length === 1 ? first.checkedWith : {...first.checkedWith, file: `${checks.length} files`},
  };
}

export function foldMap(map: TrustMap, options: {expand?: string[]; foldAbove?: number} = {}): TrustMap {
  const expand = options.expand ?? [];
  const above = options.foldAbove ?? FOLD_ABOVE;
  const byGroup = new Map<string, MapNode[]>();
  for (const node of map.nodes) {
    if (node.kind === 'authority' || expand.some(name => matches(node, name))) continue;
    byGroup.set(node.group, [...(byGroup.get(node.group) ?? []), node]);
  }
  const into = new Map<string, string>();
  const nodes: MapNode[] = [];
  const folded = new Map<string, MapNode>();
  for (const node of map.nodes) {
    const group = byGroup.get(node.group);
    if (!group || group.length <= above || !group.includes(node)) {
      nodes.push(node);
      continue;
    }
    const id = `${node.group}:*`;
    into.set(node.id, id);
    if (folded.has(id)) continue;
    const hosts = group.flatMap(n => n.hosts);
    const box: MapNode = {
      id, kind: node.kind, group: node.group, hosts, count: group.reduce((sum, n) => sum + n.count, 0),
      label: `${node.group} ×${group.length}${hosts.length ? ` (${abbreviate(hosts)})` : ''}`,
    };
    folded.set(id, box);
    nodes.push(box);
  }
  const edges = new Map<string, MapEdge[]>();
  for (const edge of map.edges) {
    const client = into.get(edge.client) ?? edge.client;
    const server = into.get(edge.server) ?? edge.server;
    const id = `${edge.service}:${client}->${server}`;
    edges.set(id, [...(edges.get(id) ?? []), {...edge, id, client, server}]);
  }
  return {
    title: map.title,
    nodes,
    edges: [...edges.values()].map(group => group.length === 1 ? group[0]! : {
      ...group[0]!,
      clientPresents: mergePresented(group.map(e => e.clientPresents)),
      serverPresents: mergePresented(group.map(e => e.serverPresents)),
      problems: [...new Set(group.flatMap(e => e.problems))],
      count: group.reduce((sum, e) => sum + e.count, 0),
      broken: group.reduce((sum, e) => sum + e.broken, 0),
    }),
  };
}
