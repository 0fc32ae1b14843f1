import {validate} from './validate.js';
import type {ClusterSpec} from './types.js';

/** The seeds' topology: a load balancer in front of two control-plane nodes, two workers. */
export const EXAMPLE_CONFIG = {
  apiVersion: 'kubepki/v1',
  kind: 'Cluster',
  name: 'kubernetes',
  endpoint: {host: '192.168.56.20', port: 6443},
  network: {serviceCIDR: '10.32.0.0/24', clusterDomain: 'cluster.local'},
  nodes: [
    {name: 'cp1', ip: '192.168.56.21', roles: ['control-plane', 'etcd']},
    {name: 'cp2', ip: '192.168.56.22', roles: ['control-plane', 'etcd']},
    {name: 'worker1', ip: '192.168.56.23', roles: ['worker']},
    {name: 'worker2', ip: '192.168.56.24', roles: ['worker']},
  ],
  pki: {authorities: 'kubeadm', key: 'rsa-2048', validity: {ca: '87600h', certificate: '8760h'}, layout: 'kubeadm'},
  extraSANs: [],
  ssh: {user: 'root', sudo: false},
};

export function exampleSpec(): ClusterSpec {
  const result = validate(structuredClone(EXAMPLE_CONFIG));
  if (!result.ok) throw new Error('the built-in example does not validate');
  return result.spec;
}

export const EXAMPLE_HEADER = `# kubepki cluster description. Edit, then:
#   kubepki plan --config cluster.yaml
#   kubepki generate --config cluster.yaml --out pki-out
# endpoint: the address clients use for the apiserver (a load balancer, or the first
#   control-plane node); it goes into the apiserver certificate.
# roles: control-plane, etcd, worker. control-plane and worker nodes run a kubelet;
#   without any etcd node, etcd runs on the control-plane nodes.
# pki.authorities: single | etcd-separate | kubeadm (1, 2 or 3 CAs)
# pki.key: rsa-2048 | rsa-3072 | rsa-4096 | ecdsa-p256 | ecdsa-p384
#   (ECDSA: smaller keys, made a thousand times faster; every Kubernetes component accepts them)
# pki.layout: kubeadm | hard-way
`;
