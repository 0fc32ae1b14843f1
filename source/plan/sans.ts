// SAN rules as small named functions, as kubeadm's certlist does: each returns the names a
// certificate must carry for one reason, and the catalog lists which rules apply.
import {canonicalIp, ipFamily} from '../spec/net.js';
import {isControlPlane, type ClusterSpec, type NodeSpec} from '../spec/types.js';

export interface Names {
  dns: string[];
  ip: string[];
}

export type SanRule = (spec: ClusterSpec, ctx: {node?: NodeSpec; serviceIp: string}) => Names;

const dnsOrIp = (values: string[]): Names => ({
  dns: values.filter(v => !ipFamily(v)),
  ip: values.filter(v => ipFamily(v)),
});

/** In-cluster clients reach the apiserver through the `kubernetes` Service, by any of its DNS names or its ClusterIP. */
export const kubernetesServiceNames: SanRule = (spec, {serviceIp}) => ({
  dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${spec.network.clusterDomain}`],
  ip: [serviceIp],
});

/** One centrally made apiserver certificate serves every control-plane node, so it names each of them. */
export const controlPlaneNodeNames: SanRule = spec => ({
  dns: spec.nodes.filter(isControlPlane).map(n => n.name),
  ip: spec.nodes.filter(isControlPlane).map(n => n.ip),
});

/** Clients outside the cluster dial the endpoint (load balancer or first node): without it, x509 "valid for X, not Y". */
export const endpointName: SanRule = spec => dnsOrIp([spec.endpoint.host]);

export const extraNames: SanRule = spec => dnsOrIp(spec.extraSANs);

/** The Hard Way runs controller-manager and scheduler against https://127.0.0.1. */
export const loopbackAddress: SanRule = () => ({dns: [], ip: ['127.0.0.1']});

/** etcd members dial each other by address and probes dial localhost, over IPv4 and IPv6 loopback. */
export const etcdMemberNames: SanRule = (_spec, {node}) => ({
  dns: [node!.name, 'localhost'],
  ip: [node!.ip, '127.0.0.1', '::1'],
});

/** The apiserver reaches a kubelet (logs, exec, metrics) by the node's name or address. */
export const kubeletNames: SanRule = (_spec, {node}) => ({dns: [node!.name], ip: [node!.ip]});

/** Apply rules in order, dropping repeats (an endpoint that is also a node IP appears once); linear in the names. */
export function collectNames(rules: SanRule[], spec: ClusterSpec, ctx: {node?: NodeSpec; serviceIp: string}): Names {
  const dns = new Set<string>();
  const ip = new Map<string, string>();
  for (const rule of rules) {
    const names = rule(spec, ctx);
    for (const d of names.dns) dns.add(d);
    for (const a of names.ip) {
      const key = canonicalIp(a);
      if (!ip.has(key)) ip.set(key, a);
    }
  }
  return {dns: [...dns], ip: [...ip.values()]};
}
