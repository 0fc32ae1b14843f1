// The connections that are not kubectl → apiserver: apiserver → kubelet, and the front proxy.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {generated, specFor, PROOF_KEYS, FOUND_AS, keyTypesIn} from '../helpers/cluster.js';
import {bundled, bundledCa} from '../helpers/bundle.js';
import {handshake} from '../helpers/tls.js';
import type {Manifest} from '../../source/output/manifest.js';

describe.each(PROOF_KEYS)('apiserver → kubelet and the front proxy (%s)', key => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  beforeAll(async () => {
    out = await generated(specFor('kubeadm', 'kubeadm', key));
    manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
  });
  afterAll(() => out?.remove());

  it(`runs on an all-${key} PKI`, () => {
    expect(keyTypesIn(out.dir)).toEqual([FOUND_AS[key]]);
  });

  it('the apiserver reaches worker1\'s kubelet by name and IP, presenting apiserver-kubelet-client', async () => {
    const kubelet = bundled(out.dir, manifest, 'kubelet-server', 'worker1');
    const kubeletCa = bundledCa(out.dir, manifest, 'ca', 'worker1'); // the kubelet's clientCAFile
    const client = bundled(out.dir, manifest, 'apiserver-kubelet-client', 'cp1', 'cp1');
    const apiserverCa = bundledCa(out.dir, manifest, 'ca', 'cp1');
    for (const servername of ['worker1']) {
      const seen = await handshake({serverCert: kubelet.cert, serverKey: kubelet.key, clientCa: kubeletCa, serverCa: apiserverCa, servername, client: [client.cert, client.key]});
      expect(seen).toBe('kube-apiserver-kubelet-client|kubeadm:cluster-admins');
    }
  });

  it('another node\'s name does not match worker1\'s kubelet certificate', async () => {
    const kubelet = bundled(out.dir, manifest, 'kubelet-server', 'worker1');
    const client = bundled(out.dir, manifest, 'apiserver-kubelet-client', 'cp1', 'cp1');
    const ca = join(out.dir, 'pki/ca.crt');
    await expect(handshake({serverCert: kubelet.cert, serverKey: kubelet.key, clientCa: ca, serverCa: ca, servername: 'worker2', client: [client.cert, client.key]}))
      .rejects.toThrow(/Hostname\/IP does not match certificate's altnames/);
  });

  it('front-proxy-client is accepted by a server trusting only the front-proxy CA', async () => {
    const proxy = bundled(out.dir, manifest, 'front-proxy-client', 'cp1', 'cp1');
    const ext = bundled(out.dir, manifest, 'apiserver', 'cp1', 'cp1');
    const seen = await handshake({
      serverCert: ext.cert, serverKey: ext.key, clientCa: bundledCa(out.dir, manifest, 'front-proxy-ca', 'cp1'),
      serverCa: join(out.dir, 'pki/ca.crt'), servername: 'kubernetes', client: [proxy.cert, proxy.key],
    });
    expect(seen).toBe('front-proxy-client|');
  });

  it('front-proxy-client is refused by a server trusting only the cluster CA', async () => {
    const proxy = bundled(out.dir, manifest, 'front-proxy-client', 'cp1', 'cp1');
    const ext = bundled(out.dir, manifest, 'apiserver', 'cp1', 'cp1');
    await expect(handshake({
      serverCert: ext.cert, serverKey: ext.key, clientCa: join(out.dir, 'pki/ca.crt'),
      serverCa: join(out.dir, 'pki/ca.crt'), servername: 'kubernetes', client: [proxy.cert, proxy.key],
    })).rejects.toThrow(/server refused the client/);
  });
});
