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
// (The kubeadm layout is not run here: its restarts go through the kubelet's static pods and a
// container runtime (crictl in the printed gates), which the lab does not have.)
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {execFileSync} from 'node:child_process';
import {copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {boot, json, type Booted} from '../helpers/control-plane.js';
import {bin} from '../helpers/k8s.js';
import {realKubectl, requireCommand, waitFor, type Started} from '../helpers/processes.js';
import {kubepki, openssl, ROOT, runAsync} from '../helpers/run.js';
import {signUserCsr} from '../controlplane/checks.js';
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
const POLL_MS = '250';

interface RestartJson {
  stages: {component: string; order: string; restarts: {node: string; commands: string[]; check: string}[]}[];
}

/** One client through the endpoint: its processes (a kubelet's is restarted with the kubelet), counted together. */
class Poller {
  readonly instances: Started[] = [];
  private readonly failed = new Set<string>();
  constructor(readonly name: string) {}
  counts() {
    let requests = 0;
    let failures = 0;
    for (const p of this.instances) {
      const last = [...p.output().matchAll(/^count (\d+) (\d+)$/gm)].at(-1);
      requests += Number(last?.[1] ?? 0);
      failures += Number(last?.[2] ?? 0);
    }
    return {requests, failures};
  }
  /** Every failure line seen so far (read often: a process keeps only the tail of its output). */
  failures(): string[] {
    for (const p of this.instances) for (const m of p.output().matchAll(/^FAILED .*$/gm)) this.failed.add(m[0]);
    return [...this.failed];
  }
}

describe('CA rotation without downtime on a real control plane (hard way: 2 apiservers behind a /readyz-checking balancer, 3 etcd members, 1 worker)', () => {
  let c: Booted;
  let work: string;
  const disk = (node: string) => join(c.lab.dir, 'disk', node);
  const distribute = () => { for (const node of Object.keys(c.manifest.nodes)) cpSync(c.bundle(node), disk(node), {recursive: true}); };
  /** The lab's systemd: what runs each unit on each node, and how to start it again. */
  const services = new Map<string, {start: (work?: string) => (Started & {work: string})[]; running: (Started & {work: string})[]}>();
  const pollers = {user: new Poller('user alice: kubectl get nodes'), kubelet: new Poller('kubelet worker1 (system:node:worker1): GET /api/v1/nodes/worker1'), token: new Poller('service-account token rotation-probe/prober: GET /api/v1/nodes')};
  const phases: {phase: string; seconds: number; counts: Record<string, {requests: number; failures: number}>; failed: string[]}[] = [];
  const timings: string[] = [];
  let balancer: Started;
  let shellBin: string;
  /** Where the clients keep what they were handed: the user's kubeconfig, the pod's token kubeconfig, the balancer's CA. */
  const clients = () => join(c.lab.dir, 'clients');
  const caFile = () => join(c.out, c.manifest.authorities.find(a => a.id === 'ca')!.cert);
  const etcdCaFile = () => join(c.out, c.manifest.authorities.find(a => a.id === 'etcd-ca')!.cert);

  const pollerArgv = (mode: string, file: string, target: string) =>
    ['env', `KUBECACHEDIR=${c.lab.dir}/kube-cache`, process.execPath, join(ROOT, 'test/helpers/identity-poller.mjs'), mode, file, target, POLL_MS];

  beforeAll(async () => {
    c = await boot({config: CONFIG, endpoint: LB});
    work = join(c.lab.dir, 'work');
    mkdirSync(work);
    mkdirSync(clients());
    mkdirSync(join(c.lab.dir, 'disk'));
    distribute();
    // The boot's plain TCP forwarder gives way to the health-checking balancer. It checks the
    // apiservers' certificates against the cluster CA: the operator hands it each phase's
    // trust file, as every other client of the apiservers gets it (refreshBalancerTrust).
    await c.processes.get('lb/forwarder')!.stop();
    copyFileSync(caFile(), join(clients(), 'balancer-ca.crt'));
    balancer = c.lab.start('lb', [process.execPath, join(ROOT, 'test/helpers/readyz-balancer.mjs'), LB.ip, String(LB.port), join(clients(), 'balancer-ca.crt'), '500',
      ...CONTROL_PLANES.map(n => `${c.manifest.nodes[n]!.ip}:6443`)]);
    await waitFor('the balancer to see both apiservers up', () => (balancer.output().match(/ UP /g) ?? []).length === 2, 60_000);

    // The units the boot started; the kubelets and kube-proxies are stand-ins (no container runtime here).
    for (const [key, p] of c.processes) {
      const [node, component] = key.split('/') as [string, string];
      if (!UNITS.has(component)) continue;
      services.set(key, {running: [p as Started & {work: string}], start: w => {
        const {binary, args} = parseUnit(readFileSync(join(disk(node), 'etc/systemd/system', `${component}.service`), 'utf8'));
        expect(binary).toBe(`/usr/local/bin/${component}`);
        return [c.lab.start(node, [bin(component), ...args], disk(node), w)];
      }});
    }

    // RBAC for the clients: the user's group and the service account may read nodes.
    const rbac = c.admin(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'List', items: [
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'rotation-probe'}},
      {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'prober', namespace: 'rotation-probe'}},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'rotation-probe-nodes'}, rules: [{apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list']}]},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: {name: 'rotation-probe-nodes'},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rotation-probe-nodes'},
        subjects: [{kind: 'Group', name: 'kubepki-devs', apiGroup: 'rbac.authorization.k8s.io'}, {kind: 'ServiceAccount', name: 'prober', namespace: 'rotation-probe'}]},
    ]})});
    expect(rbac.status, rbac.stderr).toBe(0);
    // worker1's Node, registered with its kubelet's own identity.
    const node = c.kubectl('worker1', '/var/lib/kubelet/kubeconfig')(['create', '-f', '-'], {input: JSON.stringify({
      apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker1'},
      status: {addresses: [{type: 'InternalIP', address: c.manifest.nodes.worker1!.ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10250}}},
    })});
    expect(node.status, node.stderr).toBe(0);

    // The user, made before the rotation; the user keeps a copy of the kubeconfig kubepki handed out.
    const user = kubepki(['user', 'add', 'alice', '--group', 'kubepki-devs', '--out', c.out]);
    expect(user.status, user.stderr).toBe(0);
    copyFileSync(join(c.out, 'users/alice/alice.conf'), join(clients(), 'alice.conf'));
    copyFileSync(join(c.out, 'users/alice/alice.conf'), join(work, 'alice-before.conf'));
    // The service account's token, made before the rotation, and the ca.crt a pod gets (kube-root-ca.crt).
    const token = c.admin(['create', 'token', 'prober', '-n', 'rotation-probe', '--duration=2h']);
    expect(token.status, token.stderr).toBe(0);
    writeFileSync(join(work, 'prober.token'), token.stdout.trim());
    await refreshPodCa();
    // The old CAs, kept by the test for the checks after finish.
    for (const id of ['ca', 'etcd-ca']) {
      const a = c.manifest.authorities.find(x => x.id === id)!;
      copyFileSync(join(c.out, a.cert), join(work, `${id}-old.crt`));
      copyFileSync(join(c.out, a.key), join(work, `${id}-old.key`));
    }

    // kubelets (stand-ins serving 10250 and healthz on 10248; worker1's also polls with its identity) and kube-proxies (healthz on 10256).
    for (const n of KUBELETS) {
      const ip = c.manifest.nodes[n]!.ip;
      services.set(`${n}/kubelet`, {running: [], start: () => [
        c.lab.start(n, [process.execPath, join(ROOT, 'test/helpers/kubelet-standin.mjs'), '/var/lib/kubelet/kubelet.crt', '/var/lib/kubelet/kubelet.key', '/var/lib/kubelet/ca.crt', ip, '10250', '10248'], disk(n)),
        ...(n === 'worker1' ? [c.lab.start(n, pollerArgv('once', '/var/lib/kubelet/kubeconfig', '/api/v1/nodes/worker1'), disk(n))] : []),
      ]});
      services.set(`${n}/kube-proxy`, {running: [], start: () => [c.lab.start(n, [process.execPath, '-e',
        'require("node:http").createServer((q, s) => s.end("ok")).listen(10256, "127.0.0.1")'], disk(n))]});
    }
    for (const key of [...services.keys()].filter(k => /kubelet|kube-proxy/.test(k))) {
      const s = services.get(key)!;
      s.running = s.start();
      if (key === 'worker1/kubelet') pollers.kubelet.instances.push(s.running[1]!);
    }

    // The user's kubectl and the pod's client, on worker1.
    pollers.user.instances.push(c.lab.start('worker1', pollerArgv('kubectl', join(clients(), 'alice.conf'), realKubectl())));
    pollers.token.instances.push(c.lab.start('worker1', pollerArgv('reload', join(clients(), 'prober.conf'), '/api/v1/nodes')));

    shellBin = join(c.lab.dir, 'shell-bin');
    mkdirSync(shellBin);
    writeFileSync(join(shellBin, 'kubectl'), `#!/bin/sh\nexec ${realKubectl()} --cache-dir=${c.lab.dir}/kube-cache --request-timeout=20s "$@"\n`, {mode: 0o755});
    requireCommand('etcdctl', 'etcd-client');
    await waitFor('every client to get going', () => Object.values(pollers).every(p => p.counts().requests >= 5), 60_000);
    const none = Object.values(pollers).map(p => [p.name, p.failures()]);
    expect(none).toEqual(Object.values(pollers).map(p => [p.name, []]));
  }, 600_000);
  afterAll(async () => {
    console.log([...timings, '', ...phases.map(p => `${p.phase} (${p.seconds} s): ${Object.entries(p.counts).map(([k, v]) => `${k} ${v.requests} requests, ${v.failures} failed`).join('; ')}`)].join('\n'));
    await c?.down();
  }, 120_000);

  /** The pod's ca.crt: kube-root-ca.crt of its namespace (the controller-manager publishes --root-ca-file there; the kubelet refreshes the projected file). */
  async function refreshPodCa() {
    let ca = '';
    await waitFor('kube-root-ca.crt to hold the cluster CA file', () => {
      const r = c.admin(['get', 'configmap', 'kube-root-ca.crt', '-n', 'rotation-probe', '-o', 'jsonpath={.data.ca\\.crt}']);
      ca = r.stdout;
      return r.status === 0 && ca.trim() === readFileSync(caFile(), 'utf8').trim();
    }, 120_000, 1000);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    writeFileSync(join(clients(), 'prober.conf'), JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'pod',
      clusters: [{name: 'c', cluster: {server: `https://${LB.aliases[0]}:${LB.port}`, 'certificate-authority-data': b64(ca)}}],
      users: [{name: 'prober', user: {token: readFileSync(join(work, 'prober.token'), 'utf8')}}],
      contexts: [{name: 'pod', context: {cluster: 'c', user: 'prober'}}],
    }), {mode: 0o600});
  }

  /** `systemctl restart COMPONENT` on a node: SIGTERM, a graceful stop (bounded as systemd's TimeoutStopSec), started again on the same disk. */
  async function systemctlRestart(node: string, component: string) {
    const service = services.get(`${node}/${component}`);
    expect(service, `nothing runs ${component} on ${node} in the lab`).toBeDefined();
    const t0 = Date.now();
    await Promise.all(service!.running.map(async p => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      const exited = new Promise<void>(resolve => p.child.once('exit', () => resolve()));
      process.kill(p.child.pid!, 'SIGTERM');
      const timer = setTimeout(() => { try { process.kill(p.child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 90_000);
      await exited;
      clearTimeout(timer);
    }));
    service!.running = service!.start(service!.running[0]?.work);
    if (node === 'worker1' && component === 'kubelet') pollers.kubelet.instances.push(service!.running[1]!);
    timings.push(`  ${node} ${component}: stopped and started in ${Date.now() - t0} ms`);
  }

  /**
   * One phase: `kubepki rotate OUT ...args`, the files onto the nodes and to the clients that hold
   * a copy, then every printed restart step on its node; the clients' counts for the phase.
   */
  async function phase(label: string, args: string[]): Promise<{stdout: string; steps: RestartJson}> {
    const before = Object.fromEntries(Object.entries(pollers).map(([k, p]) => [k, p.counts()]));
    const failedBefore = Object.values(pollers).flatMap(p => p.failures());
    const t0 = Date.now();
    const r = kubepki(['rotate', c.out, ...args]);
    expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
    timings.push(`${label}: kubepki rotate ${args.join(' ')} in ${Date.now() - t0} ms`);
    const steps = JSON.parse(execFileSync('bash', [join(c.out, 'restart.sh'), '--json'], {encoding: 'utf8', timeout: 30_000})) as RestartJson;
    for (const line of steps.stages.flatMap(s => s.restarts.flatMap(x => x.commands))) expect(r.stdout).toContain(line);
    distribute();
    // What the clients hold: the user's kubeconfig as kubepki rewrote it, the balancer's trust.
    copyFileSync(join(c.out, 'users/alice/alice.conf'), join(clients(), 'alice.conf'));
    copyFileSync(caFile(), join(clients(), 'balancer-ca.crt'));
    const env = ['env', '-u', 'KUBECONFIG', `PATH=${shellBin}:${process.env.PATH}`];
    for (const stage of steps.stages) {
      for (const {node, commands} of stage.restarts) {
        for (const command of commands) {
          const restart = /^(?:sudo )?systemctl restart (\S+)$/.exec(command);
          if (restart) { await systemctlRestart(node, restart[1]!); continue; }
          // The lab's systemd reads the unit when it starts one: a daemon-reload has nothing to do.
          if (/^(?:sudo )?systemctl daemon-reload$/.test(command)) continue;
          expect(command).not.toMatch(/systemctl/);
          const [cmd, ...rest] = c.lab.argv(node, [...env, 'sh', '-c', command], disk(node));
          const gate = await runAsync(cmd!, rest, {timeout: 180_000});
          const logs = services.get(`${node}/${stage.component}`)?.running.map(p => p.output().slice(-3000)).join('\n');
          expect(gate.status, `${node}: ${command}\n${gate.stderr}\n${logs}`).toBe(0);
        }
      }
    }
    await refreshPodCa();
    // A little more traffic after the last restart, through the new state.
    const done = Object.fromEntries(Object.entries(pollers).map(([k, p]) => [k, p.counts().requests]));
    await waitFor('more requests after the restarts', () => Object.entries(pollers).every(([k, p]) => p.counts().requests >= done[k]! + 4), 60_000);
    const counts = Object.fromEntries(Object.entries(pollers).map(([k, p]) => {
      const now = p.counts();
      return [k, {requests: now.requests - before[k]!.requests, failures: now.failures - before[k]!.failures}];
    }));
    const failed = Object.values(pollers).flatMap(p => p.failures()).filter(f => !failedBefore.includes(f));
    phases.push({phase: label, seconds: Math.round((Date.now() - t0) / 1000), counts, failed});
    timings.push(`${label}: ${JSON.stringify(counts)}`);
    expect(failed, balancer.output().split('\n').filter(l => /UP|DOWN|failed|no healthy/.test(l)).join('\n')).toEqual([]);
    for (const [k, v] of Object.entries(counts)) {
      expect(v.failures, k).toBe(0);
      expect(v.requests, k).toBeGreaterThan(4);
    }
    return {stdout: r.stdout, steps};
  }

  /** A curl on a lab host, with files the test holds; its answer (stdout + stderr). */
  const curl = (host: string, args: string[]) => c.lab.run(host, ['curl', '-sS', '--max-time', '20', ...args], {timeout: 40_000});
  const subjectOf = (file: string) => openssl(['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']).stdout.trim().replace(/^subject=/, '');
  /** A certificate and key of `id` as OUT holds them now, kept by the test under `as`. */
  function keep(id: string, as: string): {cert: string; key: string} {
    const x = c.manifest.certificates.find(y => y.id === id && !y.node)!;
    const kept = {cert: join(work, `${as}.crt`), key: join(work, `${as}.key`)};
    copyFileSync(join(c.out, x.cert), kept.cert);
    copyFileSync(join(c.out, x.key), kept.key);
    return kept;
  }

  /** Over the whole run so far (between phases too): no client saw a failed request. */
  const noFailureSoFar = () => expect(Object.fromEntries(Object.values(pollers).map(p => [p.name, p.failures()]))).toEqual(Object.fromEntries(Object.values(pollers).map(p => [p.name, []])));

  it('cluster CA: start, issue, finish, each followed by the printed steps: no client request fails', async () => {
    const oldAdmin = keep('admin', 'admin-old');
    const started = await phase('ca start', ['start', 'ca']);
    expect(started.steps.stages.map(s => s.component)).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']);
    await phase('ca issue', ['issue']);
    const finished = await phase('ca finish', ['finish']);
    expect(finished.stdout).toContain(`Then: kubepki verify ${c.out}`);
    const verified = kubepki(['verify', c.out]);
    expect(verified.status, verified.stdout).toBe(0);
    expect(readFileSync(caFile(), 'utf8')).not.toContain(readFileSync(join(work, 'ca-old.crt'), 'utf8').trim());

    // The old CA: its certificates are refused by every apiserver, which trusts the new CA alone.
    for (const node of CONTROL_PLANES) {
      const url = `https://${c.manifest.nodes[node]!.ip}:6443/api/v1/nodes`;
      const refused = curl('worker1', ['-o', '/dev/null', '-w', '%{http_code}', '--cacert', caFile(), '--cert', oldAdmin.cert, '--key', oldAdmin.key, url]);
      expect(refused.stdout, refused.stderr).toBe('401');
      const now = keep('admin', 'admin-new');
      const accepted = curl('worker1', ['-o', '/dev/null', '-w', '%{http_code}', '--cacert', caFile(), '--cert', now.cert, '--key', now.key, url]);
      expect(accepted.stdout, accepted.stderr).toBe('200');
    }
    // The user's kubeconfig from before the rotation: refused (it trusts the old CA alone, and its certificate is the old CA's).
    const before = c.kubectl('worker1', join(work, 'alice-before.conf'))(['get', 'nodes']);
    expect(before.status).not.toBe(0);
    expect(before.stderr).toMatch(/x509: certificate signed by unknown authority/);
    timings.push(`after ca finish, alice's kubeconfig from before the rotation: ${before.stderr.trim()}`);
    // The controller-manager signs a new CSR with the new CA.
    const signed = await signUserCsr(c, 'after-ca-rotation', [], caFile());
    expect(signed.issuer).toBe(subjectOf(caFile()));
    expect(signed.issuer).not.toBe(subjectOf(join(work, 'ca-old.crt')));
    expect(signed.verified).toBe(true);
    noFailureSoFar();
  }, 900_000);

  it('etcd CA: start, issue, finish, etcd members one at a time and the apiservers after them: no client request fails; then etcd refuses the old CA\'s client certificate', async () => {
    const oldClient = keep('apiserver-etcd-client', 'etcd-client-old');
    const started = await phase('etcd-ca start', ['start', 'etcd-ca']);
    expect(started.steps.stages.map(s => s.component)).toEqual(['etcd', 'kube-apiserver']);
    expect(started.steps.stages[0]!.restarts.map(r => r.node)).toEqual(['cp1', 'cp2', 'etcd3']);
    await phase('etcd-ca issue', ['issue']);
    await phase('etcd-ca finish', ['finish']);
    const newClient = keep('apiserver-etcd-client', 'etcd-client-new');
    for (const node of ['cp1', 'cp2', 'etcd3']) {
      const url = `https://${c.manifest.nodes[node]!.ip}:2379/health`;
      // TLS 1.2: etcd checks the client certificate inside the handshake, so its refusal is the
      // handshake's alert (with TLS 1.3 it may arrive after curl's first write, as a reset).
      const refused = curl('worker1', ['--tls-max', '1.2', '--cacert', etcdCaFile(), '--cert', oldClient.cert, '--key', oldClient.key, url]);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/alert unknown ca/);
      timings.push(`after etcd-ca finish, etcd on ${node} with the old etcd CA's client certificate: ${refused.stderr.trim()}`);
      const accepted = curl('worker1', ['--cacert', etcdCaFile(), '--cert', newClient.cert, '--key', newClient.key, url]);
      expect(accepted.status, accepted.stderr).toBe(0);
      expect(json(accepted).health).toBe('true');
    }
    noFailureSoFar();
  }, 900_000);

  it('service-account key pair: start, issue, finish with the printed steps, the token made before the rotation replaced as issue\'s steps say: no client request fails; then a token signed by the old key is refused', async () => {
    const oldToken = readFileSync(join(work, 'prober.token'), 'utf8');
    /** The answer to a token: HTTP code and body. */
    const bearer = (node: string, token: string) => {
      const r = curl('worker1', ['-w', '\n%{http_code}', '--cacert', caFile(), '-H', `Authorization: Bearer ${token}`, `https://${c.manifest.nodes[node]!.ip}:6443/api/v1/nodes`]);
      const lines = r.stdout.trim().split('\n');
      return {code: lines.at(-1), body: lines.slice(0, -1).join(' '), stderr: r.stderr};
    };
    const started = await phase('service-account start', ['start', 'service-account']);
    expect(started.steps.stages.map(s => s.component)).toEqual(['kube-apiserver']);
    const issued = await phase('service-account issue', ['issue']);
    expect(issued.steps.stages.map(s => s.component)).toEqual(['kube-apiserver', 'kube-controller-manager']);
    // Issue's steps: tokens handed out of the cluster are made again (kubectl create token NAME -n NAMESPACE);
    // the pod's client reads its token file anew, as a projected token is refreshed. (The lab runs no
    // workloads: the steps' rollout restarts and token Secrets have nothing to act on here.)
    expect(issued.stdout).toContain('kubectl create token NAME -n NAMESPACE');
    const token = c.admin(['create', 'token', 'prober', '-n', 'rotation-probe', '--duration=2h']);
    expect(token.status, token.stderr).toBe(0);
    writeFileSync(join(work, 'prober.token'), token.stdout.trim());
    await refreshPodCa();
    const finished = await phase('service-account finish', ['finish']);
    // Finish's last step, as printed: the rotation's extra public keys off the nodes.
    const removals = [...finished.stdout.matchAll(/^ssh \S+@(\S+) rm -f (.+)$/gm)];
    expect(removals.map(m => m[1])).toEqual(CONTROL_PLANES);
    for (const [, node, paths] of removals) for (const path of paths!.split(' ')) rmSync(join(disk(node!), path), {force: true});
    for (const node of CONTROL_PLANES) {
      const refused = bearer(node, oldToken);
      expect(refused.code, refused.stderr).toBe('401');
      expect(refused.body).toMatch(/"reason": ?"Unauthorized"/);
      timings.push(`after service-account finish, ${node} with the token made before the rotation: HTTP ${refused.code} ${refused.body.replace(/\s+/g, ' ')}`);
      const accepted = bearer(node, token.stdout.trim());
      expect(accepted.code, accepted.stderr).toBe('200');
    }
    noFailureSoFar();
  }, 900_000);
});
