// The wizard in a real 60×20 terminal (issue 20 item 6): the file-layout step and the final
// screen keep their first lines (the title, "✓ Wrote … to"), and the menu rows keep their indent.
import {afterAll, describe, expect, it} from 'vitest';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {Terminal} from '../helpers/tmux.js';
import {tempDir} from '../helpers/cluster.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';

const tmp = tempDir('kubepki-narrow-');
afterAll(() => tmp.remove());

describe('the wizard at 60×20', () => {
  it('the file-layout step and the Done screen show their titles; every layout row is one indented line', async () => {
    const config = join(tmp.path, 'cluster.yaml');
    // ECDSA: quick keys (the screens do not depend on the key type).
    writeFileSync(config, stringify({...EXAMPLE_CONFIG, pki: {...EXAMPLE_CONFIG.pki, key: 'ecdsa-p256'}}));
    const term = new Terminal(tmp.path, ['--config', config], {}, {columns: 60, rows: 20});
    try {
      await term.waitFor('the first step', s => s.includes('1/11'));
      // 3 cluster fields, the nodes, 3 network fields: the layout step.
      let screen = await term.press('Enter', 7);
      await term.waitFor('the layout step', s => s.includes('kubeadm, external CA'));
      for (const key of ['', 'Down', 'Down']) {
        if (key) screen = await term.press(key);
        screen = term.screen();
        const lines = screen.split('\n');
        expect(lines[0], screen).toBe('kubepki · 4/11 · File layout');
        expect(lines.length).toBeLessThanOrEqual(20);
        // Each choice on one line, pointer or two spaces before it; nothing wrapped under the pointer.
        const rows = lines.filter(l => /^(❯ | {2})(kubeadm, shared CA|kubeadm, external CA|hard-way)\b/.test(l));
        expect(rows, screen).toHaveLength(3);
        // ...and the three are consecutive: no row continues on a line of its own.
        const first = lines.indexOf(rows[0]!);
        expect(lines.slice(first, first + 3)).toEqual(rows);
        expect(screen).toMatch(/Files such as \/(etc|var)\//);
      }
      await term.press('Up', 2);
      // layout, release, CA, 3 keys, 2 output fields: the expiry monitoring question, its lesson under it.
      await term.press('Enter', 8);
      screen = await term.waitFor('the expiry monitoring question', s => /› Expiry monitoring\s+\[no\]\s+yes/.test(s) && /PrometheusRule/.test(s));
      expect(screen.split('\n').length, screen).toBeLessThanOrEqual(20);
      expect(screen.split('\n').every(l => l.length <= 60), screen).toBe(true);
      expect(screen).toMatch(/^kubepki · 8\/11 · Output and SSH/);
      expect(screen).toMatch(/Ctrl\+C: quit/);
      screen = await term.press('Enter');
      await term.waitFor('the plan', s => s.includes('Certificate plan'));
      term.send('g');
      screen = await term.waitFor('the final screen', s => s.includes('✓ Wrote'), 60_000);
      const lines = screen.split('\n');
      expect(lines[0], screen).toBe('kubepki · 11/11 · Done');
      expect(lines.some(l => /^✓ Wrote \d+ certificates and \d+ kubeconfigs to$/.test(l))).toBe(true);
      expect(lines.length).toBeLessThanOrEqual(20);
      expect(lines.every(l => l.length <= 60)).toBe(true);
      // What to run is all there: the count verify.sh prints, the shipping, kubeadm's steps, the footer.
      expect(screen).toMatch(/Check them \(all \d+ checks: bash verify\.sh\):/);
      expect(screen).toMatch(/^ {2}bash distribute\.sh --dry-run/m);
      expect(screen).toMatch(/^ {2}bash kubeadm-steps\.sh/m);
      expect(screen).toMatch(/u: add a user/);
      term.send('q');
      expect(await term.exitCode()).toBe(0);
    } finally {
      term.close();
    }
  });
});
