// What starts each component, per node: the flags (and config-file fields) that name the files
// kubepki installs there. The file flags are not written here: they come from the catalog's
// `readers` of each certificate, key and kubeconfig, so a flag cannot name a path that the
// node does not receive. This file adds only what is not about files (addresses, ranges).
import type {ClusterSpec, NodeSpec} from '../spec/types.js';
import {etcdNodes, isControlPlane, runsKubelet} from '../spec/types.js';

export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'] as const;
export type Component = (typeof COMPONENTS)[number];

/**
 * One use of a file by a component: a command-line flag (`--tls-cert-file`) or a field of the
 * component's config file (`tlsCertFile`, `clientConnection.kubeconfig`).
 */
export interface Reader {
  component: Component;
  flag: string;
  /** Which file of the item it reads: a certificate, its key, or the file itself (kubeconfig, sa.pub). */
  part: 'cert' | 'key' | 'file';
}

export const readsFlag = (r: Reader) => r.flag.startsWith('--');
export const describeReader = (r: Reader) => `${r.component} ${r.flag}`;

/** Which nodes run a component (hard-way units; kubeadm writes its own static pods). */
export function runsOn(component: Component, spec: Pick<ClusterSpec, 'nodes'>, node: NodeSpec): boolean {
  switch (component) {
    case 'etcd': return etcdNodes(spec).some(n => n.name === node.name);
    case 'kube-apiserver': case 'kube-controller-manager': case 'kube-scheduler': return isControlPlane(node);
    case 'kubelet': case 'kube-proxy': return runsKubelet(node);
  }
}

/** How long a stopping kube-apiserver keeps serving while load balancers drain it (hard-way units). */
export const APISERVER_SHUTDOWN_DELAY_SECONDS = 10;

const host = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

/** The flags that are not file paths, in the order a unit lists them (file flags are merged in by name). */
export function staticFlags(component: Component, spec: ClusterSpec, node: NodeSpec, serviceIssuer: string): [string, string][] {
  const etcd = etcdNodes(spec);
  switch (component) {
    case 'etcd': return [
      ['--name', node.name],
      ['--data-dir', '/var/lib/etcd'],
      ['--listen-client-urls', `https://${host(node.ip)}:2379,https://127.0.0.1:2379`],
      ['--advertise-client-urls', `https://${host(node.ip)}:2379`],
      ['--listen-peer-urls', `https://${host(node.ip)}:2380`],
      ['--initial-advertise-peer-urls', `https://${host(node.ip)}:2380`],
      ['--initial-cluster', etcd.map(n => `${n.name}=https://${host(n.ip)}:2380`).join(',')],
      ['--initial-cluster-state', 'new'],
      ['--initial-cluster-token', `${spec.name}-etcd`],
      // Without these two, etcd accepts any client or peer that can reach the port.
      ['--client-cert-auth', 'true'],
      ['--peer-client-cert-auth', 'true'],
    ];
    case 'kube-apiserver': return [
      ['--advertise-address', node.ip],
      ['--bind-address', node.ip.includes(':') ? '::' : '0.0.0.0'],
      ['--secure-port', String(spec.apiServer.port)],
      ['--allow-privileged', 'true'],
      ['--authorization-mode', 'Node,RBAC'],
      // NodeRestriction: a kubelet may change only its own Node object.
      ['--enable-admission-plugins', 'NodeRestriction'],
      ['--etcd-servers', etcd.map(n => `https://${host(n.ip)}:2379`).join(',')],
      ['--kubelet-preferred-address-types', 'InternalIP,ExternalIP,Hostname'],
      ['--requestheader-allowed-names', 'front-proxy-client'],
      ['--requestheader-extra-headers-prefix', 'X-Remote-Extra-'],
      ['--requestheader-group-headers', 'X-Remote-Group'],
      ['--requestheader-username-headers', 'X-Remote-User'],
      ['--service-account-issuer', serviceIssuer],
      ['--service-cluster-ip-range', spec.network.serviceCIDR],
      // Graceful shutdown behind a load balancer (a restart after renew, one node at a time): on
      // SIGTERM /readyz fails at once but the apiserver keeps accepting and serving for this long,
      // so the balancer's health check drains it before it closes its port (HAProxy's defaults,
      // inter 2s × fall 3, take 6 s); without it, connections sent in that window are refused.
      // Requests that still arrive after it get 429 with Retry-After, which clients retry,
      // rather than a closed connection.
      ['--shutdown-delay-duration', `${APISERVER_SHUTDOWN_DELAY_SECONDS}s`],
      ['--shutdown-send-retry-after', 'true'],
      ['--v', '2'],
    ];
    case 'kube-controller-manager': return [
      ['--bind-address', '127.0.0.1'],
      ['--cluster-name', spec.name],
      ['--controllers', '*,bootstrapsigner,tokencleaner'],
      ['--leader-elect', 'true'],
      ['--service-cluster-ip-range', spec.network.serviceCIDR],
      ['--use-service-account-credentials', 'true'],
      ['--v', '2'],
    ];
    case 'kube-scheduler': return [
      ['--bind-address', '127.0.0.1'],
      ['--leader-elect', 'true'],
      ['--v', '2'],
    ];
    case 'kubelet': return [
      ['--config', KUBELET_CONFIG],
      ['--register-node', 'true'],
      ['--v', '2'],
    ];
    case 'kube-proxy': return [
      ['--config', KUBE_PROXY_CONFIG],
    ];
  }
}

/** The config files the kubelet and kube-proxy units point at; their file fields come from readers. */
export const KUBELET_CONFIG = '/var/lib/kubelet/kubelet-config.yaml';
export const KUBE_PROXY_CONFIG = '/var/lib/kube-proxy/kube-proxy-config.yaml';

/** The non-file fields of those config files. */
export function staticConfig(component: 'kubelet' | 'kube-proxy', spec: ClusterSpec, clusterDns: string): Record<string, unknown> {
  if (component === 'kubelet') {
    return {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // Only callers with a certificate from the cluster CA (the apiserver) or a token the
      // apiserver vouches for may use the kubelet's API; anonymous calls are refused.
      authentication: {anonymous: {enabled: false}, webhook: {enabled: true}},
      authorization: {mode: 'Webhook'},
      clusterDomain: spec.network.clusterDomain,
      clusterDNS: [clusterDns],
      // As The Hard Way's kubelet-config.yaml: its containerd runs with SystemdCgroup = true, and
      // a kubelet on the cgroupfs default would not match it.
      cgroupDriver: 'systemd',
      containerRuntimeEndpoint: 'unix:///var/run/containerd/containerd.sock',
    };
  }
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
  };
}
