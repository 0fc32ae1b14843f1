// `kubepki verify DIR`: reads the OUT kubepki wrote and checks it against its manifest — the checks
// of verify.sh done in-process, plus expiry and file modes. (`kubepki inspect`, which reads any PKI
// without a manifest, is source/inspect/.)
import {KeyObject, X509Certificate, createPrivateKey, createPublicKey} from 'node:crypto';
import {readdirSync, statSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import {readManifest} from '../output/existing.js';
import {readBounded} from '../output/read-bounded.js';
import type {Manifest} from '../output/manifest.js';
import {usersOf} from '../output/users.js';
import {algorithmOf} from '../pki/algorithms.js';
import {subjectOf, subjectText} from '../pki/subject.js';
import {groupProblem} from '../build/users.js';
import {quote} from '../spec/quote.js';
import {isControlPlane, type KeyType} from '../spec/types.js';
import {pemBlocks, publicKey256, RETIRED_DIR, rotationOf, rotationsOf, type FinishedRotation} from '../build/rotate.js';
import {serviceAccountRotationOf} from '../build/rotate-service-account.js';
import {checkServiceAccountKeys} from './service-account-rotation.js';

export interface Finding {
  file: string;
  check: string;
  ok: boolean;
  detail: string;
  daysLeft?: number;
}

/** Like kubeadm certs check-expiration: below this many days left, verify warns (it does not fail). */
export const DEFAULT_EXPIRY_WARNING = '30d';

const EKU = {serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2'} as const;
const DAY_MS = 86_400_000;

/** Whether two keys (private or public, any form Node reads) share one public key. */
function samePublicKey(a: Parameters<typeof createPublicKey>[0], b: Parameters<typeof createPublicKey>[0]): boolean {
  const spki = (k: Parameters<typeof createPublicKey>[0]) =>
    (k instanceof KeyObject && k.type === 'public' ? k : createPublicKey(k)).export({type: 'spki', format: 'der'});
  return spki(a).equals(spki(b));
}

export function inspectDirectory(dir: string, now = new Date()): Finding[] {
  const manifest = readManifest(dir);
  const findings: Finding[] = [];
  const read = (rel: string) => readable(dir, rel);
  const certOf = new Map<string, X509Certificate>();
  const loadCert = (rel: string) => {
    let cert = certOf.get(rel);
    if (!cert) { cert = new X509Certificate(read(rel)); certOf.set(rel, cert); }
    return cert;
  };
  /** Every certificate of a file: one, or during a rotation a trust bundle (old + new). */
  const loadCerts = (rel: string): X509Certificate[] => {
    const blocks = pemBlocks(read(rel).toString('utf8'));
    return blocks.length ? blocks.map(b => new X509Certificate(b)) : [loadCert(rel)];
  };
  const rotation = rotationOf(manifest);
  /** The CA of `cas` that issued and signed `cert`, if any. */
  const issuerIn = (cert: X509Certificate, cas: X509Certificate[]) => cas.find(ca => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  const attempt = (file: string, check: string, body: () => string | {detail: string; daysLeft: number}) => {
    try {
      const result = body();
      findings.push(typeof result === 'string' ? {file, check, ok: true, detail: result} : {file, check, ok: true, ...result});
    } catch (error) {
      findings.push({file, check, ok: false, detail: (error as Error).message.split('\n')[0]!});
    }
  };
  const daysLeft = (cert: X509Certificate) => Math.floor((new Date(cert.validTo).getTime() - now.getTime()) / DAY_MS);
  /** Dates that are X.509 times, and now between them; the days left. */
  const inDate = (cert: X509Certificate): number => {
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (Number.isNaN(to)) throw new Error(`notAfter is not a valid X.509 time (${cert.validTo})`);
    if (Number.isNaN(from)) throw new Error(`notBefore is not a valid X.509 time (${cert.validFrom})`);
    if (to < now.getTime()) throw new Error(`expired on ${cert.validTo}`);
    if (from > now.getTime()) throw new Error(`not valid before ${cert.validFrom}`);
    return daysLeft(cert);
  };
  /** The key matches the certificate and is of the type the manifest says (older manifests say none). */
  const keyMatches = (cert: X509Certificate, keyFile: string, keyType: KeyType | undefined): string => {
    const key = createPrivateKey(read(keyFile));
    if (!samePublicKey(key, cert.publicKey)) throw new Error(`${keyFile} does not match the certificate`);
    const algorithm = algorithmOf(key);
    if (keyType && algorithm.type !== keyType) throw new Error(`${keyFile} is ${algorithm.label}, the manifest says ${keyType}`);
    return `${algorithm.label} key matches`;
  };

  /**
   * A kubeconfig's one user and cluster: the server it dials and the CA it embeds checked against
   * what is expected; its client certificate, and whether the embedded key is that certificate's.
   */
  const embedded = (file: string, server: string, authorityId: string) => {
    const doc = parse(read(file).toString('utf8'));
    const user = doc?.users?.[0]?.user;
    const cluster = doc?.clusters?.[0]?.cluster;
    if (!user || !cluster) throw new Error('no user or cluster entry');
    if (cluster.server !== server) throw new Error(`server is ${cluster.server}, expected ${server}`);
    const authority = manifest.authorities.find(a => a.id === authorityId);
    if (!authority) throw new Error(`authority ${authorityId} is not in the manifest`);
    const data = Buffer.from(String(cluster['certificate-authority-data'] ?? ''), 'base64').toString('utf8');
    const embeddedCas = pemBlocks(data).length ? pemBlocks(data).map(b => new X509Certificate(b)) : [new X509Certificate(data)];
    const trusted = loadCerts(authority.cert);
    if (embeddedCas.length !== trusted.length || embeddedCas.some((ca, i) => !ca.raw.equals(trusted[i]!.raw))) {
      throw new Error(`certificate-authority-data is not ${authority.id} (${authority.cert}${trusted.length > 1 ? `, ${trusted.length} certificates` : ''})`);
    }
    const cert = new X509Certificate(Buffer.from(String(user['client-certificate-data'] ?? ''), 'base64'));
    const keyMatches = () => samePublicKey(createPrivateKey(Buffer.from(String(user['client-key-data'] ?? ''), 'base64')), cert.publicKey);
    return {cert, keyMatches, authority};
  };
  /** The O values of a certificate's subject as its DER holds them (not Node's escaped text), sorted. */
  const organizationsOf = (cert: X509Certificate) => [...subjectOf(cert.raw).organizations].sort();
  /** The subject has CN `cn`, read from the DER; else an error saying what it has. */
  const expectCn = (cert: X509Certificate, cn: string, what: string) => {
    const subject = subjectOf(cert.raw);
    if (subject.cn !== cn) throw new Error(`${what} is for ${subjectText(subject.attributes)}, expected CN=${cn}`);
  };
  /** Values for a message: as they are, or quoted when a space, comma or other character would blur them. */
  const list = (values: string[]) => values.map(v => (/^[\w:.@=-]+$/.test(v) ? v : quote(v))).join(', ');

  for (const a of manifest.authorities) {
    attempt(a.cert, 'authority', () => {
      const certs = loadCerts(a.cert);
      const cert = certs[0]!;
      // During a rotation the authority's file is the trust bundle: exactly the old CA (which signs, with the key beside it) then the new.
      const rotating = rotation?.authority === a.id;
      if (rotating) {
        const found = certs.map(c => c.fingerprint256);
        if (found.length !== 2 || found[0] !== rotation.old.fingerprint256 || found[1] !== rotation.new.fingerprint256) {
          throw new Error(`during the rotation of ${a.id} it must hold the old CA then the new (SHA-256 ${rotation.old.fingerprint256.slice(0, 11)}…, ${rotation.new.fingerprint256.slice(0, 11)}…); it holds ${found.length} certificate${found.length === 1 ? '' : 's'}`);
        }
      } else if (certs.length > 1) {
        throw new Error(`holds ${certs.length} certificates, and no rotation of ${a.id} is under way`);
      }
      for (const c of certs) {
        if (!c.ca) throw new Error('not a CA certificate (basicConstraints CA:FALSE)');
        // A CA signed by the user's own root (rotate start --csr) is trusted as it is, as Go takes it: only a self-issued one must verify itself.
        if (c.subject === c.issuer && !c.verify(c.publicKey)) throw new Error('self-signature does not verify');
      }
      // The key beside it is the signer's: the old CA's at start, the new CA's from issue on (an external old CA's is not in OUT).
      const signs = rotating && rotation.phase === 'issue' ? 'new' : 'old';
      const matches = rotating && signs === 'old' && rotation.old.keyless ? `the old CA's key not in OUT (an external CA; it signs nothing here)`
        : keyMatches(signs === 'new' ? certs[1]! : cert, a.key, a.keyType);
      return {detail: rotating ? `CA ${a.id}, trust bundle old + new (rotation: ${rotation.phase}), ${signs} ${matches}` : `CA ${a.id}, ${matches}`, daysLeft: Math.min(...certs.map(inDate))};
    });
  }

  for (const c of manifest.certificates) {
    const label = c.node ? `${c.id} (${c.node})` : c.id;
    attempt(c.cert, label, () => {
      const signer = manifest.authorities.find(a => a.id === c.signer);
      if (!signer) throw new Error(`signer ${c.signer} is not in the manifest`);
      const cert = loadCert(c.cert);
      const issuer = issuerIn(cert, loadCerts(signer.cert));
      if (!issuer) throw new Error(`not signed by ${c.signer} (${signer.cert})`);
      // From phase issue on, every leaf of the rotated authority is the new CA's.
      if (rotation?.phase === 'issue' && rotation.authority === c.signer && issuer.fingerprint256 !== rotation.new.fingerprint256) {
        throw new Error(`signed by the old ${c.signer}; in phase issue the new CA signs every leaf (kubepki rotate OUT issue issues them)`);
      }
      if (cert.ca) throw new Error('is a CA certificate');
      const ekus = cert.keyUsage ?? [];
      for (const usage of c.usages) if (!ekus.includes(EKU[usage])) throw new Error(`lacks extended key usage ${usage}`);
      for (const dns of c.dnsNames) if (cert.checkHost(dns, {wildcards: false, subject: 'never'}) === undefined) throw new Error(`not valid for DNS name ${dns}`);
      for (const ip of c.ipAddresses) if (cert.checkIP(ip) === undefined) throw new Error(`not valid for IP ${ip}`);
      expectCn(cert, c.cn, 'subject');
      const organizations = subjectOf(cert.raw).organizations;
      for (const o of c.organizations) if (!organizations.includes(o)) throw new Error(`subject lacks O=${o}`);
      const matches = keyMatches(cert, c.key, c.keyType);
      const days = inDate(cert);
      return {detail: `${c.usages.join('+')}, ${c.dnsNames.length + c.ipAddresses.length} SANs, ${matches}`, daysLeft: days};
    });
  }

  for (const k of manifest.kubeconfigs) {
    const label = `${k.id} kubeconfig${k.node ? ` (${k.node})` : ''}`;
    attempt(k.file, label, () => {
      // The authority the cluster's apiserver trusts, from the master copy: a kubeconfig whose
      // CA and client certificate were both swapped for another cluster's is consistent in itself.
      const authorityId = k.authority ?? 'ca';
      const {cert, keyMatches, authority} = embedded(k.file, k.server, authorityId);
      if (!issuerIn(cert, loadCerts(authority.cert))) throw new Error(`client certificate not signed by ${authorityId} (${authority.cert})`);
      if (cert.ca) throw new Error('client certificate is a CA certificate');
      if (!(cert.keyUsage ?? []).includes(EKU.clientAuth)) throw new Error('client certificate lacks extended key usage clientAuth');
      if (!keyMatches()) throw new Error('embedded key does not match the embedded certificate');
      const planned = manifest.certificates.find(c => k.certificate ? c.id === k.certificate.id && c.node === k.certificate.node : c.cn === k.user && (c.node === k.node || c.node === null));
      expectCn(cert, k.user, 'client certificate');
      const organizations = organizationsOf(cert);
      const expected = [...(planned?.organizations ?? [])].sort();
      if (JSON.stringify(organizations) !== JSON.stringify(expected)) throw new Error(`client certificate has O=[${list(organizations)}], expected O=[${list(expected)}]`);
      return {detail: `${k.user} → ${k.server}`, daysLeft: inDate(cert)};
    });
  }

  // Users (kubepki user add): signed by the cluster CA here or by the cluster's CSR API, which
  // signs with the same CA; CN the name, one O per group, client auth, the key theirs.
  const clusterCa = manifest.authorities.find(a => a.id === 'ca');
  for (const u of usersOf(manifest)) {
    const label = `user ${u.name}`;
    if (!u.cert) {
      findings.push({file: u.csr ?? u.key, check: label, ok: true,
        detail: `waiting for the cluster to sign its CSR; then kubepki user finish ${u.name} --certificate FILE`});
      continue;
    }
    const userCert = u.cert;
    attempt(userCert, label, () => {
      if (!clusterCa) throw new Error('the cluster CA (ca) is not in the manifest');
      const cert = loadCert(userCert);
      if (!issuerIn(cert, loadCerts(clusterCa.cert))) throw new Error(`not signed by ca (${clusterCa.cert})`);
      if (cert.ca) throw new Error('is a CA certificate');
      if (!(cert.keyUsage ?? []).includes(EKU.clientAuth)) throw new Error('lacks extended key usage clientAuth');
      expectCn(cert, u.name, 'subject');
      const organizations = organizationsOf(cert);
      const groups = [...u.groups].sort();
      if (JSON.stringify(organizations) !== JSON.stringify(groups)) throw new Error(`groups (O) are [${list(organizations)}], the manifest says [${list(groups)}]`);
      // The rule user add applies: a group it would refuse is refused here too.
      const refused = u.groups.map(groupProblem).filter(Boolean);
      if (refused.length) throw new Error(`group ${refused[0]}; remove the user and add it again with the groups meant`);
      const matches = keyMatches(cert, u.key, undefined);
      return {detail: `client auth, groups ${u.groups.join(', ') || 'none'}, ${matches}`, daysLeft: inDate(cert)};
    });
    if (!u.kubeconfig) continue;
    const file = u.kubeconfig;
    attempt(file, `${label} kubeconfig`, () => {
      if (!clusterCa) throw new Error('the cluster CA (ca) is not in the manifest');
      const {cert, keyMatches} = embedded(file, manifest.endpoint, clusterCa.id);
      if (!cert.raw.equals(loadCert(userCert).raw)) throw new Error(`client-certificate-data is not ${userCert}`);
      if (!keyMatches()) throw new Error('embedded key does not match the embedded certificate');
      return {detail: `${u.name} → ${manifest.endpoint}`, daysLeft: inDate(cert)};
    });
  }

  if (rotation) {
    attempt(rotation.new.cert, `rotation: new ${rotation.authority}`, () => {
      const cert = loadCert(rotation.new.cert);
      if (cert.fingerprint256 !== rotation.new.fingerprint256) throw new Error('is not the new CA the manifest records');
      if (!cert.ca) throw new Error('not a CA certificate');
      if (rotation.new.issuer === undefined && !cert.verify(cert.publicKey)) throw new Error('not a self-signed CA certificate');
      if (cert.subject.replaceAll('\n', ', ') === rotation.old.subject) throw new Error('has the old CA\'s subject: chains could confuse them');
      return {detail: `new CA${rotation.new.issuer ? ` (signed by ${rotation.new.issuer})` : ''}, ${keyMatches(cert, rotation.new.key, undefined)}`, daysLeft: inDate(cert)};
    });
    attempt(rotation.old.cert, `rotation: old ${rotation.authority}`, () => {
      const certs = loadCerts(rotation.old.cert);
      if (certs.length !== 1 || certs[0]!.fingerprint256 !== rotation.old.fingerprint256) throw new Error('is not the old CA alone, as the manifest records it');
      if (rotation.old.key) return `the old CA alone (what abort restores), ${keyMatches(certs[0]!, rotation.old.key, undefined)} (${rotation.old.key})`;
      return 'the old CA alone (the controller-manager\'s signing certificate, and what abort restores)';
    });
  }

  // A finished rotation's old CA (or service-account pair) lives in retired/ alone: no other file may hold it, its key, or trust it.
  for (const record of rotationsOf(manifest)) {
    const old = `the old ${record.authority === 'service-account' ? 'service-account key' : 'CA'} (SHA-256 ${record.old.fingerprint256.slice(0, 11)}…)`;
    attempt(record.retired, `rotation of ${record.authority} finished ${record.finishedAt.slice(0, 10)}`, () => {
      const holders = filesHoldingCa(dir, record);
      if (holders.length) throw new Error(`${old} is still in ${holders.slice(0, 5).join('; ')}${holders.length > 5 ? ` (and ${holders.length - 5} more)` : ''}: only ${RETIRED_DIR}/ may hold it`);
      return `no file outside ${RETIRED_DIR}/ holds or trusts ${old} or holds its key`;
    });
  }

  attempt(manifest.serviceAccount.key, 'service-account keys', () => checkServiceAccountKeys(manifest, rel => read(rel).toString('utf8')));

  findings.push(...modeFindings(dir, manifest));
  return findings;
}

/** A file of the tree, or an error naming it (relative to the tree) and why it cannot be read. */
function readable(dir: string, rel: string): Buffer {
  const read = readBounded(join(dir, rel));
  if ('data' in read) return read.data;
  throw new Error(read.code === 'ENOENT' ? `${rel} is missing` : `${rel} ${read.reason}`);
}

/** Private material 0600, every directory 0700, and no CA key outside the control plane. */
function modeFindings(dir: string, manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  const secret = new Set<string>([
    ...manifest.authorities.map(a => a.key), ...manifest.certificates.map(c => c.key),
    ...manifest.kubeconfigs.map(k => k.file), manifest.serviceAccount.key,
    ...usersOf(manifest).flatMap(u => [u.key, ...(u.kubeconfig ? [u.kubeconfig] : [])]),
    ...(rotationOf(manifest) ? [rotationOf(manifest)!.new.key, ...(rotationOf(manifest)!.old.key ? [rotationOf(manifest)!.old.key!] : [])] : []),
    ...(serviceAccountRotationOf(manifest) ? [serviceAccountRotationOf(manifest)!.old.key, serviceAccountRotationOf(manifest)!.new.key] : []),
    ...(manifest.documents ?? []).filter(d => d.secret && d.path.startsWith(`${RETIRED_DIR}/`)).map(d => d.path),
  ]);
  for (const [name, node] of Object.entries(manifest.nodes)) {
    for (const f of node.files) if (f.secret) secret.add(`${node.bundle}${f.path}`);
  }
  const bad: string[] = [];
  const walk = (rel: string) => {
    let info;
    try {
      info = statSync(join(dir, rel));
      if (info.isDirectory()) {
        if ((info.mode & 0o777) !== 0o700) bad.push(`${rel || '.'}/ is ${(info.mode & 0o777).toString(8)}, expected 700`);
        for (const entry of readdirSync(join(dir, rel))) walk(rel ? `${rel}/${entry}` : entry);
        return;
      }
    } catch (error) {
      bad.push(`${rel || '.'} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return;
    }
    if (secret.has(rel) && (info.mode & 0o777) !== 0o600) {
      bad.push(`${rel} is ${(info.mode & 0o777).toString(8)}, expected 600`);
    }
  };
  walk('');
  findings.push({file: '.', check: 'file modes', ok: bad.length === 0, detail: bad.length ? bad.join('; ') : `${secret.size} private files 600, directories 700`});

  const caKeys = new Set(manifest.authorities.map(a => a.key));
  for (const [name, node] of Object.entries(manifest.nodes)) {
    const leaked = isControlPlane(node) ? [] : node.files.filter(f => caKeys.has(f.source)).map(f => f.path);
    const others = node.files.filter(f => f.secret && /^pki\/nodes\/([^/]+)\//.test(f.source) && f.source.split('/')[2] !== name).map(f => f.path);
    const stale = node.files.filter(f => {
      try {
        return !readable(dir, join(node.bundle, f.path)).equals(readable(dir, f.source));
      } catch {
        return true;
      }
    }).map(f => f.path);
    const listed = new Set(node.files.map(f => `${node.bundle}${f.path}`));
    const unlisted = filesUnder(dir, node.bundle).filter(p => !listed.has(p)).map(p => p.slice(node.bundle.length));
    const problems = [
      ...leaked.map(p => `must not hold CA key ${p}`), ...others.map(p => `must not hold another node's key ${p}`), ...stale.map(p => `${p} missing or differs from its master copy`),
      ...unlisted.map(p => `${p} is not in the manifest: ${UNLISTED}`),
    ];
    findings.push({file: node.bundle, check: 'bundle', ok: problems.length === 0,
      detail: problems.length ? problems.join('; ') : `${node.files.length} files as planned, no foreign keys, nothing else`});
  }
  // A directory under nodes/ for no node of the manifest: every file in it is one no node should receive.
  const bundles = new Set(Object.values(manifest.nodes).map(n => n.bundle));
  for (const bundle of filesUnder(dir, NODES_DIR, 1).filter(p => !bundles.has(p))) {
    const files = filesUnder(dir, bundle);
    findings.push({file: bundle, check: 'bundle', ok: false, detail: `${(files.length ? files : [bundle]).join(', ')} ${files.length > 1 ? 'are' : 'is'} not in the manifest (it has no node ${bundle.slice(NODES_DIR.length + 1)}): ${UNLISTED}`});
  }
  return findings;
}

const NODES_DIR = 'nodes';
const UNLISTED = 'a node bundle holds exactly what the manifest lists';

/**
 * Every file under `rel` (OUT-relative paths, anything that is not a directory: a symlink or a
 * device too); with `depth` 1 the entries of `rel` itself. Nothing when `rel` is absent.
 */
function filesUnder(dir: string, rel: string, depth = Infinity): string[] {
  let entries;
  try {
    entries = readdirSync(join(dir, rel), {withFileTypes: true});
  } catch {
    return [];
  }
  return entries.flatMap(e => {
    const path = `${rel}/${e.name}`;
    if (depth === 1) return [path];
    return e.isDirectory() ? filesUnder(dir, path, depth - 1) : [path];
  }).sort();
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g;
/** Files larger than this are no PEM or kubeconfig kubepki writes: not read. */
const SCAN_LIMIT = 1 << 20;

/**
 * Every file of the tree outside retired/ that holds the retired CA's certificate (as PEM, or in
 * a kubeconfig's base64 data), a certificate it signed, or its private key: `path: what`.
 */
function filesHoldingCa(dir: string, record: FinishedRotation): string[] {
  const found: string[] = [];
  const check = (rel: string, text: string) => {
    const pems = [...text.matchAll(PEM_BLOCK)].map(m => m[0]);
    // A kubeconfig's certificate-authority-data and client-certificate-data/client-key-data: base64 PEM.
    for (const m of text.matchAll(/^\s*(?:certificate-authority-data|client-certificate-data|client-key-data):\s*(\S+)\s*$/gm)) {
      pems.push(...[...Buffer.from(m[1]!, 'base64').toString('utf8').matchAll(PEM_BLOCK)].map(b => b[0]));
    }
    for (const pem of pems) {
      const what = heldAs(pem, record);
      if (what) { found.push(`${rel} (${what})`); return; }
    }
  };
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), {withFileTypes: true})) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (path === RETIRED_DIR) continue;
      if (entry.isDirectory()) { walk(path); continue; }
      if (!entry.isFile()) continue;
      const read = readBounded(join(dir, path), SCAN_LIMIT);
      if ('data' in read) check(path, read.data.toString('utf8'));
    }
  };
  walk('');
  return found;
}

/** Whether a PEM block is the retired CA, a certificate it signed, or its key; what, if so. */
function heldAs(pem: string, record: FinishedRotation): string | undefined {
  try {
    if (pem.includes('PRIVATE KEY')) return publicKey256(pem) === record.old.publicKey256 ? 'its key' : undefined;
    if (pem.includes('PUBLIC KEY')) return publicKey256(pem) === record.old.publicKey256 ? 'its public key' : undefined;
    if (!pem.startsWith('-----BEGIN CERTIFICATE-----')) return undefined;
    // The service-account pair signs no certificate: a certificate of its old key (the hard way's service-accounts.crt) still trusts it.
    if (record.authority === 'service-account') return publicKey256(pem) === record.old.publicKey256 ? 'a certificate of its key' : undefined;
    const cert = new X509Certificate(pem);
    if (cert.fingerprint256 === record.old.fingerprint256) return 'the old CA';
    if (cert.fingerprint256 === record.new.fingerprint256) return undefined;
    return cert.issuer.replaceAll('\n', ', ') === record.old.subject ? 'a certificate it signed' : undefined;
  } catch {
    return undefined;
  }
}
