// The hard-way layout on a real control plane: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler started from the systemd units kubepki wrote, on their nodes' own addresses.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {boot, json, type Booted} from '../helpers/control-plane.js';
import {waitFor} from '../helpers/processes.js';
import {brokenKubeconfig, issueWith, leaseHolders, shellOn, signUserCsr, standInKubelet} from './checks.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specFromFile} from '../../source/spec/load.js';
import {shellQuote} from '../../source/scripts/shell.js';
import {hardWayStartSteps} from '../../source/scripts/units.js';

const SINGLE = `
apiVersion: kubepki/v1
kind: Cluster
name: kubernetes-the-hard-way
endpoint: { host: server.kubernetes.local, port: 6443 }
network: { serviceCIDR: 10.32.0.0/24, clusterDomain: cluster.local }
nodes:
  - { name: cp1, ip: 192.168.56.21, roles: [control-plane, etcd] }
  - { name: cp2, ip: 192.168.56.22, roles: [control-plane, etcd] }
  - { name: e1, ip: 192.168.56.25, roles: [etcd] }
  - { name: worker1, ip: 192.168.56.23, roles: [worker] }
  - { name: worker2, ip: 192.168.56.24, roles: [worker] }
pki: { authorities: single, key: rsa-2048, layout: hard-way }
`;

const ETCD_SEPARATE_ECDSA = SINGLE
  .replace('authorities: single, key: rsa-2048', 'authorities: etcd-separate, key: ecdsa-p256');

const CASES = [
  {label: 'single CA, RSA (The Hard Way\'s topology)', config: SINGLE, key: 'rsaEncryption', breaking: true},
  {label: 'a separate etcd CA, ECDSA P-256 keys', config: ETCD_SEPARATE_ECDSA, key: 'id-ecPublicKey', breaking: false},
];

describe.each(CASES)('hard-way layout, $label, on a real control plane', ({config, key, breaking}) => {
  let c: Booted;
  beforeAll(async () => {
    c = await boot({config, endpoint: {name: 'lb', ip: '192.168.56.20', aliases: ['server.kubernetes.local'], port: 6443}});
  }, 600_000);
  afterAll(async () => { await c?.down(); }, 60_000);

  it(`runs on ${key} keys: the apiserver certificate and the service-account key`, () => {
    expect(execFileSync('openssl', ['x509', '-in', join(c.out, 'pki/kube-api-server.crt'), '-noout', '-text'], {encoding: 'utf8'})).toContain(`Public Key Algorithm: ${key}`);
  });

  it('admin.kubeconfig is user admin in system:masters, with every right', () => {
    const who = json(c.admin(['auth', 'whoami', '-o', 'json']));
    expect(who.status.userInfo.username).toBe('admin');
    expect(who.status.userInfo.groups).toContain('system:masters');
    expect(c.admin(['auth', 'can-i', '*', '*']).stdout.trim()).toBe('yes');
  });

  it('controller-manager and scheduler hold their leader leases', async () => {
    const holders = await leaseHolders(c.admin, ['kube-controller-manager', 'kube-scheduler']);
    for (const holder of Object.values(holders)) expect(holder).toMatch(/^cp[12]_/);
  }, 180_000);

  it('the controller-manager signs an approved CSR with the cluster CA', async () => {
    const ca = join(c.out, 'pki/ca.crt');
    const {subject, issuer, verified} = await signUserCsr(c, 'jane', ['dev'], ca);
    expect(subject).toContain('CN=jane');
    expect(subject).toContain('O=dev');
    expect(issuer).toBe('CN=CA');
    expect(verified).toBe(true);
  }, 180_000);

  it('each kubelet kubeconfig is system:node:<name>: creates and updates its own Node, is refused another', () => {
    const kubelets = ['cp1', 'cp2', 'worker1', 'worker2'];
    for (const node of kubelets) {
      const kubectl = c.kubectl(node, '/var/lib/kubelet/kubeconfig');
      const who = json(kubectl(['auth', 'whoami', '-o', 'json']));
      expect(who.status.userInfo.username).toBe(`system:node:${node}`);
      expect(who.status.userInfo.groups).toContain('system:nodes');
      const ip = c.manifest.nodes[node]!.ip;
      const created = kubectl(['create', '-f', '-'], {input: JSON.stringify({
        apiVersion: 'v1', kind: 'Node', metadata: {name: node},
        status: {addresses: [{type: 'InternalIP', address: ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10250}}},
      })});
      expect(created.status, created.stderr).toBe(0);
      const labelled = kubectl(['label', 'node', node, 'kubepki.test/own=yes']);
      expect(labelled.status, labelled.stderr).toBe(0);
    }
    // A PUT straight away: a node may not even read another's Node, so `kubectl label` stops earlier.
    const other = c.kubectl('worker1', '/var/lib/kubelet/kubeconfig')(['replace', '--raw', '/api/v1/nodes/worker2', '-f', '-'], {input: JSON.stringify({
      apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker2', labels: {'kubepki.test/other': 'yes'}},
    })});
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/is not allowed to modify node "worker2"/);
  });

  it('kube-proxy\'s kubeconfig lists Services and EndpointSlices and is refused Secrets', () => {
    const proxy = c.kubectl('worker1', '/var/lib/kube-proxy/kubeconfig');
    expect(json(proxy(['auth', 'whoami', '-o', 'json'])).status.userInfo.username).toBe('system:kube-proxy');
    expect(proxy(['get', 'services', '-A']).status).toBe(0);
    expect(proxy(['get', 'endpointslices', '-A']).status).toBe(0);
    const secrets = proxy(['get', 'secrets', '-A']);
    expect(secrets.status).not.toBe(0);
    expect(secrets.stderr).toMatch(/forbidden/i);
  });

  it('apiserver → kubelet: the apiserver reaches worker1\'s kubelet with its certificate, verifying the kubelet\'s', async () => {
    // The line generate prints, run on cp1 as printed (ssh replaced by the lab's shell on cp1,
    // which holds cp1's bundle: its admin kubeconfig dials https://127.0.0.1:6443 there).
    const {rbac} = hardWayStartSteps(buildPlan(specFromFile(join(c.out, 'cluster.yaml'))), c.out, shellQuote);
    expect(rbac).toBe(`ssh root@cp1 kubectl apply --kubeconfig /var/lib/kubernetes/admin.kubeconfig -f - < ${join(c.out, 'kube-apiserver-to-kubelet.yaml')}`);
    const applied = shellOn(c, 'cp1', {bundle: c.bundle('cp1')})(rbac!.replace(/^ssh root@cp1 /, ''));
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/clusterrole\.rbac\.authorization\.k8s\.io\/system:kube-apiserver-to-kubelet (created|unchanged)/);
    expect(c.admin(['auth', 'can-i', 'get', 'nodes', '--subresource=proxy', '--as', 'kubernetes']).stdout.trim()).toBe('yes');
    const standIn = standInKubelet(c, 'worker1', {cert: '/var/lib/kubelet/kubelet.crt', key: '/var/lib/kubelet/kubelet.key', ca: '/var/lib/kubelet/ca.crt'});
    await waitFor('kubelet stand-in', () => standIn.output().includes('kubelet stand-in on'), 30_000);
    const r = c.admin(['get', '--raw', '/api/v1/nodes/worker1/proxy/healthz']);
    expect(r.status, `${r.stderr}\n${standIn.output()}`).toBe(0);
    expect(r.stdout).toBe('ok');
    // The stand-in saw the apiserver's own client certificate (its output arrives once the event loop runs).
    await waitFor('the stand-in to log the call', () => standIn.output().includes('request GET /healthz from CN='), 10_000, 100);
    expect(standIn.output()).toContain('request GET /healthz from CN=kubernetes');
  }, 120_000);

  it('service accounts: a token from `kubectl create token` is accepted (signed with service-accounts.key, checked with service-accounts.crt)', async () => {
    await waitFor('the default ServiceAccount', () => c.admin(['get', 'serviceaccount', 'default', '-n', 'default']).status === 0, 120_000, 1000);
    const token = c.admin(['create', 'token', 'default', '-n', 'default']).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    // Signed with the service-accounts key: RS256 for RSA, ES256 for P-256.
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg).toBe(key === 'rsaEncryption' ? 'RS256' : 'ES256');
    const who = json(c.kubectl('cp1', '/dev/null')(['--server=https://127.0.0.1:6443', '--certificate-authority=/var/lib/kubernetes/ca.crt', `--token=${token}`, 'auth', 'whoami', '-o', 'json']));
    expect(who.status.userInfo.username).toBe('system:serviceaccount:default:default');
  }, 180_000);

  // Broken on purpose, once: each swap must turn a check red.
  if (breaking) {
    it('breaking the PKI turns it red: a kubelet client certificate with the wrong O cannot act as its node', () => {
      const kubeconfig = brokenKubeconfig(c, 'worker1', {cn: 'system:node:worker1', o: 'system:node'});
      const r = c.kubectl('worker1', kubeconfig)(['label', 'node', 'worker1', 'kubepki.test/broken=yes']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/forbidden/i);
    });

    it('breaking the PKI turns it red: an apiserver certificate without the service IP fails clients that dial it', async () => {
      const dial = () => c.admin(['--tls-server-name=10.32.0.1', 'get', '--raw', '/readyz']);
      expect(dial().status, dial().stderr).toBe(0);
      const apiserverCrt = join(c.bundle('cp1'), 'var/lib/kubernetes/kube-api-server.crt');
      const good = readFileSync(apiserverCrt, 'utf8');
      const cert = c.manifest.certificates.find(x => x.id === 'apiserver')!;
      writeFileSync(apiserverCrt, issueWith(c, {
        key: join(c.out, cert.key), cn: cert.cn, serverAuth: true, clientAuth: true,
        dns: cert.dnsNames, ip: cert.ipAddresses.filter(a => a !== '10.32.0.1'),
      }));
      try {
        await c.restart('cp1', 'kube-apiserver');
        await waitFor('cp1 apiserver with the broken certificate', () => /not 10\.32\.0\.1|doesn't contain|valid for/.test(dial().stderr), 120_000, 1000);
        expect(dial().stderr).toMatch(/x509: certificate is valid for .*not 10\.32\.0\.1/);
      } finally {
        writeFileSync(apiserverCrt, good);
        await c.restart('cp1', 'kube-apiserver');
      }
    }, 240_000);
  }
});
