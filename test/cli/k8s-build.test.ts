// test/k8s/build.sh, the builder of the control-plane tests' binaries, run against a cache in a
// temporary directory with a stand-in `go` that records each build (the real build takes tens of
// minutes): a second caller that waited on the lock while the first built must not build again.
import {afterAll, describe, expect, it} from 'vitest';
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, readFileSync, readlinkSync, statSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-k8s-build-');
afterAll(() => tmp.remove());
const script = resolve('test/k8s/build.sh');

/** Writes one empty executable per package to `-o DIR/`, after waiting for the test's go-ahead. */
const FAKE_GO = `#!/usr/bin/env bash
set -eu
echo "build $$" >> "$FAKE_GO_LOG"
out=
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2;; *) shift;; esac; done
for i in $(seq 1 200); do [ -e "$FAKE_GO_RELEASE" ] && break; sleep 0.05; done
for t in kube-apiserver kube-controller-manager kube-scheduler kubeadm v3; do
  printf '#!/bin/sh\\n' > "$out/$t"; chmod 755 "$out/$t"
done
`;

/** Polls `ready` every 20 ms for at most `ms`; false when it never held. */
async function until(ready: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (ready()) return true;
    await new Promise(r => setTimeout(r, 20));
  }
  return ready();
}

function start(env: NodeJS.ProcessEnv) {
  const child = spawn('bash', [script], {env, stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', d => { stdout += d; });
  child.stderr.on('data', d => { stderr += d; });
  const done = new Promise<{status: number | null; stdout: string; stderr: string}>(r => child.on('close', status => r({status, stdout, stderr})));
  return {pid: child.pid!, done};
}

describe('test/k8s/build.sh (issue 20 item 12)', () => {
  it('a caller that waited on the lock while another built finds the binaries complete under the lock: no second build, bin/ left in place', async () => {
    const go = join(tmp.path, 'go');
    writeFileSync(go, FAKE_GO, {mode: 0o755});
    const env = {...process.env, GO: go, KUBEPKI_K8S_CACHE: join(tmp.path, 'cache'), FAKE_GO_LOG: join(tmp.path, 'go.log'), FAKE_GO_RELEASE: join(tmp.path, 'release')};
    const builds = () => (existsSync(env.FAKE_GO_LOG) ? readFileSync(env.FAKE_GO_LOG, 'utf8').split('\n').filter(Boolean) : []);

    const first = start(env);
    expect(await until(() => builds().length === 1), 'the first caller started its build').toBe(true);
    // The second caller found no binaries and opened the lock the first one holds (fd 9): it waits.
    const second = start(env);
    const lock = (pid: number) => { try { return readlinkSync(`/proc/${pid}/fd/9`); } catch { return ''; } };
    expect(await until(() => lock(second.pid).endsWith('/.lock')), 'the second caller reached the lock').toBe(true);
    writeFileSync(env.FAKE_GO_RELEASE, '');
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const bin = a.stdout.trim();
    expect(b.stdout.trim()).toBe(bin);
    expect(builds()).toHaveLength(1);
    expect(b.stderr).not.toMatch(/building/);
    const inode = statSync(bin).ino;

    // A third caller with a warm cache: no lock wait, no build, the same bin/.
    const third = spawnSync('bash', [script], {env, encoding: 'utf8', timeout: 30_000});
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout.trim()).toBe(bin);
    expect(builds()).toHaveLength(1);
    expect(statSync(bin).ino).toBe(inode);
    expect(spawnSync('ls', [bin], {encoding: 'utf8'}).stdout.split('\n').filter(Boolean).sort()).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubeadm']);
  });
});
