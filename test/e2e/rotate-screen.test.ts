// The wizard's "Rotate a CA" in a real terminal of 80×24: the timeline, where OUT stands, the
// next step's changes and the menu fit under the screen's title; start runs from it; Ctrl+C then
// quits saying what OUT holds.
import {afterAll, describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {Terminal} from '../helpers/tmux.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';

const tmp = tempDir('kubepki-rotate-tty-');
afterAll(() => tmp.remove());

const widest = (screen: string) => Math.max(...screen.split('\n').map(l => l.length));

describe('Rotate a CA in a real terminal', () => {
  it('fits 80×24 with its title on top, before and after start; Ctrl+C then says OUT holds the phase', async () => {
    const out = join(tmp.path, 'out');
    await buildCluster(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; })), out);
    const term = new Terminal(tmp.path, ['out']);
    try {
      await term.waitFor('the first step', s => s.includes('1/11'));
      await term.press('Enter', 16);
      await term.waitFor('the plan', s => s.includes('row 1 of') && s.replace(/\s+/g, ' ').includes('c: rotate a CA'));
      term.send('c');
      await term.waitFor('the choice', s => s.includes('choose what to rotate'));
      term.send('Enter');
      let screen = await term.waitFor('the timeline', s => s.includes('Run start (phase 1 of 3)') && s.includes('d: all it changes'));
      const fits = (s: string) => {
        expect(s.split('\n')[0], s).toBe(`kubepki · Updating ${out} · Rotate a CA`);
        expect(widest(s), s).toBeLessThanOrEqual(80);
      };
      fits(screen);
      expect(screen).toContain('  ◉─────────────○─────────────○');
      expect(screen).toContain('Next, start: trust old + new; the old one still signs. It will change:');

      term.send('Enter');
      await term.waitFor('the confirmation', s => s.includes('y: yes, run it'));
      term.send('y');
      await term.waitFor('the report of start', s => s.includes('Started the rotation of CA ca'), 60_000);
      term.send('Enter');
      screen = await term.waitFor('the timeline after start', s => s.includes('Run issue (phase 2 of 3)') && s.includes('d: all it changes'));
      fits(screen);
      expect(screen).toContain('  ●─────────────◉─────────────○');
      expect(screen).toMatch(/^Rotating ca: phase 1 of 3 \(start\) done, started /m);
      expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).rotation).toMatchObject({authority: 'ca', phase: 'start'});

      term.send('C-c');
      expect(await term.exitCode()).toBe(130);
      expect(term.scrollback()).toContain(`kubepki: interrupted; ${out} holds the rotation's start.`);
    } finally {
      term.close();
    }
  }, 120_000);
});
