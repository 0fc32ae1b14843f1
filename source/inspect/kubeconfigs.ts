// A kubeconfig is right when its CA signed the apiserver certificate, the apiserver certificate
// names the server it dials, its key matches its certificate, and its certificate is the identity
// its name promises (scheduler.conf holds the scheduler's).
import {basename} from 'node:path';
import type {CertificateId} from '../plan/types.js';
import type {KubeconfigEntry, KubeconfigItem} from './collect.js';
import {CERT_LABEL, type Role} from './roles.js';
import type {Finding, Severity} from './types.js';
import {samePublicKey, signedBy, type CertificateFacts} from './x509.js';

export interface ApiserverCertificate {
  facts: CertificateFacts;
  file: string;
}

/** The identity a kubeconfig promises, from its user name first, else its file name. */
export function impliedRole(entry: KubeconfigEntry, file: string): {id: CertificateId; node?: string} | undefined {
  const user = entry.user;
  if (user.startsWith('system:node:')) return {id: 'kubelet-client', node: user.slice('system:node:'.length)};
  const byUser: Record<string, CertificateId> = {
    'system:kube-controller-manager': 'kube-controller-manager', 'system:kube-scheduler': 'kube-scheduler',
    'system:kube-proxy': 'kube-proxy', 'kubernetes-admin': 'admin', 'kubernetes-super-admin': 'super-admin',
  };
  if (byUser[user]) return {id: byUser[user]};
  const name = basename(file).replace(/\.(conf|kubeconfig|yaml|yml)$/, '');
  const byFile: Record<string, CertificateId> = {
    admin: 'admin', 'super-admin': 'super-admin', 'controller-manager': 'kube-controller-manager',
    'kube-controller-manager': 'kube-controller-manager', scheduler: 'kube-scheduler', 'kube-scheduler': 'kube-scheduler',
    'kube-proxy': 'kube-proxy', kubelet: 'kubelet-client',
  };
  if (byFile[name]) return {id: byFile[name]};
  if (/(^|\/)kube-proxy\//.test(file)) return {id: 'kube-proxy'};
  return undefined;
}

function hostOf(server: string): string | undefined {
  try {
    return new URL(server).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

export function checkKubeconfig(
  item: KubeconfigItem,
  roleOf: (facts: CertificateFacts) => Role | undefined,
  fileOf: (facts: CertificateFacts) => string,
  apiservers: ApiserverCertificate[],
): Finding[] {
  const out: Finding[] = [];
  const file = item.place.file;
  for (const entry of item.entries) {
    const certRole = entry.certificate ? roleOf(entry.certificate.facts) : undefined;
    const label = `kubeconfig of ${certRole?.label ?? entry.user}`;
    const add = (severity: Severity, message: string) => out.push({severity, file, role: label, message});

    if (entry.insecure) add('problem', 'sets insecure-skip-tls-verify: anyone between this client and the apiserver can read and change its traffic; embed the cluster CA instead');
    if (!entry.authority && !entry.insecure && !entry.authorityGiven) {
      add('problem', 'names no certificate-authority: the client then trusts only the operating system\'s CAs and fails with "x509: certificate signed by unknown authority"');
    }
    if (entry.authority && apiservers.length) {
      const signed = apiservers.filter(a => signedBy(a.facts, entry.authority!.facts));
      if (signed.length === 0) {
        add('problem', `its certificate-authority (${entry.authorityFrom}, ${entry.authority.facts.subject}) did not sign the apiserver certificate ${apiservers.map(a => a.file).join(', ')}: the client fails with "x509: certificate signed by unknown authority"`);
      } else if (entry.server) {
        const host = hostOf(entry.server);
        if (host && !signed.some(a => host.includes(':') || /^[\d.]+$/.test(host) ? a.facts.x509.checkIP(host) !== undefined : a.facts.x509.checkHost(host, {subject: 'never'}) !== undefined)) {
          const names = [...signed[0]!.facts.dnsNames, ...signed[0]!.facts.ipAddresses].join(', ');
          add('problem', `dials ${entry.server}, but the apiserver certificate ${signed[0]!.file} is not valid for ${host}: the client fails with "x509: certificate is valid for ${names || 'no names'}, not ${host}"`);
        }
      }
    }
    if (entry.certificate && entry.key && !samePublicKey(entry.certificate.facts.publicKey, entry.key.publicKey)) {
      add('problem', 'its client key does not belong to its client certificate: the client fails with "tls: private key does not match public key"');
    }
    if (entry.certificate && !entry.key) add('problem', 'has a client certificate but no client key');
    const implied = impliedRole(entry, file);
    if (implied && certRole && entry.certificate) {
      // Case is the certificate's own problem (reported on it), not a mix-up of kubeconfigs.
      const nodeDiffers = implied.node !== undefined && certRole.nodes[0] !== undefined && implied.node.toLowerCase() !== certRole.nodes[0].toLowerCase();
      if (implied.id !== certRole.id || nodeDiffers) {
        const promised = implied.node ? `the kubelet of ${implied.node}` : CERT_LABEL[implied.id];
        add('problem', `should be the kubeconfig of ${promised} (user ${entry.user}, file ${basename(file)}) but its client certificate ${fileOf(entry.certificate.facts)} is recognised as ${certRole.label} (CN=${entry.certificate.facts.cn}): whatever uses it would act as someone else`);
      }
    }
  }
  for (const place of [item.place, ...item.copies]) {
    if (item.entries.some(e => e.key) && (place.mode & 0o004)) {
      out.push({severity: 'problem', file: place.file, role: 'kubeconfig', message: `holds a private key and is readable by every user on the machine (mode ${place.mode.toString(8)}): chmod 600 ${basename(place.file)}`});
    }
  }
  return out;
}
