// Issue 24's proof on a real control plane (hard-way layout): the cluster CA, the etcd CA and
// the service-account key pair are each replaced, one after the other, while the cluster serves. Two kube-apiservers behind an endpoint whose load balancer health-checks /readyz, etcd
// as three members (cp1, cp2 and etcd3: two members lose quorum while one restarts), a worker.
// Three clients poll through the endpoint the whole run, each with an identity made before the
// rotation: a user made with `kubepki user add` running `kubectl get nodes` (the user copies the
// kubeconfig kubepki rewrote after each phase), worker1's kubelet identity (system:node:worker1,
// read once when the kubelet starts, as a kubelet does) and a service-account token created
// before the rotation (with the ca.crt a pod reads, which follows kube-root-ca.crt). Each phase
// is `kubepki rotate OUT ...`, the bundles copied onto the nodes (distribute.sh's part), then the
// restart steps exactly as printed (restart.sh --json gives the same commands), run on the nodes:
// `systemctl restart X` is the lab's systemd (SIGTERM, a graceful stop, the unit's command line
// as distributed, started on the same disk), every other line runs on the node as printed.
// Per phase, each client's requests and failures are counted: none may fail, in a phase or
// between them. After each finish, what the old authority signed is refused.
// (The kubeadm layout's proof is zero-downtime-kubeadm.test.ts: its restarts go through the
// kubelet's static pods and crictl, which the lab stands in for there. What both proofs share —
// balancer, clients, the lab's systemd, the phase runner — is test/helpers/rotation-proof.ts.)
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {boot, type Booted} from '../helpers/control-plane.js';
import {bin} from '../helpers/k8s.js';
import {requireCommand} from '../helpers/processes.js';
import {kubepki, ROOT} from '../helpers/run.js';
import {RotationProof} from '../helpers/rotation-proof.js';
import {parseUnit} from '../../source/scripts/units.js';

const CONFIG = `
apiVersion: kubepki/v1
kind: Cluster
name: rotating
endpoint: { host: server.kubernetes.local, port: 6443 }
network: { serviceCIDR: 10.32.0.0/24, clusterDomain: cluster.local }
nodes:
  - { name: cp1, ip: 192.168.62.21, roles: [control-plane, etcd] }
  - { name: cp2, ip: 192.168.62.22, roles: [control-plane, etcd] }
  - { name: etcd3, ip: 192.168.62.24, roles: [etcd] }
  - { name: worker1, ip: 192.168.62.23, roles: [worker] }
pki: { authorities: kubeadm, key: ecdsa-p256, layout: hard-way }
`;
const LB = {name: 'lb', ip: '192.168.62.20', aliases: ['server.kubernetes.local'], port: 6443};
const CONTROL_PLANES = ['cp1', 'cp2'];
const KUBELETS = ['cp1', 'cp2', 'worker1'];
const UNITS = new Set(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);

describe('CA rotation without downtime on a real control plane (hard way: 2 apiservers behind a /readyz-checking balancer, 3 etcd members, 1 worker)', () => {
  let c: Booted;
  let proof: RotationProof;
  const disk = (node: string) => c.disk(node);
  const caFile = () => proof.caFile();

  beforeAll(async () => {
    c = await boot({config: CONFIG, endpoint: LB});
    proof = new RotationProof(c, LB, CONTROL_PLANES);
    proof.distribute();
    await proof.startBalancer();

    // The units the boot started; the kubelets and kube-proxies are stand-ins (no container runtime here).
    for (const [key, p] of c.processes) {
      const [node, component] = key.split('/') as [string, string];
      if (!UNITS.has(component)) continue;
      proof.services.set(key, {running: [p as typeof p & {work: string}], start: w => {
        const {binary, args} = parseUnit(readFileSync(join(disk(node), 'etc/systemd/system', `${component}.service`), 'utf8'));
        expect(binary).toBe(`/usr/local/bin/${component}`);
        return [c.lab.start(node, [bin(component), ...args], disk(node), w)];
      }});
    }

    // worker1's Node, registered with its kubelet's own identity (the kubelet's poller asks for it).
    const node = c.kubectl('worker1', '/var/lib/kubelet/kubeconfig')(['create', '-f', '-'], {input: JSON.stringify({
      apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker1'},
      status: {addresses: [{type: 'InternalIP', address: c.manifest.nodes.worker1!.ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10250}}},
    })});
    expect(node.status, node.stderr).toBe(0);

    // kubelets (stand-ins serving 10250 and healthz on 10248; worker1's also polls with its
    // identity, read once when it starts, as a kubelet does) and kube-proxies (healthz on 10256).
    for (const n of KUBELETS) {
      const ip = c.manifest.nodes[n]!.ip;
      proof.services.set(`${n}/kubelet`, {running: [], start: () => {
        const kubelet = c.lab.start(n, [process.execPath, join(ROOT, 'test/helpers/kubelet-standin.mjs'), '/var/lib/kubelet/kubelet.crt', '/var/lib/kubelet/kubelet.key', '/var/lib/kubelet/ca.crt', ip, '10250', '10248'], disk(n));
        if (n !== 'worker1') return [kubelet];
        const poller = proof.poll('kubelet', 'kubelet worker1 (system:node:worker1): GET /api/v1/nodes/worker1', n, proof.pollerArgv('once', '/var/lib/kubelet/kubeconfig', '/api/v1/nodes/worker1'), disk(n));
        return [kubelet, poller.instances.at(-1)! as typeof kubelet];
      }});
      proof.services.set(`${n}/kube-proxy`, {running: [], start: () => [c.lab.start(n, [process.execPath, '-e',
        'require("node:http").createServer((q, s) => s.end("ok")).listen(10256, "127.0.0.1")'], disk(n))]});
    }
    for (const [key, s] of proof.services) if (/kubelet|kube-proxy/.test(key)) s.running = s.start();

    // The user's kubectl and the pod's client, on worker1.
    await proof.startClients('worker1');
    requireCommand('etcdctl', 'etcd-client');
    await proof.clientsGoing();
  }, 600_000);
  afterAll(async () => {
    if (proof) console.log(proof.report());
    await c?.down();
  }, 120_000);

  const phase = (label: string, args: string[]) => proof.phase(label, args);
  const keep = (id: string, as: string) => proof.keep(id, as);
  const noFailureSoFar = () => proof.noFailureSoFar();

  it('cluster CA: start, issue, finish, each followed by the printed steps: no client request fails', async () => {
    const oldAdmin = keep('admin', 'admin-old');
    const started = await phase('ca start', ['start', 'ca']);
    expect(started.steps.stages.map(s => s.component)).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']);
    await phase('ca issue', ['issue']);
    const finished = await phase('ca finish', ['finish']);
    expect(finished.stdout).toContain(`Then: kubepki verify ${c.out}`);
    const verified = kubepki(['verify', c.out]);
    expect(verified.status, verified.stdout).toBe(0);
    expect(readFileSync(caFile(), 'utf8')).not.toContain(readFileSync(join(proof.work, 'ca-old.crt'), 'utf8').trim());

    // The old CA: its certificates are refused by every apiserver, which trusts the new CA alone; the controller-manager signs with the new CA.
    await proof.expectOldCaRefused(oldAdmin);
    noFailureSoFar();
  }, 900_000);

  it('etcd CA: start, issue, finish, etcd members one at a time and the apiservers after them: no client request fails; then etcd refuses the old CA\'s client certificate', async () => {
    const oldClient = keep('apiserver-etcd-client', 'etcd-client-old');
    const started = await phase('etcd-ca start', ['start', 'etcd-ca']);
    expect(started.steps.stages.map(s => s.component)).toEqual(['etcd', 'kube-apiserver']);
    expect(started.steps.stages[0]!.restarts.map(r => r.node)).toEqual(['cp1', 'cp2', 'etcd3']);
    await phase('etcd-ca issue', ['issue']);
    await phase('etcd-ca finish', ['finish']);
    proof.expectOldEtcdCaRefused(['cp1', 'cp2', 'etcd3'], oldClient);
    noFailureSoFar();
  }, 900_000);

  it('service-account key pair: start, issue, finish with the printed steps, the token made before the rotation replaced as issue\'s steps say: no client request fails; then a token signed by the old key is refused', async () => {
    const {started, issued, removedOn} = await proof.rotateServiceAccount();
    expect(started.steps.stages.map(s => s.component)).toEqual(['kube-apiserver']);
    expect(issued.steps.stages.map(s => s.component)).toEqual(['kube-apiserver', 'kube-controller-manager']);
    // Finish's last step, as printed: the rotation's extra public keys (beside service-accounts.crt) off the nodes.
    expect(removedOn).toEqual(CONTROL_PLANES);
    noFailureSoFar();
  }, 900_000);
});
