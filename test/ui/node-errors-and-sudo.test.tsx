// The wizard names the node beside its index in an error (nodes[1] (cp1).name), as config errors
// and plain mode do (people count nodes by name, not from 0); its output step asks about sudo.
import React from 'react';
import {describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {App, type WizardDeps} from '../../source/ui/App.js';
import {draftFromSpec} from '../../source/interview/draft.js';
import {exampleSpec} from '../../source/spec/example.js';
import {KEY, press, settle, type, waitForFrame} from '../helpers/ink.js';

const deps: WizardDeps = {
  generate: () => { throw new Error('nothing is generated here'); },
  checkOut: () => undefined,
};

describe('wizard node errors', () => {
  it('name the node beside its index', async () => {
    const nodes = [
      {name: 'cp1', ip: '10.0.0.1', roles: ['control-plane' as const]},
      {name: 'cp1', ip: '10.0.0.2', roles: ['worker' as const]},
      {name: 'worker4', ip: '10.0.0.300', roles: ['worker' as const]},
    ];
    const ui = render(<App initial={{...draftFromSpec(exampleSpec()), endpointHost: '10.0.0.1', nodes}} deps={deps} onOutcome={() => {}} />);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    await settle(ui, 'Continue with 3 nodes');
    const frame = await press(ui, KEY.enter);
    expect(frame).toContain('✗ nodes[1] (cp1).name: "cp1" is already the name of nodes[0]');
    expect(frame).toContain('✗ nodes[2] (worker4).ip: "10.0.0.300" is not an IPv4 or IPv6 address');
    ui.unmount();
  });

  it('the node list keeps its columns aligned with long DNS-subdomain names', async () => {
    const nodes = [
      {name: 'ip-10-0-0-1.eu-west-1.compute.internal', ip: '10.0.0.1', roles: ['control-plane' as const, 'etcd' as const]},
      {name: 'w1', ip: '10.0.0.10', roles: ['worker' as const]},
    ];
    const ui = render(<App initial={{...draftFromSpec(exampleSpec()), endpointHost: '10.0.0.1', nodes}} deps={deps} onOutcome={() => {}} />);
    await settle(ui, 'Cluster and API endpoint');
    await press(ui, KEY.enter, 3);
    const frame = await settle(ui, 'Continue with 2 nodes');
    const rows = frame.split('\n').filter(l => /10\.0\.0\.1\b|10\.0\.0\.10\b/.test(l));
    expect(rows).toHaveLength(2);
    // The address and the roles start in the same column on both rows.
    expect(rows[0]!.indexOf('10.0.0.1 ')).toBe(rows[1]!.indexOf('10.0.0.10'));
    expect(rows[0]!.indexOf('control-plane')).toBe(rows[1]!.indexOf('worker'));
    ui.unmount();
  });

  it('the output step asks about sudo for a user that is not root, and warns while it is off', async () => {
    const ui = render(<App initial={draftFromSpec(exampleSpec())} deps={deps} onOutcome={() => {}} />);
    await settle(ui, 'Cluster and API endpoint');
    // 3 cluster fields, nodes, 3 network, layout, release, CA, 3 keys: the output step.
    let frame = await press(ui, KEY.enter, 13);
    expect(frame).toMatch(/Output directory/);
    expect(frame).not.toMatch(/Install with sudo/);
    await press(ui, KEY.enter);
    await press(ui, '\u0015');
    frame = await type(ui, 'admin');
    expect(frame).toMatch(/Install with sudo\s+\[no\]\s+yes/);
    expect(frame.replace(/\s+/g, ' ')).toContain('⚠ The SSH user admin is not root and sudo is off');
    await press(ui, KEY.enter);
    frame = await press(ui, KEY.right);
    expect(frame).toMatch(/Install with sudo\s+no\s+\[yes\]/);
    expect(frame).not.toMatch(/sudo is off/);
    // Then the expiry monitoring question (default no), then the plan.
    frame = await press(ui, KEY.enter, 2);
    frame = await waitForFrame(ui, f => f.includes('g: generate'), 'the plan');
    expect(frame).not.toMatch(/SSH user admin is not root/);
    ui.unmount();
  });
});
