// The trust map as data: who opens which TLS connection to whom, the certificate each end
// presents, the CA file the other end checks it with, and whether that works. Renderings (text,
// DOT, Mermaid, SVG) read only this.
import type {AuthorityId} from '../plan/types.js';

export type MapNodeKind = 'authority' | 'component' | 'person' | 'external';

export interface MapNode {
  /** Stable id: `kube-apiserver`, `kubelet@worker1`, `person:admin`, `authority:ca`. */
  id: string;
  kind: MapNodeKind;
  label: string;
  /** What it is, whatever host it runs on (`kubelet`, `etcd`, `user`): nodes of one group fold together. */
  group: string;
  /** The cluster nodes it runs on (empty for people, CAs and what kubepki does not run). */
  hosts: string[];
  /** How many folded into this one (1 unless folded). */
  count: number;
  /** Authorities: the file and what it signs. */
  detail?: string;
}

/** The services a connection reaches: each is one listening port of one kind of component. */
export type ServiceId = 'kube-apiserver' | 'kubelet' | 'etcd' | 'etcd-peer' | 'aggregated-api';

/** One end of a connection: what it presents, and how the other end checks it. */
export interface Presented {
  /** The certificate (plan ref, `kubelet-client/worker1`), or null when the end shows no certificate of ours. */
  certificate: string | null;
  /** Where it is: OUT-relative in a plan, the inspected path in an inspect map. */
  file: string | null;
  /** What the other end checks it with: an authority's file, read by which flag. */
  checkedWith: {authority: AuthorityId | null; file: string; by: string};
  /** Said instead of a certificate (a token, a bootstrap, someone else's certificate). */
  note?: string;
}

export interface MapEdge {
  id: string;
  service: ServiceId;
  client: string;
  server: string;
  clientPresents: Presented;
  serverPresents: Presented;
  /** Empty: the connection works. Otherwise why it fails, as inspect found it. */
  problems: string[];
  /** How many connections folded into this one (1 unless folded), and how many of those are broken. */
  count: number;
  broken: number;
}

export interface TrustMap {
  title: string;
  nodes: MapNode[];
  edges: MapEdge[];
}
