// What issue 24's proofs share (test/rotate/zero-downtime*.test.ts, one per layout): the
// /readyz-checking balancer in front of the apiservers, the clients polling through it with
// identities made before the rotation, the lab's systemd for `systemctl restart X`, and the phase
// runner: `kubepki rotate OUT ...`, the bundles onto the nodes' disks, the files clients hold
// handed over, then every printed restart step run on its node exactly as printed, and the
// clients' requests and failures counted per phase. The service-account key pair's three phases
// (with the token replaced as issue says and finish's removals) and the checks after each
// authority's finish are here too, so both layouts run them the same way.
import {expect} from 'vitest';
import {execFileSync, spawnSync} from 'node:child_process';
import {copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {Booted} from './control-plane.js';
import type {LabHost} from './lab.js';
import {realKubectl, waitFor, type Started} from './processes.js';
import {kubepki, openssl, ROOT, runAsync} from './run.js';
import {NODE_SHARED} from './static-pods.js';
import {signUserCsr} from '../controlplane/checks.js';

export interface RestartJson {
  stages: {component: string; order: string; restarts: {node: string; commands: string[]; check: string}[]}[];
}

/** One client through the endpoint: its processes (a kubelet's is restarted with the kubelet), counted together. */
export class Poller {
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

/** What the lab's systemd runs for one unit on one node, and how it starts it again. */
export interface Service {
  start: (work?: string) => (Started & {work: string})[];
  running: (Started & {work: string})[];
}

type Counts = Record<string, {requests: number; failures: number}>;

export interface PhaseHooks {
  /** After the files are on the nodes and with the clients, before the restart steps: what the phase's report says to do by hand first. */
  beforeRestarts?: (stdout: string) => void | Promise<void>;
  /** After the restart steps: the phase's other printed steps. */
  afterRestarts?: (stdout: string) => void | Promise<void>;
}

export class RotationProof {
  readonly work: string;
  /** Where the clients keep what they were handed: the user's kubeconfig, the pod's token kubeconfig, the balancer's CA. */
  readonly clients: string;
  readonly pollers: Record<string, Poller> = {};
  readonly services = new Map<string, Service>();
  readonly phases: {phase: string; seconds: number; counts: Counts; failed: string[]}[] = [];
  readonly timings: string[] = [];
  balancer!: Started;
  /** PATH for the printed lines: the real kubectl first (the lab's /usr/bin/kubectl is a version dispatcher); with static pods, crictl. */
  private readonly path: string;
  private tokenClient = false;

  /**
   * `shared`: paths of a node that every line run there shares with what runs on the node (kubeadm:
   * /etc/kubernetes, where the static pods' manifests and files are); none: each line gets a copy of the disk.
   */
  constructor(readonly c: Booted, readonly lb: LabHost & {port: number}, readonly controlPlanes: string[], private readonly pollMs = '250') {
    this.work = join(c.lab.dir, 'work');
    this.clients = join(c.lab.dir, 'clients');
    mkdirSync(this.work, {recursive: true});
    mkdirSync(this.clients, {recursive: true});
    const shellBin = join(c.lab.dir, 'shell-bin');
    mkdirSync(shellBin, {recursive: true});
    writeFileSync(join(shellBin, 'kubectl'), `#!/bin/sh\nexec ${realKubectl()} --cache-dir=${c.lab.dir}/kube-cache --request-timeout=20s "$@"\n`, {mode: 0o755});
    this.path = [shellBin, ...(c.staticPods ? [c.staticPods.bin] : []), process.env.PATH].join(':');
  }

  private get shared(): string[] { return this.c.staticPods ? NODE_SHARED : []; }
  disk(node: string) { return this.c.disk(node); }
  /** distribute.sh's part: every node's bundle onto its disk. */
  distribute() { for (const node of Object.keys(this.c.manifest.nodes)) cpSync(this.c.bundle(node), this.disk(node), {recursive: true}); }
  authorityCert(id: string) { return join(this.c.out, this.c.manifest.authorities.find(a => a.id === id)!.cert); }
  caFile() { return this.authorityCert('ca'); }

  /** A file handed to a client: written beside and renamed, so a client reading it never sees half of it. */
  handOver(from: string, to: string) {
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  }

  /**
   * The boot's plain TCP forwarder gives way to the health-checking balancer. It checks the
   * apiservers' certificates against the cluster CA: the operator hands it each phase's trust
   * file, as every other client of the apiservers gets it.
   */
  async startBalancer() {
    await this.c.processes.get(`${this.lb.name}/forwarder`)!.stop();
    this.handOver(this.caFile(), join(this.clients, 'balancer-ca.crt'));
    this.balancer = this.c.lab.start(this.lb.name, [process.execPath, join(ROOT, 'test/helpers/readyz-balancer.mjs'), this.lb.ip, String(this.lb.port), join(this.clients, 'balancer-ca.crt'), '500',
      ...this.controlPlanes.map(n => `${this.c.manifest.nodes[n]!.ip}:6443`)]);
    await waitFor(`the balancer to see ${this.controlPlanes.length} apiservers up`, () => (this.balancer.output().match(/ UP /g) ?? []).length === this.controlPlanes.length, 60_000);
  }

  pollerArgv(mode: string, file: string, target: string) {
    return ['env', `KUBECACHEDIR=${this.c.lab.dir}/kube-cache`, process.execPath, join(ROOT, 'test/helpers/identity-poller.mjs'), mode, file, target, this.pollMs];
  }

  /**
   * The clients every proof has, made before the rotation: RBAC that lets group kubepki-devs and
   * the service account rotation-probe/prober read nodes; alice from `kubepki user add` (her
   * kubectl get nodes, on `from`, with the kubeconfig she was handed); prober's token and the
   * ca.crt a pod reads (kube-root-ca.crt). The old CAs kept for the checks after finish.
   */
  async startClients(from: string) {
    const {c} = this;
    const rbac = c.admin(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'List', items: [
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'rotation-probe'}},
      {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'prober', namespace: 'rotation-probe'}},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'rotation-probe-nodes'}, rules: [{apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list']}]},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: {name: 'rotation-probe-nodes'},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rotation-probe-nodes'},
        subjects: [{kind: 'Group', name: 'kubepki-devs', apiGroup: 'rbac.authorization.k8s.io'}, {kind: 'ServiceAccount', name: 'prober', namespace: 'rotation-probe'}]},
    ]})});
    expect(rbac.status, rbac.stderr).toBe(0);
    const user = kubepki(['user', 'add', 'alice', '--group', 'kubepki-devs', '--out', c.out]);
    expect(user.status, user.stderr).toBe(0);
    this.handOver(join(c.out, 'users/alice/alice.conf'), join(this.clients, 'alice.conf'));
    copyFileSync(join(c.out, 'users/alice/alice.conf'), join(this.work, 'alice-before.conf'));
    const token = c.admin(['create', 'token', 'prober', '-n', 'rotation-probe', '--duration=2h']);
    expect(token.status, token.stderr).toBe(0);
    writeFileSync(join(this.work, 'prober.token'), token.stdout.trim());
    this.tokenClient = true;
    await this.refreshPodCa();
    for (const id of ['ca', 'etcd-ca']) {
      const a = c.manifest.authorities.find(x => x.id === id)!;
      copyFileSync(join(c.out, a.cert), join(this.work, `${id}-old.crt`));
      copyFileSync(join(c.out, a.key), join(this.work, `${id}-old.key`));
    }
    this.poll('user', 'user alice: kubectl get nodes', from, this.pollerArgv('kubectl', join(this.clients, 'alice.conf'), realKubectl()));
    this.poll('token', 'service-account token rotation-probe/prober: GET /api/v1/nodes', from, this.pollerArgv('reload', join(this.clients, 'prober.conf'), '/api/v1/nodes'));
  }

  /** A client polling from a lab host for the whole run; `disk`: a node's files it reads (a kubelet's kubeconfig). */
  poll(key: string, name: string, host: string, argv: string[], disk?: string): Poller {
    const poller = this.pollers[key] ?? (this.pollers[key] = new Poller(name));
    poller.instances.push(this.c.lab.start(host, argv, disk));
    return poller;
  }

  async clientsGoing() {
    await waitFor('every client to get going', () => Object.values(this.pollers).every(p => p.counts().requests >= 5), 60_000);
    this.noFailureSoFar();
  }

  /** The pod's ca.crt: kube-root-ca.crt of its namespace (the controller-manager publishes --root-ca-file there; the kubelet refreshes the projected file). */
  async refreshPodCa() {
    let ca = '';
    await waitFor('kube-root-ca.crt to hold the cluster CA file', () => {
      const r = this.c.admin(['get', 'configmap', 'kube-root-ca.crt', '-n', 'rotation-probe', '-o', 'jsonpath={.data.ca\\.crt}']);
      ca = r.stdout;
      return r.status === 0 && ca.trim() === readFileSync(this.caFile(), 'utf8').trim();
    }, 120_000, 1000);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    writeFileSync(join(this.clients, 'prober.conf.new'), JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'pod',
      clusters: [{name: 'c', cluster: {server: `https://${this.lb.aliases![0]}:${this.lb.port}`, 'certificate-authority-data': b64(ca)}}],
      users: [{name: 'prober', user: {token: readFileSync(join(this.work, 'prober.token'), 'utf8')}}],
      contexts: [{name: 'pod', context: {cluster: 'c', user: 'prober'}}],
    }), {mode: 0o600});
    renameSync(join(this.clients, 'prober.conf.new'), join(this.clients, 'prober.conf'));
  }

  /** `systemctl restart COMPONENT` on a node: SIGTERM, a graceful stop (bounded as systemd's TimeoutStopSec), started again on the same disk. */
  async systemctlRestart(node: string, component: string) {
    const service = this.services.get(`${node}/${component}`);
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
    this.timings.push(`  ${node} ${component}: stopped and started in ${Date.now() - t0} ms`);
  }

  /** A printed line run on a node as printed (sh -c), on its disk, with the real kubectl (and crictl) on PATH. */
  runOn(node: string, line: string, timeout = 180_000) {
    const [cmd, ...rest] = this.c.lab.argv(node, ['env', '-u', 'KUBECONFIG', `PATH=${this.path}`, 'sh', '-c', line], this.disk(node), undefined, this.shared);
    return runAsync(cmd!, rest, {timeout});
  }

  /** What runs a component on a node, for a failed step's message. */
  private logsOf(node: string, component: string): string {
    if (this.c.staticPods) return this.c.staticPods.log(node, component);
    return this.services.get(`${node}/${component}`)?.running.map(p => p.output().slice(-3000)).join('\n') ?? '';
  }

  /**
   * One phase: `kubepki rotate OUT ...args`, the files onto the nodes and to the clients that hold
   * a copy, then every printed restart step on its node; the clients' counts for the phase.
   */
  async phase(label: string, args: string[], hooks: PhaseHooks = {}): Promise<{stdout: string; steps: RestartJson}> {
    const {c, pollers} = this;
    const before = Object.fromEntries(Object.entries(pollers).map(([k, p]) => [k, p.counts()]));
    const failedBefore = Object.values(pollers).flatMap(p => p.failures());
    const t0 = Date.now();
    const r = kubepki(['rotate', c.out, ...args]);
    expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
    this.timings.push(`${label}: kubepki rotate ${args.join(' ')} in ${Date.now() - t0} ms`);
    // Each phase leaves a tree both verifiers accept: kubepki verify, and verify.sh (openssl alone).
    const verified = kubepki(['verify', c.out]);
    expect(verified.status, `${label}: ${verified.stdout.split('\n').filter(l => /FAIL/.test(l)).join('\n')}`).toBe(0);
    const script = spawnSync('bash', [join(c.out, 'verify.sh')], {encoding: 'utf8', timeout: 120_000});
    expect(script.status, `${label}: verify.sh ${script.stderr}`).toBe(0);
    const steps = JSON.parse(execFileSync('bash', [join(c.out, 'restart.sh'), '--json'], {encoding: 'utf8', timeout: 30_000})) as RestartJson;
    for (const line of steps.stages.flatMap(s => s.restarts.flatMap(x => x.commands))) expect(r.stdout).toContain(line);
    this.distribute();
    // What the clients hold: the user's kubeconfig as kubepki rewrote it, the balancer's trust.
    this.handOver(join(c.out, 'users/alice/alice.conf'), join(this.clients, 'alice.conf'));
    this.handOver(this.caFile(), join(this.clients, 'balancer-ca.crt'));
    await hooks.beforeRestarts?.(r.stdout);
    for (const stage of steps.stages) {
      for (const {node, commands} of stage.restarts) {
        for (const command of commands) {
          const restart = /^(?:sudo )?systemctl restart (\S+)$/.exec(command);
          if (restart) { await this.systemctlRestart(node, restart[1]!); continue; }
          // The lab's systemd reads the unit when it starts one: a daemon-reload has nothing to do.
          if (/^(?:sudo )?systemctl daemon-reload$/.test(command)) continue;
          expect(command).not.toMatch(/systemctl/);
          const t = Date.now();
          const gate = await this.runOn(node, command);
          expect(gate.status, `${node}: ${command}\n${gate.stderr}\n${this.logsOf(node, stage.component)}`).toBe(0);
          if (Date.now() - t > 1000) this.timings.push(`  ${node} ${stage.component}: ${Date.now() - t} ms for ${command.slice(0, 60)}…`);
        }
      }
    }
    await hooks.afterRestarts?.(r.stdout);
    if (this.tokenClient) await this.refreshPodCa();
    // A little more traffic after the last restart, through the new state.
    const done = Object.fromEntries(Object.entries(pollers).map(([k, p]) => [k, p.counts().requests]));
    await waitFor('more requests after the restarts', () => Object.entries(pollers).every(([k, p]) => p.counts().requests >= done[k]! + 4), 60_000);
    const counts = Object.fromEntries(Object.entries(pollers).map(([k, p]) => {
      const now = p.counts();
      return [k, {requests: now.requests - before[k]!.requests, failures: now.failures - before[k]!.failures}];
    }));
    const failed = Object.values(pollers).flatMap(p => p.failures()).filter(f => !failedBefore.includes(f));
    this.phases.push({phase: label, seconds: Math.round((Date.now() - t0) / 1000), counts, failed});
    this.timings.push(`${label}: ${JSON.stringify(counts)}`);
    expect(failed, this.balancer.output().split('\n').filter(l => /UP|DOWN|failed|no healthy/.test(l)).join('\n')).toEqual([]);
    for (const [k, v] of Object.entries(counts)) {
      expect(v.failures, k).toBe(0);
      expect(v.requests, k).toBeGreaterThan(4);
    }
    return {stdout: r.stdout, steps};
  }

  /** What the lead quotes: the timings and, per phase, each client's requests and failures. */
  report(): string {
    return [...this.timings, '', ...this.phases.map(p => `${p.phase} (${p.seconds} s): ${Object.entries(p.counts).map(([k, v]) => `${k} ${v.requests} requests, ${v.failures} failed`).join('; ')}${p.failed.length ? `\n  ${p.failed.join('\n  ')}` : ''}`)].join('\n');
  }

  /** A curl on a lab host, with files the test holds; its answer (stdout + stderr). */
  curl(host: string, args: string[]) { return this.c.lab.run(host, ['curl', '-sS', '--max-time', '20', ...args], {timeout: 40_000}); }
  subjectOf(file: string) { return openssl(['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']).stdout.trim().replace(/^subject=/, ''); }

  /** A certificate and key of `id` as OUT holds them now, kept by the test under `as`. */
  keep(id: string, as: string): {cert: string; key: string} {
    const x = this.c.manifest.certificates.find(y => y.id === id && !y.node)!;
    const kept = {cert: join(this.work, `${as}.crt`), key: join(this.work, `${as}.key`)};
    copyFileSync(join(this.c.out, x.cert), kept.cert);
    copyFileSync(join(this.c.out, x.key), kept.key);
    return kept;
  }

  /**
   * After the cluster CA's finish: every apiserver refuses `old` (a client certificate of the old
   * CA, 401) and accepts the admin's certificate as OUT holds it now; alice's kubeconfig from before
   * the rotation is refused; the controller-manager signs an approved CSR with the new CA.
   */
  async expectOldCaRefused(old: {cert: string; key: string}) {
    const {c} = this;
    const now = this.keep('admin', 'admin-new');
    for (const node of this.controlPlanes) {
      const url = `https://${c.manifest.nodes[node]!.ip}:6443/api/v1/nodes`;
      const refused = this.curl('worker1', ['-o', '/dev/null', '-w', '%{http_code}', '--cacert', this.caFile(), '--cert', old.cert, '--key', old.key, url]);
      expect(refused.stdout, refused.stderr).toBe('401');
      this.timings.push(`after ca finish, ${node}'s apiserver with the admin certificate of the old CA: HTTP ${refused.stdout}`);
      const accepted = this.curl('worker1', ['-o', '/dev/null', '-w', '%{http_code}', '--cacert', this.caFile(), '--cert', now.cert, '--key', now.key, url]);
      expect(accepted.stdout, accepted.stderr).toBe('200');
    }
    // The user's kubeconfig from before the rotation: refused (it trusts the old CA alone, and its certificate is the old CA's).
    const before = c.kubectl('worker1', join(this.work, 'alice-before.conf'))(['get', 'nodes']);
    expect(before.status).not.toBe(0);
    expect(before.stderr).toMatch(/x509: certificate signed by unknown authority/);
    this.timings.push(`after ca finish, alice's kubeconfig from before the rotation: ${before.stderr.trim()}`);
    const signed = await signUserCsr(c, 'after-ca-rotation', [], this.caFile());
    expect(signed.issuer).toBe(this.subjectOf(this.caFile()));
    expect(signed.issuer).not.toBe(this.subjectOf(join(this.work, 'ca-old.crt')));
    expect(signed.verified).toBe(true);
    this.timings.push(`after ca finish, a CSR approved for after-ca-rotation: issued by ${signed.issuer}, verifies against the new ca.crt`);
  }

  /** After the etcd CA's finish: every member refuses `old` (the apiserver's etcd client certificate of the old CA) and accepts the one OUT holds now. */
  expectOldEtcdCaRefused(members: string[], old: {cert: string; key: string}) {
    const now = this.keep('apiserver-etcd-client', 'etcd-client-new');
    const ca = this.authorityCert('etcd-ca');
    for (const node of members) {
      const url = `https://${this.c.manifest.nodes[node]!.ip}:2379/health`;
      // TLS 1.2: etcd checks the client certificate inside the handshake, so its refusal is the
      // handshake's alert (with TLS 1.3 it may arrive after curl's first write, as a reset).
      const refused = this.curl('worker1', ['--tls-max', '1.2', '--cacert', ca, '--cert', old.cert, '--key', old.key, url]);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/alert unknown ca/);
      this.timings.push(`after etcd-ca finish, etcd on ${node} with the old etcd CA's client certificate: ${refused.stderr.trim()}`);
      const accepted = this.curl('worker1', ['--cacert', ca, '--cert', now.cert, '--key', now.key, url]);
      expect(accepted.status, accepted.stderr).toBe(0);
      expect(JSON.parse(accepted.stdout).health).toBe('true');
    }
  }

  /** A bearer token on one apiserver (GET /api/v1/nodes, from worker1): the HTTP code and the body. */
  bearer(node: string, token: string) {
    const r = this.curl('worker1', ['-w', '\n%{http_code}', '--cacert', this.caFile(), '-H', `Authorization: Bearer ${token}`, `https://${this.c.manifest.nodes[node]!.ip}:6443/api/v1/nodes`]);
    const lines = r.stdout.trim().split('\n');
    return {code: lines.at(-1), body: lines.slice(0, -1).join(' '), stderr: r.stderr};
  }

  /**
   * The service-account key pair: start, issue, finish, each through phase() with its printed
   * steps (`hooks` per phase). After issue, issue's steps for the token made before the rotation:
   * tokens handed out of the cluster are made again (kubectl create token NAME -n NAMESPACE), and
   * the pod's client reads its token file anew, as a projected token is refreshed. (The lab runs
   * no workloads: the steps' rollout restarts and token Secrets have nothing to act on here.)
   * After finish, its printed removals (`ssh USER@NODE [sudo] rm -f PATH…`, the rotation's extra
   * public keys) done on those nodes' disks. Then every apiserver refuses the token made before
   * the rotation (401 Unauthorized) and accepts the one made after issue.
   * Returns the phases' output and the nodes finish removed files on.
   */
  async rotateServiceAccount(hooks: Partial<Record<'start' | 'issue' | 'finish', PhaseHooks>> = {}) {
    const {c} = this;
    const oldToken = readFileSync(join(this.work, 'prober.token'), 'utf8');
    const started = await this.phase('service-account start', ['start', 'service-account'], hooks.start);
    const issued = await this.phase('service-account issue', ['issue'], hooks.issue);
    expect(issued.stdout).toContain('kubectl create token NAME -n NAMESPACE');
    const token = c.admin(['create', 'token', 'prober', '-n', 'rotation-probe', '--duration=2h']);
    expect(token.status, token.stderr).toBe(0);
    const newToken = token.stdout.trim();
    expect(newToken).not.toBe(oldToken);
    writeFileSync(join(this.work, 'prober.token'), newToken);
    await this.refreshPodCa();
    const finished = await this.phase('service-account finish', ['finish'], hooks.finish);
    const removals = [...finished.stdout.matchAll(/^ssh \S+@(\S+) (?:sudo )?rm -f (.+)$/gm)];
    for (const [, node, paths] of removals) for (const path of paths!.split(' ')) rmSync(join(this.disk(node!), path), {force: true});
    this.timings.push(`  finish's printed removals: ${removals.length ? removals.map(m => `${m[1]}: ${m[2]}`).join('; ') : 'none'}`);
    for (const node of this.controlPlanes) {
      const refused = this.bearer(node, oldToken);
      expect(refused.code, refused.stderr).toBe('401');
      expect(refused.body).toMatch(/"reason": ?"Unauthorized"/);
      this.timings.push(`after service-account finish, ${node} with the token made before the rotation: HTTP ${refused.code} ${refused.body.replace(/\s+/g, ' ')}`);
      const accepted = this.bearer(node, newToken);
      expect(accepted.code, `${accepted.stderr}\n${accepted.body}`).toBe('200');
      this.timings.push(`after service-account finish, ${node} with the token made after issue: HTTP ${accepted.code}`);
    }
    return {started, issued, finished, removedOn: removals.map(m => m[1]!)};
  }

  /** Over the whole run so far (between phases too): no client saw a failed request. */
  noFailureSoFar() {
    const {pollers} = this;
    expect(Object.fromEntries(Object.values(pollers).map(p => [p.name, p.failures()]))).toEqual(Object.fromEntries(Object.values(pollers).map(p => [p.name, []])));
  }
}
