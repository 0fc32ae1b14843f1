// The plan screen at the sizes a newcomer has: 80×24, and 60×20, and resized while it is shown.
import React from 'react';
import {describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {PlanStep} from '../../source/ui/PlanStep.js';
import {buildPlan} from '../../source/plan/plan.js';
import {hardWaySpec} from '../helpers/hard-way-cluster.js';
import {KEY, press, settle, waitForFrame} from '../helpers/ink.js';

type Rendered = ReturnType<typeof render>;

/** The terminal resized, as a terminal emulator does: new size, then a resize event. */
async function resize(ui: Rendered, columns: number, rows: number) {
  const before = ui.lastFrame();
  Object.defineProperty(ui.stdout, 'columns', {configurable: true, get: () => columns});
  Object.defineProperty(ui.stdout, 'rows', {configurable: true, get: () => rows});
  ui.stdout.emit('resize');
  // Ink first cuts the old frame to the new width (…); then the screen is laid out again.
  return waitForFrame(ui, f => f !== before && !f.includes('…') && f.split('\n').every(l => l.length <= columns), `the plan laid out again for ${columns}×${rows}`);
}

const fits = (frame: string, columns: number, rows: number) => {
  const lines = frame.split('\n');
  expect(lines.filter(l => l.length > columns), frame).toEqual([]);
  expect(lines.length, frame).toBeLessThan(rows);
  expect(frame).not.toMatch(/…/);
};

function planScreen() {
  const plan = buildPlan(hardWaySpec());
  const ui = render(<PlanStep plan={plan} onGenerate={() => {}} onBack={() => {}} />);
  return {plan, ui};
}

describe('the plan screen at 80 columns', () => {
  it('each certificate is readable: nothing cut, its subject under its file', async () => {
    const {plan, ui} = planScreen();
    await settle(ui, 'row 1 of');
    let frame = await resize(ui, 80, 24);
    fits(frame, 80, 24);
    expect(frame).toMatch(/^ {2}kube-api-server-etcd-client\.crt +ca +cp1,cp2,cp3\n {4}CN=kube-apiserver-etcd-client$/m);
    // Rows of one kind differ where it matters: each kubelet client's file and CN name its node.
    const row = plan.authorities.length + plan.certificates.findIndex(c => c.id === 'kubelet-client' && c.node === 'worker4');
    frame = await press(ui, KEY.down, row);
    fits(frame, 80, 24);
    expect(frame).toMatch(/^› nodes\/worker4\/worker4\.crt +ca +worker4 \(in kubeconfig\)\n {4}CN=system:node:worker4 O=system:nodes$/m);
    expect(frame).toMatch(/^ {2}nodes\/worker3\/worker3\.crt +ca +worker3 \(in kubeconfig\)\n {4}CN=system:node:worker3 O=system:nodes$/m);
    frame = await press(ui, KEY.end);
    expect(frame).toMatch(new RegExp(`row ${plan.authorities.length + plan.certificates.length + 1} of `));
    fits(frame, 80, 24);
    ui.unmount();
  });

  it('w shows the summary and every warning in full, wrapped; Esc goes back', async () => {
    const {plan, ui} = planScreen();
    await settle(ui, 'row 1 of');
    let frame = await resize(ui, 80, 24);
    expect(plan.warnings.length).toBeGreaterThan(0);
    expect(frame).toMatch(new RegExp(`⚠ ${plan.warnings.length} warnings?: w to read`));
    frame = await press(ui, 'w');
    fits(frame, 80, 24);
    const flat = frame.replace(/\s+/g, ' ');
    for (const w of plan.warnings) expect(flat).toContain(`⚠ ${w.replace(/\s+/g, ' ')}`);
    expect(flat).toContain(`Files per node: ${plan.nodes.map(n => `${n.name} ${plan.bundles[n.name]!.length}`).join(', ')}.`);
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/row 1 of/);
    ui.unmount();
  });
});

describe('the plan screen at 60×20, and resized', () => {
  it('details scroll when they do not fit, line by line and by page', async () => {
    const {ui} = planScreen();
    await settle(ui, 'row 1 of');
    await resize(ui, 60, 20);
    await press(ui, KEY.down);
    let frame = await press(ui, KEY.enter);
    fits(frame, 60, 20);
    expect(frame).toMatch(/pki\/kube-api-server\.crt — apiserver/);
    const total = Number(/lines 1-\d+ of (\d+)/.exec(frame)![1]);
    frame = await press(ui, KEY.down);
    expect(frame).toMatch(new RegExp(`lines 2-\\d+ of ${total}`));
    expect(frame).not.toMatch(/pki\/kube-api-server\.crt — apiserver/);
    // A burst (a held key): each ↓ scrolls one line.
    ui.stdin.write(KEY.down.repeat(3));
    frame = await waitForFrame(ui, f => /lines 5-\d+ of/.test(f), 'three more lines scrolled');
    frame = await press(ui, KEY.up);
    expect(frame).toMatch(new RegExp(`lines 4-\\d+ of ${total}`));
    const atEnd = new RegExp(`lines \\d+-${total} of ${total}`);
    for (let page = 0; page < 5 && !atEnd.test(frame); page++) frame = await press(ui, KEY.pageDown);
    expect(frame).toMatch(atEnd);
    expect(frame).toMatch(/Installed at/);
    fits(frame, 60, 20);
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/row 2 of/);
    ui.unmount();
  });

  it('a resize lays the table out again for the new width', async () => {
    const {ui} = planScreen();
    await settle(ui, 'row 1 of');
    let frame = await resize(ui, 80, 24);
    expect(frame).toMatch(/^ {2}kube-api-server-etcd-client\.crt +ca/m);
    frame = await resize(ui, 60, 20);
    fits(frame, 60, 20);
    expect(frame).toMatch(/^ {2}FILE \/ SUBJECT +SIGNER +NODES$/m);
    frame = await resize(ui, 100, 30);
    expect(frame).toMatch(/─{80}/);
    ui.unmount();
  });
});

describe('the plan screen\'s map of the selected certificate', () => {
  it('m shows, at 80×24, who presents it, to whom, checked with which file, and why its names matter; m goes back', async () => {
    const {plan, ui} = planScreen();
    await settle(ui, 'row 1 of');
    await resize(ui, 80, 24);
    const row = plan.authorities.length + plan.certificates.findIndex(c => c.id === 'apiserver-etcd-client');
    await press(ui, KEY.down, row);
    let frame = await press(ui, 'm');
    fits(frame, 80, 24);
    expect(frame).toMatch(/^kube-apiserver → etcd@cp1 +\[etcd client\] +ok$/m);
    const flat = frame.replace(/\s+/g, ' ');
    expect(flat).toContain('pki/kube-api-server-etcd-client.crt: who presents it, to whom, checked with which file');
    expect(flat).toContain('kube-apiserver presents apiserver-etcd-client (pki/kube-api-server-etcd-client.crt)');
    expect(flat).toContain('etcd@cp1 checks it with pki/ca.crt (etcd --trusted-ca-file)');
    for (let page = 0; page < 5 && !/Why its names matter/.test(frame); page++) frame = await press(ui, KEY.pageDown);
    fits(frame, 80, 24);
    expect(frame.replace(/\s+/g, ' ')).toContain('Why its names matter etcd checks only the signature');
    frame = await press(ui, 'm');
    expect(frame).toMatch(new RegExp(`row ${row + 1} of`));
    ui.unmount();
  });
});
