// A pure function of the spec: what to make, where it goes, and why. No I/O, no randomness.
import {parseDurationHours} from '../spec/duration.js';
import {firstServiceIp, ipFamily, parseCidr} from '../spec/net.js';
import {etcdNodes, isControlPlane, runsKubelet, type ClusterSpec, type NodeSpec} from '../spec/types.js';
import {
  AUTHORITIES, CERTIFICATES, KUBECONFIGS, SERVICE_ACCOUNT_READERS, SERVICE_ACCOUNT_WHY, SIGNER_FOR, TRUST_READERS,
  forContext, forLayout, type IdentityContext,
} from './catalog.js';
import {LAYOUT_FILES, type Audience, type LayoutFiles, type Placement, type TrustSlot} from './layouts.js';
import {componentReads, planComponents, type ReadFile} from './component-plan.js';
import {bundlePath, planRef, nodeDir} from './paths.js';
import {collectNames} from './sans.js';
import {controlPlaneKubeletLocal, kubeadmApiVersion, kubeletApiAdminBinding, newerReleaseWarning} from './releases.js';
import {releaseOf} from './release-table.js';
import {InputError} from '../spec/errors.js';
import {quote} from '../spec/quote.js';
import {formatPath} from '../spec/validate.js';
import type {AuthorityId, AuthorityPlan, BundleFile, CertificatePlan, Install, KubeconfigPlan, MonitoringPlan, Plan} from './types.js';

export const serverUrl = (host: string, port: number) =>
  `https://${ipFamily(host) === 6 ? `[${host}]` : host}:${port}`;

/** The node where `kubeadm init` runs: the first control-plane node. */
export const initNode = (spec: Pick<ClusterSpec, 'nodes'>) => spec.nodes.find(isControlPlane)!;

function audienceNodes(spec: ClusterSpec, on: Audience): NodeSpec[] {
  switch (on) {
    case 'control-plane': return spec.nodes.filter(isControlPlane);
    case 'etcd': return etcdNodes(spec);
    case 'kubelet': return spec.nodes.filter(runsKubelet);
    case 'self': return spec.nodes;
    case 'init': return [initNode(spec)];
    case 'joining': return spec.nodes.filter(n => runsKubelet(n) && n !== initNode(spec));
  }
}

/** The placements of this layout that apply to the spec's kubeadm flow. */
const inFlow = (spec: ClusterSpec, placements: Placement[]) =>
  placements.filter(p => spec.pki.layout !== 'kubeadm' || !p.flows || p.flows.includes(spec.kubeadm.flow));

/** One placement resolved: which nodes get the file, at which absolute path. */
interface Placed {
  on: Audience;
  installs: Install[];
}

/** A node's own file goes only to that node; a cluster-wide one to its whole audience (never 'self'). */
function place(spec: ClusterSpec, placements: Placement[], ext: string, self?: NodeSpec): Placed[] {
  return inFlow(spec, placements).map(p => ({
    on: p.on,
    installs: audienceNodes(spec, p.on)
      .filter(n => (self ? n === self : p.on !== 'self'))
      .map(n => ({node: n.name, path: `${p.path}${ext}`})),
  }));
}

/** Where a file lands; a node that is both control plane and etcd still gets each path once. */
function flatten(placed: Placed[]): Install[] {
  const seen = new Set<string>();
  return placed.flatMap(p => p.installs)
    .filter(i => !seen.has(`${i.node}\0${i.path}`) && Boolean(seen.add(`${i.node}\0${i.path}`)));
}

/**
 * The placements of a trust slot for the authority that fills it. Where the layout does not copy
 * a CA under a second slot's name, that slot's readers use the CA's own file on each node.
 */
function trustPlacements(files: LayoutFiles, slot: TrustSlot, home: TrustSlot, part: 'cert' | 'key'): Placement[] {
  const own = files.trust[slot][part];
  if (slot === home || files.copiesForSharedSlots) return own;
  const homes = files.trust[home][part];
  return own.map(p => homes.find(h => h.on === p.on) ?? p);
}

export function buildPlan(spec: ClusterSpec): Plan {
  const layout = spec.pki.layout;
  const identity: IdentityContext = {layout, release: releaseOf(spec.kubernetesVersion)};
  const reads: ReadFile[] = [];
  const files = LAYOUT_FILES[layout];
  const signers = SIGNER_FOR[spec.pki.authorities];
  const cidr = parseCidr(spec.network.serviceCIDR);
  if (!cidr.ok) throw new Error(`buildPlan needs a validated spec: ${cidr.reason}`);
  const serviceIp = firstServiceIp(cidr.cidr);
  const caHours = parseDurationHours(spec.pki.validity.ca)!;
  const certHours = parseDurationHours(spec.pki.validity.certificate)!;
  const endpointUrl = serverUrl(spec.endpoint.host, spec.endpoint.port);

  const certificates: CertificatePlan[] = [];
  for (const kind of CERTIFICATES) {
    const layoutFile = files.certificates[kind.id];
    if (!layoutFile || (kind.since ?? 0) > identity.release.minor) continue; // this layout (or release) has no such certificate
    const owners: (NodeSpec | undefined)[] =
      kind.scope === 'cluster' ? [undefined] : kind.scope === 'etcd-node' ? etcdNodes(spec) : spec.nodes.filter(runsKubelet);
    for (const node of owners) {
      const base = node ? `${nodeDir(node.name)}/${layoutFile.file(node.name)}` : `pki/${layoutFile.file('')}`;
      const names = collectNames(forLayout(kind.sans, layout), spec, {node, serviceIp});
      const certPlaced = place(spec, layoutFile.placements, '.crt', node);
      const keyPlaced = place(spec, layoutFile.placements, '.key', node);
      for (const reader of forLayout(kind.readers, layout)) {
        reads.push({reader, placed: reader.part === 'key' ? keyPlaced : certPlaced, owner: node?.name ?? null, item: `${kind.id}${reader.part === 'key' ? ' key' : ''}`, source: `${base}.${reader.part === 'key' ? 'key' : 'crt'}`});
      }
      certificates.push({
        id: kind.id,
        node: node?.name ?? null,
        ref: planRef(kind.id, node?.name ?? null),
        cn: typeof kind.cn === 'function' ? kind.cn(node!.name) : forLayout(kind.cn, layout),
        organizations: [...forContext(kind.organizations, identity)],
        signer: signers[kind.signedBy],
        usages: [...forLayout(kind.usages, layout)],
        dnsNames: names.dns,
        ipAddresses: names.ip,
        validityHours: certHours,
        cert: `${base}.crt`,
        key: `${base}.key`,
        keyType: spec.pki.key,
        certInstalls: flatten(certPlaced),
        keyInstalls: flatten(keyPlaced),
        why: withReaders(kind.why, forLayout(kind.readers, layout)),
      });
    }
  }

  const authorityIds = [...new Set(Object.values(signers))] as AuthorityId[];
  const authorities: AuthorityPlan[] = authorityIds.map(id => {
    const kind = AUTHORITIES[id];
    const slots = (Object.keys(signers) as (keyof typeof signers)[]).filter(slot => signers[slot] === id);
    const home = kind.slots[0]!;
    const base = `pki/${files.authorityFile[id]}`;
    const cn = forLayout(kind.cn, layout);
    const certPlaced = slots.flatMap(slot => place(spec, trustPlacements(files, slot, home, 'cert'), '.crt'));
    const keyPlaced = slots.flatMap(slot => place(spec, trustPlacements(files, slot, home, 'key'), '.key'));
    const readers = slots.flatMap(slot => [...TRUST_READERS[slot].cert, ...TRUST_READERS[slot].key]);
    for (const slot of slots) {
      for (const part of ['cert', 'key'] as const) {
        const placed = place(spec, trustPlacements(files, slot, home, part), part === 'cert' ? '.crt' : '.key');
        for (const reader of TRUST_READERS[slot][part]) {
          reads.push({reader, placed, owner: null, item: `${id}${part === 'key' ? ' key' : ''}`, source: `${base}.${part === 'key' ? 'key' : 'crt'}`});
        }
      }
    }
    return {
      id,
      cn,
      dnsNames: [cn],
      validityHours: caHours,
      cert: `${base}.crt`,
      key: `${base}.key`,
      keyType: spec.pki.key,
      certInstalls: flatten(certPlaced),
      keyInstalls: flatten(keyPlaced),
      signs: [...new Set(certificates.filter(c => c.signer === id).map(c => c.id))],
      why: withReaders(kind.why, readers),
    };
  });

  const certificateOf = new Map(certificates.map(c => [c.ref, c]));
  const kubeconfigs: KubeconfigPlan[] = [];
  for (const kind of KUBECONFIGS) {
    const layoutFile = files.kubeconfigs[kind.id];
    if (!layoutFile || (kind.since ?? 0) > identity.release.minor) continue;
    const owners: (NodeSpec | undefined)[] =
      kind.scope === 'cluster' ? [undefined] : spec.nodes.filter(kind.scope === 'control-plane-node' ? isControlPlane : runsKubelet);
    for (const node of owners) {
      const certificate = certificateOf.get(planRef(kind.certificate, kind.scope === 'kubelet-node' ? node!.name : null))!;
      const placed = place(spec, layoutFile.placements, '', node);
      // A node's kubeconfig that no node receives (kubeadm: a joining kubelet bootstraps its own) is not made.
      if (node && flatten(placed).length === 0) continue;
      const file = node ? `${nodeDir(node.name)}/${layoutFile.file(node.name)}` : `pki/kubeconfigs/${layoutFile.file('')}`;
      for (const reader of kind.readers) reads.push({reader, placed, owner: node?.name ?? null, item: `${kind.id} kubeconfig`, source: file});
      kubeconfigs.push({
        id: kind.id,
        node: node?.name ?? null,
        ref: planRef(kind.id, node?.name ?? null),
        cluster: spec.name,
        user: certificate.cn,
        context: `${certificate.cn}@${spec.name}`,
        server: kubeconfigServer(spec, kind.id, node, endpointUrl),
        certificate: {id: certificate.id, node: certificate.node, ref: certificate.ref},
        authority: signers.cluster,
        file,
        installs: flatten(placed),
        why: kind.why,
      });
    }
  }
  // Client certificates exist to be embedded: a kubelet whose kubeconfig is not made needs none.
  const embedded = new Set(kubeconfigs.map(k => `${k.certificate.id}\0${k.certificate.node ?? ''}`));
  const made = certificates.filter(c => c.id !== 'kubelet-client' || embedded.has(`${c.id}\0${c.node ?? ''}`));
  certificates.length = 0;
  certificates.push(...made);

  const saBase = `pki/${files.serviceAccount.file}`;
  const saKeyPlaced = place(spec, files.serviceAccount.placements, '.key');
  const saPubPlaced = place(spec, files.serviceAccount.publicKeyPlacements, '.pub');
  for (const reader of SERVICE_ACCOUNT_READERS.key) reads.push({reader, placed: saKeyPlaced, owner: null, item: 'service-account key', source: `${saBase}.key`});
  // The Hard Way checks tokens against the service-accounts certificate instead of sa.pub.
  const saCertificate = certificates.find(c => c.id === 'service-accounts');
  if (!saCertificate) {
    for (const reader of SERVICE_ACCOUNT_READERS.publicKey) reads.push({reader, placed: saPubPlaced, owner: null, item: 'service-account public key', source: `${saBase}.pub`});
  }
  const serviceAccount = {
    key: `${saBase}.key`,
    publicKey: `${saBase}.pub`,
    keyType: spec.pki.key,
    keyInstalls: flatten(saKeyPlaced),
    publicKeyInstalls: flatten(saPubPlaced),
    why: SERVICE_ACCOUNT_WHY,
  };
  const components = layout === 'hard-way' ? planComponents(spec, reads, serviceIssuer(spec, endpointUrl)) : [];
  const kubeadm = layout === 'kubeadm' ? planKubeadm(spec) : undefined;

  assertDistinctFiles(spec, [
    ...authorities.flatMap(a => [{path: a.cert, what: `${a.id} certificate`}, {path: a.key, what: `${a.id} key`}]),
    // The Hard Way's service-accounts certificate shares the service-account key (one file, one key).
    ...certificates.flatMap(c => [{path: c.cert, what: `${c.id} certificate`}, ...(c.key === serviceAccount.key ? [] : [{path: c.key, what: `${c.id} key`}])]),
    ...kubeconfigs.map(k => ({path: k.file, what: `${k.id} kubeconfig`})),
    {path: serviceAccount.key, what: 'service-account key'}, {path: serviceAccount.publicKey, what: 'service-account public key'},
  ]);

  const bundles = collectBundles(spec, [
    ...authorities.flatMap(a => [
      ...a.certInstalls.map(i => ({...i, source: a.cert, secret: false})),
      ...a.keyInstalls.map(i => ({...i, source: a.key, secret: true})),
    ]),
    ...certificates.flatMap(c => [
      ...c.certInstalls.map(i => ({...i, source: c.cert, secret: false})),
      ...c.keyInstalls.map(i => ({...i, source: c.key, secret: true})),
    ]),
    ...kubeconfigs.flatMap(k => k.installs.map(i => ({...i, source: k.file, secret: true}))),
    ...serviceAccount.keyInstalls.map(i => ({...i, source: serviceAccount.key, secret: true})),
    ...serviceAccount.publicKeyInstalls.map(i => ({...i, source: serviceAccount.publicKey, secret: false})),
    ...components.flatMap(c => c.files.map(f => ({node: c.node, path: f.target, source: f.source, secret: false}))),
    // The configurations hold the bootstrap token: secret.
    ...(kubeadm?.configs ?? []).map(k => ({node: k.node, path: k.target, source: k.file, secret: true})),
  ]);

  const monitoring = spec.monitoring.expiry ? planMonitoring(spec, bundles, kubeconfigs) : undefined;

  return {
    spec,
    cluster: spec.name,
    kubeadm,
    ...(monitoring ? {monitoring} : {}),
    endpoint: {host: spec.endpoint.host, port: spec.endpoint.port, url: endpointUrl},
    serviceIp,
    layout,
    topology: spec.pki.authorities,
    keyType: spec.pki.key,
    nodes: spec.nodes,
    sshUser: spec.ssh.user,
    authorities,
    certificates,
    kubeconfigs,
    serviceAccount,
    components,
    reads: componentReads(spec, reads, components),
    bundles,
    warnings: [...warningsFor(spec), ...longCommonNames(certificates)],
    // The service-accounts certificate (hard-way) is made for the service-account key: no key of its own.
    keyCount: authorities.length + certificates.filter(c => c.id !== 'service-accounts').length + 1,
  };
}

/**
 * monitoring.expiry: each node's check reads the certificates installed on it and the client
 * certificates embedded in its kubeconfigs; it, its service and its timer join the node's bundle.
 * Everything lands under /etc and /var/lib, as the rest of a bundle does.
 */
function planMonitoring(spec: ClusterSpec, bundles: Record<string, BundleFile[]>, kubeconfigs: KubeconfigPlan[]): MonitoringPlan {
  const kubeconfigFiles = new Set(kubeconfigs.map(k => k.file));
  const service = {source: 'monitoring/kubepki-expiry.service', target: '/etc/systemd/system/kubepki-expiry.service'};
  const timer = {source: 'monitoring/kubepki-expiry.timer', target: '/etc/systemd/system/kubepki-expiry.timer'};
  const checks = spec.nodes.map(node => {
    const files = bundles[node.name]!;
    return {
      node: node.name,
      source: `monitoring/nodes/${node.name}/expiry-check`,
      target: EXPIRY_CHECK_TARGET,
      certificates: files.filter(f => f.target.endsWith('.crt')).map(f => f.target).sort(),
      kubeconfigs: files.filter(f => kubeconfigFiles.has(f.source)).map(f => f.target).sort(),
    };
  });
  for (const check of checks) {
    for (const file of [check, service, timer]) {
      bundles[check.node]!.push({source: file.source, target: file.target, path: bundlePath(check.node, file.target), secret: false});
    }
  }
  return {checks, service, timer, rule: 'monitoring/prometheus-rule.yaml'};
}

/** Where each node's expiry check is installed; its service runs it with /bin/sh. */
export const EXPIRY_CHECK_TARGET = '/etc/kubepki/expiry-check';

/** The ClusterRoleBinding apiserver-kubelet-client relies on, where kubepki writes it (kubeadm layout). */
export const KUBELET_API_RBAC_FILE = 'kubeadm/apiserver-kubelet-client-rbac.yaml';

/** Which kubeadm command each node runs, and the configuration kubepki writes for it. */
function planKubeadm(spec: ClusterSpec) {
  const init = initNode(spec);
  const controlPlanes = spec.nodes.filter(isControlPlane);
  const etcd = etcdNodes(spec);
  const stacked = etcd.length === controlPlanes.length && etcd.every(isControlPlane);
  const configs: import('./types.js').KubeadmNodeConfig[] = [];
  for (const node of spec.nodes) {
    if (runsKubelet(node)) {
      configs.push({
        node: node.name,
        kind: node === init ? 'init' : isControlPlane(node) ? 'join-control-plane' : 'join-worker',
        file: `kubeadm/${node.name}.yaml`,
        target: '/etc/kubernetes/kubeadm-config.yaml',
      });
    }
    if (!stacked && etcd.includes(node)) {
      configs.push({node: node.name, kind: 'etcd', file: `kubeadm/${node.name}-etcd.yaml`, target: '/etc/kubernetes/kubeadm-etcd.yaml'});
    }
  }
  // A node named `a-etcd` beside an external-etcd node `a`: both would be kubeadm/a-etcd.yaml.
  const byFile = new Map<string, string>();
  for (const config of configs) {
    const earlier = byFile.get(config.file);
    if (earlier === undefined) { byFile.set(config.file, config.node); continue; }
    const index = spec.nodes.findIndex(n => n.name === config.node);
    throw new InputError([`${formatPath(['nodes', index, 'name'], config.node)}: ${quote(config.node)} cannot name a node here: its kubeadm configuration ${config.file} would also be that of ${earlier}; choose another name`]);
  }
  return {
    flow: spec.kubeadm.flow,
    apiVersion: kubeadmApiVersion(releaseOf(spec.kubernetesVersion)),
    etcd: stacked ? 'stacked' as const : 'external' as const,
    tokenFile: 'kubeadm/bootstrap-token',
    configs,
    ...(kubeletApiAdminBinding(releaseOf(spec.kubernetesVersion)) ? {kubeletApiRbac: KUBELET_API_RBAC_FILE} : {}),
  };
}

/** Each kubeconfig's server: who dials which apiserver, per layout. */
function kubeconfigServer(spec: ClusterSpec, id: string, node: NodeSpec | undefined, endpointUrl: string): string {
  if (spec.pki.layout === 'hard-way') {
    // The Hard Way runs kubectl as admin on the server itself. Controller-manager and scheduler
    // dial the apiserver on their own node, as kubeadm's do: the version-skew policy lets them be
    // a minor older than the apiserver they talk to, and through the endpoint they could reach
    // another node's, newer one mid-upgrade. Everything else dials the endpoint.
    if (id === 'admin' || (node && (id === 'kube-controller-manager' || id === 'kube-scheduler'))) return serverUrl('127.0.0.1', spec.apiServer.port);
    return endpointUrl;
  }
  // kubeadm: controller-manager and scheduler talk to their own node's apiserver, on its own port
  // (not the load balancer's), so they keep working when the load balancer does not.
  if (node && (id === 'kube-controller-manager' || id === 'kube-scheduler')) return serverUrl(node.ip, spec.apiServer.port);
  // From v1.33 kubeadm's ControlPlaneKubeletLocalMode (beta, on by default) points a control-plane
  // node's kubelet at its own apiserver too: `init phase kubeconfig` expects that server in
  // kubelet.conf, and `join --control-plane` writes it into the kubelet's bootstrap kubeconfig.
  if (node && id === 'kubelet' && isControlPlane(node) && controlPlaneKubeletLocal(releaseOf(spec.kubernetesVersion))) {
    return serverUrl(node.ip, spec.apiServer.port);
  }
  return endpointUrl;
}

/** The issuer written into service-account tokens: kubeadm's default, or (hard-way) the endpoint as The Hard Way does. */
export const serviceIssuer = (spec: ClusterSpec, endpointUrl: string) =>
  spec.pki.layout === 'hard-way' ? endpointUrl : `https://kubernetes.default.svc.${spec.network.clusterDomain}`;

/** The explanation's "read by" lines come from the same readers the units are made from. */
function withReaders<T extends {readBy: string[]}>(why: T, readers: {component: string; flag: string}[]): T {
  if (readers.length === 0) return why;
  return {...why, readBy: [...new Set(readers.map(r => `${r.component} ${r.flag}`))]};
}

/**
 * The Hard Way names a node's client certificate after the node, in the directory that also
 * holds etcd-server.crt and kubelet.crt: a node named `kubelet` would get one file for two keys.
 * Such a name is bad input (the node's name field), found here where the file names are known.
 */
function assertDistinctFiles(spec: ClusterSpec, files: {path: string; what: string}[]) {
  const owner = new Map<string, string>();
  for (const {path, what} of files) {
    const earlier = owner.get(path);
    if (earlier === undefined) { owner.set(path, what); continue; }
    const node = /^pki\/nodes\/([^/]+)\//.exec(path)?.[1];
    const index = spec.nodes.findIndex(n => n.name === node);
    if (index < 0) throw new Error(`catalog error: ${path} would be both the ${earlier} and the ${what}`);
    throw new InputError([`${formatPath(['nodes', index, 'name'], node)}: ${quote(node)} cannot name a node in the ${spec.pki.layout} layout: its file ${path} would be both the ${earlier} and the ${what}; choose another name`]);
  }
}

function collectBundles(spec: ClusterSpec, entries: (Install & {source: string; secret: boolean})[]) {
  const bundles: Record<string, BundleFile[]> = {};
  const seen = new Map<string, string>();
  for (const node of spec.nodes) bundles[node.name] = [];
  for (const e of entries) {
    const where = `${e.node}:${e.path}`;
    const earlier = seen.get(where);
    if (earlier === e.source) continue; // e.g. ca.crt wanted by both the control plane and the kubelet
    if (earlier) throw new Error(`catalog error: ${where} would receive both ${earlier} and ${e.source}`);
    seen.set(where, e.source);
    bundles[e.node]!.push({source: e.source, target: e.path, path: bundlePath(e.node, e.path), secret: e.secret});
  }
  return bundles;
}

/** Files bound for /etc and /var/lib need root: said wherever the SSH user is shown (plan, generate, wizard, distribute.sh). */
export function sshWarning(ssh: {user: string; sudo: boolean}): string | undefined {
  if (ssh.user === 'root' || ssh.sudo) return undefined;
  return `The SSH user ${ssh.user} is not root and sudo is off: distribute.sh cannot write /etc/kubernetes or /var/lib as ${ssh.user}. Turn sudo on (ssh.sudo: true in the config, "Install with sudo" in the wizard; the user needs sudo without a password), use root, or stage with distribute.sh --root DIR.`;
}

/** RFC 5280's ub-common-name: a CN holds at most 64 characters. */
export const MAX_COMMON_NAME = 64;

/**
 * A node's certificates carry its name in the CN (`system:node:<name>`, and the name itself for
 * the kubelet's and etcd's serving certificates); a DNS name may run to 253 characters.
 */
function longCommonNames(certificates: CertificatePlan[]): string[] {
  const byNode = new Map<string, CertificatePlan[]>();
  for (const c of certificates) {
    if (c.node && c.cn.length > MAX_COMMON_NAME) byNode.set(c.node, [...byNode.get(c.node) ?? [], c]);
  }
  return [...byNode].map(([node, long]) => `The node name ${node} makes ${long.length === 1 ? 'a common name' : 'common names'} longer than the ${MAX_COMMON_NAME} characters RFC 5280 allows (${long.map(c => `${c.id}: ${c.cn.length}`).join(', ')}). kubepki issues ${long.length === 1 ? 'it' : 'them'} as named: Kubernetes (Go) and openssl accept such certificates, but stricter tools may refuse them; a node name of at most ${MAX_COMMON_NAME - 'system:node:'.length} characters avoids this.`);
}

function warningsFor(spec: ClusterSpec): string[] {
  const warnings: string[] = [];

  if (spec.pki.authorities === 'single') {
    warnings.push('One CA signs everything, so etcd trusts every certificate the cluster CA signs: a kubelet\'s or the admin\'s certificate opens the datastore directly, bypassing RBAC. A separate etcd CA (etcd-separate or kubeadm) keeps etcd to the apiserver alone.');
  }
  const controlPlanes = spec.nodes.filter(isControlPlane);
  const endpointNode = controlPlanes.find(n => n.ip === spec.endpoint.host || n.name === spec.endpoint.host);
  if (endpointNode) {
    warnings.push(`The endpoint ${spec.endpoint.host} is the control-plane node ${endpointNode.name}: clients will depend on that one node, and putting a load balancer in front later means re-issuing the apiserver certificate and every kubeconfig (or add the future address to extraSANs now).`);
  }
  const etcd = etcdNodes(spec);
  if (etcd.length % 2 === 0) {
    warnings.push(`${etcd.length} etcd members tolerate no more failures than ${etcd.length - 1} would: an odd number of etcd nodes is the usual choice.`);
  }
  const ssh = sshWarning(spec.ssh);
  if (ssh) warnings.push(ssh);
  const newer = newerReleaseWarning(spec.kubernetesVersion);
  if (newer) warnings.push(newer);
  return warnings;
}
