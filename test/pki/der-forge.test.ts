// The DER layer is node-forge's forge.asn1 again. Proof that nothing written changed: every encoder
// against the hand-written one it replaced, the reader against it on real certificates, and a whole
// cluster's material (keys, certificates, kubeconfigs) generated twice from the same fixed
// randomness, once through each encoder, byte for byte.
import {afterEach, describe, expect, it, vi} from 'vitest';
import * as crypto from 'node:crypto';
import * as forged from '../../source/pki/der.js';
import * as handwritten from './der-handwritten.js';
import {specFor} from '../helpers/cluster.js';
import {buildPlan} from '../../source/plan/plan.js';
import type {KeyType} from '../../source/spec/types.js';
import type {MaterialFile} from '../../source/pki/generate.js';

/** Compared as hex: vitest's deep equality walks a 70 kB Buffer byte by byte, seconds each. */
const same = (a: Buffer, b: Buffer) => expect(a.toString('hex')).toBe(b.toString('hex'));
const bytes = (n: number, seed = 1) => Buffer.from(Array.from({length: n}, (_, i) => (i * 31 + seed * 7) & 0xff));

describe('forge.asn1 encoders write what the hand-written ones wrote', () => {
  const contents = [0, 1, 2, 127, 128, 129, 255, 256, 300, 65535, 65536, 70000].map(n => bytes(n, n));

  it('tlv, octetString, bitString, implicit: every length form (short, one, two and three length octets)', () => {
    for (const c of contents) {
      same(forged.octetString(c), handwritten.octetString(c));
      // [2] is a SAN dNSName and [7] an iPAddress; forge alone would trim [2] like an INTEGER.
      for (const n of [0, 2, 7, 30]) same(forged.implicit(n, c), handwritten.implicit(n, c));
      same(forged.tlv(0x82, c), handwritten.tlv(0x82, c));
      same(forged.tlv(0x04, c), handwritten.tlv(0x04, c));
      for (const unused of [0, 3, 7]) same(forged.bitString(c, unused), handwritten.bitString(c, unused));
    }
  });

  it('sequence, set, explicit and a constructed tlv over nested parts, ours and foreign', () => {
    for (const c of contents) {
      const parts = (der: typeof forged | typeof handwritten) => [der.octetString(c), der.oid('2.5.4.3'), der.sequence(der.boolean(true), der.nullValue())];
      same(forged.sequence(...parts(forged)), handwritten.sequence(...parts(handwritten)));
      same(forged.set(...parts(forged)), handwritten.set(...parts(handwritten)));
      same(forged.explicit(3, forged.sequence(...parts(forged))), handwritten.explicit(3, handwritten.sequence(...parts(handwritten))));
      // Bytes forged did not make (an SPKI from node:crypto, say) are parsed by forge and carried unchanged.
      const foreign = handwritten.sequence(...parts(handwritten));
      same(forged.sequence(foreign, foreign), handwritten.sequence(foreign, foreign));
      same(forged.tlv(0x30, Buffer.concat([foreign, foreign])), handwritten.tlv(0x30, Buffer.concat([foreign, foreign])));
    }
    same(forged.sequence(), handwritten.sequence());
    same(forged.boolean(false), handwritten.boolean(false));
  });

  it('refuses to carry bytes it would re-encode differently (a non-minimal length)', () => {
    const ber = Buffer.from([0x04, 0x81, 0x01, 0x00]); // OCTET STRING, length 1 in long form
    expect(() => forged.sequence(ber)).toThrow(/not DER/);
  });

  it('integers: leading zeros dropped, a zero octet before a set top bit, small integers', () => {
    const magnitudes = [[0], [0, 0], [1], [0x7f], [0x80], [0, 0, 0x80], [0xff, 0xff], [0, 1, 2], ...[16, 20, 32].map(n => [...bytes(n, n)])];
    for (const m of magnitudes) same(forged.unsignedInteger(Buffer.from(m)), handwritten.unsignedInteger(Buffer.from(m)));
    for (const n of [0, 1, 2, 127]) same(forged.smallInteger(n), handwritten.smallInteger(n));
  });

  it('object identifiers, directory strings, times and named bits', () => {
    for (const id of ['2.5.4.3', '1.2.840.113549.1.1.11', '1.2.840.10045.3.1.7', '1.3.132.0.34', '1.3.6.1.4.1.311.21.7', '2.5.29.37', '1.2.4294967295']) {
      same(forged.oid(id), handwritten.oid(id));
    }
    for (const s of ['kubernetes', 'system:masters', 'system:node:cp-1', 'a b\'()+,-./:=?', 'kübernetes', 'a_b', 'a@b', '']) {
      same(forged.directoryString(s), handwritten.directoryString(s));
    }
    for (const iso of ['1950-01-01T00:00:00Z', '1999-12-31T23:59:59.999Z', '2026-03-04T05:06:07Z', '2049-12-31T23:59:59Z', '2050-01-01T00:00:00Z', '2125-07-08T09:10:11Z', '1949-12-31T23:59:59Z']) {
      same(forged.time(new Date(iso)), handwritten.time(new Date(iso)));
    }
    for (const bits of [[], [0], [0, 2], [0, 2, 5], [5], [7], [8], [0, 8], [15]]) same(forged.namedBits(bits), handwritten.namedBits(bits));
  });

  it('PEM: the same LF-only text, and read back (LF or CRLF) by forge.pem', () => {
    for (const c of contents.slice(0, 8)) {
      const text = forged.pem('CERTIFICATE', c);
      expect(text).toBe(handwritten.pem('CERTIFICATE', c));
      expect(text).not.toMatch(/\r/);
      if (c.length === 0) continue; // an empty block has no body to find
      expect(forged.fromPem(text, 'CERTIFICATE')).toEqual(c);
      expect(forged.fromPem(`junk\n${forged.pem('PRIVATE KEY', bytes(3))}${text.replace(/\n/g, '\r\n')}`, 'CERTIFICATE')).toEqual(c);
    }
    expect(() => forged.fromPem(forged.pem('PUBLIC KEY', bytes(9)), 'CERTIFICATE')).toThrow(/no CERTIFICATE PEM block/);
  });
});

describe('the forge.asn1 reader walks a certificate as the hand-written one did', () => {
  type Walker = typeof forged | typeof handwritten;
  const walk = (der: Walker, element: forged.Element): unknown => ({
    tag: element.tag, raw: element.raw.toString('hex'),
    oid: element.tag === 0x06 ? der.decodeOid(element) : undefined,
    children: element.tag & 0x20 ? der.children(element).map(child => walk(der, child)) : undefined,
  });

  it('every element, tag, byte range and OID of P-256 and P-384 certificates', async () => {
    const {X509Certificate} = crypto;
    for (const key of ['ecdsa-p256', 'ecdsa-p384'] as const) {
      const {generateMaterial} = await import('../../source/pki/generate.js');
      const files = await generateMaterial(buildPlan(specFor('single', 'kubeadm', key)));
      const certificates = files.filter(f => f.path.endsWith('.crt'));
      expect(certificates.length).toBeGreaterThan(5);
      for (const file of certificates) {
        const der = new X509Certificate(file.content).raw;
        const tree = walk(forged, forged.read(der));
        expect(tree).toEqual(walk(handwritten, handwritten.read(der)));
        expect(JSON.stringify(tree)).toContain('"oid":"2.5.29.19"'); // basicConstraints was reached
      }
    }
  });

  it('refuses truncated DER and indefinite or oversized lengths', () => {
    expect(() => forged.read(Buffer.from([0x30]))).toThrow(/truncated/);
    expect(() => forged.read(Buffer.from([0x04, 0x05, 0x00]))).toThrow(/truncated/);
    expect(() => forged.read(Buffer.from([0x04, 0x82, 0x01]))).toThrow(/truncated/);
    expect(() => forged.read(Buffer.from([0x30, 0x80, 0x00, 0x00]))).toThrow(/unsupported DER length/);
    expect(() => forged.read(Buffer.from([0x04, 0x85, 1, 0, 0, 0, 0]))).toThrow(/unsupported DER length/);
  });
});

/**
 * A whole cluster's material from fixed inputs: randomBytes, EC scalars and RSA keys come from a
 * seeded stream, ECDSA signatures (random by nature) are replaced by a digest of what is signed,
 * and the clock is fixed. Only the DER encoder differs between the two runs.
 */
async function materialThrough(encoder: 'forge' | 'handwritten', key: KeyType, rsaKeys: crypto.KeyPairKeyObjectResult[]): Promise<MaterialFile[]> {
  vi.resetModules();
  let counter = 0;
  const next = (n: number) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 32) crypto.createHash('sha256').update(`seed ${counter++}`).digest().copy(out, i);
    return out;
  };
  vi.doMock('node:crypto', async original => {
    const real = await original<typeof crypto>();
    return {
      ...real,
      randomBytes: (n: number) => next(n),
      createECDH: (curve: string) => {
        const ecdh = real.createECDH(curve);
        const size = curve === 'secp384r1' ? 48 : 32;
        ecdh.generateKeys = (() => { ecdh.setPrivateKey(next(size)); return ecdh.getPublicKey(); }) as typeof ecdh.generateKeys;
        return ecdh;
      },
      generateKeyPair: (_type: string, options: {publicKeyEncoding: object; privateKeyEncoding: object}, callback: (e: Error | null, pub: unknown, priv: unknown) => void) => {
        const pair = rsaKeys[counter++ % rsaKeys.length]!;
        const pub = pair.publicKey.export(options.publicKeyEncoding as crypto.KeyExportOptions<'der'>);
        const priv = pair.privateKey.export(options.privateKeyEncoding as crypto.KeyExportOptions<'pem'>);
        setImmediate(() => callback(null, pub, priv));
      },
      sign: (hash: string, data: Buffer, signer: crypto.KeyObject) =>
        signer.asymmetricKeyType === 'rsa' ? real.sign(hash, data, signer) : real.createHash(hash).update(data).digest(),
    };
  });
  let handwrittenSequences = 0;
  if (encoder === 'handwritten') {
    vi.doMock('../../source/pki/der.js', async () => {
      const reference = await import('./der-handwritten.js');
      return {...reference, sequence: (...parts: Buffer[]) => { handwrittenSequences++; return reference.sequence(...parts); }};
    });
  } else vi.doUnmock('../../source/pki/der.js');
  const {generateMaterial} = await import('../../source/pki/generate.js');
  const files = await generateMaterial(buildPlan(specFor('kubeadm', 'hard-way', key)), {now: new Date('2026-12-01T12:00:00Z')});
  // The reference encoder really wrote this run's DER (and the forge run did not touch it).
  if (encoder === 'handwritten') expect(handwrittenSequences).toBeGreaterThan(100);
  else expect(handwrittenSequences).toBe(0);
  return files;
}

describe('a whole cluster through both encoders', () => {
  afterEach(() => {
    vi.doUnmock('node:crypto');
    vi.doUnmock('../../source/pki/der.js');
    vi.resetModules();
  });
  const rsaKeys = Array.from({length: 3}, () => crypto.generateKeyPairSync('rsa', {modulusLength: 2048}));

  for (const key of ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048'] as KeyType[]) {
    it(`${key}: every key, certificate and kubeconfig byte for byte`, async () => {
      const viaForge = await materialThrough('forge', key, rsaKeys);
      const viaHandwritten = await materialThrough('handwritten', key, rsaKeys);
      expect(viaForge.length).toBeGreaterThan(20);
      expect(viaForge.map(f => f.path)).toEqual(viaHandwritten.map(f => f.path));
      for (const [i, file] of viaForge.entries()) expect(file, file.path).toEqual(viaHandwritten[i]);
      const kinds = new Set(viaForge.map(f => f.path.replace(/^.*\./, '')));
      for (const kind of ['crt', 'key', 'kubeconfig']) expect(kinds).toContain(kind);
      // The seeded run is really fixed: a second forge run gives the same bytes, a different clock does not.
      expect(await materialThrough('forge', key, rsaKeys)).toEqual(viaForge);
    }, 120_000);
  }
});
