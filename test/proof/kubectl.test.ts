// The real kubectl, with every generated kubeconfig, against an HTTPS server on 127.0.0.1 that
// presents the generated apiserver certificate and requires a client certificate from the cluster CA.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import https from 'node:https';
import type {TLSSocket} from 'node:tls';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {generated, specFor, PROOF_KEYS, FOUND_AS, keyTypesIn} from '../helpers/cluster.js';
import {realKubectl} from '../helpers/processes.js';
import {runAsync} from '../helpers/run.js';
import type {Manifest} from '../../source/output/manifest.js';

/** Who the apiserver must see for each kubeconfig (reference: kubernetes-pki.md, kubeadm layout). */
const EXPECTED: Record<string, (node: string | null) => {CN: string; O: string[]}> = {
  admin: () => ({CN: 'kubernetes-admin', O: ['kubeadm:cluster-admins']}),
  'super-admin': () => ({CN: 'kubernetes-super-admin', O: ['system:masters']}),
  'kube-controller-manager': () => ({CN: 'system:kube-controller-manager', O: []}),
  'kube-scheduler': () => ({CN: 'system:kube-scheduler', O: []}),
  'kube-proxy': () => ({CN: 'system:kube-proxy', O: ['system:node-proxier']}),
  kubelet: node => ({CN: `system:node:${node}`, O: ['system:nodes']}),
};

describe.each(PROOF_KEYS)('kubectl with every generated kubeconfig (%s)', key => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  let server: https.Server;
  let port = 0;
  let kubectl: string;

  beforeAll(async () => {
    kubectl = realKubectl();
    out = await generated(specFor('kubeadm', 'kubeadm', key));
    manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
    const file = (rel: string) => readFileSync(join(out.dir, rel));
    const apiserver = manifest.certificates.find(c => c.id === 'apiserver')!;
    server = https.createServer({
      cert: file(apiserver.cert), key: file(apiserver.key), ca: file('pki/ca.crt'),
      requestCert: true, rejectUnauthorized: true,
    }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname; // kubectl adds ?timeout=
      if (path === '/version') {
        res.end(JSON.stringify({major: '1', minor: '33', gitVersion: 'v1.33.0-kubepki-test', platform: 'linux/amd64'}));
      } else if (path === '/whoami') {
        res.end(JSON.stringify({CN: peer.subject.CN, O: [peer.subject.O ?? []].flat()}));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as {port: number}).port;
  });

  afterAll(async () => {
    await new Promise(resolve => server?.close(resolve));
    out?.remove();
  });

  it(`runs on an all-${key} PKI`, () => {
    expect(keyTypesIn(out.dir)).toEqual([FOUND_AS[key]]);
  });

  /** A copy of the kubeconfig whose server is loopback: kubectl never dials the address inside. */
  function loopbackCopy(file: string, name: string): string {
    const config = parse(readFileSync(join(out.dir, file), 'utf8'));
    config.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
    const copy = join(out.dir, '..', `${name}-${key}.kubeconfig`);
    writeFileSync(copy, stringify(config), {mode: 0o600});
    return copy;
  }

  const kubectlRun = (config: string, args: string[], serverName = 'kubernetes') => runAsync(kubectl, [
    '--kubeconfig', config, '--server', `https://127.0.0.1:${port}`, '--tls-server-name', serverName,
    '--cache-dir', join(out.dir, '..', 'kube-cache'), '--request-timeout', '10s', ...args,
  ], {env: {...process.env, HOME: join(out.dir, '..')}, timeout: 30_000});


  it('covers every kubeconfig in the manifest', () => {
    expect(manifest.kubeconfigs.map(k => k.id + (k.node ? `@${k.node}` : ''))).toEqual([
      'admin', 'super-admin', 'kube-controller-manager@cp1', 'kube-controller-manager@cp2', 'kube-scheduler@cp1', 'kube-scheduler@cp2',
      'kube-proxy', 'kubelet@cp1', 'kubelet@cp2', 'kubelet@worker1', 'kubelet@worker2',
    ]);
  });

  it('each kubeconfig authenticates as the identity the reference gives', async () => {
    for (const k of manifest.kubeconfigs) {
      const config = loopbackCopy(k.file, `${k.id}-${k.node ?? 'cluster'}`);
      const who = await kubectlRun(config, ['get', '--raw', '/whoami']);
      expect(who.status, `${k.id} ${k.node}: ${who.stderr}`).toBe(0);
      expect(JSON.parse(who.stdout), `${k.id} ${k.node}`).toEqual(EXPECTED[k.id]!(k.node));
    }
  });

  it('kubectl version reaches /version through the apiserver certificate', async () => {
    const admin = manifest.kubeconfigs.find(k => k.id === 'admin')!;
    const r = await kubectlRun(loopbackCopy(admin.file, 'version'), ['version', '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).serverVersion.gitVersion).toBe('v1.33.0-kubepki-test');
  });

  it('a server name that is not in the certificate fails with an x509 error', async () => {
    const admin = manifest.kubeconfigs.find(k => k.id === 'admin')!;
    const r = await kubectlRun(loopbackCopy(admin.file, 'wrong-name'), ['get', '--raw', '/whoami'], 'kubernetes.svc.cluster.local');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/x509: certificate is valid for .*not kubernetes\.svc\.cluster\.local/);
  });

  it('each service name and the control-plane node name in the certificate are accepted', async () => {
    const admin = loopbackCopy(manifest.kubeconfigs.find(k => k.id === 'admin')!.file, 'names');
    for (const name of ['kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'cp2']) {
      const r = await kubectlRun(admin, ['get', '--raw', '/whoami'], name);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
  });
});
