// The wizard on an existing OUT (`kubepki OUT`): the plan as a diff against OUT, applied as
// `generate --update`; and adding users from the final screens.
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {X509Certificate} from 'node:crypto';
import {cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {parse, stringify} from 'yaml';
import {App, type WizardDeps, type WizardOutcome} from '../../source/ui/App.js';
import {draftFromSpec} from '../../source/interview/draft.js';
import {openOut} from '../../source/interview/update.js';
import {exampleSpec} from '../../source/spec/example.js';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {outputProblem} from '../../source/output/write.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {releaseUpgradeLines} from '../../source/build/upgrade.js';
import {readManifest} from '../../source/output/existing.js';
import {validate} from '../../source/spec/validate.js';
import {changesReport, summarizeChanges} from '../../source/build/changes.js';
import {differing, snapshot} from '../helpers/snapshot.js';
import {kubepki} from '../helpers/run.js';
import {KEY, press, resizeTo, settle, type, waitForFrame} from '../helpers/ink.js';

const tmp = tempDir('kubepki-wizard-update-');
let pristine: string;
beforeAll(async () => {
  pristine = join(tmp.path, 'pristine');
  await buildCluster(buildPlan(exampleSpec()), pristine);
});
afterAll(() => tmp.remove());

const validSpec = (config: unknown) => {
  const result = validate(config);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
};

/** A copy of the generated 2+2 example per test. */
function freshOut(name: string): string {
  const out = join(tmp.path, name);
  cpSync(pristine, out, {recursive: true});
  return out;
}


/** The engine as commands/interactive.ts runs it: an update of OUT when the wizard asks for one. */
const updateDeps: WizardDeps = {
  generate: (plan, out, onProgress, options) => buildCluster(plan, out, {onProgress, ...(options?.update ? {force: true, only: new Set<string>()} : {})}),
  checkOut: outputProblem,
};

function openWizard(out: string, deps = updateDeps) {
  const opened = openOut(out);
  const outcomes: WizardOutcome[] = [];
  const ui = render(<App initial={draftFromSpec(opened.spec, out)} deps={deps} opened={opened} onOutcome={o => outcomes.push(o)} />);
  return {ui, outcomes};
}

/** From the nodes list (on "continue") with Enter only: continue, 3 network, layout, release, CA, 3 keys, 2 output, expiry monitoring. */
async function nodesToPlan(ui: ReturnType<typeof render>) {
  await press(ui, KEY.enter, 13);
  // The title may wrap (it names OUT): between any two words.
  return waitForFrame(ui, f => /Certificate\s+plan/.test(f) && f.includes('row 1 of'), 'the plan');
}

describe('kubepki OUT: the wizard on an existing output directory', () => {
  it('opens OUT pre-filled from its cluster.yaml; unchanged, the plan shows every row kept, with days left', async () => {
    const out = freshOut('open');
    const {ui} = openWizard(out);
    let frame = await settle(ui, 'Cluster and API endpoint');
    expect(frame).toMatch(/Cluster name\s+kubernetes/);
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    frame = await nodesToPlan(ui);
    const plan = buildPlan(exampleSpec());
    // The CAs counted apart from the files, as the final screen counts them.
    const files = plan.certificates.length + plan.kubeconfigs.length + 1;
    expect(frame).toMatch(new RegExp(`^0 new · 0 changed · ${files} kept · 0 removed; CAs, counted apart: ${plan.authorities.length} kept$`, 'm'));
    expect(frame).toMatch(/^› kept +ca +pki\/ca\.crt\n {4}authority: 3649 days left$/m);
    expect(frame).toMatch(/^ {2}kept +etcd-ca +pki\/etcd\/ca\.crt\n {4}authority: 3649 days left$/m);
    frame = await press(ui, KEY.down, 3);
    expect(frame).toMatch(/^› kept +apiserver +pki\/apiserver\.crt\n {4}certificate: 364 days left$/m);
    // f: only what would change; nothing does.
    frame = await press(ui, 'f');
    expect(frame).toMatch(/nothing changes: every file is kept/);
    ui.unmount();
  });

  it('a worker added in the nodes step is new, the rest kept; generating changes only its files and lists it to ship to', async () => {
    const out = freshOut('add');
    const before = snapshot(out);
    const {ui, outcomes} = openWizard(out);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    await press(ui, 'a');
    await press(ui, '\u0015worker3');
    await press(ui, KEY.tab);
    await type(ui, '192.168.56.25');
    await press(ui, KEY.enter);
    let frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/worker3\s+192\.168\.56\.25\s+worker/);
    await press(ui, KEY.end);
    frame = await nodesToPlan(ui);
    expect(frame).toMatch(/0 changed · \d+ kept · 0 removed/);
    expect(frame).toMatch(/new nodes: worker3/);
    // The counts the final screen must repeat: the same files, the CAs apart.
    const planned = /^(\d+ new · \d+ changed · \d+ kept · \d+ removed; CAs, counted apart: 3 kept)$/m.exec(frame)?.[1];
    expect(planned, frame).toBeDefined();
    frame = await press(ui, 'f');
    // kubeadm's shared-CA flow: a worker's own file is its kubelet serving certificate (join brings the client one).
    expect(frame).toMatch(/^› new +kubelet-server\/worker3 +pki\/nodes\/worker3\/kubelet\.crt\n {4}certificate: new node worker3$/m);
    // Every row shown as a change concerns worker3; every other is kept.
    const changeRows = frame.split('\n').filter(l => /^[› ] (new|changed|removed) /.test(l));
    expect(changeRows.length).toBeGreaterThan(0);
    for (const row of changeRows) expect(row).toMatch(/worker3/);
    ui.stdin.write('g');
    await waitForFrame(ui, f => f.includes('✓ Updated'), 'the final screen', 60_000);
    frame = await settle(ui, '✓ Updated');
    const flat = frame.replace(/\s+/g, ' ');
    expect(flat).toContain(`✓ Updated ${out} ${planned}`);
    expect(flat).toMatch(/New nodes: worker3/);
    expect(flat).toMatch(/Nodes that must receive files again: worker3 bash \S*add\/distribute\.sh worker3/);
    const after = snapshot(out);
    // Another node's key, byte for byte; and every key and certificate outside worker3's.
    const otherKey = [...before.keys()].find(p => p.startsWith('pki/nodes/worker1/') && p.endsWith('.key'))!;
    expect(otherKey).toBeDefined();
    expect(after.get(otherKey)).toBe(before.get(otherKey));
    for (const [path, content] of before) {
      if (path.startsWith('pki/') || path.startsWith('nodes/')) expect(after.get(path), path).toBe(content);
    }
    const changed = differing(before, after);
    expect(changed.some(p => p.startsWith('pki/nodes/worker3/') && p.endsWith('.key'))).toBe(true);
    // Besides worker3's own files, only the files that list nodes (as generate --update).
    expect(changed.filter(p => !p.includes('worker3'))).toEqual(['ansible/bundles.yml', 'ansible/inventory.ini', 'cluster.yaml', 'distribute.sh', 'kubeadm-steps.sh', 'manifest.json', 'restart.sh', 'trust-map.svg', 'verify.sh']);
    ui.stdin.write('q');
    await waitForFrame(ui, () => outcomes.length > 0, 'the wizard to finish');
    expect(outcomes.map(o => o.code)).toEqual([0]);
    // With the manifest OUT held before: what the terminal is told changed.
    expect(outcomes[0]).toMatchObject({before: {nodes: {worker1: {}}}});
    expect('before' in outcomes[0]! && Object.keys(outcomes[0].before!.nodes)).not.toContain('worker3');
    ui.unmount();
  });

  it('another run adds worker3 while the plan is shown: g refuses, saying so, and shows the plan against OUT as it is; g again applies it and every report says worker3 was removed (issue 21 item 3)', async () => {
    const out = freshOut('stale');
    const {ui, outcomes} = openWizard(out);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    let frame = await nodesToPlan(ui);
    expect(frame).toMatch(/ 0 removed/);
    // Another shell: worker3 added to OUT with --update.
    const spec = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
    spec.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
    writeFileSync(join(out, 'cluster.yaml'), stringify(spec));
    const update = kubepki(['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update']);
    expect(update.status, update.stderr).toBe(0);
    const withWorker3 = snapshot(out);
    const worker3Files = [...withWorker3.keys()].filter(p => p.includes('worker3'));
    expect(worker3Files.length).toBeGreaterThan(0);
    frame = await press(ui, 'g');
    let flat = frame.replace(/\s+/g, ' ');
    expect(flat).toMatch(/changed since this plan was shown: it gained node worker3, which this plan removes;/);
    expect(flat).toMatch(/Nothing was written/);
    // The plan now reads against OUT as it is: worker3's files are to be removed.
    expect(frame).toMatch(/removed nodes: worker3/);
    const removedCount = Number(/(\d+) removed/.exec(frame)![1]);
    expect(removedCount).toBeGreaterThan(0);
    expect(differing(withWorker3, snapshot(out))).toEqual([]);
    // g again: the user has seen it; applied against OUT as it is now.
    ui.stdin.write('g');
    frame = await waitForFrame(ui, f => f.includes('✓ Updated'), 'the final screen', 60_000);
    frame = await settle(ui, '✓ Updated');
    flat = frame.replace(/\s+/g, ' ');
    expect(flat).toMatch(new RegExp(`· ${removedCount} removed`));
    expect(flat).toMatch(/Removed nodes: worker3/);
    // Every file rewritten besides the certificates and kubeconfigs counted above, kubeadm-steps.sh too (issue 20 item 11).
    const listed = /Rewrote (.+?)\. u: add a user/.exec(flat)?.[1]?.split(', ');
    for (const file of ['cluster.yaml', 'manifest.json', 'verify.sh', 'distribute.sh', 'kubeadm-steps.sh']) expect(listed, flat).toContain(file);
    expect(existsSync(join(out, 'nodes', 'worker3'))).toBe(false);
    ui.stdin.write('q');
    await waitForFrame(ui, () => outcomes.length > 0, 'the wizard to finish');
    // The printed report is made from the manifest the engine found: worker3 in it.
    expect(outcomes[0]).toMatchObject({code: 0, before: {nodes: {worker3: {}}}});
    ui.unmount();
  });

  it('OUT changed between g and the engine: the engine refuses under its lock and the plan is shown again against OUT as it is (issue 21 item 3)', async () => {
    const out = freshOut('race');
    const sneaky: WizardDeps = {...updateDeps, generate: async (plan, dir, onProgress, options) => {
      // Another run gets in after the wizard's check, before the engine claims OUT.
      const spec = parse(readFileSync(join(dir, 'cluster.yaml'), 'utf8'));
      spec.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
      await buildCluster(buildPlan(validSpec(spec)), dir, {force: true, only: new Set<string>()});
      return buildCluster(plan, dir, {onProgress, force: true, only: new Set<string>(), expectManifest: options?.expectManifest});
    }};
    const {ui} = openWizard(out, sneaky);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    await nodesToPlan(ui);
    ui.stdin.write('g');
    const frame = await waitForFrame(ui, f => f.includes('✗'), 'the refusal', 60_000);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/changed since this plan was made against it \(another run wrote it\); nothing was changed/);
    await waitForFrame(ui, f => /removed nodes: worker3/.test(f), 'the plan against OUT as it is');
    expect(existsSync(join(out, 'nodes', 'worker3'))).toBe(true);
    ui.unmount();
  });

  it('the final screen and the printed report read the engine\'s own result, not the diff made before (issue 21 item 3)', async () => {
    const out = freshOut('engine-says');
    // An engine that ignores the expectation: what it did is what the screens must say.
    const unchecked: WizardDeps = {...updateDeps, generate: async (plan, dir, onProgress) => {
      const spec = parse(readFileSync(join(dir, 'cluster.yaml'), 'utf8'));
      spec.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
      await buildCluster(buildPlan(validSpec(spec)), dir, {force: true, only: new Set<string>()});
      return buildCluster(plan, dir, {onProgress, force: true, only: new Set<string>()});
    }};
    const {ui, outcomes} = openWizard(out, unchecked);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    let frame = await nodesToPlan(ui);
    expect(frame).toMatch(/ 0 removed/);
    ui.stdin.write('g');
    frame = await waitForFrame(ui, f => f.includes('✓ Updated'), 'the final screen', 60_000);
    frame = await settle(ui, '✓ Updated');
    const flat = frame.replace(/\s+/g, ' ');
    expect(flat).not.toMatch(/ 0 removed/);
    expect(flat).toMatch(/[1-9]\d* removed/);
    expect(flat).toMatch(/Removed nodes: worker3/);
    ui.stdin.write('q');
    await waitForFrame(ui, () => outcomes.length > 0, 'the wizard to finish');
    const outcome = outcomes[0] as Extract<WizardOutcome, {result: unknown}>;
    const printed = changesReport(summarizeChanges(outcome.result, outcome.before!), out, 'Updated.');
    expect(printed).toMatch(/Removed nodes: worker3/);
    expect(printed).toMatch(/^Removed \([1-9]\d*\):$/m);
    ui.unmount();
  });

  it('the output field accepts only OUT itself', async () => {
    const out = freshOut('same');
    const {ui} = openWizard(out);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 13);
    let frame = await waitForFrame(ui, f => f.includes('Output and SSH'), 'the output step');
    expect(frame).toMatch(new RegExp(`Output directory\\s+\\S*same`));
    await press(ui, 'x');
    // SSH user, expiry monitoring, submit.
    await press(ui, KEY.enter, 2);
    frame = await press(ui, KEY.enter);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/✗ this wizard updates \S*same; to write a new PKI elsewhere, quit and run kubepki --config \S*same\/cluster\.yaml/);
    ui.unmount();
  });
});

/** OUT with a worker and a SAN added to its cluster.yaml: the wizard on it has changes to show. */
function changedOut(name: string): string {
  const out = freshOut(name);
  const spec = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
  spec.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
  spec.extraSANs = ['k8s.example.org'];
  writeFileSync(join(out, 'cluster.yaml'), stringify(spec));
  return out;
}

/** The terminal resized; the frame once the screen is laid out again for it. */
async function resized(ui: ReturnType<typeof render>, columns: number, rows: number, shows: string) {
  resizeTo(ui, columns, rows);
  return waitForFrame(ui, f => f.includes(shows) && !f.includes('…') && f.split('\n').every(l => l.length <= columns), `the screen laid out for ${columns}×${rows}`);
}

const fits = (frame: string, columns: number, rows: number) => {
  const lines = frame.split('\n');
  expect(lines.filter(l => l.length > columns), frame).toEqual([]);
  expect(lines.length, frame).toBeLessThan(rows);
  expect(frame).not.toContain('…');
};

describe('the plan on OUT in a small terminal', () => {
  it('at 80×24 every row is readable, nothing cut: status, name and file, then what happens to it; at 60×20 too, laid out again on resize', async () => {
    const out = changedOut('small');
    const {ui} = openWizard(out);
    await settle(ui, 'Cluster and API endpoint');
    await resized(ui, 80, 24, 'Cluster name');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 5 nodes'), 'the nodes of OUT');
    let frame = await nodesToPlan(ui);
    fits(frame, 80, 24);
    expect(frame).toMatch(/^› kept +ca +pki\/ca\.crt\n {4}authority: 3649 days left$/m);
    // A burst (a held key): each ↓ moves one row.
    ui.stdin.write(KEY.down.repeat(3));
    frame = await waitForFrame(ui, f => /row 4 of 30/.test(f), 'three rows down in one burst');
    fits(frame, 80, 24);
    expect(frame).toMatch(/^› changed +apiserver +pki\/apiserver\.crt\n {4}certificate: SANs \+k8s\.example\.org$/m);
    frame = await resized(ui, 60, 20, 'row 4 of');
    fits(frame, 60, 20);
    expect(frame).toMatch(/^› changed +apiserver +pki\/apiserver\.crt\n {4}certificate: SANs \+k8s\.example\.org$/m);
    // A path too wide for its column wraps inside it, at a slash.
    frame = await press(ui, KEY.down);
    fits(frame, 60, 20);
    expect(frame).toMatch(/^› kept +apiserver-kubelet-client +pki\/apiserver-kubelet-\n {37}client\.crt\n {4}certificate: 364 days left$/m);
    frame = await press(ui, KEY.end);
    fits(frame, 60, 20);
    expect(frame).toMatch(/^› kept +service-account +pki\/sa\.key\n {4}key pair: kept byte-identical \(tokens stay valid\)$/m);
    // The warnings, in full, on w.
    frame = await press(ui, 'w');
    fits(frame, 60, 20);
    expect(frame.replace(/\s+/g, ' ')).toContain('⚠ 2 etcd members tolerate no more failures than 1 would');
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/row 30 of 30/);
    ui.unmount();
  });

  it('f shows the changes only, and the footer and the row counter say what f does next', async () => {
    const out = changedOut('filter');
    const {ui} = openWizard(out);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 5 nodes'), 'the nodes of OUT');
    let frame = await nodesToPlan(ui);
    expect(frame).toMatch(/row 1 of 30 \(all rows\)/);
    expect(frame).toMatch(/· f: changes only ·/);
    frame = await press(ui, 'f');
    expect(frame).toMatch(/row 1 of 2 \(changes only\)/);
    expect(frame).toMatch(/· f: all rows ·/);
    expect(frame).not.toMatch(/f: changes only/);
    expect(frame.split('\n').filter(l => /^[› ] (new|changed|removed|kept) /.test(l)).map(l => l.split(/ +/)[1])).toEqual(['changed', 'new']);
    frame = await press(ui, 'f');
    expect(frame).toMatch(/row 1 of 30 \(all rows\)/);
    expect(frame).toMatch(/· f: changes only ·/);
    ui.unmount();
  });

  it('every screen says it is updating OUT; none says the directory must be new or empty', async () => {
    const out = changedOut('titles');
    // The engine starts once the generating screen has been looked at.
    let release!: () => void;
    const shown = new Promise<void>(resolve => { release = resolve; });
    const {ui} = openWizard(out, {...updateDeps, generate: async (...args) => { await shown; return updateDeps.generate(...args); }});
    const title = new RegExp(`^kubepki · Updating ${resolve(out).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} · \\d+/11 · `);
    let frame = await settle(ui, 'Cluster and API endpoint');
    const seen = new Set<string>();
    let hinted = false;
    const look = (f: string) => {
      expect(f.split('\n')[0]).toMatch(title);
      expect(f).not.toMatch(/new or empty/i);
      seen.add(f.split('\n')[0]!.replace(title, ''));
      // The output field, focused on arrival, says what it is on OUT.
      if (/› Output directory/.test(f)) {
        expect(f).toMatch(/› Output directory +\S+titles\n +The directory being updated: kept files stay byte-for-byte/);
        hinted = true;
      }
    };
    look(frame);
    for (let i = 0; i < 16; i++) look(await press(ui, KEY.enter));
    frame = await waitForFrame(ui, f => f.includes('Certificate plan'), 'the plan');
    look(frame);
    ui.stdin.write('g');
    frame = await waitForFrame(ui, f => /Generating/.test(f), 'the generating screen');
    look(frame);
    // While it runs: what happens to OUT, and that Ctrl+C leaves it as it was.
    expect(frame.replace(/\s+/g, ' ')).toContain(`Updating ${out} (the new tree is made in a private directory beside it; swapped for it when complete)`);
    expect(frame.replace(/\s+/g, ' ')).toContain(`Ctrl+C stops and leaves ${out} as it was.`);
    expect(frame).not.toMatch(/nothing is left behind|leaves nothing behind/);
    release();
    frame = await waitForFrame(ui, f => f.includes('✓ Updated'), 'the final screen', 60_000);
    look(frame);
    // The output step among them, its field's hint shown (the directory is updated in place).
    expect([...seen]).toEqual(expect.arrayContaining(['Cluster and API endpoint', 'Nodes', 'Output and SSH', 'Certificate plan', 'Generating', 'Done']));
    expect(hinted).toBe(true);
    ui.unmount();
  });
});

describe('kubepki OUT after kubernetesVersion changed in OUT/cluster.yaml (issue 23 item 2)', () => {
  it('the plan says what the new release changes (the lines generate --update prints), all of them on r, fitting 80×24 and 60×20', async () => {
    const out = join(tmp.path, 'upgraded');
    await buildCluster(buildPlan(specWith(c => { c.kubernetesVersion = 'v1.35.0'; c.pki.key = 'ecdsa-p256'; })), out);
    const spec = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
    spec.kubernetesVersion = 'v1.36.1';
    writeFileSync(join(out, 'cluster.yaml'), stringify(spec));
    const expected = releaseUpgradeLines(buildPlan(validSpec(spec)), readManifest(out), out).filter(l => l !== '');
    expect(expected[0]).toMatch(/^Kubernetes v1\.35\.0 → v1\.36\.1: /);
    expect(expected.length).toBeGreaterThan(2);
    const {ui} = openWizard(out);
    await settle(ui, 'Cluster and API endpoint');
    await resized(ui, 80, 24, 'Cluster name');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    let frame = await nodesToPlan(ui);
    fits(frame, 80, 24);
    expect(frame.replace(/\s+/g, ' ')).toContain('⚠ Kubernetes v1.35.0 → v1.36.1: r to read what changes');
    expect(frame.replace(/\s+/g, ' ')).toMatch(/w: warnings · r: release changes · g: generate/);
    frame = await press(ui, 'r');
    fits(frame, 80, 24);
    // Every line, scrolled through: the same words as generate --update's.
    let seen = frame;
    for (let i = 0; i < 40; i++) {
      const at = /lines \d+-(\d+) of (\d+)/.exec(frame);
      if (!at || at[1] === at[2]) break;
      frame = await press(ui, KEY.pageDown);
      seen += `\n${frame}`;
    }
    // Wrapped to the screen (a long path anywhere in it): compared without the breaks.
    const flat = seen.replace(/\u001B\[\d+m/g, '').replace(/\s+/g, '');
    for (const line of expected) expect(flat).toContain(line.replace(/\s+/g, ''));
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/row 1 of/);
    // At 60×20 too, the table still shown beside it.
    frame = await resized(ui, 60, 20, 'row 1 of');
    fits(frame, 60, 20);
    expect(frame.replace(/\s+/g, ' ')).toContain('⚠ Kubernetes v1.35.0 → v1.36.1: r to read what changes');
    expect(frame).toMatch(/STATUS/);
    ui.unmount();
  });
});

describe('the first screen', () => {
  it('offers to update an existing output directory: a directory kubepki did not write is refused under the field, OUT opens the wizard on it', async () => {
    const out = freshOut('start');
    const outcomes: WizardOutcome[] = [];
    const ui = render(<App initial={draftFromSpec(exampleSpec(), 'kubepki-out')} deps={updateDeps} choose onOutcome={o => outcomes.push(o)} />);
    await settle(ui, 'What would you like to do?');
    let frame = await press(ui, KEY.down, 2);
    expect(frame).toMatch(/❯ Update an existing output directory/);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Output directory\s+kubepki-out/);
    await press(ui, '\u0015' + tmp.path);
    frame = await press(ui, KEY.enter);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/✗ \S+ is not a kubepki output directory: it has no manifest\.json or cluster\.yaml/);
    await press(ui, '\u0015' + out);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Cluster and API endpoint/);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    frame = await nodesToPlan(ui);
    expect(frame).toMatch(/^0 new · 0 changed · \d+ kept · 0 removed; CAs, counted apart: 3 kept$/m);
    ui.stdin.write(KEY.ctrlC);
    await waitForFrame(ui, () => outcomes.length > 0, 'an outcome');
    expect(outcomes).toEqual([{code: 130}]);
    ui.unmount();
  });
});

describe('adding a user from the wizard', () => {
  it('from the final screen: errors under the field, a warning on system:masters, then OUT/users/NAME with the CN and O asked for', async () => {
    const outcomes: WizardOutcome[] = [];
    const deps: WizardDeps = {generate: (plan, out, onProgress) => buildCluster(plan, join(tmp.path, out), {onProgress}), checkOut: o => outputProblem(join(tmp.path, o))};
    const ui = render(<App initial={draftFromSpec(exampleSpec(), 'fresh')} deps={deps} onOutcome={o => outcomes.push(o)} />);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 16);
    await waitForFrame(ui, f => f.includes('Certificate plan'), 'the plan');
    ui.stdin.write('g');
    await waitForFrame(ui, f => f.includes('11/11 · Done'), 'the final screen', 60_000);
    await settle(ui, 'u: add a user');
    let frame = await press(ui, 'u');
    expect(frame).toMatch(/Add a user/);
    // Submitted empty: the validator's messages under their fields.
    await press(ui, KEY.enter, 3);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Name\s*\n\s+✗ "" must be 1-63 letters/);
    expect(frame).toMatch(/Groups\s*\n\s+✗ give at least one group/);
    await press(ui, KEY.up, 3);
    await type(ui, 'jane');
    await press(ui, KEY.down);
    frame = await press(ui, 'dev,system:masters');
    expect(frame.replace(/\s+/g, ' ')).toMatch(/⚠ group system:masters bypasses RBAC/);
    await press(ui, '\u0015dev, ops');
    await press(ui, KEY.enter);
    await press(ui, KEY.enter);
    await type(ui, '90d');
    frame = await press(ui, KEY.enter);
    await waitForFrame(ui, f => f.includes('✓ User jane'), 'the user written');
    frame = await settle(ui, '✓ User jane');
    const dir = join(tmp.path, 'fresh', 'users', 'jane');
    expect(frame.replace(/\s+/g, '')).toContain(join(dir, 'jane.conf').replace(/\s+/g, ''));
    expect(frame).toMatch(/Try it: kubectl --kubeconfig/);
    const config = parse(readFileSync(join(dir, 'jane.conf'), 'utf8'));
    const cert = new X509Certificate(Buffer.from(config.users[0].user['client-certificate-data'], 'base64'));
    expect(cert.subject.split('\n').sort()).toEqual(['CN=jane', 'O=dev', 'O=ops']);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThan(91);
    expect(statSync(join(dir, 'jane.key')).mode & 0o777).toBe(0o600);
    const manifest = JSON.parse(readFileSync(join(tmp.path, 'fresh', 'manifest.json'), 'utf8'));
    expect(manifest.users.map((u: {name: string}) => u.name)).toEqual(['jane']);
    // Back to the final screen; the same name again is refused under the field.
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/11\/11 · Done/);
    await press(ui, 'u');
    await type(ui, 'jane');
    await press(ui, KEY.down);
    await type(ui, 'dev');
    await press(ui, KEY.enter, 2);
    ui.stdin.write(KEY.enter);
    frame = await waitForFrame(ui, f => /Name +jane\s*\n\s+✗ \S*users\/jane already exists/.test(f), 'the name refused');
    ui.unmount();
  });

  it('from the plan of an existing OUT, with --csr: the key, the CSR manifest, the kubectl commands and the finish line', async () => {
    const out = freshOut('csr');
    const {ui} = openWizard(out);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'the nodes of OUT');
    await nodesToPlan(ui);
    let frame = await press(ui, 'u');
    expect(frame).toMatch(/Add a user/);
    await type(ui, 'sam');
    await press(ui, KEY.down);
    await type(ui, 'ops');
    await press(ui, KEY.down);
    frame = await press(ui, KEY.right);
    expect(frame).toMatch(/\[cluster signs \(CSR\)\]/);
    await press(ui, KEY.down);
    ui.stdin.write(KEY.enter);
    await waitForFrame(ui, f => f.includes('✓ User sam'), 'the user written');
    frame = await settle(ui, '✓ User sam');
    const flat = frame.replace(/\s+/g, ' ');
    expect(flat).toMatch(/kubectl apply -f \S*csr\/users\/sam\/sam-csr\.yaml/);
    expect(flat).toMatch(/kubectl certificate approve kubepki-user-sam/);
    expect(flat).toMatch(/kubectl get csr kubepki-user-sam -o jsonpath/);
    expect(flat).toMatch(/kubepki user finish sam --certificate \S*sam\.crt --out \S*csr/);
    const request = parse(readFileSync(join(out, 'users', 'sam', 'sam-csr.yaml'), 'utf8'));
    expect(request.spec.signerName).toBe('kubernetes.io/kube-apiserver-client');
    expect(existsSync(join(out, 'users', 'sam', 'sam.crt'))).toBe(false);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/^0 new · 0 changed · \d+ kept/m);
    ui.unmount();
  });
});

describe('kubepki OUT from the command line', () => {
  it('a directory that kubepki did not write: exit 2, naming what is missing, nothing written', () => {
    const dir = join(tmp.path, 'not-a-pki');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const r = kubepki([dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not-a-pki is not a kubepki output directory: it has no manifest\.json or cluster\.yaml/);
    expect(r.stderr).not.toMatch(/at .*\.js/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('an OUT with a damaged manifest: exit 2 naming the file', () => {
    const out = freshOut('damaged');
    writeFileSync(join(out, 'manifest.json'), '{');
    const r = kubepki([out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/manifest\.json: not valid JSON/);
  });
});
