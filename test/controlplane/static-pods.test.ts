// The static-pod stand-in (test/helpers/static-pods.mjs) on its own, with a small program for a
// component: what the kubelet does with /etc/kubernetes/manifests (start on appear, restart on
// change, SIGTERM then SIGKILL on removal, restart after a crash) and what the printed gates ask
// crictl (ps -q --name ^X$ --state running; exec ID COMMAND) answer from what really runs.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {start, waitFor, type Started} from '../helpers/processes.js';
import {ROOT, run} from '../helpers/run.js';

const SUPERVISOR = join(ROOT, 'test/helpers/static-pods.mjs');

describe('static-pod and crictl stand-in', () => {
  let dir: string;
  let kubelet: Started;
  const manifests = () => join(dir, 'manifests');
  const state = () => join(dir, 'state');
  const crictl = (...args: string[]) => run(process.execPath, [SUPERVISOR, 'crictl', state(), ...args], {timeout: 20_000});
  const running = (name: string) => crictl('ps', '-q', '--name', `^${name}$`, '--state', 'running').stdout.split('\n').filter(Boolean);
  /** A kubeadm-like manifest whose command is `component ARGS`: the built "binary" is bin/component. */
  const manifest = (name: string, args: string[], grace?: number) => [
    'apiVersion: v1', 'kind: Pod', `metadata: {name: ${name}, namespace: kube-system}`, 'spec:',
    ...(grace === undefined ? [] : [`  terminationGracePeriodSeconds: ${grace}`]),
    '  containers:', `  - name: ${name}`, '    command:', '    - component', ...args.map(a => `    - ${JSON.stringify(a)}`), '',
  ].join('\n');
  const put = (file: string, text: string) => {
    writeFileSync(join(dir, `${file}.tmp`), text);
    renameSync(join(dir, `${file}.tmp`), join(manifests(), file));
  };
  /** What the component wrote: one line per start, with its arguments; "term" when it got SIGTERM. */
  const events = () => readFileSync(join(dir, 'events'), 'utf8').trim().split('\n');
  /** Until the component wrote `line` `times` times in all (the record says running from the spawn; the program takes a moment to start). */
  const wrote = (line: string, times = 1) => waitFor(`the component to write "${line}" ${times} time(s)`, () => events().filter(e => e === line).length >= times, 10_000);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubepki-static-pods-'));
    mkdirSync(manifests());
    mkdirSync(join(dir, 'bin'));
    // The component: records its start and SIGTERM; `ignore-term` ignores SIGTERM; `crash` exits 3 at once.
    writeFileSync(join(dir, 'bin', 'component'), `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(join(dir, 'events'))}, 'start ' + args.join(' ') + '\\n');
if (args.includes('crash')) process.exit(3);
process.on('SIGTERM', () => { fs.appendFileSync(${JSON.stringify(join(dir, 'events'))}, 'term ' + args.join(' ') + '\\n'); if (!args.includes('ignore-term')) process.exit(0); });
setInterval(() => {}, 1000);
`, {mode: 0o755});
    writeFileSync(join(dir, 'events'), '');
    kubelet = start(process.execPath, [SUPERVISOR, 'kubelet', manifests(), join(dir, 'bin'), state(), '200']);
    await waitFor('the stand-in to record', () => crictl('ps').status === 0, 10_000);
  });
  afterAll(async () => {
    await kubelet?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it('starts a manifest that appears, restarts it when its content changes, and stops it when it leaves; crictl ps answers from what runs', async () => {
    expect(running('etcd')).toEqual([]);
    put('etcd.yaml', manifest('etcd', ['--one']));
    await waitFor('etcd to run', () => running('etcd').length === 1, 10_000);
    await wrote('start --one');
    const [first] = running('etcd');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    // --name is a regular expression, as crictl's: ^etcd$ is not etcd-other.
    put('etcd-other.yaml', manifest('etcd-other', ['--other']));
    await waitFor('etcd-other to run', () => running('etcd-other').length === 1, 10_000);
    expect(running('etcd')).toEqual([first]);
    expect(crictl('ps', '-q', '--name', 'etcd').stdout.trim().split('\n')).toHaveLength(2);

    put('etcd.yaml', manifest('etcd', ['--two']));
    await waitFor('etcd to run again with the new manifest', () => running('etcd').length === 1 && running('etcd')[0] !== first, 10_000);
    await wrote('start --two');
    expect(events()).toEqual(expect.arrayContaining(['start --one', 'term --one', 'start --two']));
    expect(crictl('ps', '-q', '--name', '^etcd$', '--state', 'exited').stdout.trim()).toBe(first);

    // The printed restart step: the manifest moved out (the container stops), then back (it starts).
    renameSync(join(manifests(), 'etcd.yaml'), join(dir, 'etcd.yaml.kubepki-restart'));
    await waitFor('etcd to stop', () => running('etcd').length === 0, 10_000);
    expect(events().at(-1)).toBe('term --two');
    renameSync(join(dir, 'etcd.yaml.kubepki-restart'), join(manifests(), 'etcd.yaml'));
    await waitFor('etcd to start again', () => running('etcd').length === 1, 10_000);
    await wrote('start --two', 2);
    // A dot file is not a manifest (the kubelet ignores them).
    put('.hidden.yaml', manifest('hidden', ['--hidden']));
    await new Promise(r => setTimeout(r, 600)); // three of the stand-in's 200 ms reads
    expect(crictl('ps', '-a', '-q', '--name', 'hidden').stdout).toBe('');
  });

  it('a container that ignores SIGTERM is killed after the pod\'s grace period; one that crashes is started again after a back-off', async () => {
    put('stubborn.yaml', manifest('stubborn', ['ignore-term'], 1));
    await waitFor('stubborn to run', () => running('stubborn').length === 1, 10_000);
    await wrote('start ignore-term');
    const t0 = Date.now();
    rmSync(join(manifests(), 'stubborn.yaml'));
    await waitFor('stubborn to be killed', () => running('stubborn').length === 0, 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(events()).toContain('term ignore-term');
    const killed = JSON.parse(readFileSync(join(state(), 'containers.json'), 'utf8')).containers.find((c: {name: string}) => c.name === 'stubborn');
    expect(killed.signal).toBe('SIGKILL');

    put('crashing.yaml', manifest('crashing', ['crash']));
    await waitFor('two starts of the crashing container', () => events().filter(e => e === 'start crash').length >= 2, 15_000);
    expect(crictl('ps', '-a', '-q', '--name', '^crashing$', '--state', 'exited').stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    rmSync(join(manifests(), 'crashing.yaml'));
  }, 30_000);

  it('crictl exec runs the command for a running container and refuses another; forms the gates do not use are refused', async () => {
    const [id] = running('etcd');
    const ran = crictl('exec', id!, 'sh', '-c', 'echo inside; exit 7');
    expect(ran.stdout).toBe('inside\n');
    expect(ran.status).toBe(7);
    const exited = crictl('ps', '-q', '--name', '^etcd$', '--state', 'exited').stdout.trim().split('\n')[0]!;
    const refused = crictl('exec', exited, 'true');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/is not running/);
    // The gate's form when nothing runs: `crictl exec $(… | head -n 1) etcdctl …` gives crictl no id.
    expect(crictl('exec', 'etcdctl', 'endpoint', 'health').status).toBe(1);
    expect(crictl('pods').status).toBe(2);
    expect(crictl('ps', '--label', 'x').status).toBe(2);
  });
});
