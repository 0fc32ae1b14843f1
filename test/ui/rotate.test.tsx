// The wizard on OUT: "Rotate a CA" (c on the update's plan). The timeline, where OUT stands, what
// the next step changes; the step run by the same function as `kubepki rotate OUT STEP`, its
// report shown, and the new position read back from OUT.
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {cpSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {App, type WizardDeps} from '../../source/ui/App.js';
import {draftFromSpec} from '../../source/interview/draft.js';
import {openOut} from '../../source/interview/update.js';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {outputProblem} from '../../source/output/write.js';
import {runRotationStep} from '../../source/commands/rotate.js';
import {rotationOf} from '../../source/build/rotate.js';
import {serviceAccountRotationOf} from '../../source/build/rotate-service-account.js';
import {readManifest} from '../../source/output/existing.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {KEY, press, settle, waitForFrame} from '../helpers/ink.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-wizard-rotate-');
let pristine: string;
beforeAll(async () => {
  pristine = join(tmp.path, 'pristine');
  await buildCluster(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; })), pristine);
});
afterAll(() => tmp.remove());

const STEP_MS = 60_000;

/** The wizard as commands/interactive.ts mounts it on OUT, with the CLI's rotation steps. */
const deps: WizardDeps = {
  generate: (plan, out, onProgress) => buildCluster(plan, out, {onProgress, force: true, only: new Set<string>()}),
  checkOut: outputProblem,
  rotate: (out, step, options) => runRotationStep(out, step, options),
};

async function rotateScreen(name: string) {
  const out = join(tmp.path, name);
  cpSync(pristine, out, {recursive: true});
  const opened = openOut(out);
  const ui = render(<App initial={draftFromSpec(opened.spec, out)} deps={deps} opened={opened} onOutcome={() => {}} />);
  await settle(ui, 'Cluster and API endpoint');
  await press(ui, KEY.enter, 3);
  await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
  await press(ui, KEY.enter, 13);
  const plan = await waitForFrame(ui, f => /Certificate\s+plan/.test(f) && f.includes('row 1 of'), 'the plan');
  expect(plan).toMatch(/c: rotate a\s+CA/);
  const frame = await press(ui, 'c');
  return {ui, out, frame};
}

const caPem = (out: string) => readFileSync(join(out, 'pki/ca.crt'), 'utf8');
const certificates = (pem: string) => pem.match(/BEGIN CERTIFICATE/g)?.length ?? 0;

describe('kubepki OUT: Rotate a CA', () => {
  it('chooses the cluster CA, sees the timeline, runs start: OUT holds the rotation and the screen the new position; then abort', async () => {
    const {ui, out, frame} = await rotateScreen('start-abort');
    const before = caPem(out);
    // None under way: the authorities as the CLI names them.
    expect(frame).toMatch(/Rotate a CA/);
    expect(frame).toMatch(/No rotation under way: choose what to rotate\./);
    for (const id of ['ca:', 'etcd-ca:', 'front-proxy-ca:', 'service-account:']) expect(frame).toContain(id);

    let screen = await press(ui, KEY.enter);
    expect(screen).toContain('No rotation under way: ca would start at phase 1 of 3.');
    expect(screen).toContain('◉─────────────○─────────────○');
    expect(screen).toMatch(/1 start\s+2 issue\s+3 finish/);
    expect(screen).toMatch(/Next, start: trust old \+ new/);
    expect(screen).toMatch(/Trust becomes old \+ new: pki\/ca\.crt and its 2 copies/);
    expect(screen).toMatch(/Restarts: kube-apiserver on 2 nodes/);
    expect(screen).toMatch(/❯ Run start \(phase 1 of 3\)/);

    // No: nothing runs, OUT is as it was.
    screen = await press(ui, KEY.enter);
    expect(screen).toMatch(/Run start \(phase 1 of 3\) for ca in/);
    expect(screen).toContain('y: yes, run it');
    screen = await press(ui, 'n');
    expect(screen).toMatch(/❯ Run start/);
    expect(rotationOf(readManifest(out))).toBeUndefined();

    await press(ui, KEY.enter);
    ui.stdin.write('y');
    await waitForFrame(ui, f => f.includes('Started the rotation of CA ca'), 'the report of start', STEP_MS);
    // The report's view takes keys once Ink has registered its handler.
    screen = await settle(ui, 'Started the rotation of CA ca');
    expect(screen).toMatch(/phase 1 of 3:\s+start/);
    // The restart steps of the phase, as the CLI prints them, follow in the same view.
    const state = rotationOf(readManifest(out))!;
    expect(state).toMatchObject({authority: 'ca', phase: 'start'});
    expect(certificates(caPem(out))).toBe(2);
    expect(readFileSync(join(out, 'restart.sh'), 'utf8')).toContain('kube-apiserver');
    let report = screen;
    for (let i = 0; i < 200 && !report.includes('check:'); i++) report = await press(ui, KEY.pageDown);
    expect(report).toMatch(/## 1\. kube-apiserver, one node at a time.*check:/);

    // Back on the timeline: where OUT stands now, read from its manifest.
    screen = await press(ui, KEY.enter);
    expect(screen).toContain('●─────────────◉─────────────○');
    expect(screen).toMatch(/done\s+next/);
    expect(screen).toContain(`Rotating ca: phase 1 of 3 (start) done, started ${state.startedAt}.`);
    expect(screen).toMatch(/Next, issue: the new one signs; every leaf re-issued\. It will change:/);
    expect(screen).toMatch(/\d+ leaf certificates re-issued/);
    expect(screen).toContain('Abort: back to the old CA alone');
    // d: everything issue changes, its restarts included, whatever the terminal's height cut.
    screen = await press(ui, 'd');
    expect(screen).toMatch(/Next, issue: the new one signs/);
    expect(screen).toMatch(/Restarts: kube-apiserver on 2 nodes one at a time, then/);
    screen = await press(ui, KEY.escape);
    expect(screen).toMatch(/❯ Run issue \(phase 2 of 3\)/);

    // Abort, confirmed: the old CA alone again, byte-identical.
    await press(ui, KEY.down);
    screen = await press(ui, KEY.enter);
    expect(screen).toMatch(/Abort the rotation of ca in/);
    expect(screen).toMatch(/Trust becomes old alone/);
    ui.stdin.write('y');
    await waitForFrame(ui, f => f.includes('Aborted the rotation of CA ca'), 'the report of abort', STEP_MS);
    screen = await settle(ui, 'Aborted the rotation of CA ca');
    expect(rotationOf(readManifest(out))).toBeUndefined();
    expect(caPem(out)).toBe(before);
    screen = await press(ui, KEY.enter);
    expect(screen).toMatch(/No rotation under way: choose what to rotate\./);

    // Esc: back to the update's plan.
    screen = await press(ui, KEY.escape);
    expect(screen).toMatch(/Certificate\s+plan/);
    ui.unmount();
  }, 120_000);

  it('start, issue and finish from the wizard: each step by name, the timeline moving on, the old CA retired at the end', async () => {
    const {ui, out} = await rotateScreen('three-phases');
    const before = caPem(out);
    /** Run the highlighted next step (confirmed), read its report, back to the timeline. */
    const runNext = async (reportSays: string) => {
      await press(ui, KEY.enter);
      ui.stdin.write('y');
      await waitForFrame(ui, f => f.includes(reportSays), `the report: ${reportSays}`, STEP_MS);
      await settle(ui, reportSays);
      return press(ui, KEY.enter);
    };
    await press(ui, KEY.enter); // ca
    let screen = await runNext('Started the rotation of CA ca');
    expect(screen).toMatch(/❯ Run issue \(phase 2 of 3\)/);
    screen = await runNext('Issued: the rotation of CA ca');
    expect(rotationOf(readManifest(out))).toMatchObject({authority: 'ca', phase: 'issue'});
    expect(screen).toContain('●━━━━━━━━━━━━━●─────────────◉');
    expect(screen).toMatch(/Rotating ca: phase 2 of 3 \(issue\) done/);
    expect(screen).toMatch(/Next, finish: trust the new one alone; the old one retired\. It will change:/);
    const retired = /Moves to (retired\/ca-\d{8})\//.exec(screen)?.[1];
    expect(retired).toBeDefined();
    screen = await runNext('Finished the rotation of CA ca');
    // Over: nothing under way, the new CA alone in pki/ca.crt, the old one where the screen said.
    expect(screen).toMatch(/No rotation under way: choose what to rotate\./);
    expect(rotationOf(readManifest(out))).toBeUndefined();
    const after = caPem(out);
    expect(certificates(after)).toBe(1);
    expect(after).not.toBe(before);
    expect(readFileSync(join(out, retired!, 'ca.crt'), 'utf8')).toBe(before);
    ui.unmount();
  }, 180_000);

  it('the service-account pair from the wizard: start, issue and finish run as the CLI runs them; the old pair retired where the screen said', async () => {
    const {ui, out} = await rotateScreen('sa');
    const oldKey = readFileSync(join(out, 'pki/sa.key'), 'utf8');
    const runNext = async (reportSays: string) => {
      await press(ui, KEY.enter);
      ui.stdin.write('y');
      await waitForFrame(ui, f => f.includes(reportSays) || f.includes('✗ '), `the report: ${reportSays}`, STEP_MS);
      const report = await settle(ui, reportSays);
      expect(report).not.toContain('✗ ');
      return press(ui, KEY.enter);
    };
    // service-account: the last authority.
    await press(ui, KEY.up);
    let screen = await press(ui, KEY.enter);
    expect(screen).toContain('No rotation under way: service-account would start at phase 1 of 3.');
    screen = await runNext('Started the rotation of the service-account key pair');
    expect(serviceAccountRotationOf(readManifest(out))).toMatchObject({authority: 'service-account', phase: 'start'});
    expect(screen).toMatch(/Rotating service-account: phase 1 of 3 \(start\) done/);
    expect(screen).toContain('Abort: back to the old key pair alone');
    screen = await runNext('The new service-account key signs from now on');
    expect(serviceAccountRotationOf(readManifest(out))).toMatchObject({phase: 'issue'});
    expect(screen).toMatch(/Rotating service-account: phase 2 of 3 \(issue\) done/);
    expect(screen).toContain('Abort: back to phase start (the old key signs again)');
    const retired = /Moves to (retired\/service-account-\d{8})\//.exec(screen)?.[1];
    expect(retired).toBeDefined();
    screen = await runNext('Finished the rotation of the service-account key pair');
    expect(screen).toMatch(/No rotation under way: choose what to rotate\./);
    expect(serviceAccountRotationOf(readManifest(out))).toBeUndefined();
    expect(readFileSync(join(out, 'pki/sa.key'), 'utf8')).not.toBe(oldKey);
    expect(readFileSync(join(out, retired!, 'sa.key'), 'utf8')).toBe(oldKey);
    ui.unmount();
  }, 180_000);

  it('a refused step is shown on the timeline and changes nothing', async () => {
    const {ui, out} = await rotateScreen('refused');
    // Another kubepki starts a rotation of the cluster CA behind the screen's back.
    await runRotationStep(out, 'start', {authority: 'ca'});
    const before = snapshot(out);
    // service-account: the last authority; the screen still reads OUT as it opened it.
    await press(ui, KEY.up);
    let screen = await press(ui, KEY.enter);
    expect(screen).toContain('No rotation under way: service-account would start at phase 1 of 3.');
    expect(screen).toMatch(/pki\/sa\.pub \(2 copies on the nodes\) holds the old and the new public key/);
    await press(ui, KEY.enter);
    ui.stdin.write('y');
    await waitForFrame(ui, f => f.includes('✗ start:'), 'the refusal', STEP_MS);
    screen = await settle(ui, '✗ start:');
    expect(screen).toMatch(/a rotation of CA ca is already under way/);
    expect(differing(before, snapshot(out))).toEqual([]);
    expect(serviceAccountRotationOf(readManifest(out))).toBeUndefined();
    ui.unmount();
  }, 60_000);
});
