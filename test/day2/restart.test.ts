// After renew / --update: what must restart, derived from the plan's readers, printed grouped,
// written as restart.sh (run here over a stand-in ssh that runs each node's commands locally
// with stand-ins for systemctl, curl, etcdctl and kubectl that record what they were asked).
import {afterAll, describe, expect, it} from 'vitest';
import {chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {kubepki, run} from '../helpers/run.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {buildPlan} from '../../source/plan/plan.js';
import {restartsFor} from '../../source/plan/restarts.js';
import {restartCommands, restartLines} from '../../source/scripts/restart-script.js';

const tmp = tempDir('kubepki-restart-');
afterAll(() => tmp.remove());

function generate(name: string, edit: (config: Record<string, any>) => void = () => {}): string {
  const config = parse(kubepki(['example']).stdout);
  config.pki.key = 'ecdsa-p256';
  edit(config);
  const file = join(tmp.path, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  const out = join(tmp.path, name);
  const r = kubepki(['generate', '--config', file, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

type Planned = {stages: {component: string; order: string; restarts: {node: string; reads: {path: string}[]; commands: string[]}[]}[]};
const restartJson = (out: string): Planned => JSON.parse(run('bash', [join(out, 'restart.sh'), '--json']).stdout);
const who = (p: Planned) => p.stages.flatMap(s => s.restarts.map(r => `${s.component}@${r.node}`));

/**
 * A stand-in ssh: runs the remote `bash -s` here, with NODE set and stand-ins first on PATH.
 * Each stand-in appends "NODE: command args" to the log; curl fails for FAIL (node:port).
 */
function standIns(dir: string) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, {recursive: true});
  const log = join(dir, 'calls.log');
  const write = (name: string, body: string) => { writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`); chmodSync(join(bin, name), 0o755); };
  write('ssh', `host=""; for a in "$@"; do case $a in *@*) host=\${a#*@} ;; esac; done
NODE=$host PATH=${bin}:$PATH exec bash -s`);
  for (const name of ['systemctl', 'etcdctl', 'kubectl', 'crictl']) write(name, `echo "$NODE: ${name} $*" >> ${log}; [ "${name}" != kubectl ] || date +%s%N`); // kubectl: a lease's renewTime, new at every read
  write('curl', `echo "$NODE: curl $*" >> ${log}
case "$*" in *"\${FAIL:-none}"*) exit 7 ;; esac
echo ok`);
  write('sudo', 'exec "$@"');
  // The settle time after an apiserver is logged, not waited; a check's own retry pause is real.
  write('sleep', `[ "$1" = 2 ] && exec /bin/sleep 2; echo "$NODE: sleep $*" >> ${log}`);
  // A failing check gives up after 2 s instead of the script's minutes.
  write('timeout', 'shift; exec /usr/bin/timeout 2 "$@"');
  // restart.sh keeps a failed batch's logs in TMPDIR: here, inside the test's directory.
  mkdirSync(join(dir, 'tmp'));
  return {env: {...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: join(dir, 'tmp')}, log};
}

describe('restart steps', () => {
  it('renew apiserver restarts kube-apiserver alone, one control-plane node at a time, checked by /readyz on its own address', () => {
    const out = generate('apiserver');
    // A first generation: nothing runs yet, nothing to restart.
    expect(who(restartJson(out))).toEqual([]);
    const r = kubepki(['renew', out, 'apiserver']);
    expect(r.status, r.stderr).toBe(0);
    expect(who(restartJson(out))).toEqual(['kube-apiserver@cp1', 'kube-apiserver@cp2']);
    // The old advice named etcd, the scheduler and the kubelet; the steps name only the apiserver.
    expect(r.stdout).not.toMatch(/etcd|scheduler|kubelet/);
    expect(r.stdout).toContain('## 1. kube-apiserver, one node at a time');
    expect(r.stdout).toContain('mv /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/kube-apiserver.yaml.kubepki-restart');
    expect(r.stdout).toContain('curl -fsS --cacert /etc/kubernetes/pki/ca.crt https://192.168.56.22:6443/readyz');
    expect(r.stdout).toContain(`bash ${out}/restart.sh`);
  });

  it('one worker\'s kubelet serving certificate restarts only that kubelet', () => {
    const out = generate('kubelet-server');
    const r = kubepki(['renew', out, 'kubelet-server/worker1']);
    expect(r.status, r.stderr).toBe(0);
    const planned = restartJson(out);
    expect(who(planned)).toEqual(['kubelet@worker1']);
    expect(planned.stages[0]!.restarts[0]!.reads.map(x => x.path)).toEqual(['/var/lib/kubelet/pki/kubelet.crt', '/var/lib/kubelet/pki/kubelet.key']);
    expect(r.stdout).toContain('systemctl restart kubelet');
  });

  it('hard-way renew all: every stage in the safe order; restart.sh runs it node by node, stops at a failed check and names the retry', () => {
    const out = generate('hard-way', c => { c.pki.layout = 'hard-way'; c.ssh = {user: 'ops', sudo: true}; });
    const r = kubepki(['renew', out, 'all']);
    expect(r.status, r.stderr).toBe(0);
    const planned = restartJson(out);
    expect(planned.stages.map(s => `${s.component}:${s.order}`)).toEqual([
      'etcd:one-at-a-time', 'kube-apiserver:one-at-a-time', 'kube-controller-manager:one-at-a-time',
      'kube-scheduler:one-at-a-time', 'kubelet:batches', 'kube-proxy:batches',
    ]);
    expect(r.stdout).toContain('sudo systemctl restart etcd');
    expect(run('shellcheck', [join(out, 'restart.sh')]).status).toBe(0);

    // --dry-run prints and restarts nothing.
    const fake = standIns(join(tmp.path, 'lab'));
    const dry = run('bash', [join(out, 'restart.sh'), '--dry-run'], {env: fake.env});
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('== kube-apiserver on cp2\n  sudo systemctl restart kube-apiserver\n');
    expect(dry.stdout).toMatch(/dry run: nothing was restarted/);
    expect(() => readFileSync(fake.log)).toThrow();

    // For real: each node's restart, then its check, in stage order.
    const all = run('bash', [join(out, 'restart.sh')], {env: fake.env});
    expect(all.status, all.stderr).toBe(0);
    const calls = readFileSync(fake.log, 'utf8').trim().split('\n');
    const restarts = calls.filter(c => c.includes('systemctl restart')).map(c => c.replace(/: systemctl restart /, '/'));
    expect(restarts.slice(0, 8)).toEqual([
      'cp1/etcd', 'cp2/etcd', 'cp1/kube-apiserver', 'cp2/kube-apiserver', 'cp1/kube-controller-manager', 'cp2/kube-controller-manager',
      'cp1/kube-scheduler', 'cp2/kube-scheduler',
    ]);
    // Kubelets, then kube-proxies, each a batch run at once: their order within a batch is not fixed.
    expect(restarts.slice(8, 12).sort()).toEqual(['cp1/kubelet', 'cp2/kubelet', 'worker1/kubelet', 'worker2/kubelet']);
    expect(restarts.slice(12).sort()).toEqual(['cp1/kube-proxy', 'cp2/kube-proxy', 'worker1/kube-proxy', 'worker2/kube-proxy']);
    // Each check follows its restart on the same node, and precedes the next node's restart.
    const apiserverCheck = calls.findIndex(c => c.startsWith('cp1: curl') && c.includes('/readyz'));
    expect(apiserverCheck).toBeGreaterThan(calls.indexOf('cp1: systemctl restart kube-apiserver'));
    expect(apiserverCheck).toBeLessThan(calls.indexOf('cp2: systemctl restart kube-apiserver'));
    // Two apiservers behind the endpoint: after cp1's passed /readyz, the load balancer is given
    // time to send to it again before cp2's stops (test/controlplane/restart.test.ts shows why).
    const settled = calls.indexOf('cp1: sleep 10');
    expect(settled).toBeGreaterThan(apiserverCheck);
    expect(settled).toBeLessThan(calls.indexOf('cp2: systemctl restart kube-apiserver'));
    expect(calls.some(c => c.startsWith('cp2: etcdctl') && c.includes('--cert=/etc/etcd/etcd-healthcheck-client.crt') && c.includes('endpoint health'))).toBe(true);
    expect(all.stdout).toMatch(/restarted 16 component\(s\)/);
    // Logs are kept only when something failed.
    expect(readdirSync(join(tmp.path, 'lab', 'tmp'))).toEqual([]);

    // --node: that node's restarts alone.
    writeFileSync(fake.log, '');
    const one = run('bash', [join(out, 'restart.sh'), '--node', 'worker2'], {env: fake.env});
    expect(one.status, one.stderr).toBe(0);
    expect(readFileSync(fake.log, 'utf8').split('\n').filter(c => c.includes('restart')).sort()).toEqual(['worker2: systemctl restart kube-proxy', 'worker2: systemctl restart kubelet']);

    // cp1's apiserver fails its check: cp2's is never restarted, nor anything after; the retry names cp1.
    writeFileSync(fake.log, '');
    const failing = run('bash', [join(out, 'restart.sh')], {env: {...fake.env, FAIL: '192.168.56.21:6443'}});
    expect(failing.status).toBe(1);
    const afterFail = readFileSync(fake.log, 'utf8');
    expect(afterFail).toContain('cp1: systemctl restart kube-apiserver');
    expect(afterFail).not.toContain('cp2: systemctl restart kube-apiserver');
    expect(afterFail).not.toContain('kubelet');
    expect(failing.stderr).toContain('kube-apiserver on cp1 did not pass its check');
    expect(failing.stderr).toContain(`retry only those (their restarts, in order): bash ${out}/restart.sh --node cp1`);

    // A kubelet batch: the failed node's log is kept and the summary names it.
    writeFileSync(fake.log, '');
    const batch = run('bash', [join(out, 'restart.sh'), '--node', 'worker1', '--node', 'worker2', '--parallel', '2'], {env: {...fake.env, FAIL: '10248'}});
    expect(batch.status).toBe(1);
    expect(batch.stderr).toMatch(/failed on: worker1 worker2 \(logs in .*\)/);
    expect(batch.stderr).toContain('--node worker1 --node worker2');
    expect(batch.stdout).toContain('worker1: FAILED (log:');
  });

  it('with fewer than three etcd members the etcd stage says that a member\'s restart leaves no quorum; with three it says nothing', () => {
    const etcdLines = (members: number, changed?: (source: string) => boolean) => {
      const plan = buildPlan(specWith(c => {
        c.pki.layout = 'hard-way';
        c.nodes = [
          ...Array.from({length: 3}, (_, i) => ({name: `cp${i + 1}`, ip: `10.0.0.${i + 1}`, roles: i < members ? ['control-plane', 'etcd'] : ['control-plane']})),
          {name: 'worker1', ip: '10.1.0.1', roles: ['worker']},
        ];
      }));
      const lines = restartLines(plan, restartsFor(plan, new Set(plan.reads.map(r => r.source).filter(changed ?? (() => true)))), '/out');
      const at = lines.findIndex(l => l.startsWith('## 1. etcd, one member at a time'));
      return {lines, next: at >= 0 ? lines[at + 1] : undefined};
    };
    expect(etcdLines(2).next).toBe('# etcd has 2 members: while one restarts the other is not a quorum, and the apiservers fail requests until it is back (three or five members keep answering).');
    expect(etcdLines(1).next).toBe('# etcd has one member: while it restarts the datastore is down, and the apiservers fail requests until it is back.');
    expect(etcdLines(3).next).toMatch(/^### cp1: reads the new /);
    expect(etcdLines(3).lines.join('\n')).not.toMatch(/quorum/);
    // No etcd restart, no note.
    expect(etcdLines(2, source => !/etcd/.test(source)).lines.join('\n')).not.toMatch(/quorum|etcd has/);
  });

  it('is as long at 3+500 nodes as at 3+4: nodes with the same commands share one group', () => {
    const lines = (workers: number) => {
      const spec = specWith(c => {
        c.pki.layout = 'hard-way';
        c.nodes = [
          ...[1, 2, 3].map(i => ({name: `cp${i}`, ip: `10.0.0.${i}`, roles: ['control-plane', 'etcd']})),
          ...Array.from({length: workers}, (_, i) => ({name: `worker${i + 1}`, ip: `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`, roles: ['worker']})),
        ];
      });
      const plan = buildPlan(spec);
      const everything = new Set(plan.reads.map(r => r.source));
      return restartLines(plan, restartsFor(plan, everything), '/out');
    };
    const small = lines(4);
    const large = lines(500);
    expect(large.length).toBe(small.length);
    expect(large.join('\n')).toContain('### cp1 … worker500 (503 nodes): reads the new /var/lib/kubelet/kubelet.crt');
  });
});

describe('kubeadm static-pod restart under set -e', () => {
  it('puts the manifest back even when the wait for the pod to go times out (was: set -e left it aside)', () => {
    const plan = buildPlan(specWith(() => {}));
    const apiserver = plan.certificates.find(c => c.ref === 'apiserver')!;
    const [stage] = restartsFor(plan, new Set([apiserver.cert]));
    expect(stage!.component).toBe('kube-apiserver');
    const moveBack = restartCommands(plan, stage!.restarts[0]!).find(line => line.includes('timeout') && line.includes('mv '))!;
    // Stand-ins: the wait times out (124), mv records what it moves.
    const bin = join(tmp.path, 'static-pod-bin');
    mkdirSync(bin, {recursive: true});
    writeFileSync(join(bin, 'timeout'), '#!/bin/sh\nexit 124\n', {mode: 0o755});
    writeFileSync(join(bin, 'mv'), `#!/bin/sh\necho "$@" >> ${join(tmp.path, 'moves')}\n`, {mode: 0o755});
    const r = run('bash', ['-e', '-c', `${moveBack}\necho after`], {env: {...process.env, PATH: `${bin}:${process.env.PATH}`}});
    expect(readFileSync(join(tmp.path, 'moves'), 'utf8')).toBe('/etc/kubernetes/kube-apiserver.yaml.kubepki-restart /etc/kubernetes/manifests/kube-apiserver.yaml\n');
    // The stage still stops: the gate failed.
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('after');
  });
});
