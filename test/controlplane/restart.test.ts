// Issue 22's proof on a real control plane (hard-way layout): two kube-apiservers behind an
// endpoint whose load balancer health-checks /readyz, a client polling through the endpoint the
// whole time, and `kubepki renew OUT apiserver` followed by exactly the restart steps it printed.
// The client sees no failed request; each apiserver then serves the new certificate. (A /readyz
// that reaches a stopping apiserver before the balancer's next check answers "[-]shutdown": the
// signal the balancer drains on, from a server still serving. The poller counts those apart.)
// Then the same for one kubelet's serving certificate, with the lab's kubelet stand-in.
// (The kubeadm layout restarts static pods through the kubelet and a container runtime, which
// the lab does not have: that path is not run here.)
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {execFileSync} from 'node:child_process';
import {cpSync, mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {boot, type Booted} from '../helpers/control-plane.js';
import {bin} from '../helpers/k8s.js';
import {waitFor, type Started} from '../helpers/processes.js';
import {kubepki, openssl, ROOT, runAsync} from '../helpers/run.js';
import {parseUnit} from '../../source/scripts/units.js';

const CONFIG = `
apiVersion: kubepki/v1
kind: Cluster
name: restarting
endpoint: { host: server.kubernetes.local, port: 6443 }
network: { serviceCIDR: 10.32.0.0/24, clusterDomain: cluster.local }
nodes:
  - { name: cp1, ip: 192.168.59.21, roles: [control-plane, etcd] }
  - { name: cp2, ip: 192.168.59.22, roles: [control-plane, etcd] }
  - { name: worker1, ip: 192.168.59.23, roles: [worker] }
pki: { authorities: single, key: ecdsa-p256, layout: hard-way }
`;
const LB = {name: 'lb', ip: '192.168.59.20', aliases: ['server.kubernetes.local'], port: 6443};
const CONTROL_PLANES = ['cp1', 'cp2'];

interface RestartJson {
  stages: {component: string; order: string; restarts: {node: string; commands: string[]; check: string}[]}[];
}

describe('restart steps on a real control plane (hard way, two apiservers behind a /readyz-checking load balancer)', () => {
  let c: Booted;
  /** Each node's disk: what distribute.sh installed there (the sandbox a process starts in copies it). */
  const disk = (node: string) => join(c.lab.dir, 'disk', node);
  const distribute = () => { for (const node of Object.keys(c.manifest.nodes)) cpSync(c.bundle(node), disk(node), {recursive: true}); };
  const apiservers = new Map<string, Started>();
  const kubelets = new Map<string, {argv: string[]; process: Started}>();
  let balancer: Started;

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
    for (const node of CONTROL_PLANES) apiservers.set(node, c.processes.get(`${node}/kube-apiserver`)!);
  }, 600_000);
  afterAll(async () => { await c?.down(); }, 120_000);

  /**
   * `systemctl restart COMPONENT` on a node: SIGTERM to its PID, wait (bounded) for a graceful
   * exit, start the same command line again on the node's disk (for kube-apiserver, the unit's
   * command line as distributed; for the kubelet, the stand-in's).
   */
  async function systemctlRestart(node: string, component: string) {
    const old = component === 'kube-apiserver' ? apiservers.get(node) : kubelets.get(node)?.process;
    expect(old, `nothing runs ${component} on ${node} in the lab`).toBeDefined();
    const exited = new Promise<void>(resolve => old!.child.once('exit', () => resolve()));
    const t0 = Date.now();
    process.kill(old!.child.pid!, 'SIGTERM');
    // systemd's TimeoutStopSec (90 s by default) bounds a graceful stop the same way.
    const timer = setTimeout(() => { try { process.kill(old!.child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 90_000);
    await exited;
    clearTimeout(timer);
    timings.push(`${node} ${component} stopped in ${Date.now() - t0} ms (signal ${old!.child.signalCode ?? 'none'}, exit ${old!.child.exitCode})`);
    if (component === 'kubelet') {
      const argv = kubelets.get(node)!.argv;
      kubelets.set(node, {argv, process: c.lab.start(node, argv, disk(node))});
      return;
    }
    const unit = readFileSync(join(disk(node), 'etc/systemd/system/kube-apiserver.service'), 'utf8');
    const {binary, args} = parseUnit(unit);
    expect(binary).toBe('/usr/local/bin/kube-apiserver');
    apiservers.set(node, c.lab.start(node, [bin('kube-apiserver'), ...args], disk(node)));
  }

  /** `kubepki renew OUT ID`, distribution of every bundle, then the printed steps run as printed; returns the steps. */
  async function renewAndRestart(id: string): Promise<RestartJson> {
    const t0 = Date.now();
    const renewed = kubepki(['renew', c.out, id]);
    expect(renewed.status, renewed.stderr).toBe(0);
    timings.push(`renew ${id}: ${Date.now() - t0} ms`);
    // The steps as printed, and as restart.sh --json gives them: the same commands.
    const steps = JSON.parse(execFileSync('bash', [join(c.out, 'restart.sh'), '--json'], {encoding: 'utf8', timeout: 30_000})) as RestartJson;
    for (const line of steps.stages.flatMap(s => s.restarts.flatMap(r => r.commands))) expect(renewed.stdout).toContain(line);
    distribute();
    for (const stage of steps.stages) {
      for (const {node, commands} of stage.restarts) {
        const tNode = Date.now();
        for (const command of commands) {
          const restart = /^(?:sudo )?systemctl restart (\S+)$/.exec(command);
          if (restart) { await systemctlRestart(node, restart[1]!); continue; }
          expect(command).not.toMatch(/systemctl/);
          // The health gate, run on the node as printed (bounded by its own `timeout`); not
          // spawnSync: the test process must keep reading the servers' output meanwhile.
          const [cmd, ...args] = c.lab.argv(node, ['sh', '-c', command], disk(node));
          const gate = await runAsync(cmd!, args, {timeout: 180_000});
          expect(gate.status, `${command}\n${gate.stderr}\n${(apiservers.get(node) ?? kubelets.get(node)?.process)?.output().slice(-3000)}`).toBe(0);
        }
        timings.push(`${node} ${stage.component}: restart and gate ${Date.now() - tNode} ms`);
      }
    }
    return steps;
  }

  /** The certificate a node's apiserver presents on its own address, asked from worker1. */
  function servedSerial(node: string): string {
    const ip = c.manifest.nodes[node]!.ip;
    const r = c.lab.run('worker1', ['sh', '-c', `openssl s_client -connect ${ip}:6443 </dev/null 2>/dev/null | openssl x509 -noout -serial -fingerprint -sha256`], {timeout: 30_000});
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  }
  const fileSerial = (path: string) => openssl(['x509', '-in', path, '-noout', '-serial', '-fingerprint', '-sha256']).stdout.trim();

  const timings: string[] = [];

  it('renew apiserver, distribute, run the printed restart steps: the poller through the endpoint sees no failed request, and each apiserver serves the new certificate', async () => {
    const apiserverCert = join(c.out, c.manifest.certificates.find(x => x.id === 'apiserver')!.cert);
    const before = fileSerial(apiserverCert);
    for (const node of CONTROL_PLANES) expect(servedSerial(node)).toBe(before);

    // The client: /readyz and the nodes list through the endpoint every 150 ms, on worker1.
    const admin = c.manifest.certificates.find(x => x.id === 'admin')!;
    const poller = c.lab.start('worker1', [process.execPath, join(ROOT, 'test/helpers/api-poller.mjs'), `https://${LB.aliases[0]}:${LB.port}`,
      join(c.out, c.manifest.authorities.find(a => a.id === 'ca')!.cert), join(c.out, admin.cert), join(c.out, admin.key), '150']);
    const requests = () => Number(/requests (\d+)\n(?![\s\S]*requests \d+)/.exec(poller.output())?.[1] ?? 0);
    await waitFor('the poller to get going', () => requests() >= 20, 60_000);

    const steps = await renewAndRestart('apiserver');
    expect(steps.stages.map(x => x.component)).toEqual(['kube-apiserver']);
    expect(steps.stages[0]!.restarts.map(r => r.node)).toEqual(CONTROL_PLANES);
    const after = fileSerial(apiserverCert);
    expect(after).not.toBe(before);
    // A few more seconds through the endpoint with both new apiservers.
    const done = requests();
    await waitFor('more requests after the restarts', () => requests() >= done + 20, 60_000);
    await poller.stop();
    const summary = JSON.parse(/SUMMARY (.*)/.exec(poller.output())![1]!);
    timings.push(`poller: ${summary.requests} requests (${JSON.stringify(summary.byPath)}), ${summary.failures} failed, ${summary.draining} /readyz answered "shutting down" before the balancer drained that backend, over ${summary.durationMs} ms, slowest ${summary.slowestMs} ms`);
    console.log([...timings, balancer.output().split('\n').filter(l => /UP|DOWN|failed|no healthy/.test(l)).join('\n')].join('\n'));
    expect(summary.failed).toEqual([]);
    expect(summary.failures).toBe(0);
    expect(summary.requests).toBeGreaterThan(100);
    expect(summary.byPath['/api/v1/nodes'].requests).toBeGreaterThan(50);
    // The balancer drained each apiserver (its /readyz failed on SIGTERM) and took it back.
    for (const node of CONTROL_PLANES) {
      const ip = c.manifest.nodes[node]!.ip;
      expect(balancer.output()).toMatch(new RegExp(`DOWN ${ip.replace(/\./g, '\\.')}:6443[\\s\\S]*UP ${ip.replace(/\./g, '\\.')}:6443`));
    }
    for (const node of CONTROL_PLANES) expect(servedSerial(node)).toBe(after);
  }, 600_000);

  it('renew kubelet-server/worker1, distribute, run the printed steps: the apiserver reaches worker1\'s kubelet (stand-in) again, verifying its new certificate', async () => {
    const rbac = c.admin(['apply', '-f', '-'], {input: readFileSync(join(c.out, 'kube-apiserver-to-kubelet.yaml'), 'utf8')});
    expect(rbac.status, rbac.stderr).toBe(0);
    const ip = c.manifest.nodes.worker1!.ip;
    const node = c.kubectl('worker1', '/var/lib/kubelet/kubeconfig')(['create', '-f', '-'], {input: JSON.stringify({
      apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker1'},
      status: {addresses: [{type: 'InternalIP', address: ip}], daemonEndpoints: {kubeletEndpoint: {Port: 10250}}},
    })});
    expect(node.status, node.stderr).toBe(0);
    const argv = [process.execPath, join(ROOT, 'test/helpers/kubelet-standin.mjs'), '/var/lib/kubelet/kubelet.crt', '/var/lib/kubelet/kubelet.key', '/var/lib/kubelet/ca.crt', ip, '10250', '10248'];
    kubelets.set('worker1', {argv, process: c.lab.start('worker1', argv, disk('worker1'))});
    await waitFor('the kubelet stand-in', () => /kubelet healthz on/.test(kubelets.get('worker1')!.process.output()), 30_000);

    // What worker1's kubelet serves, as the apiserver sees it: asked from cp1 with the apiserver's kubelet client certificate.
    const served = async () => {
      const [cmd, ...args] = c.lab.argv('cp1', ['sh', '-c', `openssl s_client -connect ${ip}:10250 -cert /var/lib/kubernetes/kube-api-server.crt -key /var/lib/kubernetes/kube-api-server.key </dev/null 2>/dev/null | openssl x509 -noout -serial -fingerprint -sha256`], disk('cp1'));
      const r = await runAsync(cmd!, args, {timeout: 30_000});
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const proxied = () => c.admin(['get', '--raw', '/api/v1/nodes/worker1/proxy/healthz']);
    const kubeletCert = join(c.out, c.manifest.certificates.find(x => x.id === 'kubelet-server' && x.node === 'worker1')!.cert);
    const before = fileSerial(kubeletCert);
    expect(await served()).toBe(before);
    expect(proxied().stdout).toBe('ok');

    const steps = await renewAndRestart('kubelet-server/worker1');
    expect(steps.stages.map(x => x.component)).toEqual(['kubelet']);
    expect(steps.stages[0]!.restarts.map(r => r.node)).toEqual(['worker1']);
    const after = fileSerial(kubeletCert);
    expect(after).not.toBe(before);
    expect(await served()).toBe(after);
    // The apiserver verifies the kubelet against --kubelet-certificate-authority: the new certificate passes.
    const r = proxied();
    expect(r.status, `${r.stderr}\n${kubelets.get('worker1')!.process.output()}`).toBe(0);
    expect(r.stdout).toBe('ok');
    console.log(timings.slice(-3).join('\n'));
  }, 300_000);
});
