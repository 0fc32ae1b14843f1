// What must restart after files change, derived from the plan's readers (plan.reads: the same
// table the units and kubeadm configurations are made from), never from a list per command.
// A component reads its files when it starts, so a changed file means a restart of exactly the
// components that read it, on exactly the nodes that have it, in an order that keeps the
// cluster answering: etcd members one at a time, then apiservers one at a time, then the
// controller-managers and schedulers (leader-elected), then kubelets and kube-proxy in batches.
import {COMPONENTS, type Component} from './components.js';
import type {ComponentRead, Plan} from './types.js';

/** One component on one node, and the files it reads that changed. */
export interface Restart {
  node: string;
  component: Component;
  /** The changed files it reads: the master copy (OUT-relative), where the node has it, and by which flag. */
  because: Pick<ComponentRead, 'source' | 'path' | 'via'>[];
}

/** The restarts of one component, in node order. */
export interface RestartStage {
  component: Component;
  /**
   * one-at-a-time: the next node only after this one passed its health check (etcd keeps quorum,
   * the endpoint keeps an apiserver, a leader stays elected); batches: many nodes at once (a
   * kubelet or kube-proxy restart touches only its own node).
   */
  order: 'one-at-a-time' | 'batches';
  restarts: Restart[];
}

const ORDER: Record<Component, RestartStage['order']> = {
  'etcd': 'one-at-a-time',
  'kube-apiserver': 'one-at-a-time',
  'kube-controller-manager': 'one-at-a-time',
  'kube-scheduler': 'one-at-a-time',
  'kubelet': 'batches',
  'kube-proxy': 'batches',
};

/**
 * The restarts that make the running cluster read `changed` (OUT-relative paths of files written
 * anew: the engine's report), in the safe order above. Empty when no component reads a changed
 * file (a user's kubeconfig, admin.conf, cluster.yaml). `running`: the nodes that were in the
 * cluster before the change; a node added by it starts rather than restarts.
 */
export function restartsFor(plan: Plan, changed: ReadonlySet<string>, running?: ReadonlySet<string>): RestartStage[] {
  const byKey = new Map<string, Restart>();
  for (const read of plan.reads) {
    if (!changed.has(read.source) || (running && !running.has(read.node))) continue;
    const key = `${read.component}\0${read.node}`;
    const restart = byKey.get(key) ?? {node: read.node, component: read.component, because: []};
    if (!restart.because.some(b => b.path === read.path && b.via === read.via)) restart.because.push({source: read.source, path: read.path, via: read.via});
    byKey.set(key, restart);
  }
  const nodeOrder = new Map(plan.nodes.map((n, i) => [n.name, i]));
  return COMPONENTS.flatMap(component => {
    const restarts = [...byKey.values()].filter(r => r.component === component)
      .sort((a, b) => nodeOrder.get(a.node)! - nodeOrder.get(b.node)!);
    return restarts.length ? [{component, order: ORDER[component], restarts}] : [];
  });
}
