// npm run bench (its last part): distribute.sh at 12 nodes on the sshd lab, one node at a time
// (--parallel 1) against all at once (--parallel 12), medians of RUNS runs each. Prints the
// ratio; asserts only that every run shipped every node (a time is never a failure).
import {afterAll, beforeAll, expect, it} from 'vitest';
import {mkdirSync} from 'node:fs';
import {userInfo} from 'node:os';
import {join} from 'node:path';
import {generated, specWith} from '../test/helpers/cluster.js';
import {run} from '../test/helpers/run.js';
import {startSshdLab, type SshdLab} from '../test/helpers/sshd-lab.js';

const NODES = 12;
const RUNS = Number(process.env.KUBEPKI_BENCH_RUNS ?? 3);
let out: Awaited<ReturnType<typeof generated>>;
let lab: SshdLab;

beforeAll(async () => {
  out = await generated(specWith(c => {
    c.pki.key = 'ecdsa-p256';
    c.nodes = Array.from({length: NODES}, (_, i) => i < 3
      ? {name: `cp${i + 1}`, ip: `192.168.56.${21 + i}`, roles: ['control-plane', 'etcd']}
      : {name: `worker${i - 2}`, ip: `192.168.56.${21 + i}`, roles: ['worker']});
  }));
  lab = await startSshdLab(out.plan.nodes.map(n => n.name));
});
afterAll(async () => {
  await lab?.stop();
  out?.remove();
});

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

it(`distribute.sh at ${NODES} nodes: --parallel 1 against --parallel ${NODES}`, () => {
  const wall: Record<number, number[]> = {1: [], [NODES]: []};
  for (let i = 0; i < RUNS; i++) {
    for (const parallel of [1, NODES]) {
      const stage = join(lab.work, `stage-${parallel}-${i}`);
      mkdirSync(stage);
      const started = performance.now();
      const r = run('bash', [join(out.dir, 'distribute.sh'), '-F', lab.sshConfig, '--user', userInfo().username, '--root', `${stage}/{node}`, '--parallel', String(parallel)], {cwd: '/', timeout: 900_000});
      wall[parallel]!.push(performance.now() - started);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`shipped ${NODES} node(s)`);
    }
  }
  const sequential = median(wall[1]!);
  const parallel = median(wall[NODES]!);
  console.log([
    '',
    `| distribute.sh, ${NODES} nodes, sshd lab | median of ${RUNS} |`,
    '|---|---|',
    `| --parallel 1 | ${(sequential / 1000).toFixed(2)} s |`,
    `| --parallel ${NODES} | ${(parallel / 1000).toFixed(2)} s |`,
    `| sequential / parallel | ${(sequential / parallel).toFixed(1)}× |`,
    '',
  ].join('\n'));
});
