// The trust map from what a cluster holds: each certificate's readers (the catalog) say which
// component presents it and on which connection; the trust slots say which CA file the other
// end checks it with. A plan and an inspected tree both become a MapSource first, so both maps
// are drawn by the same rules.
import {CERTIFICATES, KUBECONFIGS, forLayout} from '../plan/catalog.js';
import {describeReader, type Component} from '../plan/components.js';
import type {TrustSlot} from '../plan/layouts.js';
import type {AuthorityId, CertificateId} from '../plan/types.js';
import type {Layout} from '../spec/types.js';
import {AGGREGATED_APIS, HELD_BY_PEOPLE, KUBECONFIG_PEOPLE, PODS, PRESENTED_BY, SERVICES} from './connections.js';
import type {MapEdge, MapNode, Presented, ServiceId, TrustMap} from './types.js';

/** A reason a connection fails. `podsOnly`: a name of the kubernetes Service, which only pods dial. */
export interface Problem {
  text: string;
  podsOnly?: boolean;
}

export interface SourceCertificate {
  id: CertificateId;
  node: string | null;
  ref: string;
  file: string;
  problems: Problem[];
}

export interface SourceAuthority {
  id: AuthorityId;
  file: string;
  problems: Problem[];
}

export interface MapSource {
  title: string;
  layout: Layout;
  /** The authority that fills each trust slot (null: none found). */
  slots: Record<TrustSlot, SourceAuthority | null>;
  authorities: SourceAuthority[];
  certificates: SourceCertificate[];
  users: {name: string; file: string; problems: Problem[]}[];
  /** The file tokens are checked with (sa.pub, or The Hard Way's service-accounts.crt). */
  serviceAccount: {file: string; problems: Problem[]} | null;
  controlPlane: string[];
  /** Hosts that run a kubelet (a kubelet with no client certificate here bootstraps its own). */
  kubeletHosts: string[];
}

const AUTHORITY_NAME: Record<AuthorityId, string> = {ca: 'cluster CA', 'etcd-ca': 'etcd CA', 'front-proxy-ca': 'front-proxy CA'};

/** Who presents what, to which service, as which end. */
interface Presenter {
  service: ServiceId;
  side: 'server' | 'client' | 'peer';
  node: string;
  certificate: SourceCertificate | null;
  note?: string;
  /** Extra reasons it fails (a user's or pods' own). */
  problems?: Problem[];
  pods?: boolean;
}

const kindOf = (id: CertificateId) => CERTIFICATES.find(k => k.id === id)!;

export function buildTrustMap(source: MapSource): TrustMap {
  const nodes = new Map<string, MapNode>();
  const addNode = (id: string, kind: MapNode['kind'], label: string, group: string, hosts: string[] = []) => {
    const known = nodes.get(id);
    if (known) {
      for (const h of hosts) if (!known.hosts.includes(h)) known.hosts.push(h);
      return id;
    }
    nodes.set(id, {id, kind, label, group, hosts: [...hosts], count: 1});
    return id;
  };
  const componentHosts = (component: Component) =>
    component === 'kubelet' || component === 'kube-proxy' ? source.kubeletHosts
      : component === 'etcd' ? [] : source.controlPlane;
  /** A component: one node per host where its certificates are per host (etcd, kubelet), else one for the cluster. */
  const instance = (component: Component, host: string | null) =>
    host ? addNode(`${component}@${host}`, 'component', `${component}@${host}`, component, [host])
      : addNode(component, 'component', component, component, componentHosts(component));

  for (const a of source.authorities) {
    const id = addNode(`authority:${a.id}`, 'authority', AUTHORITY_NAME[a.id], 'authority');
    const slots = (Object.keys(source.slots) as TrustSlot[]).filter(s => source.slots[s]?.file === a.file);
    nodes.get(id)!.detail = `${a.file}${slots.length ? ` (trusted as ${slots.join(', ')})` : ''}`;
  }

  const presenters: Presenter[] = [];
  let tokenCertificate: SourceCertificate | null = null;
  for (const cert of source.certificates) {
    const kind = kindOf(cert.id);
    let placed = false;
    for (const reader of forLayout(kind.readers, source.layout).filter(r => r.part === 'cert')) {
      const use = PRESENTED_BY[describeReader(reader)];
      if (!use) throw new Error(`map: no connection known for ${describeReader(reader)} (${cert.id}); add it to PRESENTED_BY`);
      placed = true;
      if ('token' in use) { tokenCertificate = cert; continue; }
      presenters.push({service: use.service, side: use.side, node: instance(reader.component, cert.node), certificate: cert});
    }
    for (const kubeconfig of KUBECONFIGS.filter(k => k.certificate === cert.id)) {
      placed = true;
      const reader = kubeconfig.readers[0];
      const node = reader ? instance(reader.component, cert.node)
        : addNode(`person:${kubeconfig.id}`, 'person', KUBECONFIG_PEOPLE[kubeconfig.id] ?? kubeconfig.id, 'person');
      if (!presenters.some(p => p.node === node && p.service === 'kube-apiserver' && p.certificate === cert)) {
        presenters.push({service: 'kube-apiserver', side: 'client', node, certificate: cert});
      }
    }
    const person = HELD_BY_PEOPLE[cert.id];
    if (!placed && person) {
      presenters.push({service: person.service, side: 'client', node: addNode(`person:${cert.id}`, 'person', person.person, 'person'), certificate: cert});
    }
  }
  for (const user of source.users) {
    const node = addNode(`person:user:${user.name}`, 'person', `user ${user.name} (kubectl)`, 'user');
    presenters.push({service: 'kube-apiserver', side: 'client', node, certificate: {id: 'admin', node: null, ref: `user/${user.name}`, file: user.file, problems: user.problems}});
  }
  // A kubelet with no client certificate here: kubeadm join's bootstrap token, then a certificate the controller-manager signs.
  for (const host of source.kubeletHosts) {
    const node = instance('kubelet', host);
    if (!presenters.some(p => p.node === node && p.service === 'kube-apiserver')) {
      presenters.push({service: 'kube-apiserver', side: 'client', node, certificate: null, note: 'a bootstrap token, then the certificate the controller-manager signs for it'});
    }
  }
  presenters.push({
    service: 'kube-apiserver', side: 'client', node: addNode('pods', 'external', PODS, 'pods'), certificate: null, pods: true,
    note: `a service-account token, checked with ${tokenCertificate?.file ?? source.serviceAccount?.file ?? 'the service-account public key'} (kube-apiserver --service-account-key-file)`,
    problems: [...(tokenCertificate?.problems ?? []), ...(source.serviceAccount?.problems ?? [])],
  });

  const edges: MapEdge[] = [];
  const trustOf = (slot: TrustSlot) => source.slots[slot];
  const presented = (p: Presenter, slot: TrustSlot | null, by: string): Presented => {
    const authority = slot ? trustOf(slot) : null;
    return {
      certificate: p.certificate?.ref ?? null,
      file: p.certificate?.file ?? null,
      checkedWith: {authority: authority?.id ?? null, file: authority?.file ?? (slot ? `(no ${slot} CA found)` : '-'), by},
      ...(p.note ? {note: p.note} : {}),
    };
  };
  const connect = (service: ServiceId, client: Presenter, server: Presenter) => {
    const s = SERVICES[service];
    const problems: Problem[] = [
      ...(client.certificate?.problems ?? []), ...(client.problems ?? []),
      ...(server.certificate?.problems ?? []).filter(p => !p.podsOnly || client.pods),
      ...(client.certificate ? trustOf(s.clientCheck.slot)?.problems ?? [] : []),
      ...(s.serverCheck && server.certificate ? trustOf(s.serverCheck.slot)?.problems ?? [] : []),
    ];
    const texts = [...new Set(problems.map(p => p.text))];
    edges.push({
      id: `${service}:${client.node}->${server.node}`,
      service, client: client.node, server: server.node,
      clientPresents: presented(client, client.certificate ? s.clientCheck.slot : null, client.certificate ? describeReader(s.clientCheck.reader) : 'kube-apiserver --service-account-key-file'),
      // Pods check the apiserver with the cluster CA that every namespace's kube-root-ca.crt ConfigMap carries.
      serverPresents: presented(server, s.serverCheck?.slot ?? null, client.pods ? 'kube-root-ca.crt, mounted in every pod' : s.serverCheck?.by ?? 'the APIService caBundle'),
      problems: texts,
      count: 1,
      broken: texts.length ? 1 : 0,
    });
  };

  for (const service of Object.keys(SERVICES) as ServiceId[]) {
    const of = (side: Presenter['side']) => presenters.filter(p => p.service === service && p.side === side);
    if (service === 'etcd-peer') {
      const peers = of('peer');
      if (peers.length === 1) connect(service, peers[0]!, peers[0]!);
      for (let i = 0; i < peers.length; i++) for (let j = i + 1; j < peers.length; j++) connect(service, peers[i]!, peers[j]!);
      continue;
    }
    const clients = of('client');
    if (clients.length === 0) continue;
    let servers = of('server');
    if (servers.length === 0) {
      // Served by something kubepki does not make (extension apiservers), or whose certificate is not here.
      const outside = service === 'aggregated-api';
      const node = outside ? addNode('aggregated-api', 'external', AGGREGATED_APIS, 'aggregated-api') : instance(SERVICES[service].server as Component, null);
      servers = [{service, side: 'server', node, certificate: null, note: outside ? 'their own serving certificate (not made by kubepki)' : 'no serving certificate found'}];
    }
    for (const server of servers) for (const client of clients) connect(service, client, server);
  }

  return {title: source.title, nodes: [...nodes.values()], edges};
}
