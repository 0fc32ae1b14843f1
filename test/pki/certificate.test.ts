// The certificate builder and the key-algorithm table, checked by openssl and Node's X509Certificate
// for every descriptor, and for every signer/subject pair (an authority of one algorithm signing
// leaves of another, as when a kept CA meets a new key type).
import {describe, expect, it} from 'vitest';
import {X509Certificate, createPrivateKey, createPublicKey} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {KEY_ALGORITHMS, algorithmOf, keyIdentifier, type KeyAlgorithm} from '../../source/pki/algorithms.js';
import {createAuthority, createLeaf, loadIssuer, type Issuer} from '../../source/pki/certificate.js';
import {namedBits, pem, time} from '../../source/pki/der.js';
import {createKeyGenerator, ecKeyPair, publicKeyPem, type KeyPair} from '../../source/pki/keys.js';
import {openssl} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';

const ALGORITHMS = Object.values(KEY_ALGORITHMS);
const keys = new Map<string, Promise<KeyPair>>();
/** Keys made once per algorithm and use (RSA-4096 takes seconds): one for authorities, one for leaves, one spare. */
const keyOf = (a: KeyAlgorithm, use: 'ca' | 'leaf' | 'spare' = 'ca') => {
  const id = `${a.type} ${use}`;
  if (!keys.has(id)) keys.set(id, createKeyGenerator()(a));
  return keys.get(id)!;
};
const notBefore = new Date(Date.now() - 60_000);
const notAfter = new Date(Date.now() + 86_400_000);

async function authority(a: KeyAlgorithm, cn = `ca-${a.type}`): Promise<{pem: string; issuer: Issuer; pair: KeyPair}> {
  const pair = await keyOf(a);
  const {pem, issuer} = createAuthority({subject: {cn, organizations: []}, publicKey: pair.spki, algorithm: a, dnsNames: [cn], ipAddresses: [], notBefore, notAfter}, pair.privateKeyPem);
  return {pem, issuer, pair};
}

async function leaf(a: KeyAlgorithm, issuer: Issuer) {
  const pair = await keyOf(a, 'leaf');
  const pem = createLeaf({
    subject: {cn: 'system:node:worker-é', organizations: ['system:nodes']}, publicKey: pair.spki, algorithm: a,
    dnsNames: ['worker1', 'a'.repeat(63) + '.' + 'b'.repeat(63) + '.example'], ipAddresses: ['10.0.0.7', '::1'], notBefore, notAfter,
  }, ['serverAuth', 'clientAuth'], issuer);
  return {pem, pair};
}

const text = (certPem: string, dir: string) => {
  writeFileSync(join(dir, 'x.crt'), certPem);
  return openssl(['x509', '-in', join(dir, 'x.crt'), '-noout', '-text']).stdout;
};
const hexId = (b: Buffer) => [...b].map(x => x.toString(16).padStart(2, '0').toUpperCase()).join(':');

describe('DER pieces', () => {
  it('UTCTime through 2049, GeneralizedTime from 2050', () => {
    expect(time(new Date('2049-12-31T23:59:59.900Z')).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });
  it('named bits drop trailing zero bits', () => {
    expect([...namedBits([0, 2, 5])]).toEqual([0x03, 0x02, 0x02, 0xa4]);
    expect([...namedBits([0])]).toEqual([0x03, 0x02, 0x07, 0x80]);
    expect([...namedBits([0, 2])]).toEqual([0x03, 0x02, 0x05, 0xa0]);
  });
  it('PEM is 64 columns, LF only, ending in a newline', () => {
    const out = pem('CERTIFICATE', Buffer.alloc(100, 7));
    expect(out).not.toContain('\r');
    expect(out.split('\n').map(l => l.length)).toEqual([27, 64, 64, 8, 25, 0]);
  });
});

describe('EC keys encoded here', () => {
  it.each([['ecdsa-p256', 32], ['ecdsa-p384', 48]] as const)('%s: SEC 1 and SPKI byte-identical to OpenSSL\'s encoders, short scalars padded', (type, size) => {
    const g = KEY_ALGORITHMS[type].generation;
    if (g.type !== 'ec') throw new Error('not an EC descriptor');
    let padded = 0;
    // One scalar in 256 has a leading zero byte: 3,000 keys meet one but for a chance of 1 in 100,000.
    for (let i = 0; i < 3000; i++) {
      const pair = ecKeyPair(g.curve, g.curveOid, g.privateKeyBytes);
      const key = createPrivateKey(pair.privateKeyPem);
      expect(key.export({type: 'sec1', format: 'pem'})).toBe(pair.privateKeyPem);
      expect(createPublicKey(key).export({type: 'spki', format: 'der'}).equals(pair.spki)).toBe(true);
      const d = createPrivateKey(pair.privateKeyPem).export({format: 'jwk'}).d!;
      if (Buffer.from(d, 'base64url')[0] === 0) padded++;
      expect(Buffer.from(d, 'base64url')).toHaveLength(size);
    }
    expect(padded).toBeGreaterThan(0);
  });
});

describe.each(ALGORITHMS)('$label', a => {
  it('keys are written as kubeadm writes them, and the table finds their algorithm back', async () => {
    const pair = await keyOf(a);
    const label = a.generation.type === 'rsa' ? 'RSA PRIVATE KEY' : 'EC PRIVATE KEY';
    expect(pair.privateKeyPem).toMatch(new RegExp(`^-----BEGIN ${label}-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END ${label}-----\n$`));
    expect(algorithmOf(createPrivateKey(pair.privateKeyPem))).toBe(a);
    expect(publicKeyPem(pair)).toBe(createPublicKey(pair.privateKeyPem).export({type: 'spki', format: 'pem'}));
  });

  it('an authority: self-signed, CA, its key usages and key identifier, checked by openssl', async () => {
    const tmp = tempDir();
    try {
      const {pem: certPem, pair} = await authority(a);
      expect(certPem).not.toContain('\r');
      const x = new X509Certificate(certPem);
      expect(x.ca).toBe(true);
      expect(x.verify(x.publicKey)).toBe(true);
      const t = text(certPem, tmp.path);
      expect(t).toContain(`Signature Algorithm: ${a.signature.name}`);
      expect(t).toMatch(a.keyUsage.authority.includes('keyEncipherment') ? /Digital Signature, Key Encipherment, Certificate Sign/ : /critical\n\s+Digital Signature, Certificate Sign\n/);
      // The key identifier: SHA-1 of the public key's bits, whatever the algorithm.
      const der = createPublicKey(pair.privateKeyPem).export({type: 'spki', format: 'der'});
      expect(t).toContain(hexId(keyIdentifier(der)));
      const bits = openssl(['x509', '-in', join(tmp.path, 'x.crt'), '-noout', '-pubkey']).stdout;
      expect(bits).toBe(publicKeyPem(pair));
      expect(openssl(['verify', '-CAfile', join(tmp.path, 'x.crt'), join(tmp.path, 'x.crt')]).status).toBe(0);
    } finally {
      tmp.remove();
    }
  });

  describe.each(ALGORITHMS)('signed by a $label authority', signer => {
    it('a leaf verifies with openssl for both purposes, every SAN, and its AKI is the signer\'s SKI', async () => {
      const tmp = tempDir();
      try {
        const ca = await authority(signer);
        const {pem: certPem} = await leaf(a, ca.issuer);
        writeFileSync(join(tmp.path, 'ca.crt'), ca.pem);
        const t = text(certPem, tmp.path);
        expect(t).toContain(`Signature Algorithm: ${signer.signature.name}`);
        expect(t).toContain(`Public Key Algorithm: ${a.generation.type === 'rsa' ? 'rsaEncryption' : 'id-ecPublicKey'}`);
        expect(t).toMatch(a.keyUsage.leaf.includes('keyEncipherment') ? /critical\n\s+Digital Signature, Key Encipherment\n/ : /critical\n\s+Digital Signature\n/);
        expect(t).toContain(`Authority Key Identifier: \n                ${hexId(ca.issuer.keyId)}`);
        for (const purpose of ['sslserver', 'sslclient']) {
          const r = openssl(['verify', '-CAfile', join(tmp.path, 'ca.crt'), '-purpose', purpose, join(tmp.path, 'x.crt')]);
          expect(r.status, r.stdout + r.stderr).toBe(0);
        }
        for (const [flag, value] of [['-verify_ip', '10.0.0.7'], ['-verify_ip', '::1'], ['-verify_hostname', 'a'.repeat(63) + '.' + 'b'.repeat(63) + '.example']] as const) {
          expect(openssl(['verify', '-CAfile', join(tmp.path, 'ca.crt'), flag, value, join(tmp.path, 'x.crt')]).status, value).toBe(0);
        }
        const x = new X509Certificate(certPem);
        expect(x.subject).toBe('O=system:nodes\nCN=system:node:worker-é');
        expect(x.checkIssued(new X509Certificate(ca.pem)) && x.verify(new X509Certificate(ca.pem).publicKey)).toBe(true);
      } finally {
        tmp.remove();
      }
    });
  });

  it('an authority made by openssl is loaded back and signs: issuer name copied, AKI from its SKI extension', async () => {
    const tmp = tempDir();
    try {
      const pair = await keyOf(a);
      writeFileSync(join(tmp.path, 'ca.key'), pair.privateKeyPem);
      const r = openssl(['req', '-x509', '-new', '-key', join(tmp.path, 'ca.key'), '-subj', '/O=Acme, Inc./CN=outside-ca', '-days', '2',
        '-addext', 'subjectKeyIdentifier=hash', '-addext', 'basicConstraints=critical,CA:TRUE', '-out', join(tmp.path, 'ca.crt')]);
      expect(r.status, r.stderr).toBe(0);
      const caPem = readFileSync(join(tmp.path, 'ca.crt'), 'utf8');
      const issuer = loadIssuer(caPem, pair.privateKeyPem);
      expect(issuer.algorithm).toBe(a);
      const ski = /Subject Key Identifier: \n\s+([0-9A-F:]+)/.exec(openssl(['x509', '-in', join(tmp.path, 'ca.crt'), '-noout', '-text']).stdout)![1];
      expect(hexId(issuer.keyId)).toBe(ski);
      const {pem: certPem} = await leaf(ALGORITHMS[0]!, issuer);
      writeFileSync(join(tmp.path, 'leaf.crt'), certPem);
      const v = openssl(['verify', '-CAfile', join(tmp.path, 'ca.crt'), join(tmp.path, 'leaf.crt')]);
      expect(v.status, v.stdout + v.stderr).toBe(0);
      expect(new X509Certificate(certPem).issuer).toBe(new X509Certificate(caPem).subject);
      // A key that is not the certificate's is refused.
      const other = await keyOf(a, 'spare');
      expect(() => loadIssuer(caPem, other.privateKeyPem)).toThrow(/does not match/);
    } finally {
      tmp.remove();
    }
  });
});
