import {bundleDir, TRUST_MAP_FILE} from '../plan/paths.js';
import type {Plan} from '../plan/types.js';

/** The manifest.json contract: other tools and the tests read it, so its field names are fixed. */
export function buildManifest(plan: Plan, generatedAt: Date) {
  return {
    apiVersion: 'kubepki/v1',
    kind: 'Manifest',
    generatedAt: generatedAt.toISOString(),
    cluster: plan.cluster,
    // What --update compares a changed kubernetesVersion with (release-table.ts).
    kubernetesVersion: plan.spec.kubernetesVersion,
    endpoint: plan.endpoint.url,
    layout: plan.layout,
    topology: plan.topology,
    keyType: plan.keyType,
    // What OUT was built with: renew compares cluster.yaml against it (build/unapplied.ts).
    spec: plan.spec as typeof plan.spec | undefined,
    authorities: plan.authorities.map(a => ({
      id: a.id, cn: a.cn, cert: a.cert, key: a.key, keyType: a.keyType,
      installs: [...a.certInstalls, ...a.keyInstalls],
    })),
    certificates: plan.certificates.map(c => ({
      id: c.id, node: c.node, cn: c.cn, organizations: c.organizations, signer: c.signer, usages: c.usages,
      dnsNames: c.dnsNames, ipAddresses: c.ipAddresses, validityHours: c.validityHours, cert: c.cert, key: c.key, keyType: c.keyType,
      installs: [...c.certInstalls, ...c.keyInstalls],
    })),
    kubeconfigs: plan.kubeconfigs.map(k => ({
      id: k.id, node: k.node, user: k.user, cluster: k.cluster, context: k.context, server: k.server, file: k.file,
      authority: k.authority, certificate: k.certificate,
      installs: k.installs,
    })),
    serviceAccount: {
      key: plan.serviceAccount.key, publicKey: plan.serviceAccount.publicKey, keyType: plan.serviceAccount.keyType,
      installs: [...plan.serviceAccount.keyInstalls, ...plan.serviceAccount.publicKeyInstalls],
    },
    // The other files kubepki writes: what starts each component (hard-way), kubeadm's
    // configuration and bootstrap token (secrets), and the scripts and RBAC beside them.
    documents: [
      ...plan.components.flatMap(c => c.files.map(f => ({path: f.source, node: c.node, kind: `${c.component} ${f.target.endsWith('.service') ? 'unit' : 'config'}`, secret: false}))),
      ...(plan.components.length ? [{path: 'kube-apiserver-to-kubelet.yaml', node: null, kind: 'rbac', secret: false}] : []),
      ...(plan.kubeadm ? [
        {path: plan.kubeadm.tokenFile, node: null, kind: 'kubeadm bootstrap token', secret: true},
        ...plan.kubeadm.configs.map(k => ({path: k.file, node: k.node, kind: `kubeadm ${k.kind} configuration`, secret: true})),
        {path: 'kubeadm-steps.sh', node: null, kind: 'kubeadm steps script', secret: false},
        ...(plan.kubeadm.kubeletApiRbac ? [{path: plan.kubeadm.kubeletApiRbac, node: null, kind: 'rbac', secret: false}] : []),
      ] : []),
      ...(plan.monitoring ? [
        ...plan.monitoring.checks.map(c => ({path: c.source, node: c.node, kind: 'expiry check', secret: false})),
        {path: plan.monitoring.service.source, node: null, kind: 'expiry check unit', secret: false},
        {path: plan.monitoring.timer.source, node: null, kind: 'expiry check unit', secret: false},
        {path: plan.monitoring.rule, node: null, kind: 'prometheus rule', secret: false},
      ] : []),
      {path: TRUST_MAP_FILE, node: null, kind: 'trust map', secret: false},
    ] as {path: string; node: string | null; kind: string; secret: boolean}[],
    nodes: Object.fromEntries(plan.nodes.map(n => [n.name, {
      ip: n.ip, roles: n.roles,
      bundle: bundleDir(n.name),
      files: plan.bundles[n.name]!.map(f => ({path: f.target, source: f.source, secret: f.secret})),
    }])),
  };
}

export type Manifest = ReturnType<typeof buildManifest>;
