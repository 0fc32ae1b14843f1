// With --config: does each certificate name what this cluster dials, and is anything the cluster
// needs not there at all? The names come from kubepki's own plan, so inspect and generate agree.
import {buildPlan} from '../plan/plan.js';
import type {CertificatePlan} from '../plan/types.js';
import {canonicalIp, ipFamily} from '../spec/net.js';
import {isControlPlane, type ClusterSpec} from '../spec/types.js';
import type {Finding, Severity} from './types.js';
import {CERT_LABEL, type Role} from './roles.js';
import type {CertificateFacts} from './x509.js';

export interface RecognisedCertificate {
  facts: CertificateFacts;
  file: string;
  role: Role;
}

interface NameRule {
  severity: Severity;
  why: string;
}

/** Why each name matters and how bad it is to lack it; names not listed here are not checked. */
function nameRules(spec: ClusterSpec, plan: CertificatePlan, serviceIp: string): Map<string, NameRule> {
  const rules = new Map<string, NameRule>();
  const set = (name: string, severity: Severity, why: string) => rules.set(ipFamily(name) ? canonicalIp(name) : name, {severity, why});
  const node = spec.nodes.find(n => n.name === plan.node);
  switch (plan.id) {
    case 'apiserver': {
      for (const n of spec.nodes.filter(isControlPlane)) {
        set(n.ip, 'problem', `the address of control-plane node ${n.name}, which kubelets and the controller-manager dial`);
        set(n.name, 'warning', `the name of control-plane node ${n.name}; only needed if something dials it by name`);
      }
      for (const dns of plan.dnsNames.filter(d => d.startsWith('kubernetes'))) set(dns, 'problem', 'a name of the kubernetes Service, which pods use to reach the apiserver');
      set(serviceIp, 'problem', `the ClusterIP of the kubernetes Service (the first address of ${spec.network.serviceCIDR}), which every pod dials`);
      set(spec.endpoint.host, 'problem', 'the endpoint every kubeconfig dials (load balancer or first node)');
      for (const extra of spec.extraSANs) set(extra, 'problem', 'listed in extraSANs');
      break;
    }
    case 'etcd-server': case 'etcd-peer':
      set(node!.ip, 'problem', `the address of ${node!.name}, which ${plan.id === 'etcd-peer' ? 'the other members' : 'kube-apiserver'} dial`);
      set('127.0.0.1', 'problem', 'the loopback address the local apiserver and the health probe dial');
      break;
    case 'kubelet-server':
      set(node!.ip, 'problem', `the address of ${node!.name}, which kube-apiserver dials for logs and exec`);
      set(node!.name, 'warning', `the name of ${node!.name}, which kube-apiserver dials when its preferred address type is Hostname`);
      break;
    default:
      break;
  }
  return rules;
}

export function checkAgainstCluster(spec: ClusterSpec, found: RecognisedCertificate[]): Finding[] {
  const plan = buildPlan(spec);
  const out: Finding[] = [];
  const nodeNames = new Set(spec.nodes.map(n => n.name));

  for (const f of found) {
    if (f.role.id === 'kubelet-client') {
      const node = f.role.nodes[0]!;
      if (!nodeNames.has(node) && !nodeNames.has(node.toLowerCase())) {
        out.push({severity: 'problem', file: f.file, role: f.role.label, message: `names node ${node}, which is not in the cluster (${[...nodeNames].join(', ')}): the kubelet must register with exactly the name in its CN`});
      }
    }
  }

  const missing: string[] = [];
  for (const p of plan.certificates) {
    const matches = found.filter(f => f.role.id === p.id && (p.node === null || f.role.nodes.includes(p.node) || f.role.nodes.map(n => n.toLowerCase()).includes(p.node)));
    if (matches.length === 0) {
      missing.push(`${CERT_LABEL[p.id]}${p.node ? ` of ${p.node}` : ''}`);
      continue;
    }
    const rules = nameRules(spec, p, plan.serviceIp);
    for (const m of matches) {
      const have = new Set([...m.facts.dnsNames, ...m.facts.ipAddresses.map(canonicalIp)]);
      for (const [name, rule] of rules) {
        if (have.has(name)) continue;
        out.push({severity: rule.severity, file: m.file, role: m.role.label, message: `lacks ${ipFamily(name) ? 'IP' : 'DNS name'} ${name} (${rule.why}): a client that dials it fails with "x509: certificate is valid for …, not ${name}"`, why: p.why.names});
      }
    }
  }
  if (missing.length) {
    // One node's folder legitimately lacks other nodes' files and what kubeadm keeps only inside
    // kubeconfigs: say what is absent, but leave the exit code alone.
    out.push({severity: 'warning', file: '(not found)', role: 'the cluster', message: `the cluster needs ${missing.length} certificate${missing.length === 1 ? '' : 's'} not found here (fine if they live on other machines): ${missing.join('; ')}`});
  }
  return out;
}
