// Issue 22's proof on a real control plane (hard-way layout): two kube-apiservers behind an
// endpoint whose load balancer health-checks /readyz, a client polling through the endpoint the
// whole time, and `kubepki renew OUT apiserver` followed by exactly the restart steps it printed.
// The client sees no failed request; each apiserver then serves the new certificate. (A /readyz
// that reaches a stopping apiserver before the balancer's next check answers "[-]shutdown": the
// signal the balancer drains on, from a server still serving. The poller counts those apart.)
// Then the same for one kubelet's serving certificate, with the lab's kubelet stand-in; then for
// every leaf (`renew all`): etcd (three members, so one restarting keeps quorum), both apiservers,
// controller-managers, schedulers, and the kubelets and kube-proxies (stand-ins that present the
// serving certificate and authenticate with their kubeconfigs, as the real ones do when they start).
// (The kubeadm layout restarts static pods through the kubelet and a container runtime, which
// the lab does not have: that path is not run here.)
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {execFileSync} from 'node:child_process';
import {X509Certificate} from 'node:crypto';
import {cpSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {boot, type Booted} from '../helpers/control-plane.js';
import {bin} from '../helpers/k8s.js';
import {realKubectl, waitFor, type Started} from '../helpers/processes.js';
import {kubepki, openssl, ROOT, runAsync} from '../helpers/run.js';
import {parseUnit} from '../../source/scripts/units.js';
import {leaseHolders} from './checks.js';

const CONFIG = `
apiVersion: kubepki/v1
kind: Cluster
name: restarting
endpoint: { host: server.kubernetes.local, port: 6443 }
network: { serviceCIDR: 10.32.0.0/24, clusterDomain: cluster.local }
nodes:
  - { name: cp1, ip: 192.168.59.21, roles: [control-plane, etcd] }
  - { name: cp2, ip: 192.168.59.22, roles: [control-plane, etcd] }
  - { name: e3, ip: 192.168.59.24, roles: [etcd] }
  - { name: worker1, ip: 192.168.59.23, roles: [worker] }
pki: { authorities: single, key: ecdsa-p256, layout: hard-way }
`;
const LB = {name: 'lb', ip: '192.168.59.20', aliases: ['server.kubernetes.local'], port: 6443};
const CONTROL_PLANES = ['cp1', 'cp2'];
const ETCD_MEMBERS = ['cp1', 'cp2', 'e3'];
const UNITS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

interface RestartJson {
  stages: {component: string; order: string; restarts: {node: string; commands: string[]; check: string}[]}[];
}

describe('restart steps on a real control plane (hard way, two apiservers behind a /readyz-checking load balancer)', () => {
  let c: Booted;
  /** Each node's disk: what distribute.sh installed there (the sandbox a process starts in copies it). */
  const disk = (node: string) => join(c.lab.dir, 'disk', node);
  const distribute = () => { for (const node of Object.keys(c.manifest.nodes)) cpSync(c.bundle(node), disk(node), {recursive: true}); };
  /** What runs on each node, by `NODE/COMPONENT`; stand-ins keep the command line they restart with. */
  const running = new Map<string, {process: Started; argv?: string[]}>();
  let balancer: Started;
  /** PATH for the health gates: `kubectl` is the real one (the lab's /usr/bin/kubectl is a version dispatcher). */
  let gatePath = '';

  beforeAll(async () => {
    c = await boot({config: CONFIG, endpoint: LB});
    mkdirSync(join(c.lab.dir, 'disk'));
    distribute();
    // The boot's plain TCP forwarder gives way to the health-checking balancer.
    await c.processes.get('lb/forwarder')!.stop();
    const ca = join(c.out, c.manifest.authorities.find(a => a.id === 'ca')!.cert);
    balancer = c.lab.start('lb', [process.execPath, join(ROOT, 'test/helpers/readyz-balancer.mjs'), LB.ip, String(LB.port), ca, '500',
      ...CONTROL_PLANES.map(n => `${c.manifest.nodes[n]!.ip}:6443`)]);
    await waitFor('the balancer to see both apiservers up', () => (balancer.output().match(/ UP /g) ?? []).length === 2, 60_000);
    for (const [key, process] of c.processes) if (UNITS.includes(key.split('/')[1]!)) running.set(key, {process});
    const shim = join(c.lab.dir, 'gate-bin');
    mkdirSync(shim);
    writeFileSync(join(shim, 'kubectl'), `#!/bin/sh\nexec ${realKubectl()} --cache-dir=${c.lab.dir}/kube-cache --request-timeout=20s "$@"\n`, {mode: 0o755});
    gatePath = `${shim}:${process.env.PATH}`;
  }, 600_000);
  afterAll(async () => { await c?.down(); }, 120_000);

  /** A stand-in started on a node's disk, kept so `systemctl restart` can start it again. */
  function startStandIn(node: string, component: 'kubelet' | 'kube-proxy') {
    const ip = c.manifest.nodes[node]!.ip;
    const argv = component === 'kubelet'
      ? [process.execPath, join(ROOT, 'test/helpers/kubelet-standin.mjs'), '/var/lib/kubelet/kubelet.crt', '/var/lib/kubelet/kubelet.key', '/var/lib/kubelet/ca.crt', ip, '10250', '10248', '/var/lib/kubelet/kubeconfig']
      : [process.execPath, join(ROOT, 'test/helpers/kube-proxy-standin.mjs'), '/var/lib/kube-proxy/kubeconfig', '10256'];
    running.set(`${node}/${component}`, {argv, process: c.lab.start(node, argv, disk(node))});
  }
  const healthz = {'kubelet': /kubelet healthz on/, 'kube-proxy': /kube-proxy healthz on/};
  const waitStandIn = (node: string, component: 'kubelet' | 'kube-proxy') =>
    waitFor(`the ${component} stand-in on ${node}`, () => healthz[component].test(running.get(`${node}/${component}`)!.process.output()), 60_000)
      .catch(error => { throw new Error(`${error}\n${running.get(`${node}/${component}`)!.process.output()}`); });

  /**
   * `systemctl restart COMPONENT` on a node: SIGTERM to its PID, wait (bounded) for a graceful
   * exit, start the same command line again on the node's disk (for the control plane, the unit's
   * command line as distributed; for a stand-in, its own).
   */
  async function systemctlRestart(node: string, component: string) {
    const old = running.get(`${node}/${component}`);
    expect(old, `nothing runs ${component} on ${node} in the lab`).toBeDefined();
    const child = old!.process.child;
    const exited = new Promise<void>(resolve => { if (child.exitCode !== null || child.signalCode !== null) resolve(); else child.once('exit', () => resolve()); });
    const t0 = Date.now();
    process.kill(child.pid!, 'SIGTERM');
    // systemd's TimeoutStopSec (90 s by default) bounds a graceful stop the same way.
    const timer = setTimeout(() => { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 90_000);
    await exited;
    clearTimeout(timer);
    timings.push(`${node} ${component} stopped in ${Date.now() - t0} ms (signal ${child.signalCode ?? 'none'}, exit ${child.exitCode})`);
    if (old!.argv) {
      running.set(`${node}/${component}`, {argv: old!.argv, process: c.lab.start(node, old!.argv, disk(node))});
      return;
    }
    const unit = readFileSync(join(disk(node), `etc/systemd/system/${component}.service`), 'utf8');
    const {binary, args} = parseUnit(unit);
    expect(binary).toBe(`/usr/local/bin/${component}`);
    if (component === 'etcd') {
      // A member's data outlives its process, as on a node's disk: what it wrote under /var/lib (its
      // sandbox's overlay) is on the disk the restarted member starts from. (A member started with
      // an empty data dir would refuse to start: "member ... has already been bootstrapped".)
      const dataDir = args.find(a => a.startsWith('--data-dir='))!.slice('--data-dir='.length);
      expect(dataDir).toMatch(/^\/var\/lib\//);
      const sandbox = child.spawnargs[7]!; // ip netns exec NS sandbox.sh NODE BUNDLE WORK …
      const written = join(sandbox, 'var/lib/upper', dataDir.slice('/var/lib/'.length));
      mkdirSync(join(disk(node), dirname(dataDir)), {recursive: true});
      execFileSync('cp', ['-a', '--', written, join(disk(node), dataDir)], {timeout: 60_000});
    }
    running.set(`${node}/${component}`, {process: c.lab.start(node, [bin(component), ...args], disk(node))});
  }

  const LEASES = ['kube-controller-manager', 'kube-scheduler'];
  const leaseHolder = (lease: string) => c.admin(['get', 'lease', lease, '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}']).stdout.trim();
  /** Leader-elected restarts whose node held the lease when its process was stopped: the lease's holder then, and after the gate. */
  const leaderRestarts: {node: string; lease: string; stopped: string; afterGate?: string}[] = [];

  /** One node's commands of one stage, as printed: restarts, then the health gate run on the node. */
  async function runOn(node: string, component: string, commands: string[]) {
    const tNode = Date.now();
    for (const command of commands) {
      const restart = /^(?:sudo )?systemctl restart (\S+)$/.exec(command);
      if (restart && LEASES.includes(restart[1]!)) {
        const holder = leaseHolder(restart[1]!);
        if (holder.startsWith(`${node}_`)) leaderRestarts.push({node, lease: restart[1]!, stopped: holder});
      }
      if (restart) { await systemctlRestart(node, restart[1]!); continue; }
      expect(command).not.toMatch(/systemctl/);
      // The health gate, run on the node as printed (bounded by its own `timeout`); not
      // spawnSync: the test process must keep reading the servers' output meanwhile.
      const [cmd, ...args] = c.lab.argv(node, ['env', `PATH=${gatePath}`, 'sh', '-c', command], disk(node));
      const gate = await runAsync(cmd!, args, {timeout: 180_000});
      expect(gate.status, `${command}\n${gate.stderr}\n${running.get(`${node}/${component}`)?.process.output().slice(-3000)}`).toBe(0);
      const led = leaderRestarts.find(l => l.node === node && l.lease === component && l.afterGate === undefined);
      if (led) led.afterGate = leaseHolder(component);
    }
    timings.push(`${node} ${component}: restart and gate ${Date.now() - tNode} ms`);
  }

  /** `kubepki renew OUT NAME`, distribution of every bundle, then the printed steps run as printed; returns the steps. */
  async function renewAndRestart(name: string): Promise<RestartJson> {
    const t0 = Date.now();
    const renewed = kubepki(['renew', c.out, name]);
    expect(renewed.status, renewed.stderr).toBe(0);
    timings.push(`renew ${name}: ${Date.now() - t0} ms`);
    // The steps as printed, and as restart.sh --json gives them: the same commands.
    const steps = JSON.parse(execFileSync('bash', [join(c.out, 'restart.sh'), '--json'], {encoding: 'utf8', timeout: 30_000})) as RestartJson;
    for (const line of steps.stages.flatMap(s => s.restarts.flatMap(r => r.commands))) expect(renewed.stdout).toContain(line);
    distribute();
    for (const stage of steps.stages) {
      const tStage = Date.now();
      // One at a time: each node after the previous passed its check; batches: the nodes at once, as restart.sh runs them.
      if (stage.order === 'one-at-a-time') for (const r of stage.restarts) await runOn(r.node, stage.component, r.commands);
      else await Promise.all(stage.restarts.map(r => runOn(r.node, stage.component, r.commands)));
      timings.push(`stage ${stage.component} (${stage.order}, ${stage.restarts.length} node(s)): ${Date.now() - tStage} ms`);
    }
    return steps;
  }

  /** The serial and fingerprint of the certificate a server presents, asked on `from` with that node's files. */
  async function served(from: string, address: string, client = ''): Promise<string> {
    const [cmd, ...args] = c.lab.argv(from, ['sh', '-c', `openssl s_client -connect ${address} ${client} </dev/null 2>/dev/null | openssl x509 -noout -serial -fingerprint -sha256`], disk(from));
    const r = await runAsync(cmd!, args, {timeout: 30_000});
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  }
  const servedSerial = (node: string) => served('worker1', `${c.manifest.nodes[node]!.ip}:6443`);
  const fileSerial = (path: string) => openssl(['x509', '-in', path, '-noout', '-serial', '-fingerprint', '-sha256']).stdout.trim();
  const certFile = (id: string, node: string | null = null) => join(c.out, c.manifest.certificates.find(x => x.id === id && x.node === node)!.cert);
  const certSerial = (id: string, node: string | null = null) => new X509Certificate(readFileSync(certFile(id, node))).serialNumber;

  /** The poller: /readyz and the nodes list through the endpoint every 150 ms, on worker1. */
  async function startPoller() {
    const admin = c.manifest.certificates.find(x => x.id === 'admin')!;
    const poller = c.lab.start('worker1', [process.execPath, join(ROOT, 'test/helpers/api-poller.mjs'), `https://${LB.aliases[0]}:${LB.port}`,
      join(c.out, c.manifest.authorities.find(a => a.id === 'ca')!.cert), join(c.out, admin.cert), join(c.out, admin.key), '150']);
    const requests = () => Number(/requests (\d+)\n(?![\s\S]*requests \d+)/.exec(poller.output())?.[1] ?? 0);
    await waitFor('the poller to get going', () => requests() >= 20, 60_000);
    return {
      /** A few more seconds through the endpoint, then the poller's summary. */
      finish: async () => {
        const done = requests();
        await waitFor('more requests after the restarts', () => requests() >= done + 20, 60_000);
        await poller.stop();
        const summary = JSON.parse(/SUMMARY (.*)/.exec(poller.output())![1]!);
        timings.push(`poller: ${summary.requests} requests (${JSON.stringify(summary.byPath)}), ${summary.failures} failed, ${summary.draining} /readyz answered "shutting down" before the balancer drained that backend, over ${summary.durationMs} ms, slowest ${summary.slowestMs} ms`);
        return summary;
      },
    };
  }
  const expectDrainedAndBack = () => {
    // The balancer drained each apiserver (its /readyz failed on SIGTERM) and took it back.
    for (const node of CONTROL_PLANES) {
      const ip = c.manifest.nodes[node]!.ip.replace(/\./g, '\\.');
      expect(balancer.output()).toMatch(new RegExp(`DOWN ${ip}:6443[\\s\\S]*UP ${ip}:6443`));
    }
  };

  const timings: string[] = [];

  it('renew apiserver, distribute, run the printed restart steps: the poller through the endpoint sees no failed request, and each apiserver serves the new certificate', async () => {
    const apiserverCert = certFile('apiserver');
    const before = fileSerial(apiserverCert);
    for (const node of CONTROL_PLANES) expect(await servedSerial(node)).toBe(before);
    const poller = await startPoller();

    const steps = await renewAndRestart('apiserver');
    expect(steps.stages.map(x => x.component)).toEqual(['kube-apiserver']);
    expect(steps.stages[0]!.restarts.map(r => r.node)).toEqual(CONTROL_PLANES);
    const after = fileSerial(apiserverCert);
    expect(after).not.toBe(before);
    const summary = await poller.finish();
    console.log([...timings, balancer.output().split('\n').filter(l => /UP|DOWN|failed|no healthy/.test(l)).join('\n')].join('\n'));
    expect(summary.failed).toEqual([]);
    expect(summary.failures).toBe(0);
    expect(summary.requests).toBeGreaterThan(100);
    expect(summary.byPath['/api/v1/nodes'].requests).toBeGreaterThan(50);
    expectDrainedAndBack();
    for (const node of CONTROL_PLANES) expect(await servedSerial(node)).toBe(after);
  }, 600_000);

  // What a node's kubelet serves, as the apiserver sees it: asked from cp1 with the apiserver's kubelet client certificate.
  const kubeletServed = (node: string) => served('cp1', `${c.manifest.nodes[node]!.ip}:10250`, '-cert /var/lib/kubernetes/kube-api-server.crt -key /var/lib/kubernetes/kube-api-server.key');

  it('renew kubelet-server/worker1, distribute, run the printed steps: the apiserver reaches worker1\'s kubelet (stand-in) again, verifying its new certificate', async () => {
    const rbac = c.admin(['apply', '-f', '-'], {input: readFileSync(join(c.out, 'kube-apiserver-to-kubelet.yaml'), 'utf8')});
    expect(rbac.status, rbac.stderr).toBe(0);
    const ip = c.manifest.nodes.worker1!.ip;
    const node = c.kubectl('worker1', '/var/lib/kubelet/kubeconfig')(['create', '-f', '-'], {input: JSON.stringify({
      apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker1'},
      status: {addresses: [{type: 'InternalIP', address: ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10250}}},
    })});
    expect(node.status, node.stderr).toBe(0);
    startStandIn('worker1', 'kubelet');
    await waitStandIn('worker1', 'kubelet');

    const proxied = () => c.admin(['get', '--raw', '/api/v1/nodes/worker1/proxy/healthz']);
    const kubeletCert = certFile('kubelet-server', 'worker1');
    const before = fileSerial(kubeletCert);
    expect(await kubeletServed('worker1')).toBe(before);
    expect(proxied().stdout).toBe('ok');

    const steps = await renewAndRestart('kubelet-server/worker1');
    expect(steps.stages.map(x => x.component)).toEqual(['kubelet']);
    expect(steps.stages[0]!.restarts.map(r => r.node)).toEqual(['worker1']);
    const after = fileSerial(kubeletCert);
    expect(after).not.toBe(before);
    expect(await kubeletServed('worker1')).toBe(after);
    // The apiserver verifies the kubelet against --kubelet-certificate-authority: the new certificate passes.
    const r = proxied();
    expect(r.status, `${r.stderr}\n${running.get('worker1/kubelet')!.process.output()}`).toBe(0);
    expect(r.stdout).toBe('ok');
    console.log(timings.slice(-3).join('\n'));
  }, 300_000);

  it('renew all, distribute, run the printed restart steps (etcd, apiservers, controller-managers, schedulers, kubelets, kube-proxies): the poller sees no failed request, and every component presents or uses its new certificate', async () => {
    const nodesRunning = (component: string) => Object.keys(c.manifest.nodes).filter(n => existsSync(join(disk(n), `etc/systemd/system/${component}.service`)));
    const kubeletNodes = nodesRunning('kubelet');
    const proxyNodes = nodesRunning('kube-proxy');
    expect(kubeletNodes).toEqual(['cp1', 'cp2', 'worker1']);
    for (const n of kubeletNodes) if (!running.has(`${n}/kubelet`)) startStandIn(n, 'kubelet');
    for (const n of proxyNodes) startStandIn(n, 'kube-proxy');
    for (const n of kubeletNodes) await waitStandIn(n, 'kubelet');
    for (const n of proxyNodes) await waitStandIn(n, 'kube-proxy');
    const leases = LEASES;
    const holderBefore = await leaseHolders(c.admin, leases);

    // Every certificate a server presents, before: the files' serials.
    const etcdServed = (n: string) => served(n, `${c.manifest.nodes[n]!.ip}:2379`, '-cert /etc/etcd/etcd-healthcheck-client.crt -key /etc/etcd/etcd-healthcheck-client.key');
    const peerServed = (n: string) => served(n, `${c.manifest.nodes[n]!.ip}:2380`, '-cert /etc/etcd/etcd-peer.crt -key /etc/etcd/etcd-peer.key');
    const presented = async () => ({
      apiserver: await Promise.all(CONTROL_PLANES.map(servedSerial)),
      etcd: await Promise.all(ETCD_MEMBERS.map(etcdServed)),
      peer: await Promise.all(ETCD_MEMBERS.map(peerServed)),
      kubelet: await Promise.all(kubeletNodes.map(kubeletServed)),
    });
    const files = () => ({
      apiserver: CONTROL_PLANES.map(() => fileSerial(certFile('apiserver'))),
      etcd: ETCD_MEMBERS.map(n => fileSerial(certFile('etcd-server', n))),
      peer: ETCD_MEMBERS.map(n => fileSerial(certFile('etcd-peer', n))),
      kubelet: kubeletNodes.map(n => fileSerial(certFile('kubelet-server', n))),
    });
    const filesBefore = files();
    expect(await presented()).toEqual(filesBefore);

    const poller = await startPoller();
    const steps = await renewAndRestart('all');
    expect(steps.stages.map(x => x.component)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']);
    expect(steps.stages[0]!.restarts.map(r => r.node)).toEqual(ETCD_MEMBERS);
    const summary = await poller.finish();
    console.log([...timings, balancer.output().split('\n').filter(l => /UP|DOWN|failed|no healthy/.test(l)).join('\n')].join('\n'));
    expect(summary.failed).toEqual([]);
    expect(summary.failures).toBe(0);
    expect(summary.byPath['/api/v1/nodes'].requests).toBeGreaterThan(50);
    expectDrainedAndBack();

    // Every server presents its renewed certificate: each apiserver, each etcd member to clients and to peers, each kubelet.
    const filesAfter = files();
    for (const [what, serials] of Object.entries(filesAfter)) {
      serials.forEach((serial, i) => expect(serial, `${what} ${i}`).not.toBe(filesBefore[what as keyof typeof filesBefore][i]));
    }
    expect(await presented()).toEqual(filesAfter);
    // Every kubelet and kube-proxy authenticated with its renewed client certificate when it started again.
    const identity = (node: string, component: string) => /identity (\S+) serial (\S+)\n(?![\s\S]*identity )/.exec(running.get(`${node}/${component}`)!.process.output())?.slice(1);
    for (const n of kubeletNodes) expect(identity(n, 'kubelet')).toEqual([`system:node:${n}`, certSerial('kubelet-client', n)]);
    for (const n of proxyNodes) expect(identity(n, 'kube-proxy')).toEqual(['system:kube-proxy', certSerial('kube-proxy')]);
    // The controller-manager and scheduler hold their leases again: a holder that started after the renewal (a new identity).
    let holders: Record<string, string> = {};
    await waitFor('new leaders for the controller-manager and scheduler leases', async () => {
      holders = await leaseHolders(c.admin, leases);
      return leases.every(l => holders[l] !== holderBefore[l]);
    }, 120_000, 2000);
    for (const l of leases) expect(holders[l]).toMatch(/^cp[12]_/);
    // Each gate after a leader's restart passed only once a live leader held its lease: never while
    // the lease still named the stopped process (the controller-manager does not release it on
    // SIGTERM; a check that a holder is named passed at once, 15 s before anyone could lead).
    for (const l of leases) expect(leaderRestarts.filter(r => r.lease === l), `a restart of the ${l} leader`).not.toEqual([]);
    for (const r of leaderRestarts) expect(r.afterGate, `${r.lease} on ${r.node}: the holder after its gate`).not.toBe(r.stopped);
    timings.push(`leaders restarted: ${JSON.stringify(leaderRestarts)}`);
    timings.push(`lease holders before ${JSON.stringify(holderBefore)}, after ${JSON.stringify(holders)}`);
    console.log(timings.slice(-3).join('\n'));
  }, 900_000);
});
