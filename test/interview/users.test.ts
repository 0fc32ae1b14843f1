import {describe, expect, it} from 'vitest';
import {spawnSync} from 'node:child_process';
import {userResultLines} from '../../source/interview/users.js';
import type {UserResult} from '../../source/build/users.js';

describe('the wizard\'s user result screen', () => {
  it('prints the same "Try it" line as kubepki user add, its path quoted for the shell', () => {
    const out = "/tmp/team's cluster";
    const result = {entry: {name: 'jane', groups: ['dev'], kubeconfig: 'users/jane/jane.kubeconfig'}, written: [], warnings: [], commands: [], context: 'jane@kubernetes'} as unknown as UserResult;
    const [tryIt] = userResultLines(out, result).next;
    expect(tryIt).toBe(`Try it: kubectl --kubeconfig '/tmp/team'\\''s cluster/users/jane/jane.kubeconfig' auth whoami   (context jane@kubernetes)`);
    // bash reads the path back whole.
    const command = tryIt!.replace(/^Try it: /, '').replace(/\s+\(context .*\)$/, '');
    const words = spawnSync('bash', ['-c', `kubectl() { printf '%s\\n' "$@"; }\n${command}`], {encoding: 'utf8'}).stdout.split('\n');
    expect(words[1]).toBe("/tmp/team's cluster/users/jane/jane.kubeconfig");
  });
});
