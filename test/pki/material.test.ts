// Generated material checked by the real openssl and Node's X509Certificate, and used in a real
// TLS handshake with client certificates.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {X509Certificate, createPrivateKey} from 'node:crypto';
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {handshake as tlsHandshake, type HandshakeOptions} from '../helpers/tls.js';
import {generated, specFor, LAYOUTS, MATERIAL_KEYS, TOPOLOGIES} from '../helpers/cluster.js';
import {openssl, run} from '../helpers/run.js';
import {buildCluster, finalReport} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {inspectDirectory} from '../../source/verify/read-out.js';
import type {Manifest} from '../../source/output/manifest.js';
import type {KeyType} from '../../source/spec/types.js';

/** What openssl and Node must find for each key type: kubeadm's key form, the signature, the curve. */
const EXPECTED_KEYS: Record<string, {pem: string; signature: string; node: string; detail: string}> = {
  'rsa-2048': {pem: 'RSA PRIVATE KEY', signature: 'sha256WithRSAEncryption', node: 'rsa', detail: 'Public-Key: (2048 bit)'},
  'ecdsa-p256': {pem: 'EC PRIVATE KEY', signature: 'ecdsa-with-SHA256', node: 'ec', detail: 'NIST CURVE: P-256'},
  'ecdsa-p384': {pem: 'EC PRIVATE KEY', signature: 'ecdsa-with-SHA384', node: 'ec', detail: 'NIST CURVE: P-384'},
};

// Every topology and layout on RSA and P-256; P-384 differs from P-256 only in the curve.
for (const key of MATERIAL_KEYS) for (const topology of key === 'ecdsa-p384' ? TOPOLOGIES.slice(-1) : TOPOLOGIES) {
  for (const layout of key === 'ecdsa-p384' ? LAYOUTS.slice(0, 1) : LAYOUTS) {
    describe(`material: ${topology} CAs, ${layout} layout, ${key}`, () => {
      const expected = EXPECTED_KEYS[key]!;
      let out: Awaited<ReturnType<typeof generated>>;
      let manifest: Manifest;
      beforeAll(async () => {
        out = await generated(specFor(topology, layout, key as KeyType));
        manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
      });
      afterAll(() => out?.remove());
      const file = (rel: string) => join(out.dir, rel);

      it('authorities are CAs with keyCertSign, keys as kubeadm writes them, signed with the key type\'s algorithm', () => {
        for (const a of manifest.authorities) {
          const text = openssl(['x509', '-in', file(a.cert), '-noout', '-text']).stdout;
          expect(text).toMatch(/CA:TRUE/);
          expect(text).toMatch(/Certificate Sign/);
          expect(text).toContain(`Subject: CN = ${a.cn}`);
          expect(text).toContain(`Signature Algorithm: ${expected.signature}`);
          expect(text).toContain(expected.detail);
          expect(readFileSync(file(a.key), 'utf8')).toMatch(new RegExp(`^-----BEGIN ${expected.pem}-----\n`));
          expect(openssl(['verify', '-CAfile', file(a.cert), file(a.cert)]).status).toBe(0);
        }
      });

      it('every key, the service-account pair included, is of the chosen type, and every PEM is LF-only', () => {
        const keys = [...manifest.authorities.map(a => a.key), ...manifest.certificates.map(c => c.key), manifest.serviceAccount.key];
        for (const k of keys) {
          const pem = readFileSync(file(k), 'utf8');
          expect(pem, k).toMatch(new RegExp(`^-----BEGIN ${expected.pem}-----\n`));
          expect(createPrivateKey(pem).asymmetricKeyType, k).toBe(expected.node);
        }
        expect(readFileSync(file(manifest.serviceAccount.publicKey), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
        expect(openssl(['pkey', '-pubin', '-in', file(manifest.serviceAccount.publicKey), '-noout', '-text']).stdout).toContain(expected.detail);
        for (const f of [...keys, ...manifest.certificates.map(c => c.cert), ...manifest.kubeconfigs.map(k => k.file)]) {
          expect(readFileSync(file(f), 'utf8').includes('\r'), f).toBe(false);
        }
        expect(new Set([...manifest.authorities, ...manifest.certificates, manifest.serviceAccount].map(e => e.keyType))).toEqual(new Set([key]));
      });

      it('openssl verifies every certificate with its signer, purpose and every SAN; keys match', () => {
        for (const c of manifest.certificates) {
          const ca = file(manifest.authorities.find(a => a.id === c.signer)!.cert);
          for (const usage of c.usages) {
            const purpose = usage === 'serverAuth' ? 'sslserver' : 'sslclient';
            const r = openssl(['verify', '-CAfile', ca, '-purpose', purpose, file(c.cert)]);
            expect(r.status, `${c.cert} ${purpose}: ${r.stdout}${r.stderr}`).toBe(0);
          }
          for (const ip of c.ipAddresses) {
            expect(openssl(['verify', '-CAfile', ca, '-purpose', 'sslserver', '-verify_ip', ip, file(c.cert)]).status, `${c.cert} ${ip}`).toBe(0);
          }
          for (const dns of c.dnsNames) {
            expect(openssl(['verify', '-CAfile', ca, '-purpose', 'sslserver', '-verify_hostname', dns, file(c.cert)]).status, `${c.cert} ${dns}`).toBe(0);
          }
          const fromCert = openssl(['x509', '-noout', '-pubkey', '-in', file(c.cert)]).stdout;
          expect(fromCert).toMatch(/BEGIN PUBLIC KEY/);
          expect(openssl(['pkey', '-pubout', '-in', file(c.key)]).stdout).toBe(fromCert);
        }
      });

      it('openssl refuses a certificate for the purpose it was not made for, and a name it lacks', () => {
        const admin = manifest.certificates.find(c => c.id === 'admin')!;
        const ca = file('pki/' + manifest.authorities[0]!.cert.slice(4));
        const wrongPurpose = openssl(['verify', '-CAfile', ca, '-purpose', 'sslserver', file(admin.cert)]);
        expect(wrongPurpose.status).not.toBe(0);
        expect(wrongPurpose.stdout + wrongPurpose.stderr).toMatch(/unsuitable certificate purpose/);
        const apiserver = manifest.certificates.find(c => c.id === 'apiserver')!;
        const wrongName = openssl(['verify', '-CAfile', ca, '-purpose', 'sslserver', '-verify_hostname', 'kubernetes.svc.cluster.local', file(apiserver.cert)]);
        expect(wrongName.stdout + wrongName.stderr).toMatch(/hostname mismatch/);
      });

      it('Node X509Certificate agrees: subject, issuer, EKU, SANs, validity, random serials', () => {
        const serials = new Set<string>();
        for (const c of manifest.certificates) {
          const x = new X509Certificate(readFileSync(file(c.cert)));
          const signer = new X509Certificate(readFileSync(file(manifest.authorities.find(a => a.id === c.signer)!.cert)));
          expect(x.checkIssued(signer) && x.verify(signer.publicKey), c.cert).toBe(true);
          expect(x.subject.split('\n')).toEqual([...c.organizations.map(o => `O=${o}`), `CN=${c.cn}`]);
          expect(x.ca).toBe(false);
          const ekus = {serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2'};
          expect(x.keyUsage.sort()).toEqual(c.usages.map(u => ekus[u]).sort());
          const sans = (x.subjectAltName ?? '').split(', ').filter(Boolean);
          expect(sans).toEqual([...c.dnsNames.map(d => `DNS:${d}`), ...c.ipAddresses.map(ip => `IP Address:${ip === '::1' ? '0:0:0:0:0:0:0:1' : ip}`)]);
          const from = new Date(x.validFrom).getTime();
          const to = new Date(x.validTo).getTime();
          expect(from).toBeLessThan(Date.now() - 4 * 60_000); // backdated
          expect(Math.round((to - from) / 3_600_000)).toBe(8760);
          serials.add(x.serialNumber);
        }
        expect(serials.size).toBe(manifest.certificates.length);
      });

      it('writes keys 0600 and directories 0700', () => {
        for (const c of manifest.certificates) expect(statSync(file(c.key)).mode & 0o777).toBe(0o600);
        for (const a of manifest.authorities) expect(statSync(file(a.key)).mode & 0o777).toBe(0o600);
        for (const dir of ['.', 'pki', 'nodes', 'nodes/worker1']) expect(statSync(file(dir)).mode & 0o777).toBe(0o700);
      });
    });
  }
}

describe.each(MATERIAL_KEYS)('TLS handshake with generated certificates (%s)', key => {
  let out: Awaited<ReturnType<typeof generated>>;
  beforeAll(async () => { out = await generated(specFor('kubeadm', 'kubeadm', key)); });
  afterAll(() => out?.remove());

  const handshake = (opts: HandshakeOptions) => tlsHandshake({
    ...opts,
    serverCert: join(out.dir, opts.serverCert), serverKey: join(out.dir, opts.serverKey),
    clientCa: join(out.dir, opts.clientCa), serverCa: join(out.dir, opts.serverCa),
    client: opts.client && [join(out.dir, opts.client[0]), join(out.dir, opts.client[1])],
  });

  it('a client with the admin certificate reaches the apiserver certificate by its service name', async () => {
    const seen = await handshake({
      serverCert: 'pki/apiserver.crt', serverKey: 'pki/apiserver.key', clientCa: 'pki/ca.crt', serverCa: 'pki/ca.crt',
      client: ['pki/clients/admin.crt', 'pki/clients/admin.key'], servername: 'kubernetes.default.svc',
    });
    expect(seen).toBe('kubernetes-admin|kubeadm:cluster-admins');
  });

  it('the client refuses a server name that is not a SAN', async () => {
    await expect(handshake({
      serverCert: 'pki/apiserver.crt', serverKey: 'pki/apiserver.key', clientCa: 'pki/ca.crt', serverCa: 'pki/ca.crt',
      client: ['pki/clients/admin.crt', 'pki/clients/admin.key'], servername: 'kubernetes.svc.cluster.local',
    })).rejects.toThrow(/Hostname\/IP does not match|not in the cert's altnames/);
  });

  it('etcd refuses a cluster-CA client when its CA is separate', async () => {
    await expect(handshake({
      serverCert: 'pki/nodes/cp1/etcd/server.crt', serverKey: 'pki/nodes/cp1/etcd/server.key', clientCa: 'pki/etcd/ca.crt', serverCa: 'pki/etcd/ca.crt',
      client: ['pki/clients/admin.crt', 'pki/clients/admin.key'], servername: 'localhost',
    })).rejects.toThrow(/server refused the client: REFUSED UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/);
    const seen = await handshake({
      serverCert: 'pki/nodes/cp1/etcd/server.crt', serverKey: 'pki/nodes/cp1/etcd/server.key', clientCa: 'pki/etcd/ca.crt', serverCa: 'pki/etcd/ca.crt',
      client: ['pki/apiserver-etcd-client.crt', 'pki/apiserver-etcd-client.key'], servername: 'localhost',
    });
    expect(seen).toBe('kube-apiserver-etcd-client|');
  });
});

describe('mixed: RSA CAs kept by --force sign new ECDSA leaves', () => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  let report: string;
  let caKeyBefore: string;
  beforeAll(async () => {
    out = await generated(specFor('kubeadm', 'kubeadm', 'rsa-2048'));
    caKeyBefore = readFileSync(join(out.dir, 'pki/ca.key'), 'utf8');
    const result = await buildCluster(buildPlan(specFor('kubeadm', 'kubeadm', 'ecdsa-p256')), out.dir, {force: true});
    report = finalReport(result);
    manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
  });
  afterAll(() => out?.remove());

  it('keeps the RSA CA keys, makes ECDSA leaves signed with sha256WithRSAEncryption, and says so', () => {
    expect(readFileSync(join(out.dir, 'pki/ca.key'), 'utf8')).toBe(caKeyBefore);
    for (const a of manifest.authorities) expect(a.keyType, a.id).toBe('rsa-2048');
    for (const c of manifest.certificates) {
      expect(c.keyType).toBe('ecdsa-p256');
      expect(readFileSync(join(out.dir, c.key), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
      const text = openssl(['x509', '-in', join(out.dir, c.cert), '-noout', '-text']).stdout;
      expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
      expect(text).toContain('Public Key Algorithm: id-ecPublicKey');
    }
    expect(manifest.serviceAccount.keyType).toBe('ecdsa-p256');
    expect(report).toContain('Kept the existing CA ca (its RSA-2048 key was not replaced; it signs the new ECDSA P-256 certificates).');
  });

  it('verify.sh and kubepki verify pass on the mixed directory', () => {
    const r = run('bash', [join(out.dir, 'verify.sh')], {cwd: '/'});
    expect(r.status, r.stderr).toBe(0);
    const findings = inspectDirectory(out.dir);
    expect(findings.filter(f => !f.ok)).toEqual([]);
    expect(findings.find(f => f.check === 'authority')?.detail).toMatch(/RSA-2048 key matches/);
    expect(findings.find(f => f.check === 'apiserver')?.detail).toMatch(/ECDSA P-256 key matches/);
  });
});
