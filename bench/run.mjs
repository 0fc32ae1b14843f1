#!/usr/bin/env node
// npm run bench: kubepki against the seeds' openssl method and against the hardware's floor,
// measured in one run on this machine. Reports; never fails on a time.
//
//   npm run bench                 2+2 and 3+50 clusters (RSA-2048), the ECDSA P-256 rows (2+2,
//                                 3+50, 3+500) against the same openssl method with EC keys,
//                                 start-up, plan of 5,000 nodes, and where each run's time goes
//   npm run bench -- --large      adds the RSA-2048 3+500 cluster (several minutes)
//   npm run bench -- --runs N     runs per measurement (default 3; 2+2 and start-up use more)
import {spawn, spawnSync} from 'node:child_process';
import {generateKeyPair, generateKeyPairSync} from 'node:crypto';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {availableParallelism, cpus, tmpdir, totalmem} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const cores = availableParallelism();
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const BASELINE = resolve(ROOT, '..', 'shared', 'bench', 'openssl-baseline.sh');
// The same method with KEY=ecdsa-p256|ecdsa-p384 (the shared script is read-only and RSA only).
const METHOD = join(ROOT, 'bench', 'openssl-method.sh');
const args = process.argv.slice(2);
const large = args.includes('--large');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const work = mkdtempSync(join(tmpdir(), 'kubepki-bench-'));
process.on('exit', () => rmSync(work, {recursive: true, force: true}));

const median = values => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = text => process.stderr.write(`${text}\n`);

/** Wall time of a command and its peak RSS (VmHWM, polled from /proc while it runs). */
function measure(command, argv, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, argv, {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, ...options.env}});
    let stderr = '';
    let peakKb = 0;
    child.stderr.on('data', d => { stderr += d; });
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited */ }
    }, 10);
    child.on('error', reject);
    child.on('close', code => {
      clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      else {
        // kubepki generate with KUBEPKI_TIMINGS=1 prints where its time went as one JSON line.
        const line = /^timings (\{.*\})$/m.exec(stderr);
        resolvePromise({ms, peakMb: peakKb / 1024, timings: line ? JSON.parse(line[1]) : undefined});
      }
    });
  });
}

async function repeat(n, what, fn) {
  const results = [];
  for (let i = 0; i < n; i++) {
    results.push(await fn(i));
    log(`  ${what} ${i + 1}/${n}: ${(results.at(-1).ms / 1000).toFixed(2)} s`);
  }
  const timed = results.filter(r => r.timings);
  const timings = timed.length ? Object.fromEntries(Object.keys(timed[0].timings).map(k => [k, median(timed.map(r => r.timings[k]))])) : undefined;
  return {ms: median(results.map(r => r.ms)), peakMb: results.some(r => r.peakMb) ? median(results.map(r => r.peakMb)) : undefined, timings};
}

/** The baseline's topology: cp-i (control plane + etcd) and worker-i, three CAs, RSA-2048 unless told. */
function writeConfig(controlPlanes, workers, key = 'rsa-2048') {
  const ip = (prefix, i) => `${prefix}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const nodes = [
    ...Array.from({length: controlPlanes}, (_, i) => `  - { name: cp-${i + 1}, ip: ${ip('10.0', i + 1)}, roles: [control-plane, etcd] }`),
    ...Array.from({length: workers}, (_, i) => `  - { name: worker-${i + 1}, ip: ${ip('10.1', i + 1)}, roles: [worker] }`),
  ];
  const file = join(work, `cluster-${controlPlanes}-${workers}-${key}.yaml`);
  writeFileSync(file, `endpoint: { host: 10.0.255.10 }\nnetwork: { serviceCIDR: 10.96.0.0/12 }\nnodes:\n${nodes.join('\n')}\npki: { authorities: kubeadm, key: ${key} }\n`);
  return file;
}

const keysFor = (c, w) => 3 + 10 + 2 * c + 2 * (c + w) + 1;

/** CPU times of RSA-2048 generations on this machine: the unit of the floor. */
function keyCpuSamples(samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const before = process.cpuUsage();
    generateKeyPairSync('rsa', {modulusLength: 2048});
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  return times;
}

/**
 * The practical floor: the same number of bare RSA-2048 keys, no certificates or files, one native
 * job per core. On machines whose cores do not scale perfectly (shared or SMT siblings) this is
 * well above keys × one key ÷ cores, and it is what no generator can beat.
 */
async function bareKeysMs(count) {
  const started = process.hrtime.bigint();
  let next = 0;
  const one = () => new Promise((res, rej) => generateKeyPair('rsa', {modulusLength: 2048}, e => (e ? rej(e) : res())));
  const worker = async () => { while (next < count) { next++; await one(); } };
  await Promise.all(Array.from({length: cores}, worker));
  return {ms: Number(process.hrtime.bigint() - started) / 1e6};
}

/** Time from start until the wizard's first screen appears in a pseudo-terminal (util-linux script). */
function firstFrame() {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    // Ink renders only its last frame when CI is set at all (even empty): a user's terminal has no CI.
    const {CI: _ci, ...env} = process.env;
    const child = spawn('script', ['-q', '-e', '-c', `stty cols 80 rows 24; exec ${process.execPath} ${CLI}`, '/dev/null'], {stdio: ['pipe', 'pipe', 'pipe'], env: {...env, TERM: 'xterm-256color'}, detached: true});
    let out = '';
    const timer = setTimeout(() => { process.kill(-child.pid, 'SIGKILL'); reject(new Error(`no first frame in 10 s: ${out.slice(-300)}`)); }, 10_000);
    child.stdout.on('data', d => {
      out += d;
      if (out.includes('What would you like to do?')) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        clearTimeout(timer);
        child.on('close', () => resolvePromise({ms}));
        process.kill(-child.pid, 'SIGKILL');
      }
    });
  });
}

log(`kubepki benchmark: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
if (!existsSync(CLI)) { log('dist/cli.js is missing: npm run build'); process.exit(1); }
const haveBaseline = existsSync(BASELINE);
if (!haveBaseline) log(`baseline script not found at ${BASELINE}: openssl columns will be empty`);

// This machine's speed drifts over minutes (shared cores), so the floor of each cluster size is
// sampled right before each of its kubepki runs rather than once at the start.
const allKeySamples = [];

const topologies = [[2, 2, Math.max(RUNS, 5)], [3, 50, RUNS], ...(large ? [[3, 500, 1]] : [])];
const rows = [];
for (const [c, w, runs] of topologies) {
  const config = writeConfig(c, w);
  const keys = keysFor(c, w);
  log(`${c}+${w} (${keys} keys):`);
  const keySamples = [];
  const kubepki = await repeat(runs, 'kubepki generate', i => {
    keySamples.push(...keyCpuSamples(7));
    return measure(process.execPath, [CLI, 'generate', '--config', config, '--out', join(work, `k-${c}-${w}-${i}`)], {env: {KUBEPKI_TIMINGS: '1'}});
  });
  allKeySamples.push(...keySamples);
  const keyMs = median(keySamples);
  const bare = await repeat(runs, `${keys} bare keys on ${cores} cores`, () => bareKeysMs(keys));
  let seq, par;
  if (haveBaseline) {
    seq = await repeat(runs, 'openssl script (sequential)', i => measure('bash', [BASELINE, String(c), String(w), join(work, `o-${c}-${w}-${i}`)]));
    par = await repeat(runs, 'openssl script (JOBS=2)', i => measure('bash', [BASELINE, String(c), String(w), join(work, `p-${c}-${w}-${i}`)], {env: {JOBS: '2'}}));
  }
  for (let i = 0; i < runs; i++) for (const p of ['k', 'o', 'p']) rmSync(join(work, `${p}-${c}-${w}-${i}`), {recursive: true, force: true});
  const floor = (keyMs * keys) / cores;
  rows.push({topology: `${c}+${w}`, keys, keyMs, kubepki, seq, par, floor, bare});
}

// ECDSA P-256: kubepki against the same openssl method with EC keys, and against kubepki RSA-2048.
const ecTopologies = [[2, 2, Math.max(RUNS, 5)], [3, 50, RUNS], [3, 500, RUNS]];
const ecRows = [];
for (const [c, w, runs] of ecTopologies) {
  const config = writeConfig(c, w, 'ecdsa-p256');
  const keys = keysFor(c, w);
  log(`${c}+${w} ECDSA P-256 (${keys} keys):`);
  const kubepki = await repeat(runs, 'kubepki generate', i =>
    measure(process.execPath, [CLI, 'generate', '--config', config, '--out', join(work, `ek-${c}-${w}-${i}`)], {env: {KUBEPKI_TIMINGS: '1'}}));
  // The openssl method forks ~4 processes per certificate: one run of each at 3+500.
  const scriptRuns = w >= 500 ? 1 : runs;
  const seq = await repeat(scriptRuns, 'openssl script, EC keys (sequential)', i =>
    measure('bash', [METHOD, String(c), String(w), join(work, `eo-${c}-${w}-${i}`)], {env: {KEY: 'ecdsa-p256'}}));
  const par = await repeat(scriptRuns, 'openssl script, EC keys (JOBS=2)', i =>
    measure('bash', [METHOD, String(c), String(w), join(work, `ep-${c}-${w}-${i}`)], {env: {KEY: 'ecdsa-p256', JOBS: '2'}}));
  for (let i = 0; i < runs; i++) for (const p of ['ek', 'eo', 'ep']) rmSync(join(work, `${p}-${c}-${w}-${i}`), {recursive: true, force: true});
  const rsa = rows.find(r => r.topology === `${c}+${w}`)?.kubepki;
  ecRows.push({topology: `${c}+${w}`, keys, kubepki, seq, par, rsa, wallTarget: {50: 1000, 500: 4000}[w]});
}

log('start-up…');
const version = await repeat(10, '--version', () => measure(process.execPath, [CLI, '--version']));
const help = await repeat(10, '--help', () => measure(process.execPath, [CLI, '--help']));
let frame;
try {
  frame = await repeat(7, 'first frame', () => firstFrame());
} catch (error) {
  log(`first frame not measured: ${error.message}`);
}
const bigPlan = writeConfig(3, 4997);
const plan = await repeat(RUNS, 'plan, 5,000 nodes', () => measure(process.execPath, [CLI, 'plan', '--config', bigPlan]));

const s = ms => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const met = ok => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
const PHASES = [['startup', 'start-up'], ['plan', 'plan'], ['keygen', 'key generation'], ['build', 'building (DER)'], ['sign', 'signing'],
  ['kubeconfig', 'kubeconfig YAML'], ['otherWork', 'other main-thread work (writes issued, manifest, scripts)'], ['waiting', 'waiting: thread pool (RSA keys, file writes)']];
const whereRow = (label, r) => {
  const t = r.kubepki.timings;
  if (!t) return `| ${label} | ${s(r.kubepki.ms)} | ${PHASES.map(() => '–').join(' | ')} | – |`;
  const rest = r.kubepki.ms - t.startup - t.plan - t.engine - t.report;
  return `| ${label} | ${s(r.kubepki.ms)} | ${PHASES.map(([k]) => `${Math.round(t[k])}`).join(' | ')} | ${Math.round(t.report + rest)} |`;
};
const x = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);
const lines = [
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, Node ${process.version}. One RSA-2048 key: ${median(allKeySamples).toFixed(0)} ms CPU (median of ${allKeySamples.length}, sampled before each kubepki run; per cluster in the "key" column).`,
  `Medians of ${RUNS} runs (2+2: ${Math.max(RUNS, 5)}; start-up: 10, first frame: 7).`,
  '',
  '| cluster | keys | kubepki | peak RSS | openssl script | openssl JOBS=2 | key | floor | bare keys | kubepki / script | kubepki / floor | kubepki / bare keys |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(r => `| ${r.topology} | ${r.keys} | ${s(r.kubepki.ms)} | ${r.kubepki.peakMb?.toFixed(0) ?? '–'} MB | ${s(r.seq?.ms)} | ${s(r.par?.ms)} | ${r.keyMs.toFixed(0)} ms | ${s(r.floor)} | ${s(r.bare.ms)} | ${x(r.kubepki.ms, r.seq?.ms)} | ${x(r.kubepki.ms, r.floor)} | ${x(r.kubepki.ms, r.bare.ms)} |`),
  '',
  'key: median CPU time of one RSA-2048 generation, sampled before each kubepki run. floor: key × keys ÷ cores.',
  'bare keys: the same number of bare native key generations on every core, in the same run: what any generator needs.',
  '',
  'ECDSA P-256 (pki.key: ecdsa-p256), against the same openssl method with EC keys (bench/openssl-method.sh, KEY=ecdsa-p256) and against kubepki RSA-2048 above.',
  '',
  '| cluster | keys | kubepki | peak RSS | openssl script | openssl JOBS=2 | kubepki RSA-2048 | RSA / ECDSA | script / kubepki | wall target | ≥ 8× RSA |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...ecRows.map(r => `| ${r.topology} | ${r.keys} | ${s(r.kubepki.ms)} | ${r.kubepki.peakMb?.toFixed(0) ?? '–'} MB | ${s(r.seq?.ms)} | ${s(r.par?.ms)} | ${s(r.rsa?.ms)} | ${x(r.rsa?.ms, r.kubepki.ms)} | ${x(r.seq?.ms, r.kubepki.ms)} | ${r.wallTarget ? `< ${s(r.wallTarget)}: ${met(r.kubepki.ms < r.wallTarget)}` : '–'} | ${met(r.rsa && r.rsa.ms >= 8 * r.kubepki.ms)} |`),
  '',
  'Where the time goes (ms, medians; KUBEPKI_TIMINGS=1): start-up is from process start to the engine; each phase sums main-thread time;',
  'waiting is the event loop idle while the thread pool works; the last column is the report and process exit.',
  '',
  `| run | wall | ${PHASES.map(([, label]) => label).join(' | ')} | report + exit |`,
  `|---|---|${PHASES.map(() => '---|').join('')}---|`,
  ...rows.map(r => whereRow(`${r.topology} RSA-2048`, r)),
  ...ecRows.map(r => whereRow(`${r.topology} ECDSA P-256`, r)),
  '',
  '| start-up | median | target |',
  '|---|---|---|',
  `| kubepki --version | ${(version.ms).toFixed(0)} ms | ≤ 150 ms |`,
  `| kubepki --help | ${(help.ms).toFixed(0)} ms | – |`,
  `| wizard first frame (pty) | ${frame ? `${frame.ms.toFixed(0)} ms` : '–'} | ≤ 300 ms |`,
  `| plan, 5,000 nodes | ${(plan.ms).toFixed(0)} ms | ≤ 1 s |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
