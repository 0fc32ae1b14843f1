import React from 'react';
import {afterAll, describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {App, type WizardDeps, type WizardOutcome} from '../../source/ui/App.js';
import {draftFromSpec, type Draft} from '../../source/interview/draft.js';
import {exampleSpec} from '../../source/spec/example.js';
import {buildCluster, finalReport, type BuildReport} from '../../source/build/index.js';
import {outputProblem} from '../../source/output/write.js';
import {inspectDirectory} from '../../source/verify/read-out.js';
import {PlanStep} from '../../source/ui/PlanStep.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {KEY, press, resizeTo, settle, type, waitForFrame} from '../helpers/ink.js';

const tmp = tempDir('kubepki-wizard-');
afterAll(() => tmp.remove());

/** Real generation, with relative output directories placed in the test's temporary directory. */
const realDeps: WizardDeps = {
  generate: (plan, out, onProgress) => buildCluster(plan, join(tmp.path, out), {onProgress}),
  checkOut: out => outputProblem(join(tmp.path, out)),
};

function wizard(initial: Partial<Draft> = {}, deps = realDeps) {
  const outcomes: WizardOutcome[] = [];
  const ui = render(<App initial={{...draftFromSpec(exampleSpec()), ...initial}} deps={deps} onOutcome={o => outcomes.push(o)} />);
  return {ui, outcomes};
}

/** From the first screen to the plan with Enter only: 3 cluster fields, nodes, 3 network, layout, release, CA, 3 keys, 2 output, expiry monitoring. */
async function enterToPlan(ui: ReturnType<typeof render>) {
  await settle(ui, 'Cluster and API endpoint');
  await press(ui, KEY.enter, 16);
  return waitForFrame(ui, f => f.includes('Certificate plan'), 'the plan');
}

describe('wizard steps', () => {
  it('cluster: teaches why the endpoint matters; bad port shown inline and not advancing', async () => {
    const {ui} = wizard();
    let frame = await settle(ui, 'Cluster and API endpoint');
    expect(frame.replace(/\s+/g, ' ')).toMatch(/goes into the apiserver certificate as a SAN/);
    await press(ui, KEY.down, 2);
    await press(ui, KEY.backspace, 4);
    await type(ui, 'x1');
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/1\/11 · Cluster and API endpoint/);
    expect(frame).toMatch(/✗ "x1" is not a port number \(1-65535\)/);
    ui.unmount();
  });

  it('text input: every key of a burst is applied, control characters never enter a value', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    // One write is one burst: Ink hands these over as a few events before React renders again.
    let frame = await press(ui, 'XYZ\u007F\u007F\u007Fab\u001B[Dc');
    await waitForFrame(ui, f => /Cluster name\s+kubernetesacb/.test(f), 'the burst applied');
    frame = await press(ui, '\u001B[F\u0015lab\u0017lab1\u001B[Hx\u001B[F-');
    expect(frame).toMatch(/Cluster name\s+xlab1-\s/);
    // A burst with Enter moves on, the rest of it typed into the next field.
    frame = await press(ui, '\u0015lab\rk8s\u0008\u0008\u0008');
    frame = await press(ui, '\u0015api.lab\u007F\u007F\u007Fmy.lab\r');
    expect(frame).toMatch(/Cluster name\s+lab\s/);
    expect(frame).toMatch(/API endpoint host\s+api\.my\.lab\s/);
    expect(frame).not.toMatch(/[\u0000-\u0008\u007F]/);
    ui.unmount();
  });

  it('node editor: a burst of Backspaces, Ctrl+U and Home/End edit the name and IP exactly', async () => {
    const {ui, outcomes} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'nodes list');
    await press(ui, 'a');
    let frame = await press(ui, '\u007F\u007F\u007F\u007F\u007Fw5\u001B[Hnode-\t\u0015192.168.56.99');
    expect(frame).toMatch(/name\s+node-w5\s/);
    expect(frame).toMatch(/IP\s+192\.168\.56\.99\s/);
    frame = await press(ui, '\r');
    // The role under the cursor is marked with ›, not only inverse video.
    expect(frame).toMatch(/›\[ \] control-plane/);
    frame = await press(ui, KEY.right);
    expect(frame).toMatch(/ \[ \] control-plane +›\[ \] etcd/);
    frame = await press(ui, '\r');
    expect(frame).toMatch(/node-w5\s+192\.168\.56\.99\s+worker/);
    expect(outcomes).toEqual([]);
    ui.unmount();
  });

  it('started with a config (no first screen), the first step offers no Esc and Esc does nothing', async () => {
    const {ui, outcomes} = wizard();
    let frame = await settle(ui, 'Cluster and API endpoint');
    expect(frame).toMatch(/Enter: next · ↑\/↓: move · Ctrl\+C: quit/);
    expect(frame).not.toMatch(/Esc/);
    ui.stdin.write(KEY.escape);
    // A lone Esc is taken as Esc one macrotask later (Ink waits to see if a sequence follows).
    await new Promise(r => setImmediate(() => setTimeout(r, 0)));
    frame = await press(ui, 'x');
    expect(frame).toMatch(/1\/11 · Cluster and API endpoint/);
    expect(frame).toMatch(/Cluster name\s+kubernetesx/);
    expect(outcomes).toEqual([]);
    ui.unmount();
  });

  it('Esc goes back one step keeping every answer', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.backspace, 'kubernetes'.length);
    await type(ui, 'lab');
    await press(ui, KEY.enter, 3);
    await waitForFrame(ui, f => f.includes('2/11 · Nodes'), 'nodes step');
    const frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/1\/11 · Cluster and API endpoint/);
    expect(frame).toMatch(/Cluster name\s+lab/);
    ui.unmount();
  });

  it('nodes: add, a duplicate IP shown inline and not saved, fix it, remove another', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    let frame = await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'nodes list');
    expect(frame).toMatch(/CN\s+system:node:<name>/);
    expect(frame).toMatch(/Only control-plane nodes receive CA keys/);
    frame = await press(ui, 'a');
    expect(frame).toMatch(/Add a node/);
    await press(ui, KEY.down);
    await type(ui, '192.168.56.23');
    await press(ui, KEY.enter);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/✗ "192\.168\.56\.23" is already the IP of nodes\[2\]/);
    await press(ui, KEY.up);
    await press(ui, KEY.backspace);
    await type(ui, '5');
    await press(ui, KEY.enter);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/node5\s+192\.168\.56\.25\s+worker/);
    expect(frame).toMatch(/Continue with 5 nodes/);
    await press(ui, KEY.up);
    frame = await press(ui, 'd');
    expect(frame).toMatch(/Continue with 4 nodes/);
    expect(frame).not.toMatch(/worker2 +192\.168\.56\.24 +worker/);
    // d is undone with u: the node comes back where it was.
    expect(frame).toMatch(/Removed worker2 \(192\.168\.56\.24\) · u: undo/);
    frame = await press(ui, 'u');
    expect(frame).toMatch(/Continue with 5 nodes/);
    expect(frame).toMatch(/worker1 .*\n.*› worker2 +192\.168\.56\.24 .*\n.*node5/);
    expect(frame).not.toMatch(/u: undo\n/);
    // Home and End jump to the first node and to "continue".
    frame = await press(ui, KEY.home);
    expect(frame).toMatch(/› cp1 /);
    frame = await press(ui, KEY.end);
    expect(frame).toMatch(/› Continue with 5 nodes/);
    ui.unmount();
  });

  it('nodes: d d then u u puts back both deleted nodes, each where it was (issue 20 item 7)', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    let frame = await waitForFrame(ui, f => f.includes('Continue with 4 nodes'), 'nodes list');
    const order = (f: string) => [...f.matchAll(/^[› ] (cp1|cp2|worker1|worker2) /gm)].map(m => m[1]);
    expect(order(frame)).toEqual(['cp1', 'cp2', 'worker1', 'worker2']);
    await press(ui, KEY.home);
    await press(ui, KEY.down);
    frame = await press(ui, 'd');
    expect(order(frame)).toEqual(['cp1', 'worker1', 'worker2']);
    frame = await press(ui, 'd');
    expect(order(frame)).toEqual(['cp1', 'worker2']);
    expect(frame).toMatch(/Removed worker1 \(192\.168\.56\.23\) and 1 more · u: undo/);
    frame = await press(ui, 'u');
    expect(order(frame)).toEqual(['cp1', 'worker1', 'worker2']);
    expect(frame).toMatch(/Removed cp2 \(192\.168\.56\.22\) · u: undo/);
    frame = await press(ui, 'u');
    expect(order(frame)).toEqual(['cp1', 'cp2', 'worker1', 'worker2']);
    expect(frame).toMatch(/› cp2 /);
    expect(frame).toMatch(/Continue with 4 nodes/);
    expect(frame).not.toMatch(/Removed /);
    ui.unmount();
  });

  it('network: the apiserver service IP follows the CIDR as it is typed', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 4);
    let frame = await waitForFrame(ui, f => f.includes('Service network'), 'network step');
    expect(frame).toMatch(/service IP 10\.32\.0\.1/);
    await press(ui, KEY.backspace, '32.0.0/24'.length);
    frame = await type(ui, '96.0.0/12');
    expect(frame).toMatch(/service IP 10\.96\.0\.1/);
    ui.unmount();
  });

  it('CA topology: each choice shows which CA signs what', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 9);
    let frame = await waitForFrame(ui, f => f.includes('Certificate authorities'), 'CA step');
    expect(frame).toMatch(/etcd-ca signs: apiserver-etcd-client, etcd-healthcheck-client, etcd-server, etcd-peer/);
    expect(frame).toMatch(/front-proxy-ca signs: front-proxy-client/);
    frame = await press(ui, KEY.up, 2);
    expect(frame).toMatch(/ca signs: apiserver, .*apiserver-etcd-client/s);
    expect(frame).not.toMatch(/etcd-ca signs/);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Keys and validity/);
    frame = await press(ui, KEY.right);
    expect(frame).toMatch(/\[rsa-3072\]/);
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(/❯ single/);
    ui.unmount();
  });

  it('layout: kubeadm in either flow or hard-way, each explained; output refuses an occupied directory', async () => {
    mkdirSync(join(tmp.path, 'occupied'));
    writeFileSync(join(tmp.path, 'occupied', 'x'), 'x');
    const {ui} = wizard({out: 'occupied'});
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 7);
    let frame = await waitForFrame(ui, f => f.includes('4/11 · File layout'), 'layout');
    expect(frame).toMatch(/❯ kubeadm, shared CA\s+e\.g\. \/etc\/kubernetes\/pki\/apiserver\.crt/);
    expect(frame).toMatch(/kubeadm, external CA\s+e\.g\. \/etc\/kubernetes\/pki\/apiserver\.crt/);
    expect(frame).toMatch(/hard-way\s+e\.g\. \/var\/lib\/kubernetes\/kube-api-server\.crt/);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/the CA keys go to the control-plane nodes .* workers get no CA file and join with a bootstrap token and --discovery-token-ca-cert-hash/);
    frame = await press(ui, KEY.down);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/ca\.key never leaves this machine, so every node gets pre-made certificates and kubeconfigs/);
    await press(ui, KEY.enter);
    await waitForFrame(ui, f => f.includes('Kubernetes release'), 'release');
    await press(ui, KEY.enter, 7);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Output and SSH/);
    expect(frame).toMatch(/✗ .*occupied already holds files/);
    // The flow chosen is kept: back to the layout, it is still selected.
    frame = await press(ui, KEY.escape, 4);
    expect(frame).toMatch(/❯ kubeadm, external CA/);
    ui.unmount();
  });

  it('output: asks about expiry monitoring (off by default, saying what it installs); yes puts the check and the PrometheusRule in OUT', async () => {
    const {ui, outcomes} = wizard({out: 'monitored', key: 'ecdsa-p256'});
    await settle(ui, 'Cluster and API endpoint');
    // 3 cluster fields, nodes, 3 network, layout, release, CA, 3 keys, 2 output fields: the question.
    await press(ui, KEY.enter, 15);
    let frame = await waitForFrame(ui, f => f.includes('› Expiry monitoring'), 'the expiry monitoring question');
    expect(frame).toMatch(/8\/11 · Output and SSH/);
    expect(frame).toMatch(/› Expiry monitoring\s+\[no\]\s+yes/);
    const flat = frame.replace(/\s+/g, ' ');
    expect(flat).toContain('a daily check (a systemd service + timer) that writes its certificates\' expiry as node_exporter metrics');
    expect(flat).toContain('OUT/monitoring/ a PrometheusRule');
    frame = await press(ui, KEY.right);
    expect(frame).toMatch(/› Expiry monitoring\s+no\s+\[yes\]/);
    await press(ui, KEY.enter);
    await waitForFrame(ui, f => f.includes('Certificate plan'), 'the plan');
    ui.stdin.write('g');
    await waitForFrame(ui, f => f.includes('11/11 · Done'), 'the final screen', 60_000);
    await settle(ui, 'u: add a user');
    ui.stdin.write('q');
    await waitForFrame(ui, () => outcomes.length > 0, 'the outcome');
    const out = join(tmp.path, 'monitored');
    expect(readFileSync(join(out, 'cluster.yaml'), 'utf8')).toMatch(/^monitoring: { expiry: true }$/m);
    expect(readFileSync(join(out, 'monitoring', 'prometheus-rule.yaml'), 'utf8')).toMatch(/kind: PrometheusRule/);
    ui.unmount();
  });

  it('hard-way proposes the single CA on the next steps, saying why', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 7);
    await waitForFrame(ui, f => f.includes('File layout'), 'layout');
    let frame = await press(ui, KEY.down, 2);
    expect(frame).toMatch(/❯ hard-way/);
    expect(frame).toMatch(/The Hard Way's names and paths/);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/5\/11 · Kubernetes release/);
    // The Hard Way's identities do not follow kubeadm's releases.
    expect(frame).toMatch(/admin\.kubeconfig: O=system:masters/);
    expect(frame).not.toMatch(/super-admin/);
    expect(frame).toMatch(/In the hard-way layout none of these files changes from one release to the next\./);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/6\/11 · Certificate authorities/);
    expect(frame).toMatch(/❯ single/);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/The Hard Way uses one CA \(CN=CA\) for everything: its units read a single ca\.crt, so single is proposed/);
    frame = await press(ui, KEY.down);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/With etcd-separate, the units kubepki writes already carry the other CA: etcd --trusted-ca-file, etcd --peer-trusted-ca-file, kube-apiserver --etcd-cafile read etcd-ca/);
    ui.unmount();
  });

  it('release: each known release says what it gives the files, and the choice reaches the plan', async () => {
    const {ui} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 8);
    let frame = await waitForFrame(ui, f => f.includes('5/11 · Kubernetes release'), 'release');
    // At 80×24 the list is a window: the screen keeps a line spare (Ink redraws everything when full).
    resizeTo(ui, 80, 24);
    frame = await waitForFrame(ui, f => f.split('\n').length < 24 && f.includes('❯ v1.34.4'), 'the release step at 80×24');
    expect(frame).not.toMatch(/In the kubeadm layout none/);
    expect(frame).toMatch(/❯ v1\.34\.4 +default: the release kubepki is tested with/);
    expect(frame).toMatch(/With v1\.34\.4:/);
    expect(frame).toMatch(/admin\.conf: O=kubeadm:cluster-admins/);
    expect(frame).toMatch(/kubeadm configuration: kubeadm\.k8s\.io\/v1beta4/);
    frame = await press(ui, KEY.up, 6);
    expect(frame).toMatch(/❯ v1\.28\.0/);
    expect(frame).toMatch(/admin\.conf: O=system:masters/);
    expect(frame).toMatch(/super-admin\.conf: none \(from v1\.29\)/);
    expect(frame).toMatch(/kubeadm configuration: kubeadm\.k8s\.io\/v1beta3/);
    frame = await press(ui, KEY.down);
    expect(frame).toMatch(/v1\.29\.0 +changes admin\.conf, super-admin\.conf, apiserver-kubelet-client/);
    await press(ui, KEY.down, 8);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Certificate authorities/);
    await press(ui, KEY.enter, 7);
    await waitForFrame(ui, f => f.includes('Certificate plan'), 'the plan');
    // v1.37.0 (and v1.33.12, v1.34.8, v1.35.5, v1.36.1): apiserver-kubelet-client has no O.
    const plan = buildPlan(specWith(c => { c.kubernetesVersion = 'v1.37.0'; }));
    const row = plan.authorities.length + plan.certificates.findIndex(c => c.id === 'apiserver-kubelet-client');
    await press(ui, KEY.down, row);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/Subject +CN=kube-apiserver-kubelet-client\n/);
    ui.unmount();
  });

  it('plan: the table, scrolling, details that teach, and the summary', async () => {
    const {ui} = wizard();
    let frame = await enterToPlan(ui);
    expect(frame.split('\n')[3]).toMatch(/^ {2}FILE \/ SUBJECT\s+SIGNER\s+NODES/);
    // Each certificate on two lines: the file, its signer and nodes; under it the subject.
    expect(frame).toMatch(/^› ca\.crt +self \(CA\) +cp1,cp2\n {4}CN=kubernetes\n/m);
    // The selected row is marked with ›, not only inverse video (NO_COLOR, dumb terminals).
    expect(frame).toMatch(/^› ca\.crt /m);
    expect(frame).toMatch(/^ {2}etcd\/ca\.crt /m);
    frame = await press(ui, KEY.down);
    expect(frame).toMatch(/^ {2}ca\.crt /m);
    expect(frame).toMatch(/^› etcd\/ca\.crt /m);
    await press(ui, KEY.up);
    expect(frame).toMatch(/ca\.key goes only to the control plane \(cp1, cp2\); workers get no CA file at all/);
    const plan = buildPlan(exampleSpec());
    const signs = (id: string) => plan.certificates.filter(c => c.signer === id).length;
    // The summary and the warnings are one key away.
    frame = await press(ui, 'w');
    expect(frame).toMatch(new RegExp(`Per CA: ca signs ${signs('ca')}, etcd-ca signs ${signs('etcd-ca')}, front-proxy-ca signs ${signs('front-proxy-ca')}`));
    frame = await press(ui, KEY.escape);
    const rows = plan.authorities.length + plan.certificates.length + 1; // + the service-account pair
    frame = await press(ui, KEY.pageDown);
    expect(frame).toMatch(new RegExp(`row \\d+ of ${rows}`));
    await press(ui, KEY.pageUp);
    await press(ui, KEY.down, 5);
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/apiserver-etcd-client/);
    expect(frame).toMatch(/Signed by\s+etcd-ca/);
    expect(frame).toMatch(/Verified by\s+etcd/);
    frame = await press(ui, KEY.escape);
    expect(frame).toMatch(new RegExp(`row 6 of ${rows}`));
    ui.unmount();
  });

  it('plan: the service-account key pair has its row and its explanation', async () => {
    const {ui} = wizard();
    let frame = await enterToPlan(ui);
    const plan = buildPlan(exampleSpec());
    const rows = plan.authorities.length + plan.certificates.length + 1;
    frame = await press(ui, KEY.down, rows - 1);
    expect(frame).toMatch(new RegExp(`row ${rows} of ${rows}`));
    expect(frame).toMatch(/^› sa\.key, sa\.pub +- +cp1,cp2\n {4}a key pair, no certificate/m);
    frame = await press(ui, KEY.enter);
    const flat = frame.replace(/\s+/g, ' ');
    expect(flat).toMatch(/pki\/sa\.key and pki\/sa\.pub — the service-account key pair/);
    expect(flat).toMatch(/kube-apiserver signs the tokens it issues with the private key/);
    expect(flat).toMatch(/Key goes to cp1, cp2/);
    ui.unmount();
  });

  it('plan details explain why the kubelet client CN starts with system:node:', async () => {
    const {ui} = wizard();
    await enterToPlan(ui);
    const plan = buildPlan(exampleSpec());
    const row = plan.authorities.length + plan.certificates.findIndex(c => c.id === 'kubelet-client' && c.node === 'cp1') + 1;
    let frame = await press(ui, KEY.down, row - 1);
    expect(frame).toMatch(new RegExp(`row ${row} of ${plan.authorities.length + plan.certificates.length + 1}`));
    frame = await press(ui, KEY.enter);
    expect(frame).toMatch(/CN=system:node:cp1, O=system:nodes/);
    expect(frame).toMatch(/Node authorizer accepts only CN system:node:<name> with O system:nodes/);
    ui.unmount();
  });
});

describe('a 500-node plan', () => {
  it('renders only the visible rows and scrolls', async () => {
    const spec = specWith(c => {
      c.nodes = [
        {name: 'cp1', ip: '10.0.0.1', roles: ['control-plane', 'etcd']},
        ...Array.from({length: 499}, (_, i) => ({name: `w${i + 1}`, ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, roles: ['worker']})),
      ];
      c.endpoint.host = '10.0.0.100';
    });
    const plan = buildPlan(spec);
    const ui = render(<PlanStep plan={plan} onGenerate={() => {}} onBack={() => {}} />);
    const rows = plan.authorities.length + plan.certificates.length + 1; // + the service-account pair
    expect(rows).toBeGreaterThan(500);
    let frame = await settle(ui, 'row 1 of');
    expect(frame).toMatch(new RegExp(`row 1 of ${rows}`));
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    frame = await press(ui, KEY.pageDown, 10);
    expect(Number(/row (\d+) of/.exec(frame)![1])).toBeGreaterThan(20);
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    frame = await press(ui, KEY.end);
    expect(frame).toMatch(new RegExp(`row ${rows} of ${rows}`));
    // Rows that look alike still read apart: the last workers' kubelet certificates name their node.
    expect(frame).toMatch(/^ {2}nodes\/w499\/kubelet\.crt +ca +w499\n {4}CN=system:node:w499 O=system:nodes$/m);
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    ui.unmount();
  });
});

describe('a full walk with the defaults', () => {
  it('hard-way: the final screen says how the components start, and quitting prints the systemctl lines and the RBAC', async () => {
    const {ui, outcomes} = wizard({layout: 'hard-way', authorities: 'single', out: 'walk-hw'});
    await enterToPlan(ui);
    ui.stdin.write('g');
    const frame = await waitForFrame(ui, f => f.includes('11/11 · Done'), 'the final screen', 60_000);
    expect(frame.replace(/\s+/g, ' ')).toMatch(/Then start them, as The Hard Way does: systemctl on each node, then the RBAC # printed when you quit/);
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    await settle(ui, 'Enter, q or Esc: quit and print');
    ui.stdin.write(KEY.enter);
    await waitForFrame(ui, () => outcomes.length > 0, 'the wizard to finish');
    const outcome = outcomes[0]!;
    expect(outcome.code).toBe(0);
    const printed = finalReport((outcome as {result: BuildReport}).result); // as kubepki prints it on quit
    expect(printed).toMatch(/## cp1, cp2\nsystemctl daemon-reload && systemctl enable --now etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy\n/);
    expect(printed).toMatch(/\nssh root@cp1 kubectl apply --kubeconfig \/var\/lib\/kubernetes\/admin\.kubeconfig -f - < \S*walk-hw\/kube-apiserver-to-kubelet\.yaml\n/);
    ui.unmount();
  });


  it('ends with a generated directory that kubepki verify accepts, and the commands on screen', async () => {
    const {ui, outcomes} = wizard({out: 'walk'});
    await enterToPlan(ui);
    ui.stdin.write('g');
    let frame = await waitForFrame(ui, f => f.includes('Generating') || f.includes('Done'), 'generation to start');
    frame = await waitForFrame(ui, f => f.includes('11/11 · Done'), 'the final screen', 60_000);
    const flat = frame.replace(/\s+/g, ' ');
    const planned = buildPlan(exampleSpec()); // the defaults the walk accepted
    expect(flat).toMatch(new RegExp(`✓ Wrote ${planned.certificates.length + planned.authorities.length} certificates and ${planned.kubeconfigs.length} kubeconfigs to \\S*walk`));
    // The checks that matter for this cluster: the endpoint and the Service IP, from OUT.
    expect(flat).toMatch(/cd \S*walk # the endpoint 192\.168\.56\.20 openssl verify -CAfile pki\/ca\.crt -purpose sslserver -verify_ip 192\.168\.56\.20 pki\/apiserver\.crt/);
    expect(flat).toMatch(/# the Service IP 10\.32\.0\.1 openssl verify -CAfile pki\/ca\.crt -purpose sslserver -verify_ip 10\.32\.0\.1 pki\/apiserver\.crt/);
    // One complete shipping sequence: a dry run, then the real one.
    expect(flat).toMatch(/Ship them to the 4 nodes as root \(ssh\): bash distribute\.sh --dry-run # every command, nothing copied bash distribute\.sh # then copy for real/);
    // The kubeadm layout: then kubeadm, node by node, from the script that holds every node's commands.
    expect(flat).toMatch(/Then kubeadm, node by node \(shared-ca flow\): bash kubeadm-steps\.sh # each node's commands, in order/);
    expect(flat).toMatch(/Saved verify\.sh, distribute\.sh, kubeadm-steps\.sh and your answers in cluster\.yaml\. The trust map, who presents what to whom: trust-map\.svg \(open it in a browser\)\./);
    expect(readFileSync(join(tmp.path, 'walk', 'trust-map.svg'), 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*kube&#45;apiserver[\s\S]*<\/svg>\n$/);
    expect(flat).not.toMatch(/Then start them/); // kubeadm starts its own components
    expect(frame.split('\n').length).toBeLessThanOrEqual(20);
    // At 60 columns a check no longer fits: it breaks with ` \`, so what is copied runs as one command.
    resizeTo(ui, 60, 20);
    frame = await waitForFrame(ui, f => / \\$/m.test(f), 'a check continued with a backslash');
    for (const line of frame.split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    const check = frame.split('\n').findIndex(l => /^\s*openssl verify .* \\$/.test(l));
    expect(`${frame.split('\n')[check]!.replace(/ \\$/, '')} ${frame.split('\n')[check + 1]!.trim()}`.trim())
      .toBe('openssl verify -CAfile pki/ca.crt -purpose sslserver -verify_ip 192.168.56.20 pki/apiserver.crt');
    const findings = inspectDirectory(join(tmp.path, 'walk'));
    expect(findings.filter(f => !f.ok)).toEqual([]);
    // One finding per authority, certificate and kubeconfig, the service-account pair, file modes, and each node's bundle.
    expect(findings.length).toBe(planned.authorities.length + planned.certificates.length + planned.kubeconfigs.length + 2 + planned.nodes.length);
    await settle(ui, 'Enter, q or Esc: quit and print');
    ui.stdin.write(KEY.enter);
    await waitForFrame(ui, () => outcomes.length > 0, 'the wizard to finish');
    expect(outcomes.map(o => o.code)).toEqual([0]);
    ui.unmount();
  });

  it('shows progress while generating', async () => {
    let release!: () => void;
    const gate = new Promise<void>(r => { release = r; });
    const deps: WizardDeps = {
      checkOut: () => undefined,
      generate: async (plan, out, onProgress) => {
        onProgress({done: 7, total: 26, item: 'etcd-peer cp2'});
        await gate;
        return buildCluster(plan, join(tmp.path, `progress-${out}`));
      },
    };
    const {ui, outcomes} = wizard({out: 'p'}, deps);
    await enterToPlan(ui);
    ui.stdin.write('g');
    const frame = await waitForFrame(ui, f => f.includes('7/26 keys'), 'progress');
    expect(frame).toMatch(/█+░+ 7\/26 keys · \d+\.\ds/);
    expect(frame).toMatch(/last: etcd-peer cp2/);
    release();
    await waitForFrame(ui, f => f.includes('Done'), 'done', 60_000);
    // Esc on the final screen quits as Enter does.
    await settle(ui, 'Enter, q or Esc: quit and print');
    ui.stdin.write(KEY.escape);
    await waitForFrame(ui, () => outcomes.length > 0, 'the wizard to finish');
    expect(outcomes.map(o => o.code)).toEqual([0]);
    ui.unmount();
  });

  it('Ctrl+C anywhere reports 130', async () => {
    const {ui, outcomes} = wizard();
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    ui.stdin.write(KEY.ctrlC);
    await waitForFrame(ui, () => outcomes.length > 0, 'an outcome');
    expect(outcomes).toEqual([{code: 130}]);
    ui.unmount();
  });
});
