// Issue 24's proof on a real control plane, kubeadm layout (zero-downtime.test.ts is the hard-way
// one): the cluster CA, then the etcd CA, then the service-account key pair is replaced (start →
// issue → finish) while the cluster serves. Two
// control-plane nodes behind an endpoint whose load balancer health-checks /readyz, etcd as three
// members (cp1, cp2 and etcd3: one restarting keeps quorum), a worker. Four clients poll through
// the endpoint the whole run, each with an identity made before the rotation: cp1's kubelet
// (system:node:cp1 from the kubelet.conf kubepki wrote, read when its kubelet starts), a user made with
// `kubepki user add` running `kubectl get nodes` (with the kubeconfig kubepki rewrote, handed to
// her after each phase), the admin (kubernetes-admin, admin.conf as distributed to cp1, re-read
// before each request) and a service-account token (with the ca.crt a pod reads, which follows
// kube-root-ca.crt). Each phase is `kubepki rotate OUT ...`, the bundles onto the nodes' disks
// (distribute.sh's part), what the report says to do by hand first (the controller-manager's
// --cluster-signing-cert-file in its manifest), the restart steps exactly as printed (restart.sh
// --json gives the same commands) run on the nodes, then the printed kubectl steps for the trust
// kubepki did not write (kube-public/cluster-info, the pods' kube-root-ca.crt). Per phase, each
// client's requests and failures are counted: none may fail. After the cluster CA's finish, the
// old CA's client certificate is refused by every apiserver and the controller-manager signs a CSR
// with the new CA; after the etcd CA's, every etcd member refuses the old etcd CA's client certificate.
// The service-account pair's rotation needs no manifest edit: sa.pub holds both public keys while it
// runs and the real apiserver's --service-account-key-file=/etc/kubernetes/pki/sa.pub reads every
// key in it; the token made before the rotation is made again after issue, as issue's steps say
// (the client then reads it anew); after finish every apiserver refuses the token made before the
// rotation (401) and accepts the one made after issue; the static-pod manifests are byte for byte
// as kubeadm wrote them.
//
// STAND-INS: the lab has no container runtime, so the kubelet's static-pod mechanism and crictl
// are stood in for (test/helpers/static-pods.mjs: a supervisor per node that starts, restarts and
// stops what /etc/kubernetes/manifests says, and a crictl answering `ps` and `exec` from it), and
// `systemctl restart kubelet` restarts the lab's kubelet stand-in (kubelet-standin.mjs: its
// serving certificate on 10250, healthz on 10248). Everything else is real: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler (the built binaries), the static pod
// manifests kubeadm itself wrote from kubepki's configuration, kubepki's files and printed steps.
// Not run: the printed ssh steps for the kubelets that joined by TLS bootstrap (cp2's and
// worker1's kubelet.conf, and in issue their client certificates signed anew): the lab's kubelets
// are stand-ins that neither bootstrap nor read kubelet.conf.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {boot, type Booted} from '../helpers/control-plane.js';
import {RotationProof} from '../helpers/rotation-proof.js';
import {kubepki, ROOT} from '../helpers/run.js';

const CONFIG = `
apiVersion: kubepki/v1
kind: Cluster
name: rotating
endpoint: { host: server.kubernetes.local, port: 6443 }
network: { serviceCIDR: 10.96.0.0/12, clusterDomain: cluster.local }
nodes:
  - { name: cp1, ip: 192.168.63.21, roles: [control-plane, etcd] }
  - { name: cp2, ip: 192.168.63.22, roles: [control-plane, etcd] }
  - { name: etcd3, ip: 192.168.63.24, roles: [etcd] }
  - { name: worker1, ip: 192.168.63.23, roles: [worker] }
pki: { authorities: kubeadm, key: ecdsa-p256, layout: kubeadm }
kubeadm: { flow: shared-ca }
`;
const LB = {name: 'lb', ip: '192.168.63.20', aliases: ['server.kubernetes.local'], port: 6443};
const CONTROL_PLANES = ['cp1', 'cp2'];
const KUBELETS = ['cp1', 'cp2', 'worker1'];
const CM_MANIFEST = '/etc/kubernetes/manifests/kube-controller-manager.yaml';

describe('CA rotation without downtime on a real control plane (kubeadm: 2 apiservers behind a /readyz-checking balancer, 3 etcd members, 1 worker; static pods and crictl stood in for)', () => {
  let c: Booted;
  let proof: RotationProof;

  beforeAll(async () => {
    c = await boot({config: CONFIG, endpoint: LB, staticPods: true});
    proof = new RotationProof(c, LB, CONTROL_PLANES);
    await proof.startBalancer();
    // A worker's /etc/kubernetes/pki/ca.crt (its kubelet's clientCAFile) is what kubeadm join
    // wrote from cluster-info: the cluster CA. The lab's worker never joined: it gets that file.
    const workerCa = join(proof.disk('worker1'), 'etc/kubernetes/pki/ca.crt');
    mkdirSync(dirname(workerCa), {recursive: true});
    copyFileSync(proof.caFile(), workerCa);
    // The kubelet identity: system:node:cp1, the kubelet.conf kubepki wrote for the init node (the
    // other kubelets bootstrap). Its Node object, made by that identity as a kubelet registers.
    const cp1KubeletConf = join(proof.disk('cp1'), 'etc/kubernetes/kubelet.conf');
    const registered = c.kubectl('cp1', '/etc/kubernetes/kubelet.conf')(['create', '-f', '-'], {input: JSON.stringify({
      apiVersion: 'v1', kind: 'Node', metadata: {name: 'cp1'},
      status: {addresses: [{type: 'InternalIP', address: c.manifest.nodes.cp1!.ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10250}}},
    })});
    expect(registered.status, registered.stderr).toBe(0);
    // The kubelets: stand-ins serving 10250 (the node's kubelet serving certificate, clients of the cluster CA) and healthz on 10248.
    // cp1's also polls with its identity, read once when it starts, as a kubelet reads kubelet.conf;
    // through the endpoint (kubeadm points a control-plane kubelet at its own apiserver, which every
    // phase restarts: a real kubelet retries that; through the balancer the poll measures the identity).
    for (const n of KUBELETS) {
      proof.services.set(`${n}/kubelet`, {running: [], start: () => {
        const kubelet = c.lab.start(n, [process.execPath, join(ROOT, 'test/helpers/kubelet-standin.mjs'),
          '/var/lib/kubelet/pki/kubelet.crt', '/var/lib/kubelet/pki/kubelet.key', '/etc/kubernetes/pki/ca.crt', c.manifest.nodes[n]!.ip, '10250', '10248'], proof.disk(n));
        if (n !== 'cp1') return [kubelet];
        const identity = join(proof.clients, 'cp1-kubelet.conf');
        writeFileSync(identity, readFileSync(cp1KubeletConf, 'utf8').replace(/^( *server: ).*$/m, `$1https://${LB.aliases[0]}:${LB.port}`), {mode: 0o600});
        const poller = proof.poll('kubelet', 'kubelet cp1 (system:node:cp1, kubelet.conf): GET /api/v1/nodes/cp1', 'worker1', proof.pollerArgv('once', identity, '/api/v1/nodes/cp1'));
        return [kubelet, poller.instances.at(-1)! as typeof kubelet];
      }});
      proof.services.get(`${n}/kubelet`)!.running = proof.services.get(`${n}/kubelet`)!.start();
    }
    await proof.startClients('worker1');
    // The admin: admin.conf as cp1 has it, handed over after each phase (as the operator copies it).
    proof.handOver(join(proof.disk('cp1'), 'etc/kubernetes/admin.conf'), join(proof.clients, 'admin.conf'));
    proof.poll('admin', 'kubernetes-admin (admin.conf): GET /api/v1/nodes', 'worker1', proof.pollerArgv('reload', join(proof.clients, 'admin.conf'), '/api/v1/nodes'));
    await proof.clientsGoing();
  }, 900_000);
  afterAll(async () => {
    if (proof) console.log(proof.report());
    await c?.down();
  }, 120_000);

  /**
   * The manifest edit the phase's report asks for before the controller-manager restarts, done as
   * an operator would on each control-plane node: the flag set in a copy beside, moved over the
   * manifest (the kubelet then restarts the pod), and (finish) the file it no longer reads removed.
   */
  async function signingFlag(stdout: string) {
    const set = /set --cluster-signing-cert-file=(\S+) in \/etc\/kubernetes\/manifests\/kube-controller-manager\.yaml on each control-plane node/.exec(stdout)
      ?? /set --cluster-signing-cert-file back to (\S+) \(one certificate again\) in \/etc\/kubernetes\/manifests\/kube-controller-manager\.yaml on each control-plane node; then remove (\S+) there/.exec(stdout);
    expect(set, stdout).not.toBeNull();
    const [, path, remove] = set!;
    for (const node of CONTROL_PLANES) {
      const edit = await proof.runOn(node, `sed 's#--cluster-signing-cert-file=.*#--cluster-signing-cert-file=${path}#' ${CM_MANIFEST} > /etc/kubernetes/kcm.yaml.edited && mv /etc/kubernetes/kcm.yaml.edited ${CM_MANIFEST}${remove ? ` && rm ${remove}` : ''}`);
      expect(edit.status, edit.stderr).toBe(0);
      expect(readFileSync(join(proof.disk(node), CM_MANIFEST), 'utf8')).toContain(`--cluster-signing-cert-file=${path}`);
    }
    proof.timings.push(`  by hand, as the report says: --cluster-signing-cert-file=${path} in ${CM_MANIFEST} on ${CONTROL_PLANES.join(', ')}${remove ? `; ${remove} removed` : ''}`);
  }

  /**
   * The printed steps for the trust kubepki did not write, run as printed with kubectl as the
   * cluster admin (on cp1, admin.conf): every line but the ssh steps for the kubelets that joined
   * by TLS bootstrap (see the header).
   */
  async function outsideSteps(stdout: string) {
    const block = stdout.slice(stdout.indexOf('# Then the trust kubepki did not write'));
    expect(block.length, stdout).toBeGreaterThan(0);
    const lines = block.split('\n').filter(l => l && !l.startsWith('#'));
    const ssh = lines.filter(l => l.startsWith('ssh '));
    const script = join(proof.work, `outside-${Date.now()}.sh`);
    writeFileSync(script, ['set -euo pipefail', 'export KUBECONFIG=/etc/kubernetes/admin.conf', ...lines.filter(l => !l.startsWith('ssh '))].join('\n') + '\n');
    const r = await proof.runOn('cp1', `bash ${script}`);
    expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
    proof.timings.push(`  printed kubectl steps for the trust outside OUT: ${lines.length - ssh.length} lines run${r.stdout.trim() ? ` (said: ${r.stdout.trim().replace(/\n/g, '; ')})` : ''}; not run: ${ssh.length} ssh steps for ${ssh.map(l => /^ssh \S+@(\S+)/.exec(l)?.[1]).join(', ')}`);
    return r.stdout;
  }

  /** The printed steps outside OUT, then kube-public/cluster-info holds the cluster CA file as it is now. */
  async function clusterInfoFollows(stdout: string) {
    await outsideSteps(stdout);
    const info = c.admin(['-n', 'kube-public', 'get', 'configmap', 'cluster-info', '-o', 'jsonpath={.data.kubeconfig}']);
    expect(info.stdout).toContain(Buffer.from(readFileSync(proof.caFile())).toString('base64'));
  }

  it('cluster CA: start, issue, finish, each followed by the printed steps: no client request fails; then the old CA\'s certificate is refused and the controller-manager signs with the new CA', async () => {
    const oldAdmin = proof.keep('admin', 'admin-old');
    const handAdmin = () => proof.handOver(join(proof.disk('cp1'), 'etc/kubernetes/admin.conf'), join(proof.clients, 'admin.conf'));

    const started = await proof.phase('ca start', ['start', 'ca'], {
      beforeRestarts: async stdout => { handAdmin(); await signingFlag(stdout); },
      afterRestarts: clusterInfoFollows,
    });
    expect(started.steps.stages.map(s => s.component)).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet']);
    // Every restart of a static pod went through its manifest: each apiserver runs a container started after start's files.
    for (const node of CONTROL_PLANES) expect(c.staticPods!.running(node, 'kube-apiserver')).toHaveLength(1);

    const issued = await proof.phase('ca issue', ['issue'], {beforeRestarts: () => handAdmin(), afterRestarts: async stdout => { await outsideSteps(stdout); }});
    expect(issued.stdout).toContain('keep the flag as start set it');

    const finished = await proof.phase('ca finish', ['finish'], {
      beforeRestarts: async stdout => { handAdmin(); await signingFlag(stdout); },
      afterRestarts: clusterInfoFollows,
    });
    expect(finished.stdout).toContain(`Then: kubepki verify ${c.out}`);
    const verified = kubepki(['verify', c.out]);
    expect(verified.status, verified.stdout).toBe(0);
    const oldCa = readFileSync(join(proof.work, 'ca-old.crt'), 'utf8').trim();
    expect(readFileSync(proof.caFile(), 'utf8')).not.toContain(oldCa);
    for (const node of CONTROL_PLANES) {
      expect(readFileSync(join(proof.disk(node), 'etc/kubernetes/pki/ca.crt'), 'utf8')).not.toContain(oldCa);
      expect(readFileSync(join(proof.disk(node), CM_MANIFEST), 'utf8')).toContain('--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt');
    }

    // The old CA: its certificates are refused by every apiserver, which trusts the new CA alone; the controller-manager (its flag back on ca.crt) signs with the new CA.
    await proof.expectOldCaRefused(oldAdmin);
    proof.noFailureSoFar();
  }, 900_000);

  it('etcd CA: start, issue, finish, the etcd members\' static pods one at a time (their gate through crictl exec) and the apiservers after them: no client request fails; then etcd refuses the old CA\'s client certificate', async () => {
    const oldClient = proof.keep('apiserver-etcd-client', 'etcd-client-old');
    const started = await proof.phase('etcd-ca start', ['start', 'etcd-ca']);
    expect(started.steps.stages.map(s => s.component)).toEqual(['etcd', 'kube-apiserver']);
    expect(started.steps.stages[0]!.restarts.map(r => r.node)).toEqual(['cp1', 'cp2', 'etcd3']);
    expect(started.steps.stages[0]!.restarts[0]!.commands.join('\n')).toMatch(/crictl exec \$\(crictl ps -q --name \^etcd\$ --state running \| head -n 1\) etcdctl /);
    await proof.phase('etcd-ca issue', ['issue']);
    await proof.phase('etcd-ca finish', ['finish']);
    for (const node of ['cp1', 'cp2', 'etcd3']) {
      // Each member's static pod was stopped and started by the steps in each of the three phases.
      expect(c.staticPods!.containers(node).filter(x => x.name === 'etcd').length).toBeGreaterThanOrEqual(4);
      expect(c.staticPods!.running(node, 'etcd')).toHaveLength(1);
    }
    proof.expectOldEtcdCaRefused(['cp1', 'cp2', 'etcd3'], oldClient);
    proof.noFailureSoFar();
  }, 900_000);

  it('service-account key pair: start, issue, finish with the printed steps (sa.pub holds both keys, the manifests untouched), the token made before the rotation replaced as issue\'s steps say: no client request fails; then a token signed by the old key is refused', async () => {
    const pki = (node: string, file: string) => join(proof.disk(node), 'etc/kubernetes/pki', file);
    const manifest = (node: string, component: string) => readFileSync(join(proof.disk(node), `etc/kubernetes/manifests/${component}.yaml`), 'utf8');
    const components = ['kube-apiserver', 'kube-controller-manager'];
    const manifestsBefore = CONTROL_PLANES.map(node => components.map(x => manifest(node, x)));
    const apiserverStarts = (node: string) => c.staticPods!.containers(node).filter(x => x.name === 'kube-apiserver').length;
    const startsBefore = CONTROL_PLANES.map(apiserverStarts);
    const publicKeys = (node: string) => (readFileSync(pki(node, 'sa.pub'), 'utf8').match(/-----BEGIN PUBLIC KEY-----/g) ?? []).length;
    const oldPub = readFileSync(pki('cp1', 'sa.pub'), 'utf8').trim();
    // Each phase's sa.pub on the control-plane nodes: both public keys while the rotation runs, the signing one first.
    const saPub = (keys: number, first: 'old' | 'new') => ({afterRestarts: () => {
      for (const node of CONTROL_PLANES) {
        expect(publicKeys(node), node).toBe(keys);
        expect(readFileSync(pki(node, 'sa.pub'), 'utf8').startsWith(oldPub), node).toBe(first === 'old');
      }
    }});
    const {started, issued, finished, removedOn} = await proof.rotateServiceAccount({start: saPub(2, 'old'), issue: saPub(2, 'new'), finish: saPub(1, 'new')});
    expect(started.stdout).toContain('the static-pod manifests stay as kubeadm wrote them');
    expect(started.steps.stages.map(s => s.component)).toEqual(['kube-apiserver']);
    expect(issued.steps.stages.map(s => s.component)).toEqual(['kube-apiserver', 'kube-controller-manager']);
    expect(finished.steps.stages.map(s => s.component)).toEqual(['kube-apiserver']);
    // sa.pub is the file the apiserver checks tokens with: no extra key file, nothing to remove.
    expect(removedOn).toEqual([]);
    CONTROL_PLANES.forEach((node, i) => {
      expect(components.map(x => manifest(node, x)), node).toEqual(manifestsBefore[i]);
      // Each phase restarted the node's apiserver through its manifest.
      expect(apiserverStarts(node), node).toBeGreaterThanOrEqual(startsBefore[i]! + 3);
      expect(c.staticPods!.running(node, 'kube-apiserver')).toHaveLength(1);
    });
    proof.noFailureSoFar();
  }, 900_000);
});
