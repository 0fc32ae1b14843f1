// A pure function of the spec: what to make, where it goes, and why. No I/O, no randomness.
import {parseDurationHours} from '../spec/duration.js';
import {firstServiceIp, ipFamily, parseCidr} from '../spec/net.js';
import {etcdNodes, isControlPlane, runsKubelet, type ClusterSpec, type NodeSpec} from '../spec/types.js';
import {AUTHORITIES, CERTIFICATES, KUBECONFIGS, SERVICE_ACCOUNT_WHY, SIGNER_FOR, forLayout} from './catalog.js';
import {LAYOUT_FILES, type Audience, type Placement} from './layouts.js';
import {bundlePath, planRef, nodeDir} from './paths.js';
import {collectNames} from './sans.js';
import {InputError} from '../spec/errors.js';
import {quote} from '../spec/quote.js';
import type {AuthorityId, AuthorityPlan, BundleFile, CertificatePlan, Install, KubeconfigPlan, Plan} from './types.js';

export const serverUrl = (host: string, port: number) =>
  `https://${ipFamily(host) === 6 ? `[${host}]` : host}:${port}`;

function audienceNodes(spec: ClusterSpec, on: Audience, self?: NodeSpec): NodeSpec[] {
  switch (on) {
    case 'control-plane': return spec.nodes.filter(isControlPlane);
    case 'etcd': return etcdNodes(spec);
    case 'kubelet': return spec.nodes.filter(runsKubelet);
    case 'self': return self ? [self] : [];
  }
}

/** Where a file lands; a node that is both control plane and etcd still gets each path once. */
function installs(spec: ClusterSpec, placements: Placement[], ext: string, self?: NodeSpec): Install[] {
  const seen = new Set<string>();
  return placements.flatMap(p => audienceNodes(spec, p.on, self).map(n => ({node: n.name, path: `${p.path}${ext}`})))
    .filter(i => !seen.has(`${i.node}\0${i.path}`) && Boolean(seen.add(`${i.node}\0${i.path}`)));
}

export function buildPlan(spec: ClusterSpec): Plan {
  const layout = spec.pki.layout;
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
    if (!layoutFile) continue; // this layout has no such certificate
    const owners: (NodeSpec | undefined)[] =
      kind.scope === 'cluster' ? [undefined] : kind.scope === 'etcd-node' ? etcdNodes(spec) : spec.nodes.filter(runsKubelet);
    for (const node of owners) {
      const base = node ? `${nodeDir(node.name)}/${layoutFile.file(node.name)}` : `pki/${layoutFile.file('')}`;
      const names = collectNames(forLayout(kind.sans, layout), spec, {node, serviceIp});
      certificates.push({
        id: kind.id,
        node: node?.name ?? null,
        ref: planRef(kind.id, node?.name ?? null),
        cn: typeof kind.cn === 'function' ? kind.cn(node!.name) : forLayout(kind.cn, layout),
        organizations: [...forLayout(kind.organizations, layout)],
        signer: signers[kind.signedBy],
        usages: [...kind.usages],
        dnsNames: names.dns,
        ipAddresses: names.ip,
        validityHours: certHours,
        cert: `${base}.crt`,
        key: `${base}.key`,
        keyType: spec.pki.key,
        certInstalls: installs(spec, layoutFile.placements, '.crt', node),
        keyInstalls: installs(spec, layoutFile.placements, '.key', node),
        why: kind.why,
      });
    }
  }

  const authorityIds = [...new Set(Object.values(signers))] as AuthorityId[];
  const authorities: AuthorityPlan[] = authorityIds.map(id => {
    const kind = AUTHORITIES[id];
    const slots = (Object.keys(signers) as (keyof typeof signers)[]).filter(slot => signers[slot] === id);
    const base = `pki/${files.authorityFile[id]}`;
    return {
      id,
      cn: kind.cn,
      dnsNames: [kind.cn],
      validityHours: caHours,
      cert: `${base}.crt`,
      key: `${base}.key`,
      keyType: spec.pki.key,
      certInstalls: installs(spec, slots.flatMap(slot => files.trust[slot].cert), '.crt'),
      keyInstalls: installs(spec, slots.flatMap(slot => files.trust[slot].key), '.key'),
      signs: [...new Set(certificates.filter(c => c.signer === id).map(c => c.id))],
      why: kind.why,
    };
  });

  const certificateOf = new Map(certificates.map(c => [c.ref, c]));
  const kubeconfigs: KubeconfigPlan[] = [];
  for (const kind of KUBECONFIGS) {
    const layoutFile = files.kubeconfigs[kind.id];
    if (!layoutFile) continue;
    const owners: (NodeSpec | undefined)[] =
      kind.scope === 'cluster' ? [undefined] : spec.nodes.filter(kind.scope === 'control-plane-node' ? isControlPlane : runsKubelet);
    for (const node of owners) {
      const certificate = certificateOf.get(planRef(kind.certificate, kind.scope === 'kubelet-node' ? node!.name : null))!;
      kubeconfigs.push({
        id: kind.id,
        node: node?.name ?? null,
        ref: planRef(kind.id, node?.name ?? null),
        cluster: spec.name,
        user: certificate.cn,
        context: `${certificate.cn}@${spec.name}`,
        server: kind.scope === 'control-plane-node' ? serverUrl(node!.ip, spec.endpoint.port) : endpointUrl,
        certificate: {id: certificate.id, node: certificate.node, ref: certificate.ref},
        authority: signers.cluster,
        file: node ? `${nodeDir(node.name)}/${layoutFile.file(node.name)}` : `pki/kubeconfigs/${layoutFile.file('')}`,
        installs: installs(spec, layoutFile.placements, '', node),
        why: kind.why,
      });
    }
  }

  const saBase = `pki/${files.serviceAccount.file}`;
  const serviceAccount = {
    key: `${saBase}.key`,
    publicKey: `${saBase}.pub`,
    keyType: spec.pki.key,
    keyInstalls: installs(spec, files.serviceAccount.placements, '.key'),
    publicKeyInstalls: installs(spec, files.serviceAccount.placements, '.pub'),
    why: SERVICE_ACCOUNT_WHY,
  };

  assertDistinctFiles(spec, [
    ...authorities.flatMap(a => [{path: a.cert, what: `${a.id} certificate`}, {path: a.key, what: `${a.id} key`}]),
    ...certificates.flatMap(c => [{path: c.cert, what: `${c.id} certificate`}, {path: c.key, what: `${c.id} key`}]),
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
  ]);

  return {
    spec,
    cluster: spec.name,
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
    bundles,
    warnings: warningsFor(spec),
    keyCount: authorities.length + certificates.length + 1,
  };
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
    throw new InputError([`nodes[${index}].name: ${quote(node)} cannot name a node in the ${spec.pki.layout} layout: its file ${path} would be both the ${earlier} and the ${what}; choose another name`]);
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

function warningsFor(spec: ClusterSpec): string[] {
  const warnings: string[] = [];
  const controlPlanes = spec.nodes.filter(isControlPlane);
  const endpointNode = controlPlanes.find(n => n.ip === spec.endpoint.host || n.name === spec.endpoint.host);
  if (endpointNode) {
    warnings.push(`The endpoint ${spec.endpoint.host} is the control-plane node ${endpointNode.name}: clients will depend on that one node, and putting a load balancer in front later means re-issuing the apiserver certificate and every kubeconfig (or add the future address to extraSANs now).`);
  }
  const etcd = etcdNodes(spec);
  if (etcd.length % 2 === 0) {
    warnings.push(`${etcd.length} etcd members tolerate no more failures than ${etcd.length - 1} would: an odd number of etcd nodes is the usual choice.`);
  }
  return warnings;
}
