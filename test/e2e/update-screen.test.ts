// The wizard on an existing OUT (`kubepki OUT`) in a real terminal: the plan as a diff at 80×24,
// then resized to 60×20 while shown; f and the footer agree.
import {afterAll, describe, expect, it} from 'vitest';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {Terminal} from '../helpers/tmux.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';

const tmp = tempDir('kubepki-update-tty-');
afterAll(() => tmp.remove());

const widest = (screen: string) => Math.max(...screen.split('\n').map(l => l.length));

describe('the update plan in a real terminal', () => {
  it('says it updates OUT, fits 80×24 with nothing cut, is laid out again at 60×20; f and the footer agree', async () => {
    const out = join(tmp.path, 'out');
    await buildCluster(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; })), out);
    const spec = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
    spec.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
    spec.extraSANs = ['k8s.example.org'];
    writeFileSync(join(out, 'cluster.yaml'), stringify(spec));

    const term = new Terminal(tmp.path, ['out']);
    try {
      let screen = await term.waitFor('the first step', s => s.includes('1/11'));
      expect(screen.startsWith(`kubepki · Updating ${out} · 1/11 ·`), screen).toBe(true);
      await term.press('Enter', 16);
      await term.waitFor('the plan', s => s.includes('row 1 of'));
      screen = term.joinedScreen();
      expect(widest(screen), screen).toBeLessThanOrEqual(80);
      expect(screen).not.toContain('…');
      expect(screen).toMatch(/^1 new · 1 changed · \d+ kept · 0 removed; CAs, counted apart: 3 kept$/m);
      expect(screen).toMatch(/^ {2}changed +apiserver +pki\/apiserver\.crt\n {4}certificate: SANs \+k8s\.example\.org$/m);

      term.resize(60, 20);
      await term.waitFor('the plan laid out for 60 columns', () => {
        const s = term.joinedScreen();
        return widest(s) <= 60 && s.includes('STATUS') && s.includes('row 1 of') && !s.includes('…');
      });
      screen = term.joinedScreen();
      expect(screen.split('\n').length).toBeLessThanOrEqual(20);
      expect(screen).toMatch(/f: changes only/);

      screen = await term.press('f');
      await term.waitFor('the changes only', s => /row 1 of 2 \(changes only\)/.test(s));
      screen = term.joinedScreen();
      expect(screen.replace(/\s+/g, ' ')).toMatch(/· f: all rows ·/);
      expect(screen).not.toMatch(/f: changes only/);
      expect(screen).toMatch(/^› changed +apiserver +pki\/apiserver\.crt\n {4}certificate: SANs \+k8s\.example\.org$/m);
      expect(widest(screen)).toBeLessThanOrEqual(60);
      term.send('C-c');
      expect(await term.exitCode()).toBe(130);
    } finally {
      term.close();
    }
  }, 60_000);

  it('kubernetesVersion changed in OUT/cluster.yaml: the plan says what the release changes, r shows it all, and the report printed on quit says it too (issue 23 item 2)', async () => {
    const out = join(tmp.path, 'upgraded');
    await buildCluster(buildPlan(specWith(c => { c.kubernetesVersion = 'v1.35.0'; c.pki.key = 'ecdsa-p256'; })), out);
    const spec = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
    spec.kubernetesVersion = 'v1.36.1';
    writeFileSync(join(out, 'cluster.yaml'), stringify(spec));

    const term = new Terminal(tmp.path, ['upgraded']);
    try {
      await term.waitFor('the first step', s => s.includes('1/11'));
      await term.press('Enter', 16);
      let screen = await term.waitFor('the plan', s => s.includes('row 1 of'));
      screen = term.joinedScreen();
      expect(screen.split('\n').length).toBeLessThanOrEqual(24);
      expect(widest(screen), screen).toBeLessThanOrEqual(80);
      expect(screen.replace(/\s+/g, ' ')).toContain('⚠ Kubernetes v1.35.0 → v1.36.1: r to read what changes');
      term.send('r');
      screen = await term.waitFor('the release changes', s => s.includes('Esc: back to the table'));
      expect(screen.replace(/\s+/g, ' ')).toMatch(/Kubernetes v1\.35\.0 → v1\.36\.1: what v1\.36\.1's kubeadm changes in the files and RBAC \(kubeadm layout\): apiserver-kubelet-client: no O/);
      term.send('Escape');
      await term.waitFor('the plan again', s => s.includes('row 1 of'));
      term.send('g');
      await term.waitFor('the final screen', s => s.includes('✓ Updated'), 60_000);
      term.send('Enter');
      expect(await term.exitCode()).toBe(0);
      const printed = term.scrollback();
      // The report printed under the last screen: the title, then what the new release changes, then the lists.
      const report = printed.slice(printed.lastIndexOf(`Updated ${out}.\n`));
      expect(report.startsWith(`Updated ${out}.\nKubernetes v1.35.0 → v1.36.1: what v1.36.1's kubeadm changes in the files and RBAC (kubeadm layout):\n  apiserver-kubelet-client: no O`), printed).toBe(true);
      expect(report).toMatch(/Issued anew because their subject changes \(1\); every other certificate is kept:\n {2}apiserver-kubelet-client +CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins → CN=kube-apiserver-kubelet-client/);
      expect(report).toMatch(/Apply this RBAC before any kube-apiserver restarts/);
    } finally {
      term.close();
    }
  }, 90_000);
});
