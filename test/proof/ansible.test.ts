// OUT/ansible/ for real: ansible-playbook (Debian's ansible-core) on the sshd lab
// (test/helpers/sshd-lab.ts), 12 nodes all answered by one sshd on 127.0.0.1, each staged into its
// own directory with kubepki_root. The lab has no systemd: restarts are off (kubepki_restart=false),
// so a handler shows up skipped on exactly the nodes where it was notified.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {existsSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {generated, specWith} from '../helpers/cluster.js';
import {freePort, requireCommand} from '../helpers/processes.js';
import {filesUnder, SANDBOX_USER, startSshdLab, type SshdLab} from '../helpers/sshd-lab.js';
import {run} from '../helpers/run.js';
import {spawn} from 'node:child_process';
import type {Manifest} from '../../source/output/manifest.js';

/** What ansible-playbook's default output says: per task or handler, each node's result; the recap per node. */
interface PlaybookOutput {
  steps: {kind: 'TASK' | 'RUNNING HANDLER'; name: string; hosts: Record<string, string>}[];
  stats: Record<string, {ok: number; changed: number; unreachable: number; failed: number}>;
}
function parseOutput(stdout: string): PlaybookOutput {
  const steps: PlaybookOutput['steps'] = [];
  const stats: PlaybookOutput['stats'] = {};
  for (const line of stdout.split('\n')) {
    const step = /^(TASK|RUNNING HANDLER) \[(.+)\] \*+$/.exec(line);
    if (step) { steps.push({kind: step[1] as 'TASK', name: step[2]!, hosts: {}}); continue; }
    const result = /^(ok|changed|skipping|fatal|failed): \[([^\]]+)\]/.exec(line);
    if (result && steps.length) { steps.at(-1)!.hosts[result[2]!] ??= result[1]!; continue; }
    const recap = /^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (recap) stats[recap[1]!] = {ok: +recap[2]!, changed: +recap[3]!, unreachable: +recap[4]!, failed: +recap[5]!};
  }
  return {steps, stats};
}

/** The generated inventory pointed at the lab: every ansible_host is the lab's sshd; `down` at a closed port. */
function inventoryFor(lab: SshdLab, dir: string, down?: {node: string; port: number}) {
  const file = join(lab.work, 'lab.ini');
  writeFileSync(file, readFileSync(join(dir, 'inventory.ini'), 'utf8').replace(/^(\S+) ansible_host=\S+$/gm, (_, node: string) =>
    `${node} ansible_host=127.0.0.1 ansible_port=${node === down?.node ? down.port : lab.port}`));
  return file;
}

// Not spawnSync: the lab's sshd logs to this process, which must keep reading it. The playbook
// runs in a process group of its own, killed whole (ssh children included) if it overruns.
function runPlaybook(playbook: string, lab: SshdLab, dir: string, inventory: string, extra: string[]) {
  return new Promise<{status: number | null; stdout: string; stderr: string; result: PlaybookOutput}>((resolve, reject) => {
    const child = spawn(playbook, ['-i', inventory, 'site.yml', '--private-key', join(lab.work, 'client_key'), ...extra], {
      cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1',
        // One ssh connection per node, reused by its tasks, gone 5 s after the run; ansible's own files in the lab.
        ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=5s -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10',
        ANSIBLE_SSH_CONTROL_PATH_DIR: join(lab.work, 'cp'),
        ANSIBLE_LOCAL_TEMP: join(lab.work, 'ansible-local'), ANSIBLE_HOME: join(lab.work, 'ansible-home'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 240_000);
    child.on('error', reject);
    child.on('exit', status => { clearTimeout(timer); setTimeout(() => resolve({status, stdout, stderr, result: parseOutput(stdout)}), 100); });
  });
}

/** ansible-playbook, an OUT for these nodes (ECDSA keys; `edit` changes the config further), and an sshd lab that answers for them. */
async function outOnLab(nodes: {name: string; ip: string; roles: string[]}[], edit: (config: {ssh: unknown}) => void = () => {}) {
  const playbook = requireCommand('ansible-playbook', 'ansible-core');
  const out = await generated(specWith(c => { c.pki.key = 'ecdsa-p256'; c.nodes = nodes; edit(c); }));
  const manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8')) as Manifest;
  const lab = await startSshdLab(Object.keys(manifest.nodes));
  return {playbook, out, manifest, lab};
}

describe('OUT/ansible with ansible-playbook over real ssh, 12 nodes', () => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  let lab: SshdLab;
  let playbook: string;

  beforeAll(async () => {
    ({playbook, out, manifest, lab} = await outOnLab([
      ...[1, 2, 3].map(i => ({name: `cp${i}`, ip: `192.168.56.${20 + i}`, roles: ['control-plane', 'etcd']})),
      ...Array.from({length: 9}, (_, i) => ({name: `worker${i + 1}`, ip: `192.168.56.${30 + i}`, roles: ['worker']})),
    ]));
  });

  afterAll(async () => {
    await lab?.stop();
    out?.remove();
  });

  const dir = () => join(out.dir, 'ansible');
  const stage = () => join(lab.work, 'stage');
  const labInventory = (down?: {node: string; port: number}) => inventoryFor(lab, dir(), down);
  const playbookRun = (inventory: string, extra: string[] = []) => runPlaybook(playbook, lab, dir(), inventory, [
    '-e', 'kubepki_restart=false', '-e', `kubepki_root=${stage()}/{{ inventory_hostname }}`, ...extra]);
  /** Per node, the handlers notified (skipped: restarts are off), in the order they ran. */
  const notified = (result: PlaybookOutput) => {
    const byNode: Record<string, string[]> = {};
    for (const step of result.steps) {
      if (step.kind !== 'RUNNING HANDLER') continue;
      for (const [node, r] of Object.entries(step.hosts)) if (r === 'skipping') (byNode[node] ??= []).push(step.name);
    }
    return byNode;
  };
  const expectBundle = (node: string) => {
    const info = manifest.nodes[node]!;
    const root = join(stage(), node);
    expect(filesUnder(root).filter(p => !/\.\d+\.\d{4}-\d\d-\d\d@/.test(p)), node).toEqual(info.files.map(f => f.path).sort());
    for (const f of info.files) {
      const st = statSync(join(root, f.path));
      expect([st.uid, st.gid, st.mode & 0o777], `${node}:${f.path}`).toEqual([0, 0, f.secret ? 0o600 : 0o644]);
      expect(readFileSync(join(root, f.path)).equals(readFileSync(join(out.dir, f.source))), `${node}:${f.path}`).toBe(true);
    }
    expect(statSync(join(root, 'etc/kubernetes')).mode & 0o777, node).toBe(0o700);
  };

  it('every bundle lands with owner and mode; an unreachable node goes to site.retry, and --limit @site.retry copies to it alone', async () => {
    const names = Object.keys(manifest.nodes);
    expect(names).toHaveLength(12);
    const started = Date.now();
    const first = await playbookRun(labInventory({node: 'worker5', port: await freePort()}));
    expect(first.status, first.stdout + first.stderr).toBe(4); // ansible-playbook: some hosts unreachable
    expect(first.result.stats.worker5!.unreachable).toBe(1);
    for (const node of names.filter(n => n !== 'worker5')) {
      expect(first.result.stats[node], node).toMatchObject({unreachable: 0, failed: 0});
      expectBundle(node);
    }
    expect(existsSync(join(stage(), 'worker5'))).toBe(false);
    expect(readFileSync(join(dir(), 'site.retry'), 'utf8')).toBe('worker5\n');
    // Handlers from the readers: a control-plane node restarts etcd and the control plane, a worker
    // its kubelet (kubeadm's kube-proxy is a DaemonSet that reads no file kubepki writes).
    const handlers = notified(first.result);
    expect(handlers.cp1).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']
      .filter(c => handlers.cp1!.includes(`Restart ${c}`)).flatMap(c => [`Restart ${c}`, `Check ${c}`]));
    expect(handlers.cp1).toEqual(expect.arrayContaining(['Restart etcd', 'Restart kube-apiserver', 'Restart kube-controller-manager', 'Restart kube-scheduler']));
    expect(handlers.worker1).toEqual(['Restart kubelet', 'Check kubelet']);

    // worker5 answers again: the retry file, as ansible wrote it, limits the run to it.
    const retry = await playbookRun(labInventory(), ['--limit', '@site.retry']);
    expect(retry.status, retry.stdout + retry.stderr).toBe(0);
    expect(Object.keys(retry.result.stats)).toEqual(['worker5']);
    expectBundle('worker5');
    console.log(`ansible-playbook, 12 nodes: first run and retry in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 500_000);

  it('run again: nothing changes, nothing restarts; a replaced certificate is backed up and restarts only its readers on that node', async () => {
    const inventory = labInventory();
    const again = await playbookRun(inventory, ['--limit', 'cp2,worker1']);
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(Object.keys(again.result.stats).sort()).toEqual(['cp2', 'worker1']);
    for (const [node, s] of Object.entries(again.result.stats)) expect(s.changed, node).toBe(0);
    expect(notified(again.result)).toEqual({});

    const path = join(stage(), 'cp2', 'etc/kubernetes/pki/apiserver.crt');
    writeFileSync(path, 'an older certificate\n');
    const third = await playbookRun(inventory, ['--limit', 'cp2,worker1']);
    expect(third.status, third.stderr).toBe(0);
    expect(Object.entries(third.result.stats).filter(([, s]) => s.changed > 0).map(([n]) => n)).toEqual(['cp2']);
    expect(notified(third.result)).toEqual({cp2: ['Restart kube-apiserver', 'Check kube-apiserver']});
    const backups = readdirSync(join(path, '..')).filter(f => f.startsWith(`${path.split('/').pop()}.`) && f.endsWith('~'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(path, '..', backups[0]!), 'utf8')).toBe('an older certificate\n');
  }, 300_000);

  it('passes ansible-lint', () => {
    const lint = requireCommand('ansible-lint', 'ansible-lint');
    const r = run(lint, ['--offline', '-p'], {cwd: dir(), timeout: 120_000, env: {...process.env, ANSIBLE_HOME: join(lab.work, 'ansible-home'), HOME: lab.work}});
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

// ssh.user other than root with ssh.sudo: the inventory logs in as that user and becomes root
// (ansible_become, through sudo), as distribute.sh --sudo does. The lab's kubepki-ssh exists only
// in sshd's namespace and may sudo without a password.
describe('OUT/ansible as a non-root ssh user that becomes root with sudo, on the sshd lab', () => {
  let out: Awaited<ReturnType<typeof generated>>;
  let manifest: Manifest;
  let lab: SshdLab;
  let playbook: string;

  beforeAll(async () => {
    ({playbook, out, manifest, lab} = await outOnLab([
      {name: 'cp1', ip: '192.168.56.21', roles: ['control-plane', 'etcd']},
      {name: 'worker1', ip: '192.168.56.31', roles: ['worker']},
    ], c => { c.ssh = {user: SANDBOX_USER, sudo: true}; }));
  });
  afterAll(async () => {
    await lab?.stop();
    out?.remove();
  });

  it(`logs in as ${SANDBOX_USER}, becomes root: every file lands owned by root with its mode; with become off the same run is refused and writes nothing`, async () => {
    const dir = join(out.dir, 'ansible');
    const text = readFileSync(join(dir, 'inventory.ini'), 'utf8');
    expect(text).toMatch(new RegExp(`^ansible_user=${SANDBOX_USER}$`, 'm'));
    expect(text).toMatch(/^ansible_become=true$/m);
    const inventory = inventoryFor(lab, dir);
    // The stage lies in the lab's work directory (root's, 0700), as /etc/kubernetes is root's on a node.
    const stage = join(lab.work, 'stage');
    const playbookRun = (extra: string[] = []) => runPlaybook(playbook, lab, dir, inventory,
      ['-e', 'kubepki_restart=false', '-e', `kubepki_root=${stage}/{{ inventory_hostname }}`, ...extra]);

    const refused = await playbookRun(['-e', 'ansible_become=false']);
    expect(refused.status, refused.stdout + refused.stderr).toBe(2); // ansible-playbook: some hosts failed
    // cp1 fails in the control-plane play, which stops the playbook there (any_errors_fatal): worker1 is never reached.
    expect(refused.result.stats.cp1).toMatchObject({failed: 1, unreachable: 0});
    expect(refused.result.stats.worker1).toBeUndefined();
    expect(refused.stdout).toMatch(/Permission denied/);
    expect(existsSync(stage)).toBe(false);

    const became = await playbookRun();
    expect(became.status, became.stdout + became.stderr).toBe(0);
    for (const [node, info] of Object.entries(manifest.nodes)) {
      expect(became.result.stats[node], node).toMatchObject({failed: 0, unreachable: 0});
      const root = join(stage, node);
      expect(filesUnder(root), node).toEqual(info.files.map(f => f.path).sort());
      for (const f of info.files) {
        const st = statSync(join(root, f.path));
        expect([st.uid, st.gid, st.mode & 0o777], `${node}:${f.path}`).toEqual([0, 0, f.secret ? 0o600 : 0o644]);
        expect(readFileSync(join(root, f.path)).equals(readFileSync(join(out.dir, f.source))), `${node}:${f.path}`).toBe(true);
      }
    }
    // Ansible's remote files went to the login user's home: the ssh sessions were kubepki-ssh's.
    expect(statSync(join(lab.shared, 'home', '.ansible')).uid).toBe(lab.uid);
  }, 300_000);
});
