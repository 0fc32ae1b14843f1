// `kubepki generate` prints a summary whose length does not grow with the cluster (3+500 nodes
// printed 6,145 lines before); --verbose prints every check and every node's commands.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {kubepki, type Ran} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-summary-');
afterAll(() => tmp.remove());

/** The example with 3 control-plane nodes and `workers` workers, ECDSA keys (fast). */
function config(workers: number, layout = 'kubeadm', name = `c-${layout}-${workers}`, mutate: (c: any) => void = () => {}): string {
  const c = parse(kubepki(['example']).stdout);
  c.pki.key = 'ecdsa-p256';
  c.pki.layout = layout;
  c.endpoint.host = 'api.example.test';
  c.nodes = [
    ...[1, 2, 3].map(i => ({name: `cp${i}`, ip: `10.0.0.${i}`, roles: ['control-plane', 'etcd']})),
    ...Array.from({length: workers}, (_, i) => ({name: `worker${i + 1}`, ip: `10.0.${1 + Math.floor(i / 250)}.${(i % 250) + 1}`, roles: ['worker']})),
  ];
  mutate(c);
  const file = join(tmp.path, `${name}.yaml`);
  writeFileSync(file, stringify(c));
  return file;
}

const workerNames = (n: number) => Array.from({length: n}, (_, i) => `worker${i + 1}`);

describe('generate output', () => {
  let small: Ran;
  let large: Ran;
  let verbose: Ran;
  beforeAll(() => {
    small = kubepki(['generate', '--config', config(4), '--out', join(tmp.path, 'small')]);
    large = kubepki(['generate', '--config', config(500), '--out', join(tmp.path, 'large')]);
    verbose = kubepki(['generate', '--config', config(500), '--out', join(tmp.path, 'large-verbose'), '--verbose']);
  }, 300_000);

  it('by default: a summary as long for 3+500 nodes as for 3+4, naming no node, saying where the full lists are', () => {
    expect(small.status, small.stderr).toBe(0);
    expect(large.status, large.stderr).toBe(0);
    const lines = large.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(small.stdout.trimEnd().split('\n').length);
    // No per-node line: not one of the 503 node names appears.
    for (const name of ['cp1', 'cp2', 'cp3', ...workerNames(500)]) {
      expect(lines.filter(l => new RegExp(`\\b${name}\\b`).test(l)), name).toEqual([]);
    }
    const out = join(tmp.path, 'large');
    expect(large.stdout).toContain(`Wrote `);
    expect(large.stdout).toContain(`to 503 nodes`);
    expect(large.stdout).toMatch(/openssl verify -CAfile pki\/ca\.crt -purpose sslserver -verify_hostname api\.example\.test pki\/apiserver\.crt/);
    expect(large.stdout).toContain(`bash ${out}/distribute.sh --dry-run`);
    expect(large.stdout).toContain(`bash ${out}/kubeadm-steps.sh`);
    expect(large.stdout).toContain(`Saved: ${out}/verify.sh, ${out}/distribute.sh, ${out}/kubeadm-steps.sh, and your answers`);
    expect(large.stdout).toContain('kubepki generate --verbose prints them all');
    expect(large.stdout).not.toMatch(/^scp /m);
  });

  it('--verbose: every node\'s scp line and every check', () => {
    expect(verbose.status, verbose.stderr).toBe(0);
    const lines = verbose.stdout.split('\n');
    for (const name of ['cp1', 'cp2', 'cp3', ...workerNames(500)]) {
      expect(lines.some(l => l === `scp -rp nodes/${name} "root@${name}:$TMP/"`), name).toBe(true);
    }
    // The summary quotes verify.sh's count; the full report lists the openssl checks among them and says how many more verify.sh runs.
    const all = Number(/all (\d+): bash/.exec(large.stdout)?.[1]);
    const [, openssl, bundles, total] = /# Verify: the (\d+) openssl checks below \(bash \S+ runs them and (\d+) more on the node bundles and file modes: all (\d+)\)/.exec(verbose.stdout)!.map(Number);
    expect(openssl).toBeGreaterThan(500);
    expect(total).toBe(openssl! + bundles!);
    expect(all).toBe(total);
    expect(lines.filter(l => l.startsWith('openssl verify ') || l.startsWith('diff <(')).length).toBe(openssl);
    // The hand-run lines use install, which keeps no copy of what it replaces: said before them.
    expect(verbose.stdout).toMatch(/distribute\.sh \[NODE\.\.\.\]; --help for options\)\. By hand, node by node, the same steps: .*backed up first as FILE\.kubepki-<UTC time>\.bak:\n## cp1\n/);
  });

  it('hard-way: then start them, one systemctl line per kind of node, and the RBAC line; as long for 3+500 as for 3+4', () => {
    const hw = (workers: number) => {
      const out = join(tmp.path, `hard-way-${workers}`);
      const r = kubepki(['generate', '--config', config(workers, 'hard-way'), '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      return {out, stdout: r.stdout};
    };
    const few = hw(4);
    const many = hw(500);
    expect(many.stdout.trimEnd().split('\n').length).toBe(few.stdout.trimEnd().split('\n').length);
    const start = /# Then start them, as The Hard Way does[^\n]*\n([\s\S]*?)\n\n/.exec(many.stdout)?.[1];
    expect(start, many.stdout).toBe([
      '## cp1, cp2, cp3',
      'systemctl daemon-reload && systemctl enable --now etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy',
      '## worker1 … worker500 (500 nodes)',
      'systemctl daemon-reload && systemctl enable --now containerd kubelet kube-proxy',
      '# Once the apiservers answer, let them call the kubelets (the RBAC of kube-apiserver-to-kubelet.yaml):',
      `ssh root@cp1 kubectl apply --kubeconfig /var/lib/kubernetes/admin.kubeconfig -f - < ${many.out}/kube-apiserver-to-kubelet.yaml`,
    ].join('\n'));
    // kubeadm starts its own: no such section there.
    expect(small.stdout).not.toMatch(/systemctl/);
    // An SSH user with sudo: every line as that user, through sudo.
    const file = config(2, 'hard-way', 'sudo', c => { c.ssh = {user: 'admin', sudo: true}; });
    const out = join(tmp.path, 'hard-way-sudo');
    const sudo = kubepki(['generate', '--config', file, '--out', out]);
    expect(sudo.status, sudo.stderr).toBe(0);
    expect(sudo.stdout).toMatch(/on each node as admin, with sudo:\n## cp1, cp2, cp3\nsudo systemctl daemon-reload && sudo systemctl enable --now etcd /);
    expect(sudo.stdout).toContain(`ssh admin@cp1 sudo -n kubectl apply --kubeconfig /var/lib/kubernetes/admin.kubeconfig -f - < ${out}/kube-apiserver-to-kubelet.yaml`);
  }, 120_000);

  it('--help describes --verbose', () => {
    const help = kubepki(['--help']).stdout;
    expect(help).toMatch(/--verbose\s+generate: print every check and every node's commands/);
  });
});
