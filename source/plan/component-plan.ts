// Per node, per component: the flags that start it. File flags come from the catalog's readers,
// resolved to the path where this node receives the file; a reader whose file the node does not
// receive is a catalog error, so a unit can never name a file that is not shipped.
import type {ClusterSpec, NodeSpec} from '../spec/types.js';
import {firstServiceIp, parseCidr} from '../spec/net.js';
import {
  COMPONENTS, KUBE_PROXY_CONFIG, KUBELET_CONFIG, readsFlag, runsOn, staticConfig, staticFlags,
  type Component, type Reader,
} from './components.js';
import type {Audience} from './layouts.js';
import type {ComponentPlan, ComponentRead, Install} from './types.js';

/** One reader of one planned file, with where that file is placed. */
export interface ReadFile {
  reader: Reader;
  placed: {on: Audience; installs: Install[]}[];
  /** The node a per-node file belongs to (it is read only there). */
  owner: string | null;
  item: string;
  source: string;
}

const AUDIENCE: Record<Component, Audience> = {
  'etcd': 'etcd',
  'kube-apiserver': 'control-plane',
  'kube-controller-manager': 'control-plane',
  'kube-scheduler': 'control-plane',
  'kubelet': 'kubelet',
  'kube-proxy': 'kubelet',
};

/** Master-copy folder of the rendered units and config files (not secret: paths and flags only). */
export const componentsDir = (node: string) => `components/${node}`;

/** Where `node` has the file `read` names for `component` (its own audience's copy first); undefined when it has none. */
function placedOn(read: ReadFile, node: NodeSpec, component: Component): string | undefined {
  const here = read.placed.filter(p => p.installs.some(i => i.node === node.name));
  const chosen = here.find(p => p.on === AUDIENCE[component]) ?? here[0];
  return chosen?.installs.find(i => i.node === node.name)?.path;
}

function pathOn(read: ReadFile, node: NodeSpec, component: Component): string {
  const path = placedOn(read, node, component);
  if (path === undefined) throw new Error(`catalog error: ${component} on ${node.name} reads ${read.item} (${read.reader.flag}), which ${node.name} does not receive`);
  return path;
}

/**
 * Every file each component reads on each node, from the same readers the units are made from:
 * what must restart when a file changes (plan/restarts.ts). In the kubeadm layout a reader whose
 * file a node does not receive from kubepki (kubeadm makes it there) is left out; in the hard-way
 * layout the units and config files themselves are read too (by systemd and the component).
 */
export function componentReads(spec: ClusterSpec, reads: ReadFile[], components: ComponentPlan[]): ComponentRead[] {
  const table: ComponentRead[] = [];
  for (const node of spec.nodes) {
    for (const component of COMPONENTS) {
      if (!runsOn(component, spec, node)) continue;
      for (const read of reads) {
        if (read.reader.component !== component || (read.owner !== null && read.owner !== node.name)) continue;
        const path = placedOn(read, node, component);
        if (path !== undefined) table.push({node: node.name, component, source: read.source, path, via: read.reader.flag});
      }
    }
  }
  for (const c of components) {
    for (const f of c.files) table.push({node: c.node, component: c.component, source: f.source, path: f.target, via: f === c.files[0] ? 'unit' : 'config'});
  }
  return table;
}

function setField(target: Record<string, unknown>, dotted: string, value: unknown) {
  const parts = dotted.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
  at[parts.at(-1)!] = value;
}

export function planComponents(spec: ClusterSpec, reads: ReadFile[], serviceIssuer: string): ComponentPlan[] {
  const cidr = parseCidr(spec.network.serviceCIDR);
  if (!cidr.ok) throw new Error(`planComponents needs a validated spec: ${cidr.reason}`);
  // The cluster DNS Service conventionally takes the tenth address of the service range.
  const clusterDns = firstServiceIp(cidr.cidr, 10);
  const byComponent = new Map<Component, ReadFile[]>();
  for (const read of reads) byComponent.set(read.reader.component, [...(byComponent.get(read.reader.component) ?? []), read]);

  const plans: ComponentPlan[] = [];
  for (const node of spec.nodes) {
    for (const component of COMPONENTS) {
      if (!runsOn(component, spec, node)) continue;
      const flags = staticFlags(component, spec, node, serviceIssuer);
      const config = component === 'kubelet' || component === 'kube-proxy' ? staticConfig(component, spec, clusterDns) : undefined;
      for (const read of byComponent.get(component) ?? []) {
        if (read.owner !== null && read.owner !== node.name) continue;
        const path = pathOn(read, node, component);
        if (readsFlag(read.reader)) flags.push([read.reader.flag, path]);
        else setField(config!, read.reader.flag, path);
      }
      flags.sort(([a], [b]) => a.localeCompare(b));
      const unit = {source: `${componentsDir(node.name)}/${component}.service`, target: `/etc/systemd/system/${component}.service`};
      const configFile = config && {
        source: `${componentsDir(node.name)}/${component}-config.yaml`,
        target: component === 'kubelet' ? KUBELET_CONFIG : KUBE_PROXY_CONFIG,
      };
      plans.push({
        node: node.name,
        component,
        flags,
        config: config && configFile ? {...configFile, fields: config} : undefined,
        files: configFile ? [unit, configFile] : [unit],
      });
    }
  }
  return plans;
}
