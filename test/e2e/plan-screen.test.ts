// The plan screen of the built CLI in a real terminal: 80×24, then resized to 60×20 while shown.
import {afterAll, describe, expect, it} from 'vitest';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {Terminal} from '../helpers/tmux.js';
import {tempDir} from '../helpers/cluster.js';
import {hardWaySpec} from '../helpers/hard-way-cluster.js';
import {buildPlan} from '../../source/plan/plan.js';

const tmp = tempDir('kubepki-plan-tty-');
afterAll(() => tmp.remove());

const widest = (screen: string) => Math.max(...screen.split('\n').map(l => l.length));

describe('the plan screen in a real terminal', () => {
  it('fits 80×24 with nothing cut, is laid out again when resized to 60×20, details scroll, w shows the warnings', async () => {
    const spec = hardWaySpec();
    const config = join(tmp.path, 'hard-way.yaml');
    writeFileSync(config, stringify(spec));
    const term = new Terminal(tmp.path, ['--config', config]);
    try {
      await term.waitFor('the first step', s => s.includes('1/11'));
      await term.press('Enter', 16);
      let screen = await term.waitFor('the plan', s => s.includes('row 1 of'));
      screen = term.joinedScreen();
      expect(widest(screen), screen).toBeLessThanOrEqual(80);
      expect(screen).not.toMatch(/…/);
      expect(screen).toMatch(/^ {2}kube-api-server-etcd-client\.crt +ca +cp1,cp2,cp3\n {4}CN=kube-apiserver-etcd-client$/m);

      term.resize(60, 20);
      await term.waitFor('the plan laid out for 60 columns', () => {
        const s = term.joinedScreen();
        return widest(s) <= 60 && s.includes('FILE / SUBJECT') && s.includes('row 1 of') && !s.includes('…');
      });
      screen = term.joinedScreen();
      expect(screen.split('\n').length).toBeLessThanOrEqual(20);

      await term.press('Down');
      screen = await term.press('Enter');
      expect(screen).toMatch(/pki\/kube-api-server\.crt — apiserver/);
      expect(screen).toMatch(/lines 1-\d+ of \d+/);
      screen = await term.press('Down');
      expect(screen).toMatch(/lines 2-\d+ of \d+/);
      expect(widest(term.joinedScreen())).toBeLessThanOrEqual(60);

      await term.press('Escape');
      screen = await term.press('w');
      const flat = screen.replace(/\s+/g, ' ');
      for (const w of buildPlan(spec).warnings) expect(flat).toContain(w.replace(/\s+/g, ' '));
      term.send('C-c');
      expect(await term.exitCode()).toBe(130);
    } finally {
      term.close();
    }
  }, 60_000);
});
