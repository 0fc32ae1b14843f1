// A real three-member etcd cluster on 127.0.0.1, started with the generated certificates from
// each node's bundle, peer and client TLS required.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {generated, specWith, FOUND_AS, keyTypesIn} from '../helpers/cluster.js';
import {bundled, bundledCa} from '../helpers/bundle.js';
import {freePort, requireCommand, start, waitFor, type Started} from '../helpers/processes.js';
import {run} from '../helpers/run.js';
import type {Manifest} from '../../source/output/manifest.js';
import type {AuthorityTopology, KeyType, Layout} from '../../source/spec/types.js';

const MEMBERS = ['cp1', 'cp2', 'cp3'];

const cases: [AuthorityTopology, Layout, KeyType][] = [
  ['etcd-separate', 'kubeadm', 'rsa-2048'], ['kubeadm', 'kubeadm', 'rsa-2048'], ['single', 'hard-way', 'rsa-2048'],
  ['kubeadm', 'kubeadm', 'ecdsa-p256'], ['single', 'hard-way', 'ecdsa-p384'],
];

describe.each(cases)('etcd with %s CAs (%s layout, %s keys)', (topology, layout, key) => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  const members: Started[] = [];
  const clientUrls: string[] = [];
  let etcdctl: string;

  beforeAll(async () => {
    const etcd = requireCommand('etcd', 'etcd-server');
    etcdctl = requireCommand('etcdctl', 'etcd-client');
    out = await generated(specWith(c => {
      c.pki.authorities = topology;
      c.pki.layout = layout;
      c.pki.key = key;
      c.nodes = [
        ...MEMBERS.map((name, i) => ({name, ip: `192.168.56.${21 + i}`, roles: ['control-plane', 'etcd']})),
        {name: 'worker1', ip: '192.168.56.31', roles: ['worker']},
      ];
    }));
    manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
    const peerPorts = await Promise.all(MEMBERS.map(() => freePort()));
    const clientPorts = await Promise.all(MEMBERS.map(() => freePort()));
    const initialCluster = MEMBERS.map((m, i) => `${m}=https://127.0.0.1:${peerPorts[i]}`).join(',');
    MEMBERS.forEach((name, i) => {
      const server = bundled(out.dir, manifest, 'etcd-server', name);
      const peer = bundled(out.dir, manifest, 'etcd-peer', name);
      const ca = bundledCa(out.dir, manifest, server.signer, name);
      const data = join(out.dir, '..', `etcd-data-${name}`);
      mkdirSync(data, {mode: 0o700});
      clientUrls.push(`https://127.0.0.1:${clientPorts[i]}`);
      members.push(start(etcd, [
        '--name', name, '--data-dir', data,
        '--listen-client-urls', clientUrls[i]!, '--advertise-client-urls', clientUrls[i]!,
        '--listen-peer-urls', `https://127.0.0.1:${peerPorts[i]}`, '--initial-advertise-peer-urls', `https://127.0.0.1:${peerPorts[i]}`,
        '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', `kubepki-${topology}`,
        '--client-cert-auth', '--trusted-ca-file', ca, '--cert-file', server.cert, '--key-file', server.key,
        '--peer-client-cert-auth', '--peer-trusted-ca-file', ca, '--peer-cert-file', peer.cert, '--peer-key-file', peer.key,
      ]));
    });
    const health = tls('etcd-healthcheck-client', 'cp1');
    await waitFor('the etcd cluster to be healthy', () =>
      run(etcdctl, [...health, '--endpoints', clientUrls.join(','), 'endpoint', 'health', '--command-timeout=2s'], {timeout: 10_000}).status === 0,
      60_000, 500).catch(error => {
      throw new Error(`${error.message}\n${members.map(m => m.output().slice(-2000)).join('\n---\n')}`);
    });
  });

  afterAll(async () => {
    await Promise.all(members.map(m => m.stop()));
    out?.remove();
  });

  it(`runs on an all-${key} PKI`, () => {
    expect(keyTypesIn(out.dir)).toEqual([FOUND_AS[key]]);
  });

  /** etcdctl TLS flags with a certificate taken from node `holder`'s bundle. */
  function tls(id: string, holder: string): string[] {
    const c = bundled(out.dir, manifest, id, holder);
    return ['--cacert', bundledCa(out.dir, manifest, c.signer, holder), '--cert', c.cert, '--key', c.key];
  }

  it('apiserver-etcd-client writes and reads through every member', () => {
    const client = tls('apiserver-etcd-client', 'cp1');
    MEMBERS.forEach((member, i) => {
      const put = run(etcdctl, [...client, '--endpoints', clientUrls[i]!, 'put', `/kubepki/${member}`, `via-${member}`], {timeout: 15_000});
      expect(put.status, put.stderr).toBe(0);
      expect(put.stdout.trim()).toBe('OK');
    });
    for (const url of clientUrls) {
      const get = run(etcdctl, [...client, '--endpoints', url, 'get', '/kubepki/', '--prefix', '--print-value-only'], {timeout: 15_000});
      expect(get.status, get.stderr).toBe(0);
      expect(get.stdout.trim().split('\n')).toEqual(MEMBERS.map(m => `via-${m}`));
    }
  });

  it('endpoint health --cluster with etcd-healthcheck-client', () => {
    const r = run(etcdctl, [...tls('etcd-healthcheck-client', 'cp2'), '--endpoints', clientUrls[1]!, 'endpoint', 'health', '--cluster'], {timeout: 20_000});
    expect(r.status, r.stderr).toBe(0);
    const lines = (r.stdout + r.stderr).split('\n').filter(l => l.includes('is healthy'));
    expect(lines).toHaveLength(3);
  });

  it('refuses a client without a certificate', () => {
    const ca = bundledCa(out.dir, manifest, manifest.certificates.find(c => c.id === 'etcd-server')!.signer, 'cp1');
    const r = run(etcdctl, ['--cacert', ca, '--endpoints', clientUrls[0]!, '--command-timeout=3s', '--dial-timeout=3s', 'get', '/kubepki/cp1'], {timeout: 20_000});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/certificate|tls|handshake|deadline/i);
  });

  it(topology === 'single' ? 'with one CA, a cluster-CA client certificate is the etcd CA\'s too' : 'refuses a cluster-CA certificate (admin) when the etcd CA is separate', () => {
    const admin = manifest.certificates.find(c => c.id === 'admin')!;
    const ca = bundledCa(out.dir, manifest, manifest.certificates.find(c => c.id === 'etcd-server')!.signer, 'cp1');
    const r = run(etcdctl, ['--cacert', ca, '--cert', join(out.dir, admin.cert), '--key', join(out.dir, admin.key),
      '--endpoints', clientUrls[0]!, '--command-timeout=3s', '--dial-timeout=3s', 'get', '/kubepki/cp1', '--print-value-only'], {timeout: 20_000});
    if (topology === 'single') {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('via-cp1');
    } else {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/certificate|tls|handshake|deadline/i);
    }
  });
});
