// The real Kubernetes binaries (built from the k8s.io/kubernetes module by test/k8s/build.sh, which
// `npm test` runs first) and small helpers to drive them in a lab.
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT} from './run.js';
import {realKubectl, waitFor} from './processes.js';
import type {Lab} from './lab.js';

let binDir: string | undefined;

/** The directory of kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm and etcd. */
export function k8sBin(): string {
  if (binDir) return binDir;
  const r = spawnSync('bash', [join(ROOT, 'test/k8s/build.sh')], {encoding: 'utf8', timeout: 90 * 60_000, stdio: ['ignore', 'pipe', 'pipe']});
  if (r.status !== 0) throw new Error(`building the Kubernetes binaries failed (test/k8s/build.sh):\n${r.stderr.slice(-4000)}`);
  binDir = r.stdout.trim().split('\n').at(-1)!;
  return binDir;
}

export const bin = (name: string) => join(k8sBin(), name);

/** The pinned release, as the binaries report it. */
export const pinnedVersion = () => /k8s\.io\/kubernetes (v1\.\d+\.\d+)/.exec(readFileSync(join(ROOT, 'test/k8s/go.mod'), 'utf8'))![1]!;

export interface Kubectl {
  (args: string[], options?: {input?: string; timeout?: number}): {status: number | null; stdout: string; stderr: string};
}

/** kubectl run on a host of the lab, inside that node's sandbox (so its kubeconfig paths exist). */
export function kubectlOn(lab: Lab, host: string, bundle: string | undefined, kubeconfig: string): Kubectl {
  const kubectl = realKubectl();
  return (args, options = {}) => lab.run(host, [kubectl, `--kubeconfig=${kubeconfig}`, `--cache-dir=${lab.dir}/kube-cache`, '--request-timeout=20s', ...args], {bundle, ...options});
}

export function json<T = any>(r: {status: number | null; stdout: string; stderr: string}): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (r.status !== 0) throw new Error(`command failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function waitReady(what: string, kubectl: Kubectl, timeoutMs = 120_000) {
  let last = '';
  await waitFor(what, () => {
    const r = kubectl(['get', '--raw', '/readyz'], {timeout: 30_000});
    last = `${r.stdout}${r.stderr}`.slice(-2000);
    return r.status === 0 && r.stdout.trim() === 'ok';
  }, timeoutMs, 1000).catch(error => { throw new Error(`${error}\nlast answer: ${last}`); });
}

export {manifestCommand} from './static-pod-manifest.mjs';
