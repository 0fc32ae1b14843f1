// Generated material checked by the real openssl and Node's X509Certificate, and used in a real
// TLS handshake with client certificates.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {X509Certificate} from 'node:crypto';
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {handshake as tlsHandshake, type HandshakeOptions} from '../helpers/tls.js';
import {generated, specFor, LAYOUTS, TOPOLOGIES} from '../helpers/cluster.js';
import {openssl} from '../helpers/run.js';
import type {Manifest} from '../../source/output/manifest.js';

for (const topology of TOPOLOGIES) {
  for (const layout of LAYOUTS) {
    describe(`material: ${topology} CAs, ${layout} layout`, () => {
      let out: Awaited<ReturnType<typeof generated>>;
      let manifest: Manifest;
      beforeAll(async () => {
        out = await generated(specFor(topology, layout));
        manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
      });
      afterAll(() => out?.remove());
      const file = (rel: string) => join(out.dir, rel);

      it('authorities are CAs with keyCertSign and PKCS#1 keys', () => {
        for (const a of manifest.authorities) {
          const text = openssl(['x509', '-in', file(a.cert), '-noout', '-text']).stdout;
          expect(text).toMatch(/CA:TRUE/);
          expect(text).toMatch(/Certificate Sign/);
          expect(text).toContain(`Subject: CN = ${a.cn}`);
          expect(readFileSync(file(a.key), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
          expect(openssl(['verify', '-CAfile', file(a.cert), file(a.cert)]).status).toBe(0);
        }
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

describe('TLS handshake with generated certificates', () => {
  let out: Awaited<ReturnType<typeof generated>>;
  beforeAll(async () => { out = await generated(specFor('kubeadm', 'kubeadm')); });
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
