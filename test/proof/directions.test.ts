// The connections that are not kubectl → apiserver: apiserver → kubelet, and the front proxy.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {generated, specFor, PROOF_KEYS, FOUND_AS, keyTypesIn} from '../helpers/cluster.js';
import {bundled, bundledCa} from '../helpers/bundle.js';
import {handshake} from '../helpers/tls.js';
import type {Manifest} from '../../source/output/manifest.js';
import {isControlPlane, runsKubelet} from '../../source/spec/types.js';

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

  /** Every node that runs a kubelet, as the plan made them: each has its own kubelet-server certificate. */
  const kubelets = () => manifest.certificates.filter(c => c.id === 'kubelet-server').map(c => c.node!);
  const controlPlanes = () => Object.entries(manifest.nodes).filter(([, n]) => isControlPlane(n)).map(([name]) => name);

  it('the apiserver on every control-plane node reaches every kubelet by name, presenting apiserver-kubelet-client', async () => {
    expect(kubelets()).toEqual(Object.keys(manifest.nodes).filter(name => runsKubelet(manifest.nodes[name]!)));
    for (const node of kubelets()) {
      const kubelet = bundled(out.dir, manifest, 'kubelet-server', node);
      const kubeletCa = bundledCa(out.dir, manifest, 'ca', node); // the kubelet's clientCAFile
      for (const holder of controlPlanes()) {
        const client = bundled(out.dir, manifest, 'apiserver-kubelet-client', holder, holder);
        const apiserverCa = bundledCa(out.dir, manifest, 'ca', holder);
        const seen = await handshake({serverCert: kubelet.cert, serverKey: kubelet.key, clientCa: kubeletCa, serverCa: apiserverCa, servername: node, client: [client.cert, client.key]});
        expect(seen, `${holder} → ${node}`).toBe('kube-apiserver-kubelet-client|kubeadm:cluster-admins');
      }
    }
  });

  it('another node\'s name does not match a kubelet\'s certificate, for every kubelet', async () => {
    const client = bundled(out.dir, manifest, 'apiserver-kubelet-client', 'cp1', 'cp1');
    const ca = join(out.dir, 'pki/ca.crt');
    const nodes = kubelets();
    for (const [i, node] of nodes.entries()) {
      const kubelet = bundled(out.dir, manifest, 'kubelet-server', node);
      const other = nodes[(i + 1) % nodes.length]!;
      await expect(handshake({serverCert: kubelet.cert, serverKey: kubelet.key, clientCa: ca, serverCa: ca, servername: other, client: [client.cert, client.key]}), `${node} as ${other}`)
        .rejects.toThrow(/Hostname\/IP does not match certificate's altnames/);
    }
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
