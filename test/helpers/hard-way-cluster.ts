import {specWith} from './cluster.js';

/** The 3 control-plane + 4 worker hard-way cluster with a DNS endpoint, as The Hard Way's readers name it. */
export const hardWaySpec = () => specWith(c => {
  c.endpoint.host = 'server.kubernetes.local';
  c.pki = {...c.pki, layout: 'hard-way', authorities: 'single'};
  c.nodes = [
    ...[1, 2, 3].map(i => ({name: `cp${i}`, ip: `192.168.56.2${i}`, roles: ['control-plane', 'etcd']})),
    ...[1, 2, 3, 4].map(i => ({name: `worker${i}`, ip: `192.168.56.3${i}`, roles: ['worker']})),
  ];
});
