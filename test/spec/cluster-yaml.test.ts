// OUT/cluster.yaml written back by an update: the user's document edited, not re-serialised.
import {describe, expect, it} from 'vitest';
import {clusterYamlText, specFromText, specToYaml} from '../../source/spec/load.js';
import {exampleSpec} from '../../source/spec/example.js';
import type {ClusterSpec} from '../../source/spec/types.js';

const HEADER = '# Written by kubepki\n';
const commented = [
  '# our lab cluster: ask Ann before editing',
  specToYaml(exampleSpec())
    .replace('endpoint: { host: 192.168.56.20, port: 6443 }', '# the VIP on the haproxy pair\nendpoint: { host: 192.168.56.20, port: 6443 }  # moved in March')
    .replace('  - { name: worker1,', '  # rack 2\n  - { name: worker1,')
    .replace('ssh: { user: root, sudo: false }', 'ssh:\n  user: root   # until LDAP\n  sudo: false'),
].join('\n');
const edit = (change: (s: ClusterSpec) => void) => {
  const spec = specFromText(commented, 'c.yaml');
  change(spec);
  return {spec, text: clusterYamlText(spec, commented, HEADER)};
};
const comments = (text: string) => text.split('\n').filter(l => l.includes('#')).map(l => l.slice(l.indexOf('#')));

describe('cluster.yaml written back', () => {
  it('the same spec: the same bytes', () => {
    expect(clusterYamlText(specFromText(commented, 'c.yaml'), commented, HEADER)).toBe(commented);
  });

  it('values changed (endpoint, a node\'s IP, the SSH user): only those values differ, every other byte stays', () => {
    const {spec, text} = edit(s => {
      s.endpoint.host = '192.168.56.40';
      s.nodes[2]!.ip = '10.0.0.33';
      s.ssh.user = 'ops';
    });
    expect(specFromText(text, 'c.yaml')).toEqual(spec);
    expect(text).toBe(commented
      .replace('host: 192.168.56.20', 'host: 192.168.56.40')
      .replace('ip: 192.168.56.23', 'ip: 10.0.0.33')
      .replace('user: root   #', 'user: ops   #'));
  });

  it('a node removed and one added, extra SANs set: the comments stay, and the text reads back as the spec', () => {
    const {spec, text} = edit(s => {
      s.nodes = s.nodes.filter(n => n.name !== 'worker2');
      s.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
      s.extraSANs = ['api.example.com'];
    });
    expect(specFromText(text, 'c.yaml')).toEqual(spec);
    expect(comments(text)).toEqual(comments(commented));
    expect(text).toContain('- { name: worker3, ip: 192.168.56.25, roles: [ worker ] }');
    expect(text).not.toContain('worker2');
  });

  it('a new OUT, or a text that no longer reads as a cluster: the whole spec is written, with the header', () => {
    const spec = exampleSpec();
    expect(clusterYamlText(spec, undefined, HEADER)).toBe(specToYaml(spec, HEADER));
    expect(clusterYamlText(spec, 'nodes: [ broken', HEADER)).toBe(specToYaml(spec, HEADER));
  });
});

describe('the one YAML reader', () => {
  it('names the line and column of a syntax error, and the line of an invalid field', () => {
    expect(() => specFromText('name: a\nname: b\n', 'c.yaml')).toThrow('c.yaml:2:1: not valid YAML: Map keys must be unique');
    try {
      specFromText(commented.replace('ip: 192.168.56.23', 'ip: 10.0.0.300'), 'c.yaml');
      expect.unreachable();
    } catch (error) {
      expect((error as {lines: string[]}).lines).toEqual(['c.yaml:14: nodes[2] (worker1).ip: "10.0.0.300" is not an IPv4 or IPv6 address']);
    }
  });
});
