// The wizard's answers as the user types them (strings), and the way back and forth between
// them and the config the shared validator reads. No React here.
import {DEFAULTS, type ClusterSpec, type Role} from '../spec/types.js';
import {formatPath, validate, type Issue} from '../spec/validate.js';

export interface DraftNode {
  name: string;
  ip: string;
  roles: Role[];
}

export interface Draft {
  name: string;
  kubernetesVersion: string;
  endpointHost: string;
  endpointPort: string;
  serviceCIDR: string;
  clusterDomain: string;
  extraSANs: string;
  nodes: DraftNode[];
  authorities: ClusterSpec['pki']['authorities'];
  key: ClusterSpec['pki']['key'];
  caValidity: string;
  certificateValidity: string;
  layout: ClusterSpec['pki']['layout'];
  /** kubeadm layout only: how nodes get their files. */
  kubeadmFlow: ClusterSpec['kubeadm']['flow'];
  /** Not asked: kept from a loaded config so the wizard does not drop it. */
  apiServerPort: number;
  out: string;
  sshUser: string;
  /** distribute.sh installs with sudo (ssh.sudo). */
  sshSudo: boolean;
  /** Each node gets a daily expiry check writing metrics (monitoring.expiry). */
  monitoringExpiry: boolean;
}

export function draftFromSpec(spec: ClusterSpec, out = 'kubepki-out'): Draft {
  return {
    name: spec.name,
    kubernetesVersion: spec.kubernetesVersion,
    endpointHost: spec.endpoint.host,
    endpointPort: String(spec.endpoint.port),
    serviceCIDR: spec.network.serviceCIDR,
    clusterDomain: spec.network.clusterDomain,
    extraSANs: spec.extraSANs.join(', '),
    nodes: spec.nodes.map(n => ({name: n.name, ip: n.ip, roles: [...n.roles]})),
    authorities: spec.pki.authorities,
    key: spec.pki.key,
    caValidity: spec.pki.validity.ca,
    certificateValidity: spec.pki.validity.certificate,
    layout: spec.pki.layout,
    kubeadmFlow: spec.kubeadm.flow,
    apiServerPort: spec.apiServer.port,
    out,
    sshUser: spec.ssh.user,
    sshSudo: spec.ssh.sudo,
    monitoringExpiry: spec.monitoring.expiry,
  };
}

const splitList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The draft as a config document; a port that is not digits stays a string so the validator names it. */
export function draftToConfig(draft: Draft) {
  const port = /^\d+$/.test(draft.endpointPort.trim()) ? Number(draft.endpointPort) : draft.endpointPort;
  const blank = (text: string) => (text.trim() === '' ? undefined : text);
  return {
    apiVersion: 'kubepki/v1',
    kind: 'Cluster',
    name: draft.name,
    kubernetesVersion: draft.kubernetesVersion,
    endpoint: {host: draft.endpointHost, port},
    apiServer: {port: draft.apiServerPort},
    network: {serviceCIDR: draft.serviceCIDR, clusterDomain: draft.clusterDomain},
    nodes: draft.nodes.map(n => ({name: n.name, ip: n.ip, roles: n.roles})),
    pki: {
      authorities: draft.authorities, key: draft.key,
      validity: {ca: blank(draft.caValidity) ?? DEFAULTS.caValidity, certificate: blank(draft.certificateValidity) ?? DEFAULTS.certificateValidity},
      layout: draft.layout,
    },
    // The flow is a kubeadm layout question: the hard-way layout has none to carry.
    ...(draft.layout === 'kubeadm' ? {kubeadm: {flow: draft.kubeadmFlow}} : {}),
    extraSANs: splitList(draft.extraSANs),
    ssh: {user: draft.sshUser, sudo: draft.sshSudo},
    monitoring: {expiry: draft.monitoringExpiry},
  };
}

export type DraftValidation = {ok: true; spec: ClusterSpec} | {ok: false; issues: Issue[]};

/**
 * The draft as a validated spec. With `base` (the config the wizard was opened on), what the
 * wizard does not ask (the apiserver's own port, the kubeadm flow of a hard-way draft) is kept from it.
 */
export const validateDraft = (draft: Draft, base?: ClusterSpec): DraftValidation =>
  validate(base ? overlay(base, draftToConfig(draft)) : draftToConfig(draft));

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `top` over `base`, mapping by mapping; lists and values of `top` replace those of `base`. */
function overlay(base: unknown, top: unknown): unknown {
  if (top === undefined) return base;
  if (!isMapping(base) || !isMapping(top)) return top;
  const merged: Record<string, unknown> = {...base};
  for (const [key, value] of Object.entries(top)) merged[key] = overlay(base[key], value);
  return merged;
}

/** Issues as field → message, keeping the first message for each field; a node's field names the node (`nodes[5] (worker4).ip`). */
export function issuesByField(issues: Issue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const key = formatPath(issue.path, issue.node);
    errors[key] ??= issue.message;
  }
  return errors;
}
