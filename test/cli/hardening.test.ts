// The command line on hostile input: exit 2 with the field named and nothing written (no OUT, no
// staging directory), or exit 1 with one line for an error nobody expected; never a stack trace.
import {afterAll, describe, expect, it} from 'vitest';
import {closeSync, mkdirSync, openSync, readdirSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {CLI, kubepki, openssl} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-harden-');
afterAll(() => tmp.remove());

let configs = 0;
function configWith(mutate: (c: any) => void): string {
  const config = parse(kubepki(['example']).stdout);
  config.nodes = [{name: 'cp1', ip: '10.0.0.1', roles: ['control-plane', 'etcd']}];
  config.endpoint.host = '10.0.0.1';
  config.pki.authorities = 'single';
  mutate(config);
  const file = join(tmp.path, `config-${++configs}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** Generate into a fresh parent; the parent must stay empty on refusal. */
function generateInto(config: string) {
  const parent = join(tmp.path, `parent-${configs}`);
  mkdirSync(parent);
  const r = kubepki(['generate', '--config', config, '--out', join(parent, 'out')]);
  return {...r, left: readdirSync(parent)};
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('generate refuses input that used to reach the crypto', () => {
  it.each([
    ['an IPv4-mapped node address', (c: any) => { c.nodes[0].ip = '::ffff:10.0.0.5'; c.endpoint.host = 'cp.example.com'; c.network.serviceCIDR = 'fd00:10::/112'; },
      /nodes\[0\] \(cp1\)\.ip: "::ffff:10\.0\.0\.5" is an IPv4-mapped IPv6 address; write the IPv4 address 10\.0\.0\.5 instead/],
    ['a zone id', (c: any) => { c.nodes[0].ip = 'fe80::5%eth0'; c.endpoint.host = 'cp.example.com'; c.network.serviceCIDR = 'fd00:10::/112'; },
      /nodes\[0\] \(cp1\)\.ip: "fe80::5%eth0" has a zone id/],
    ['a validity past year 9999', (c: any) => { c.pki.validity.ca = '100000y'; }, /pki\.validity\.ca: "100000y" would end after 9999-12-31/],
    ['the whole IPv4 space as service CIDR', (c: any) => { c.network.serviceCIDR = '0.0.0.0/0'; }, /network\.serviceCIDR: "0\.0\.0\.0\/0" is the whole IPv4 address space/],
    ['a loopback service CIDR', (c: any) => { c.network.serviceCIDR = '127.0.0.0/8'; }, /network\.serviceCIDR: "127\.0\.0\.0\/8" overlaps the loopback range/],
    ['a hard-way node named kubelet', (c: any) => { c.pki.layout = 'hard-way'; c.nodes[0].name = 'kubelet'; }, /nodes\[0\] \(kubelet\)\.name: "kubelet" cannot name a node in the hard-way layout/],
    ['a hard-way node named etcd-server', (c: any) => { c.pki.layout = 'hard-way'; c.nodes[0].name = 'etcd-server'; }, /nodes\[0\] \(etcd-server\)\.name: "etcd-server" cannot name a node in the hard-way layout/],
  ])('%s: exit 2, field named, nothing written', (_name, mutate, message) => {
    const r = generateInto(configWith(mutate));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    noStack(r.stderr);
    expect(r.left).toEqual([]);
  });

  it('an IPv6 address with an embedded IPv4 part is certified as exactly that address', () => {
    const config = configWith(c => { c.nodes[0].ip = '64:ff9b::10.0.0.1'; c.endpoint.host = '64:ff9b::10.0.0.1'; c.network.serviceCIDR = 'fd00:10::/112'; });
    const out = join(tmp.path, 'nat64');
    const r = kubepki(['generate', '--config', config, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const san = openssl(['x509', '-in', join(out, 'pki/apiserver.crt'), '-noout', '-ext', 'subjectAltName']).stdout;
    expect(san).toMatch(/IP Address:64:FF9B:0:0:0:0:A00:1,/);
    expect(san).not.toMatch(/IP Address:64\.0\.0\.1/);
    expect(openssl(['verify', '-CAfile', join(out, 'pki/ca.crt'), '-verify_ip', '64:ff9b::10.0.0.1', join(out, 'pki/apiserver.crt')]).status).toBe(0);
    expect(kubepki(['verify', out]).status).toBe(0);
  });
});

describe('hostile config files', () => {
  it('an alias bomb is refused at once with exit 2', () => {
    const file = join(tmp.path, 'bomb.yaml');
    writeFileSync(file, [
      'a0: &a0 ["xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx","xxxxxxxx"]',
      ...[1, 2, 3, 4, 5, 6].map(i => `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`),
      `name: [${Array(10).fill('*a6').join(',')}]`,
    ].join('\n'));
    const started = Date.now();
    const r = kubepki(['plan', '--config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/expand to more than 1,000,000 values/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('terminal escapes in a value or a key are printed escaped; a huge value is not echoed', () => {
    const file = join(tmp.path, 'escapes.yaml');
    writeFileSync(file, `name: "\\e]0;pwned\\a\\e[31m"\n"\\e[2J": 1\nnodes: [{name: cp1, ip: 10.0.0.1, roles: [control-plane]}]\nssh: {user: ${'u'.repeat(500_000)}}\n`);
    const r = kubepki(['plan', '--config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/[\u001b\u0007]/);
    expect(r.stderr).toMatch(/"\\u001b\]0;pwned\\u0007\\u001b\[31m"/);
    expect(r.stderr.length).toBeLessThan(1500);
  });
});

describe('unexpected errors', () => {
  it('are one line and exit 1; --debug shows the trace', () => {
    // Output to a full device: a failure no command expects.
    const full = openSync('/dev/full', 'w');
    const runFull = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], {stdio: ['ignore', full, 'pipe'], encoding: 'utf8'});
    const r = runFull(['example']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^kubepki: unexpected error: ENOSPC: no space left on device, write\nkubepki: run again with --debug for the details\.\n$/);
    noStack(r.stderr);
    const debug = runFull(['example', '--debug']);
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
    closeSync(full);
    const help = kubepki(['--help']).stdout;
    expect(help).toMatch(/--debug/);
    expect(help).toMatch(/130 \/ 143 \/ 129 interrupted by INT \/ TERM \/ HUP/);
    expect(help).toMatch(/OUT busy/);
  });

});
