// KEP-4872 (KubeletCertCNValidation): the apiserver may check that the kubelet it dialled serves a
// certificate with CN system:node:<that node's name>, as the kubelet's own serving CSRs have it
// (O system:nodes). One check, apart from the others, for kubelet serving certificates.
import type {CertificateContext} from './checks.js';
import type {Finding} from './types.js';

export function checkKubeletServingName(c: Pick<CertificateContext, 'cert' | 'file' | 'role' | 'issuer' | 'expectedIssuer'>): Finding[] {
  // Only a certificate the apiserver can verify is checked by name: kubeadm's default self-signed
  // one is not verified at all (checkSignature warns about that).
  if (c.role.id !== 'kubelet-server' || !c.issuer || (c.expectedIssuer && c.issuer.file !== c.expectedIssuer.file)) return [];
  const {cert} = c;
  const node = cert.cn.startsWith('system:node:') ? cert.cn.slice('system:node:'.length) : c.role.nodes[0] ?? cert.dnsNames[0];
  const expected = `system:node:${node ?? '<node name>'}`;
  const missing = [
    ...(cert.cn === expected && node ? [] : [`CN is ${cert.cn || '(none)'}, not ${expected}`]),
    ...(cert.organizations.includes('system:nodes') ? [] : ['O is not system:nodes']),
  ];
  if (missing.length === 0) return [];
  return [{
    severity: 'warning', file: c.file, role: c.role.label,
    message: `${missing.join(' and ')}: KEP-4872 (feature gate KubeletCertCNValidation) lets kube-apiserver refuse a kubelet serving certificate whose CN is not system:node:<node name>, as the kubelet's own serving CSRs have it (re-issue it with CN=${expected}, O=system:nodes; kubepki does)`,
  }];
}
