// The lab's STAND-IN for the kubelet's static pods and for crictl (static-pods.mjs says exactly
// what each does): per node, a supervisor run in the node's network namespace on the node's disk,
// as the kubelet would be, that starts, stops and restarts what kubeadm wrote into
// /etc/kubernetes/manifests; and a `crictl` for PATH that answers the printed gates from its
// record. What it runs is real: the built binaries, with the manifests' own command lines.
import {readFileSync, mkdirSync, writeFileSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import type {Lab} from './lab.js';
import {k8sBin} from './k8s.js';
import {ROOT} from './run.js';
import type {Started} from './processes.js';

/** What the kubelet and the static pods share with everything else run on a node: kubeadm's directory, on the node's disk. */
export const NODE_SHARED = ['/etc/kubernetes'];

const SUPERVISOR = join(ROOT, 'test/helpers/static-pods.mjs');

export interface Container {
  id: string;
  name: string;
  file: string;
  pid: number;
  state: 'running' | 'exited';
  createdAt: string;
  finishedAt?: string;
  exitCode?: number | null;
  signal?: string | null;
}

export class StaticPods {
  private readonly supervisors = new Map<string, Started>();
  /** A directory holding the `crictl` stand-in: put it first on PATH for the printed gates. */
  readonly bin: string;

  constructor(private readonly lab: Lab, private readonly disk: (node: string) => string, private readonly periodMs = 1000) {
    this.bin = join(lab.dir, 'static-pods', 'bin');
    mkdirSync(this.bin, {recursive: true});
    // The node is the sandbox's host name: each node's crictl answers from that node's record.
    writeFileSync(join(this.bin, 'crictl'), `#!/bin/sh\nexec ${process.execPath} ${SUPERVISOR} crictl ${join(lab.dir, 'static-pods')}/"$(hostname)" "$@"\n`, {mode: 0o755});
  }

  private state(node: string) { return join(this.lab.dir, 'static-pods', node); }

  /** The node's supervisor, started once: from then on it runs what the node's manifests say. */
  ensure(node: string): Started {
    let s = this.supervisors.get(node);
    if (!s) {
      s = this.lab.start(node, [process.execPath, SUPERVISOR, 'kubelet', '/etc/kubernetes/manifests', k8sBin(), this.state(node), String(this.periodMs)], this.disk(node), undefined, NODE_SHARED);
      this.supervisors.set(node, s);
    }
    return s;
  }

  nodes(): string[] { return [...this.supervisors.keys()]; }

  /** Every container the node's supervisor started, running or exited. */
  containers(node: string): Container[] {
    const file = join(this.state(node), 'containers.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as {containers: Container[]}).containers : [];
  }

  running(node: string, name: string): Container[] {
    return this.containers(node).filter(c => c.name === name && c.state === 'running');
  }

  /** The tail of what a container by that name wrote (all of them, one log per name), and the supervisor's own lines. */
  log(node: string, name: string, chars = 3000): string {
    const file = join(this.state(node), `${name}.log`);
    const own = this.supervisors.get(node)?.output().split('\n').filter(l => l.includes(` ${name} `)).slice(-10).join('\n') ?? '';
    return `${own}\n${existsSync(file) ? readFileSync(file, 'utf8').slice(-chars) : '(no log)'}`;
  }

  /** Stops every supervisor, which stops its containers first. */
  async stop() {
    await Promise.all([...this.supervisors.values()].map(s => s.stop()));
  }
}
