// npm run bench (its last part): distribute.sh at 12 nodes on the sshd lab, one node at a time
// (--parallel 1) against all at once (--parallel 12). The ratio sequential / parallel is measured
// RUNS times (each run: one sequential and one parallel copy, back to back); each run's ratio and
// the median are printed. Asserts only that every run shipped every node (a time is never a failure).
// The lab's sshd may fail to start or stop answering on a loaded machine: its start is tried up to
// LAB_ATTEMPTS times, and a run during which it stopped answering is run again on a new lab (at
// most LAB_ATTEMPTS - 1 times in all), each time saying so.
import {afterAll, beforeAll, expect, it} from 'vitest';
import {mkdirSync} from 'node:fs';
import {connect} from 'node:net';
import {userInfo} from 'node:os';
import {join} from 'node:path';
import {generated, specWith} from '../test/helpers/cluster.js';
import {runAsync} from '../test/helpers/run.js';
import {startSshdLab, type SshdLab} from '../test/helpers/sshd-lab.js';

const NODES = 12;
const RUNS = Number(process.env.KUBEPKI_BENCH_RUNS ?? 3);
const LAB_ATTEMPTS = 3;
let out: Awaited<ReturnType<typeof generated>>;
let lab: SshdLab;
let labStarts = 0;
const note = (text: string) => process.stderr.write(`bench: ${text}\n`);

/** The sshd lab, its start tried up to LAB_ATTEMPTS times in the whole benchmark. */
async function labUp(): Promise<SshdLab> {
  for (;;) {
    labStarts++;
    try {
      return await startSshdLab(out.plan.nodes.map(n => n.name));
    } catch (error) {
      const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      if (labStarts >= LAB_ATTEMPTS) throw new Error(`the sshd lab could not be started (${labStarts} attempts; last: ${why}): no distribute.sh timing measured`);
      note(`the sshd lab did not start (attempt ${labStarts} of ${LAB_ATTEMPTS}: ${why}); starting it again`);
    }
  }
}

/** Whether the lab's sshd still runs and accepts a connection. */
const labAnswers = () => new Promise<boolean>(resolve => {
  if (lab.sshd.child.exitCode !== null || lab.sshd.child.signalCode !== null) { resolve(false); return; }
  const socket = connect(lab.port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
  socket.setTimeout(5_000, () => { socket.destroy(); resolve(false); });
  socket.on('error', () => resolve(false));
});

beforeAll(async () => {
  out = await generated(specWith(c => {
    c.pki.key = 'ecdsa-p256';
    c.nodes = Array.from({length: NODES}, (_, i) => i < 3
      ? {name: `cp${i + 1}`, ip: `192.168.56.${21 + i}`, roles: ['control-plane', 'etcd']}
      : {name: `worker${i - 2}`, ip: `192.168.56.${21 + i}`, roles: ['worker']});
  }));
  lab = await labUp();
}, 120_000);
afterAll(async () => {
  await lab?.stop();
  out?.remove();
});

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

class LabDropped extends Error {}

/**
 * distribute.sh to every node, its wall time in ms. Not spawnSync: the lab's sshd logs to this
 * process, which must keep reading it (a full pipe would stall sshd itself).
 */
async function distribute(parallel: number, tag: string): Promise<number> {
  const stage = join(lab.work, `stage-${tag}`);
  mkdirSync(stage);
  const started = performance.now();
  const r = await runAsync('bash', [join(out.dir, 'distribute.sh'), '-F', lab.sshConfig, '--user', userInfo().username, '--root', `${stage}/{node}`, '--parallel', String(parallel)], {cwd: '/', timeout: 900_000});
  const ms = performance.now() - started;
  if (r.status !== 0 && !(await labAnswers())) throw new LabDropped(`the sshd lab stopped answering during distribute.sh --parallel ${parallel} (exit ${r.status}): ${r.stderr.trim().split('\n').at(-1)}`);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain(`shipped ${NODES} node(s)`);
  return ms;
}

it(`distribute.sh at ${NODES} nodes: --parallel 1 against --parallel ${NODES}, ${RUNS} runs`, async () => {
  const runs: {sequential: number; parallel: number}[] = [];
  let attempt = 0;
  while (runs.length < RUNS) {
    const i = runs.length;
    try {
      attempt++;
      const sequential = await distribute(1, `${i}-${attempt}-sequential`);
      const parallel = await distribute(NODES, `${i}-${attempt}-parallel`);
      runs.push({sequential, parallel});
      note(`run ${i + 1}/${RUNS}: --parallel 1 ${(sequential / 1000).toFixed(2)} s, --parallel ${NODES} ${(parallel / 1000).toFixed(2)} s, ${(sequential / parallel).toFixed(1)}×`);
    } catch (error) {
      if (!(error instanceof LabDropped)) throw error;
      if (labStarts >= LAB_ATTEMPTS) throw new Error(`${error.message}; the lab was started ${labStarts} times: giving up (runs measured: ${runs.length} of ${RUNS})`);
      note(`${error.message}; run ${i + 1} again on a new lab`);
      await lab.stop();
      lab = await labUp();
    }
  }
  const ratios = runs.map(r => r.sequential / r.parallel);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log([
    '',
    `| distribute.sh, ${NODES} nodes, sshd lab | --parallel 1 | --parallel ${NODES} | sequential / parallel |`,
    '|---|---|---|---|',
    ...runs.map((r, i) => `| run ${i + 1} | ${s(r.sequential)} | ${s(r.parallel)} | ${ratios[i]!.toFixed(1)}× |`),
    `| median of ${RUNS} | ${s(median(runs.map(r => r.sequential)))} | ${s(median(runs.map(r => r.parallel)))} | ${median(ratios).toFixed(1)}× |`,
    ...(labStarts > 1 ? [`(the sshd lab was started ${labStarts} times)`] : []),
    '',
  ].join('\n'));
}, 3_600_000);
