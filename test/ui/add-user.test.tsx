import React from 'react';
import {describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {AddUserStep} from '../../source/ui/AddUserStep.js';
import type {AddUserRequest, UserResult} from '../../source/build/users.js';
import {settle, waitForFrame} from '../helpers/ink.js';

describe('the add-user form', () => {
  it('a value typed and Enter in one burst is the value submitted (validity 30d, not the default)', async () => {
    const requests: AddUserRequest[] = [];
    const addUser = async (_out: string, request: AddUserRequest) => {
      requests.push(request);
      return {entry: {name: request.name, groups: request.groups, kubeconfig: `users/${request.name}/${request.name}.conf`}, written: [], warnings: [], commands: [], context: 'x'} as unknown as UserResult;
    };
    const ui = render(<AddUserStep out="/tmp/out" defaultValidity="8760h" addUser={addUser} onDone={() => {}} />);
    await settle(ui, 'Name');
    ui.stdin.write('zed\r');
    ui.stdin.write('ops\r');
    ui.stdin.write('\r');
    ui.stdin.write('30d\r');
    await waitForFrame(ui, f => f.includes('✓ User zed'), 'the result');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({name: 'zed', groups: ['ops'], validity: '30d', csr: false});
    ui.unmount();
  });
});
