// The wizard's first screen and its "check an existing PKI" path, rendered with ink-testing-library.
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {join} from 'node:path';
import {App, type WizardDeps, type WizardOutcome} from '../../source/ui/App.js';
import {draftFromSpec} from '../../source/interview/draft.js';
import {defaultCheckPath} from '../../source/interview/check.js';
import {exampleSpec} from '../../source/spec/example.js';
import {tempDir} from '../helpers/cluster.js';
import {ROOT, run} from '../helpers/run.js';
import {KEY, press, resizeTo, settle, type, waitForFrame} from '../helpers/ink.js';
import {brokenConnections} from '../../source/interview/broken-connections.js';
import {inspectPaths} from '../../source/inspect/inspect.js';

const tmp = tempDir('kubepki-check-');
const tree = join(tmp.path, 'seed');
beforeAll(() => {
  const r = run('bash', [join(ROOT, 'test/inspect/trees/seed-literal.sh'), tree]);
  if (r.status !== 0) throw new Error(r.stderr);
});
afterAll(() => tmp.remove());

const deps: WizardDeps = {
  generate: () => Promise.reject(new Error('not used')),
  checkOut: () => undefined,
};

function wizard() {
  const outcomes: WizardOutcome[] = [];
  const ui = render(<App initial={draftFromSpec(exampleSpec())} deps={deps} choose onOutcome={o => outcomes.push(o)} />);
  return {ui, outcomes};
}

describe('the first screen', () => {
  it('offers planning and checking; Enter plans', async () => {
    const {ui} = wizard();
    const frame = await settle(ui, 'What would you like to do?');
    expect(frame).toMatch(/❯ Plan a new PKI/);
    expect(frame).toMatch(/Check an existing one/);
    expect(await press(ui, KEY.enter)).toMatch(/1\/11 · Cluster and API endpoint/);
    ui.unmount();
  });

  it('Esc on the first step goes back to the first screen, as its footer says', async () => {
    const {ui, outcomes} = wizard();
    await settle(ui, 'What would you like to do?');
    let frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Esc: back to the first screen/);
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/What would you like to do\?/);
    expect(frame).toMatch(/❯ Plan a new PKI/);
    // Planning again starts where the answers were left.
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/1\/11 · Cluster and API endpoint/);
    expect(outcomes).toEqual([]);
    ui.unmount();
  });

  it('checks a folder: a bad path inline, then each certificate with its verdict, its problems with why, q exits 1', async () => {
    const {ui, outcomes} = wizard();
    await settle(ui, 'What would you like to do?');
    await press(ui, KEY.down);
    let frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/kubepki · Check an existing PKI/);
    expect(frame).toMatch(/Directory or file/);
    await press(ui, KEY.backspace, defaultCheckPath().length);
    await type(ui, join(tmp.path, 'nowhere'));
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/✗ .*nowhere: no such file or directory/);
    await press(ui, KEY.backspace, 'nowhere'.length);
    await type(ui, 'seed');
    frame = await press(ui, KEY.enter);
    frame = await settle(ui, '2 problems');
    expect(frame).toMatch(/PROBLEM +ca\.crt +cluster CA/);
    expect(frame).toMatch(/PROBLEM +apiserver\.crt +apiserver serving/);
    expect(frame).toMatch(/warning +admin\.crt +admin \(kube-admin\)/);
    await press(ui, KEY.down);
    frame = await press(ui, KEY.enter);
    const flat = frame.replace(/\s+/g, ' ');
    expect(flat).toMatch(/apiserver serving — apiserver\.crt/);
    expect(flat).toMatch(/names \(none\)/);
    expect(flat).toMatch(/✗ has no subject alternative names/);
    expect(flat).toMatch(/why: Clients check that the name they dialled is a SAN/);
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/row 2 of 3/);
    // The selected row is marked with ›, not only inverse video.
    expect(frame).toMatch(/^› PROBLEM +apiserver\.crt/m);
    expect(frame).toMatch(/^ {2}PROBLEM +ca\.crt/m);
    ui.stdin.write('q');
    await waitForFrame(ui, () => outcomes.length > 0, 'the outcome');
    expect(outcomes[0]).toMatchObject({code: 1, inspected: {problems: 2}});
    ui.unmount();
  });

  it('m shows the trust map\'s broken arrows on the check screen itself, as the report after quit prints them, within 80×24 (issue 25 item 3)', async () => {
    const {ui, outcomes} = wizard();
    resizeTo(ui, 80, 24);
    await settle(ui, 'What would you like to do?');
    await press(ui, KEY.down);
    await press(ui, KEY.enter);
    await press(ui, KEY.backspace, defaultCheckPath().length);
    await type(ui, tree);
    await press(ui, KEY.enter);
    const expected = brokenConnections(inspectPaths([tree]), 79);
    expect(expected.count).toBeGreaterThan(0);
    let frame = await settle(ui, 'm to see');
    expect(frame).toMatch(new RegExp(`row 1 of 3 · ✗ ${expected.count} connections? of the trust map broken: m to see`));
    expect(frame).toMatch(/m: broken arrows/);
    frame = await press(ui, 'm');
    const fits = (f: string) => {
      expect(f.split('\n').length, f).toBeLessThanOrEqual(24);
      expect(f.split('\n').filter(l => l.length > 80), f).toEqual([]);
    };
    fits(frame);
    // Every line of the printed text, scrolled through.
    let seen = frame;
    for (let i = 0; i < 40; i++) {
      const at = /lines \d+-(\d+) of (\d+)/.exec(frame);
      if (!at || at[1] === at[2]) break;
      frame = await press(ui, KEY.pageDown);
      fits(frame);
      seen += `\n${frame}`;
    }
    for (const line of expected.text.split('\n').filter(l => l.trim() !== '')) expect(seen).toContain(line);
    expect(seen).toMatch(/BROKEN/);
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/row 1 of 3/);
    ui.stdin.write('q');
    await waitForFrame(ui, () => outcomes.length > 0, 'the outcome');
    ui.unmount();
  });
});
