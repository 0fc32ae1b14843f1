import {describe, expect, it} from 'vitest';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {formatIssue, validate} from '../../source/spec/validate.js';
import {specFromText, InputError} from '../../source/spec/load.js';
import {firstServiceIp, parseCidr, canonicalIp} from '../../source/spec/net.js';

type Config = Record<string, any>;
function messages(mutate: (c: Config) => void): string[] {
  const config: Config = structuredClone(EXAMPLE_CONFIG);
  mutate(config);
  const result = validate(config);
  if (result.ok) return [];
  return result.issues.map(formatIssue);
}

describe('validate', () => {
  it('accepts the example and fills defaults for omitted fields', () => {
    expect(messages(() => {})).toEqual([]);
    const result = validate({nodes: [{name: 'cp1', ip: '10.0.0.1', roles: ['control-plane']}]});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.endpoint).toEqual({host: '10.0.0.1', port: 6443});
    expect(result.spec.pki).toEqual({authorities: 'kubeadm', key: 'rsa-2048', validity: {ca: '87600h', certificate: '8760h'}, layout: 'kubeadm'});
    expect(result.spec.network).toEqual({serviceCIDR: '10.96.0.0/12', clusterDomain: 'cluster.local'});
    expect(result.spec.ssh.user).toBe('root');
  });

  const cases: [string, (c: Config) => void, string][] = [
    ['a DEL typed into a node name', c => { c.nodes[0].name = 'cp1\u007F'; }, 'nodes[0].name: "cp1\\u007f" contains a control character (U+007F at position 4)'],
    ['an escape in the endpoint', c => { c.endpoint.host = 'api\u001B[D.lab'; }, 'endpoint.host: "api\\u001b[D.lab" contains a control character (U+001B at position 4)'],
    ['a control character in the SSH user', c => { c.ssh = {user: 'ad\bmin'}; }, 'ssh.user: "ad\\bmin" contains a control character (U+0008 at position 3)'],
    ['a control character in the cluster name', c => { c.name = 'lab\u0000'; }, 'name: "lab\\u0000" contains a control character (U+0000 at position 4)'],
    ['malformed IPv4', c => { c.nodes[2].ip = '10.0.0.300'; }, 'nodes[2] (worker1).ip: "10.0.0.300" is not an IPv4 or IPv6 address'],
    ['malformed IPv6', c => { c.nodes[1].ip = 'fd00::1::2'; }, 'nodes[1] (cp2).ip: "fd00::1::2" is not an IPv4 or IPv6 address'],
    ['name not a DNS subdomain', c => { c.nodes[0].name = 'CP_1'; }, 'nodes[0] (CP_1).name: "CP_1" is not a node name: a DNS subdomain'],
    ['name ending in a dash', c => { c.nodes[3].name = 'worker-'; }, 'nodes[3] (worker-).name: "worker-" is not a node name'],
    ['duplicate node name', c => { c.nodes[3].name = 'worker1'; }, 'nodes[3] (worker1).name: "worker1" is already the name of nodes[2]'],
    ['duplicate IP', c => { c.nodes[3].ip = '192.168.56.23'; }, 'nodes[3] (worker2).ip: "192.168.56.23" is already the IP of nodes[2] (worker1)'],
    ['duplicate IPv6 written differently', c => { c.nodes[0].ip = 'fd00::1'; c.nodes[1].ip = 'fd00:0::0:1'; c.endpoint.host = 'fd00::1'; c.network.serviceCIDR = 'fd00:10::/112'; }, 'nodes[1] (cp2).ip: "fd00:0::0:1" is already the IP of nodes[0] (cp1)'],
    ['no control-plane node', c => { c.nodes = c.nodes.filter((n: Config) => !n.roles.includes('control-plane')); }, 'nodes: has no node with role control-plane'],
    ['no nodes', c => { c.nodes = []; }, 'nodes: is empty'],
    ['unknown role', c => { c.nodes[2].roles = ['minion']; }, 'nodes[2] (worker1).roles[0]: "minion" is not one of: control-plane, etcd, worker'],
    ['bad CIDR', c => { c.network.serviceCIDR = '10.32.0.0'; }, 'network.serviceCIDR: "10.32.0.0" is not a CIDR'],
    ['CIDR with host bits', c => { c.network.serviceCIDR = '10.32.0.5/24'; }, 'network.serviceCIDR: "10.32.0.5/24" has host bits set; did you mean 10.32.0.0/24?'],
    ['CIDR too small', c => { c.network.serviceCIDR = '10.32.0.0/30'; }, 'network.serviceCIDR: "10.32.0.0/30" is too small'],
    ['CIDR prefix beyond the address', c => { c.network.serviceCIDR = '10.32.0.0/33'; }, 'network.serviceCIDR: "10.32.0.0/33" has prefix /33'],
    ['service CIDR of the wrong family', c => { c.network.serviceCIDR = 'fd00:10::/112'; }, 'network.serviceCIDR: "fd00:10::/112" is IPv6 but the control plane\'s address 192.168.56.21 is IPv4'],
    ['unknown top-level key', c => { c.colour = 'blue'; }, 'colour: unknown key'],
    ['unknown nested key', c => { c.pki.algorithm = 'ecdsa'; }, 'pki.algorithm: unknown key'],
    ['unknown node key', c => { c.nodes[0].hostname = 'x'; }, 'nodes[0] (cp1).hostname: unknown key'],
    ['unknown enum value', c => { c.pki.authorities = 'double'; }, 'pki.authorities: "double" is not one of: single, etcd-separate, kubeadm'],
    ['unknown key type', c => { c.pki.key = 'ed25519'; }, 'pki.key: "ed25519" is not one of: rsa-2048, rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384'],
    ['key type of the wrong case', c => { c.pki.key = 'ECDSA-P256'; }, 'pki.key: "ECDSA-P256" is not one of'],
    ['unknown layout', c => { c.pki.layout = 'rancher'; }, 'pki.layout: "rancher" is not one of: kubeadm, hard-way'],
    ['port out of range', c => { c.endpoint.port = 70000; }, 'endpoint.port: 70000 is not a port number (1-65535)'],
    ['port not a number', c => { c.endpoint.port = '6443x'; }, 'endpoint.port: "6443x" is not a port number'],
    ['unparseable validity', c => { c.pki.validity.certificate = 'one year'; }, 'pki.validity.certificate: "one year" is not a duration'],
    ['CA validity shorter than certificates', c => { c.pki.validity.ca = '100h'; }, 'pki.validity.ca: 100h is shorter than the certificate validity 8760h'],
    ['bad endpoint host', c => { c.endpoint.host = 'lb_1!'; }, 'endpoint.host: "lb_1!" is neither an IPv4/IPv6 address nor a DNS name'],
    ['bad extra SAN', c => { c.extraSANs = ['ok.example.com', 'bad name']; }, 'extraSANs[1]: "bad name" is neither'],
    ['bad apiVersion', c => { c.apiVersion = 'v2'; }, 'apiVersion: "v2" is not one of: kubepki/v1'],
    ['missing node IP', c => { delete c.nodes[1].ip; }, 'nodes[1] (cp2).ip: is required'],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`rejects ${name}, naming the field`, () => {
      const found = messages(mutate);
      expect(found.some(m => m.startsWith(expected)), `expected "${expected}" in:\n${found.join('\n')}`).toBe(true);
    });
  }

  it('reports every problem at once', () => {
    const found = messages(c => { c.nodes[0].ip = 'x'; c.endpoint.port = 0; c.pki.key = 'dsa'; });
    expect(found).toHaveLength(3);
  });
});

describe('loading config text', () => {
  const errorOf = (text: string) => {
    try {
      specFromText(text, 'c.yaml');
    } catch (error) {
      if (error instanceof InputError) return error.lines.join('\n');
      throw error;
    }
    return '';
  };
  it('names the line of an invalid field', () => {
    const text = 'nodes:\n  - { name: cp1, ip: 10.0.0.1, roles: [control-plane] }\n  - { name: w1, ip: 10.0.0.999, roles: [worker] }\n';
    expect(errorOf(text)).toBe('c.yaml:3: nodes[1] (w1).ip: "10.0.0.999" is not an IPv4 or IPv6 address');
  });
  it('refuses a control character in a config file, naming the line and field', () => {
    const text = 'nodes:\n  - { name: cp1, ip: 10.0.0.1, roles: [control-plane] }\n  - { name: "w1\\x7f\\x7f", ip: 10.0.0.2, roles: [worker] }\n';
    expect(errorOf(text).split('\n')).toContain('c.yaml:3: nodes[1].name: "w1\\u007f\\u007f" contains a control character (U+007F at position 3)');
  });
  it('rejects truncated YAML with a position', () => {
    expect(errorOf('nodes:\n  - { name: cp1, ip: 10.0.0.1, roles: [control-plane\n')).toMatch(/^c\.yaml:\d+:\d+: not valid YAML/);
  });
  it('rejects text that is not a mapping, and empty files', () => {
    expect(errorOf('just words')).toMatch(/expected a mapping/);
    expect(errorOf('')).toMatch(/the file is empty/);
  });
  it.each(['ecdsa-p256', 'ecdsa-p384'])('accepts pki.key %s', key => {
    const result = validate({...structuredClone(EXAMPLE_CONFIG), pki: {...EXAMPLE_CONFIG.pki, key}});
    expect(result.ok && result.spec.pki.key).toBe(key);
  });

  it('accepts JSON', () => {
    expect(specFromText(JSON.stringify(EXAMPLE_CONFIG), 'c.json').nodes).toHaveLength(4);
  });
});

describe('service CIDR arithmetic', () => {
  it.each([
    ['10.96.0.0/12', '10.96.0.1'],
    ['10.32.0.0/24', '10.32.0.1'],
    ['fd00:10::/112', 'fd00:10::1'],
  ])('first address of %s is %s', (cidr, ip) => {
    const parsed = parseCidr(cidr);
    expect(parsed.ok && firstServiceIp(parsed.cidr)).toBe(ip);
  });
  it('canonicalises IPv6', () => {
    expect(canonicalIp('fd00:0:0:0:0:0:0:1')).toBe('fd00::1');
    expect(canonicalIp('::1')).toBe('::1');
  });
});
