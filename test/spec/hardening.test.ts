// Inputs a hostile review found reaching the crypto or the terminal: each is refused naming the
// field (or, for the IPv6 forms kubepki accepts, encoded exactly as written).
import {describe, expect, it} from 'vitest';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {X509Certificate, generateKeyPairSync} from 'node:crypto';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {formatIssue, validate} from '../../source/spec/validate.js';
import {InputError, specFromFile, specFromText} from '../../source/spec/load.js';
import {buildPlan} from '../../source/plan/plan.js';
import {createAuthority, createLeaf} from '../../source/pki/certificate.js';
import {quote} from '../../source/spec/quote.js';
import {KEY_ALGORITHMS} from '../../source/pki/algorithms.js';

type Config = Record<string, any>;
const config = (mutate: (c: Config) => void): Config => {
  const c: Config = structuredClone(EXAMPLE_CONFIG);
  mutate(c);
  return c;
};
function messages(mutate: (c: Config) => void): string[] {
  const result = validate(config(mutate));
  return result.ok ? [] : result.issues.map(formatIssue);
}
function inputError(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof InputError) return error.lines;
    throw error;
  }
  throw new Error('expected an InputError, got none');
}
const ipv6 = (c: Config, ip: string) => {
  c.nodes = [{name: 'cp1', ip, roles: ['control-plane', 'etcd']}];
  c.endpoint.host = ip;
  c.network.serviceCIDR = 'fd00:10::/112';
};

describe('validity', () => {
  it('refuses a validity that ends after 9999-12-31', () => {
    expect(messages(c => { c.pki.validity.ca = '100000y'; })).toEqual([
      'pki.validity.ca: "100000y" would end after 9999-12-31, the last date a certificate can carry; choose a shorter validity',
    ]);
    expect(messages(c => { c.pki.validity.ca = '99999999999999999999999h'; c.pki.validity.certificate = '9000y'; })).toEqual([
      'pki.validity.ca: "99999999999999999999999h" would end after 9999-12-31, the last date a certificate can carry; choose a shorter validity',
      'pki.validity.certificate: "9000y" would end after 9999-12-31, the last date a certificate can carry; choose a shorter validity',
    ]);
  });

  it('measures the end from now: the same validity passes in an earlier year', () => {
    expect(messages(c => { c.pki.validity.ca = '7900y'; })).toEqual([]);
    expect(validate(config(c => { c.pki.validity.ca = '7900y'; }), new Date('2200-01-01')).ok).toBe(false);
  });

  it('refuses a validity of zero (it would end now)', () => {
    expect(messages(c => { c.pki.validity.certificate = '0h'; })[0]).toMatch(/^pki\.validity\.certificate: "0h" is not a duration/);
  });
});

describe('IPv6 forms', () => {
  it('encodes an embedded IPv4 part exactly: the spec holds the canonical spelling of the same 16 bytes', () => {
    for (const [written, canonical] of [['64:ff9b::10.0.0.1', '64:ff9b::a00:1'], ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'], ['FD00:0:0::0:1', 'fd00::1']]) {
      const result = validate(config(c => ipv6(c, written!)));
      expect(result.ok, written).toBe(true);
      if (!result.ok) continue;
      expect(result.spec.nodes[0]!.ip).toBe(canonical);
      expect(result.spec.endpoint.host).toBe(canonical);
    }
  });

  it('refuses IPv4-mapped addresses, naming the IPv4 address to write', () => {
    expect(messages(c => ipv6(c, '::ffff:10.0.0.5'))).toEqual([
      'nodes[0] (cp1).ip: "::ffff:10.0.0.5" is an IPv4-mapped IPv6 address; write the IPv4 address 10.0.0.5 instead',
      'endpoint.host: "::ffff:10.0.0.5" is an IPv4-mapped IPv6 address; write the IPv4 address 10.0.0.5 instead',
    ]);
    expect(messages(c => { c.extraSANs = ['::ffff:a00:5']; })).toEqual([
      'extraSANs[0]: "::ffff:a00:5" is an IPv4-mapped IPv6 address; write the IPv4 address 10.0.0.5 instead',
    ]);
  });

  it('refuses zone ids everywhere an address is written', () => {
    const zone = 'has a zone id (%eth0), which names an interface on one machine and cannot be in a certificate; write the address without it';
    expect(messages(c => ipv6(c, 'fe80::5%eth0'))).toEqual([`nodes[0] (cp1).ip: "fe80::5%eth0" ${zone}`, `endpoint.host: "fe80::5%eth0" ${zone}`]);
    expect(messages(c => { c.extraSANs = ['fe80::5%eth0']; })).toEqual([`extraSANs[0]: "fe80::5%eth0" ${zone}`]);
    expect(messages(c => { c.nodes[0].ip = 'fd00::1'; c.network.serviceCIDR = 'fd00:10::%eth0/112'; })).toContain(`network.serviceCIDR: "fd00:10::%eth0/112" has "fd00:10::%eth0", which ${zone}`);
  });

  it('a certificate carries exactly the address written, an embedded IPv4 part included', () => {
    const {publicKey, privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
    const spki = publicKey.export({type: 'spki', format: 'der'});
    const algorithm = KEY_ALGORITHMS['rsa-2048'];
    const now = new Date();
    const ca = createAuthority({subject: {cn: 'ca', organizations: []}, publicKey: spki, algorithm, dnsNames: [], ipAddresses: [], notBefore: now, notAfter: new Date(now.getTime() + 3_600_000)},
      privateKey.export({type: 'pkcs1', format: 'pem'}).toString());
    const pem = createLeaf({subject: {cn: 'x', organizations: []}, publicKey: spki, algorithm,
      dnsNames: [], ipAddresses: ['64:ff9b::10.0.0.1', '1:2:3:4:5:6:1.2.3.4', '10.0.0.7'], notBefore: now, notAfter: new Date(now.getTime() + 60_000)}, ['serverAuth'], ca.issuer);
    expect(new X509Certificate(pem).subjectAltName).toBe('IP Address:64:FF9B:0:0:0:0:A00:1, IP Address:1:2:3:4:5:6:102:304, IP Address:10.0.0.7');
  });
});

describe('service CIDR', () => {
  it.each([
    ['0.0.0.0/0', 'is the whole IPv4 address space'],
    ['127.0.0.0/8', 'overlaps the loopback range 127.0.0.0/8'],
    ['127.1.0.0/24', 'overlaps the loopback range 127.0.0.0/8'],
    ['0.0.0.0/1', 'overlaps the loopback range 127.0.0.0/8'],
    ['169.254.0.0/24', 'overlaps the link-local range 169.254.0.0/16'],
    ['224.0.0.0/24', 'overlaps the multicast range 224.0.0.0/4'],
    ['239.1.0.0/16', 'overlaps the multicast range 224.0.0.0/4'],
  ])('refuses %s', (cidr, reason) => {
    const found = messages(c => { c.network.serviceCIDR = cidr; });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`network.serviceCIDR: "${cidr}" ${reason}`);
  });

  it.each([
    ['fe80::/112', 'overlaps the link-local range fe80::/10'],
    ['ff02::/112', 'overlaps the multicast range ff00::/8'],
    ['::/108', 'overlaps the loopback range ::1/128'],
  ])('refuses %s (IPv6)', (cidr, reason) => {
    expect(messages(c => ipv6(c, 'fd00::1')).length).toBe(0);
    const found = messages(c => { ipv6(c, 'fd00::1'); c.network.serviceCIDR = cidr; });
    expect(found).toEqual([expect.stringContaining(`network.serviceCIDR: "${cidr}" ${reason}`)]);
  });

  it('accepts ordinary private ranges, in canonical spelling', () => {
    const result = validate(config(c => { ipv6(c, 'fd00::1'); c.network.serviceCIDR = 'FD00:10:0::/112'; }));
    expect(result.ok && result.spec.network.serviceCIDR).toBe('fd00:10::/112');
    expect(messages(c => { c.network.serviceCIDR = '100.64.0.0/16'; })).toEqual([]);
  });
});

describe('node names against the layout\'s file names', () => {
  it.each(['kubelet', 'etcd-server', 'etcd-peer'])('the hard-way layout refuses a node named %s, naming the field', name => {
    const result = validate(config(c => { c.pki.layout = 'hard-way'; c.nodes[0].name = name; }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const lines = inputError(() => buildPlan(result.spec));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^nodes\\[0\\] \\(${name}\\)\\.name: "${name}" cannot name a node in the hard-way layout: its file pki/nodes/${name}/`));
  });

  it('the kubeadm layout (no file named after a node) takes the same names', () => {
    const result = validate(config(c => { c.nodes[0].name = 'kubelet'; c.nodes[1].name = 'etcd-server'; }));
    expect(result.ok && buildPlan(result.spec).certificates.length).toBeGreaterThan(0);
  });
});

describe('loading YAML', () => {
  const bomb = [
    'apiVersion: kubepki/v1',
    'a0: &a0 ["xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx"]',
    ...[1, 2, 3, 4, 5, 6].map(i => `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`),
    `name: [${Array(10).fill('*a6').join(',')}]`,
  ].join('\n');

  it('refuses an alias bomb at once, without expanding it', () => {
    const started = Date.now();
    expect(inputError(() => specFromText(bomb, 'bomb.yaml'))).toEqual([
      'bomb.yaml: its aliases (*name) expand to more than 1,000,000 values; write the values out instead of nesting aliases',
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('still reads ordinary anchors and aliases', () => {
    const text = `nodes:\n  - {name: cp1, ip: 10.0.0.1, roles: &cp [control-plane, etcd]}\n  - {name: cp2, ip: 10.0.0.2, roles: *cp}\n`;
    expect(specFromText(text, 'anchors.yaml').nodes[1]!.roles).toEqual(['control-plane', 'etcd']);
  });

  it('refuses a file over 1 MB without reading it all, and a deeply nested one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubepki-yaml-'));
    try {
      const big = join(dir, 'big.yaml');
      writeFileSync(big, `name: ${'a'.repeat(50 * 1024 * 1024)}\n`);
      expect(inputError(() => specFromFile(big))).toEqual([`${big}: is larger than 1 MB; a cluster description is far smaller (run \`kubepki example\`)`]);
      expect(inputError(() => specFromText('['.repeat(200_000), 'deep.yaml'))[0]).toMatch(/^deep\.yaml(:\d+:\d+)?: not valid YAML/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('refuses a value over 1024 characters, quoting at most ~80 of it', () => {
    const lines = inputError(() => specFromText(`name: ${'a'.repeat(900_000)}\nnodes: [{name: cp1, ip: 10.0.0.1, roles: [control-plane]}]\n`, 'long.yaml'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^long\.yaml:1: name: is 900000 characters long; at most 1024 are accepted \("a{80}…"\)$/);
  });

  it('escapes control characters in values, in keys and in the file name', () => {
    const text = 'apiVersion: kubepki/v1\nname: "\\e[31mRED\\e]0;pwned\\a"\n"\\e[2Jkey": 1\nnodes: [{name: cp1, ip: 10.0.0.1, roles: [control-plane]}]\n';
    const lines = inputError(() => specFromText(text, 'bad\u001b[2J.yaml'));
    expect(lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(lines).toContain('bad\\u001b[2J.yaml:3: "\\u001b[2Jkey": unknown key (expected one of: apiVersion, kind, name, kubernetesVersion, endpoint, apiServer, network, nodes, pki, kubeadm, extraSANs, ssh, monitoring)');
    expect(lines).toContain('bad\\u001b[2J.yaml:2: name: "\\u001b[31mRED\\u001b]0;pwned\\u0007" contains a control character (U+001B at position 1)');
  });

  it('quote() stops at ~80 characters whatever the value', () => {
    const huge = Array.from({length: 100_000}, (_, i) => ({i, s: 'x'.repeat(100)}));
    expect(quote(huge).length).toBeLessThanOrEqual(81);
    expect(quote('\u009b31m\u202e')).toBe('"\\u009b31m\\u202e"');
  });
});

describe('extra SANs', () => {
  it('are de-duplicated (IPs by their canonical spelling)', () => {
    const result = validate(config(c => { c.extraSANs = ['a.example.com', 'a.example.com', 'fd00::9', 'FD00:0::9', '10.1.1.1']; }));
    expect(result.ok && result.spec.extraSANs).toEqual(['a.example.com', 'fd00::9', '10.1.1.1']);
  });

  it('are capped at 1000, refused at once (80,000 took 88 s)', () => {
    const started = Date.now();
    const found = messages(c => { c.extraSANs = Array.from({length: 80_000}, (_, i) => `san-${i}.example.com`); });
    expect(found).toEqual(['extraSANs: has 80000 entries; at most 1000 are accepted']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('1000 of them plan in linear time', () => {
    const result = validate(config(c => { c.extraSANs = Array.from({length: 1000}, (_, i) => (i % 2 ? `san-${i}.example.com` : `10.9.${i >> 8}.${i & 255}`)); }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const started = Date.now();
    const apiserver = buildPlan(result.spec).certificates.find(c => c.id === 'apiserver')!;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(apiserver.dnsNames.length + apiserver.ipAddresses.length).toBeGreaterThan(1000);
  });
});
