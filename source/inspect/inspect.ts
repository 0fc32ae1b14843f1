// `kubepki inspect`: any PKI in, a role and a verdict per certificate out. Pure apart from reading
// the given paths: the command renders the report, the wizard may show it too.
import {basename, dirname, extname} from 'node:path';
import type {AuthorityId} from '../plan/types.js';
import {CERTIFICATES, SIGNER_FOR} from '../plan/catalog.js';
import type {ClusterSpec} from '../spec/types.js';
import {checkAuthority, checkLeaf, DAY_MS} from './checks.js';
import {checkAgainstCluster} from './cluster.js';
import {collect, type CertificateItem, type KeyItem} from './collect.js';
import {checkKubeconfig} from './kubeconfigs.js';
import {AUTHORITY_LABEL, authorityClass, authorityRole, recogniseLeaf, type Role} from './roles.js';
import type {CertificateRow, Finding, InspectReport, KeyRow, KubeconfigRow} from './types.js';
import {describeKey, samePublicKey, signedBy} from './x509.js';

export interface InspectOptions {
  spec?: ClusterSpec;
  now?: Date;
}

const shown = (item: {places: {file: string; embedded?: string}[]}) => {
  const p = item.places[0]!;
  return p.embedded ? `${p.file} (${p.embedded})` : p.file;
};

/** admin.key / admin-key.pem / admin.pem → "dir/admin": how people name a pair's two files (a finding on either concerns both). */
const stems = new Map<string, string>();
export function stem(file: string): string {
  let s = stems.get(file);
  if (s === undefined) {
    s = `${dirname(file)}/${basename(file, extname(file)).replace(/[-_.]key$/, '')}`;
    stems.set(file, s);
  }
  return s;
}

export function inspectPaths(paths: string[], options: InspectOptions = {}): InspectReport {
  const now = options.now ?? new Date();
  const material = collect(paths);
  const findings: Finding[] = material.problems.map(p => ({severity: p.warning ? 'warning' : 'problem', file: p.file, role: 'file', message: p.message}));
  const certs = material.certificates;

  // Authorities: marked CA:TRUE, or self-signed and signing others (a v1 CA from the seeds' commands).
  const signerOf = new Map<CertificateItem, CertificateItem>();
  const isCa = (c: CertificateItem) => c.facts.basicConstraintsCA === true;
  const candidates = certs.filter(c => isCa(c) || c.facts.selfSigned);
  for (const cert of certs) {
    const issuer = candidates.find(ca => ca !== cert && signedBy(cert.facts, ca.facts)) ?? (cert.facts.selfSigned ? cert : undefined);
    if (issuer) signerOf.set(cert, issuer);
  }
  const signedCount = new Map<CertificateItem, number>();
  for (const [cert, issuer] of signerOf) if (cert !== issuer) signedCount.set(issuer, (signedCount.get(issuer) ?? 0) + 1);
  const signs = (ca: CertificateItem) => signedCount.get(ca) ?? 0;
  // A CA:TRUE certificate that a CA here signed and that signs nothing itself is a leaf made wrongly.
  const authorities = candidates.filter(c => signs(c) > 0 || (c.facts.selfSigned && isCa(c)) || (isCa(c) && !signerOf.has(c)));
  const classOf = new Map<CertificateItem, AuthorityId>(authorities.map(a => [a, authorityClass(a.facts)]));

  // Recognise leaves once with their issuer's class; the cluster CA is the one that signed the apiserver.
  const roleOf = new Map<CertificateItem, Role>();
  for (const cert of certs) {
    if (classOf.has(cert)) continue;
    const issuer = signerOf.get(cert);
    roleOf.set(cert, recogniseLeaf(cert.facts, {issuer: issuer && issuer !== cert ? classOf.get(issuer) : undefined, file: shown(cert), spec: options.spec}));
  }
  const primary = new Map<AuthorityId, CertificateItem>();
  const rank = (ca: CertificateItem) => {
    const leaves = certs.filter(c => signerOf.get(c) === ca && c !== ca);
    return leaves.some(c => roleOf.get(c)?.id === 'apiserver') ? 1e6 : leaves.length;
  };
  for (const ca of [...authorities].sort((a, b) => rank(b) - rank(a))) {
    if (!primary.has(classOf.get(ca)!)) primary.set(classOf.get(ca)!, ca);
  }
  for (const ca of authorities) roleOf.set(ca, authorityRole(ca.facts, classOf.get(ca)!, primary.get(classOf.get(ca)!) !== ca));

  // Which authority each trust slot falls to: the topology the files show.
  const topology = primary.has('front-proxy-ca') ? 'kubeadm' : primary.has('etcd-ca') ? 'etcd-separate' : 'single';
  const slotAuthority = (slot: 'cluster' | 'etcd' | 'front-proxy') => {
    const wanted = SIGNER_FOR.kubeadm[slot];
    return primary.get(wanted) ?? primary.get('ca');
  };

  const keyFor = (cert: CertificateItem): KeyItem | undefined => material.keys.find(k => samePublicKey(k.publicKey, cert.facts.publicKey));
  const rows: CertificateRow[] = [];
  for (const cert of certs) {
    const role = roleOf.get(cert)!;
    const file = shown(cert);
    const issuerItem = signerOf.get(cert);
    const authorityId = classOf.get(cert);
    const issuer = issuerItem && issuerItem !== cert
      ? {file: shown(issuerItem), id: classOf.get(issuerItem)!, primary: primary.get(classOf.get(issuerItem)!) === issuerItem}
      : undefined;
    const expected = role.kind ? slotAuthority(role.kind.signedBy) : undefined;
    const context = {
      cert: cert.facts, file, role, now, issuer,
      expectedIssuer: expected ? {file: shown(expected), id: classOf.get(expected)!} : undefined,
      signs: signs(cert),
    };
    const own = authorityId ? checkAuthority(context) : checkLeaf(context);
    findings.push(...own);
    const key = keyFor(cert);
    rows.push({
      file,
      copies: cert.places.slice(1).map(p => (p.embedded ? `${p.file} (${p.embedded})` : p.file)),
      role: {id: role.id, label: role.label, nodes: role.nodes},
      subject: cert.facts.subject,
      cn: cert.facts.cn,
      organizations: cert.facts.organizations,
      issuer: issuerItem === cert ? 'self-signed' : issuer ? issuer.file : `not here (${cert.facts.issuer})`,
      key: key ? shown(key) : undefined,
      keyType: describeKey(cert.facts.publicKey).text,
      usages: usagesOf(cert),
      dnsNames: cert.facts.dnsNames,
      ipAddresses: cert.facts.ipAddresses,
      notAfter: cert.facts.notAfter.toISOString(),
      daysLeft: Math.floor((cert.facts.notAfter.getTime() - now.getTime()) / DAY_MS),
      verdict: 'ok',
    });
  }

  const order = (r: CertificateRow) => {
    const authority = ['ca', 'etcd-ca', 'front-proxy-ca'].indexOf(r.role.id);
    if (authority >= 0) return authority;
    const kind = CERTIFICATES.findIndex(k => k.id === r.role.id);
    return kind >= 0 ? 10 + kind : 100 + ['user', 'unknown'].indexOf(r.role.id);
  };
  rows.sort((a, b) => order(a) - order(b) || (a.role.nodes[0] ?? '').localeCompare(b.role.nodes[0] ?? '') || a.file.localeCompare(b.file));

  if (topology === 'single' && primary.has('ca')) {
    const etcd = certs.filter(c => ['etcd-server', 'etcd-peer'].includes(roleOf.get(c)!.id));
    if (etcd.length) {
      const ca = primary.get('ca')!;
      findings.push({severity: 'warning', file: shown(ca), role: AUTHORITY_LABEL.ca, message: 'one CA signs everything, etcd included (a single-CA topology): any certificate it signed — a kubelet\'s, a user\'s — is also accepted by etcd, which holds every Secret. kubeadm gives etcd its own CA'});
    }
  }

  findings.push(...checkKeys(material.keys, certs, material.publicKeys, roleOf, shown));

  const apiservers = certs.filter(c => roleOf.get(c)!.id === 'apiserver').map(c => ({facts: c.facts, file: shown(c)}));
  const itemOf = (facts: CertificateItem['facts']) => certs.find(c => c.facts === facts);
  const kubeconfigRows: KubeconfigRow[] = [];
  for (const k of material.kubeconfigs) {
    const own = checkKubeconfig(k, f => roleOf.get(itemOf(f)!), f => shown(itemOf(f)!), apiservers);
    findings.push(...own);
    const entry = k.entries[0];
    kubeconfigRows.push({
      file: k.place.file,
      copies: k.copies.map(p => p.file),
      user: entry?.user ?? '(none)',
      server: entry?.server,
      client: entry?.certificate ? roleOf.get(entry.certificate)?.label : undefined,
      verdict: 'ok',
    });
  }

  if (options.spec) {
    findings.push(...checkAgainstCluster(options.spec, certs.filter(c => !classOf.has(c)).map(c => ({facts: c.facts, file: shown(c), role: roleOf.get(c)!}))));
  }

  const keyRows = standaloneKeys(material, certs, shown);
  const byStem = new Map<string, Finding[]>();
  for (const f of findings) if (f.file !== '(not found)') byStem.set(stem(f.file), [...(byStem.get(stem(f.file)) ?? []), f]);
  const verdictOf = (file: string): CertificateRow['verdict'] => {
    // A pair's findings show on both rows: scheduler.key's mismatch makes scheduler.crt a problem too.
    const mine = byStem.get(stem(file)) ?? [];
    return mine.some(f => f.severity === 'problem') ? 'problem' : mine.length ? 'warning' : 'ok';
  };
  for (const row of [...rows, ...kubeconfigRows, ...keyRows]) row.verdict = verdictOf(row.file);
  // A key's problems (mode, mismatch) show on the row of the certificate it belongs to.
  for (const row of rows) if (row.key && !row.key.includes(' (') && verdictOf(row.key) === 'problem') row.verdict = 'problem';

  return {
    paths,
    filesRead: material.filesRead,
    certificates: rows,
    kubeconfigs: kubeconfigRows,
    keys: keyRows,
    skipped: material.skipped,
    findings,
    problems: findings.filter(f => f.severity === 'problem').length,
    warnings: findings.filter(f => f.severity === 'warning').length,
  };
}

function usagesOf(cert: CertificateItem): string[] {
  const f = cert.facts;
  const names: Record<string, string> = {'1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth'};
  const eku = f.extendedUsage === undefined ? ['any'] : f.extendedUsage.map(o => names[o] ?? o);
  return [...(f.basicConstraintsCA ? ['CA'] : []), ...eku];
}

/** Private keys: readable by others, paired by name with a certificate they do not belong to. */
function checkKeys(keys: KeyItem[], certs: CertificateItem[], publicKeys: {key: import('node:crypto').KeyObject; places: {file: string}[]}[],
  roleOf: Map<CertificateItem, Role>, shownOf: (i: {places: {file: string; embedded?: string}[]}) => string): Finding[] {
  const out: Finding[] = [];
  const owner = (key: KeyItem) => certs.find(c => samePublicKey(c.facts.publicKey, key.publicKey));
  for (const key of keys) {
    const cert = owner(key);
    const role = cert ? roleOf.get(cert)!.label : 'private key';
    for (const place of key.places.filter(p => !p.embedded)) {
      if (place.mode & 0o004) {
        out.push({severity: 'problem', file: place.file, role, message: `is a private key readable by every user on the machine (mode ${place.mode.toString(8)}): anyone can act as its owner. chmod 600 ${basename(place.file)}`});
      } else if (place.mode & 0o040) {
        out.push({severity: 'warning', file: place.file, role, message: `is a private key readable by its group (mode ${place.mode.toString(8)}); kubeadm writes keys 600`});
      }
      // The certificate beside it by name (admin.key ↔ admin.crt, admin-key.pem ↔ admin.pem).
      const partner = certs.find(c => c !== cert && c.places.some(p => !p.embedded && p.file !== place.file && stem(p.file) === stem(place.file)));
      if (partner && !samePublicKey(partner.facts.publicKey, key.publicKey)) {
        const partnerFile = partner.places.find(p => stem(p.file) === stem(place.file))!.file;
        out.push({severity: 'problem', file: place.file, role: roleOf.get(partner)!.label,
          message: `is not the key of ${partnerFile}: their public keys differ (${cert ? `this key belongs to ${shownOf(cert)}` : 'this key belongs to no certificate here'}); a component given this pair fails with "tls: private key does not match public key"`});
      }
    }
  }
  for (const pub of publicKeys) {
    const priv = keys.find(k => samePublicKey(k.publicKey, pub.key));
    const partner = keys.find(k => k.places.some(p => stem(p.file) === stem(pub.places[0]!.file)));
    if (!priv && partner) {
      out.push({severity: 'problem', file: pub.places[0]!.file, role: 'service-account key pair', message: `is not the public half of ${partner.places[0]!.file}: service-account tokens signed with one are rejected by the other ("invalid bearer token")`});
    }
  }
  return out;
}

/** Keys that belong to no certificate: the service-account pair, and strays worth a look. */
function standaloneKeys(material: ReturnType<typeof collect>, certs: CertificateItem[], shownOf: (i: {places: {file: string; embedded?: string}[]}) => string): KeyRow[] {
  const rows: KeyRow[] = [];
  for (const key of material.keys) {
    if (certs.some(c => samePublicKey(c.facts.publicKey, key.publicKey))) continue;
    const pub = material.publicKeys.find(p => samePublicKey(p.key, key.publicKey));
    rows.push({file: shownOf(key), role: pub ? `service-account key pair (with ${pub.places[0]!.file})` : 'a private key no certificate here uses', verdict: 'ok'});
  }
  for (const pub of material.publicKeys) {
    if (material.keys.some(k => samePublicKey(k.publicKey, pub.key))) continue;
    if (certs.some(c => samePublicKey(c.facts.publicKey, pub.key))) continue;
    rows.push({file: pub.places[0]!.file, role: 'a public key (service-account tokens are checked with it)', verdict: 'ok'});
  }
  return rows;
}
