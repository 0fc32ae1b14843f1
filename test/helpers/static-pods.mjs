// A STAND-IN for two things the lab does not have: the kubelet's static pods and the container
// runtime that crictl asks. Everything it runs is real (etcd, kube-apiserver, ... as kubeadm wrote
// their manifests, with the built binaries); only the supervision is this script's.
//
//   node static-pods.mjs kubelet MANIFESTS BIN_DIR STATE_DIR [PERIOD_MS]
// Run on a node (its network namespace, its disk), as the kubelet would be. Every PERIOD_MS
// (default 1000; the kubelet watches the directory with inotify and resyncs every 20 s) it reads
// MANIFESTS (/etc/kubernetes/manifests): a manifest that appears is started (its command, the
// built binary of that name); one that disappears is stopped (SIGTERM, then SIGKILL after the
// pod's terminationGracePeriodSeconds, 30 s by default); one whose content changed is stopped and
// started again; a container that exits on its own is started again after a back-off
// (restartPolicy Always). Files whose names start with a dot are ignored, as the kubelet does; a
// manifest that cannot be read as a pod (being written) is left as it was until the next read.
// What runs is recorded in STATE_DIR/containers.json (every container, running or exited), each
// container's output in STATE_DIR/NAME.log; each change is one line on stdout:
//   started NAME ID pid PID | stopping NAME ID (why) | exited NAME ID code C signal S
// SIGTERM stops every container (SIGKILL after 3 s) and exits.
//
//   node static-pods.mjs crictl STATE_DIR ARGS...
// The crictl stand-in, answering from that record exactly the forms kubepki's printed gates use:
//   crictl ps [-a] [-q] [--name REGEX] [--state STATE]   (running only unless -a or --state)
//   crictl exec [-i] [-t] ID COMMAND [ARG...]            (ID or a unique prefix of a running container)
// exec runs COMMAND on the node (the container's files are the node's: kubeadm's pods mount
// /etc/kubernetes/pki from it); anything else is refused with exit 2.
import {spawn, spawnSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {builtArgv, staticPod} from './static-pod-manifest.mjs';

const [mode, ...rest] = process.argv.slice(2);
const RECORD = 'containers.json';

if (mode === 'kubelet') await kubelet(...rest);
else if (mode === 'crictl') process.exit(crictl(rest[0], rest.slice(1)));
else {
  process.stderr.write('usage: static-pods.mjs kubelet MANIFESTS BIN_DIR STATE_DIR [PERIOD_MS] | crictl STATE_DIR ARGS...\n');
  process.exit(2);
}

async function kubelet(manifests, binDir, stateDir, period = '1000') {
  mkdirSync(stateDir, {recursive: true});
  /** Every container started, by id. */
  const containers = new Map();
  /** The live container of each manifest file (running, or being stopped). */
  const live = new Map();
  /** Back-off of a manifest whose container exited on its own: when it may start again, and the next delay. */
  const backoff = new Map();
  let stopping = false;

  const record = () => {
    const list = [...containers.values()].map(({child, ...c}) => c); // eslint-disable-line no-unused-vars
    writeFileSync(join(stateDir, `${RECORD}.tmp`), JSON.stringify({containers: list}, null, 1));
    renameSync(join(stateDir, `${RECORD}.tmp`), join(stateDir, RECORD));
  };
  const say = line => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

  function start(file, pod, hash) {
    const id = randomBytes(32).toString('hex');
    const log = openSync(join(stateDir, `${pod.name}.log`), 'a');
    const [binary, ...args] = builtArgv(pod.command, binDir);
    const child = spawn(binary, args, {stdio: ['ignore', log, log]});
    closeSync(log);
    const c = {id, name: pod.name, file, hash, pid: child.pid, state: 'running', createdAt: new Date().toISOString(), graceSeconds: pod.graceSeconds, child};
    containers.set(id, c);
    live.set(file, c);
    say(`started ${pod.name} ${id.slice(0, 13)} pid ${child.pid}`);
    child.on('error', error => say(`error ${pod.name} ${id.slice(0, 13)} ${error.message}`));
    child.on('exit', (code, signal) => {
      c.state = 'exited';
      c.exitCode = code;
      c.signal = signal;
      c.finishedAt = new Date().toISOString();
      if (live.get(file) === c) live.delete(file);
      if (!c.stopRequested) {
        const delay = Math.min((backoff.get(file)?.delay ?? 1000) * 2, 20_000);
        backoff.set(file, {at: Date.now() + delay, delay, hash: c.hash});
      }
      say(`exited ${c.name} ${id.slice(0, 13)} code ${code} signal ${signal}`);
      record();
    });
    record();
  }

  function stop(c, why, graceSeconds = c.graceSeconds) {
    if (c.stopRequested) return;
    c.stopRequested = true;
    say(`stopping ${c.name} ${c.id.slice(0, 13)} (${why})`);
    try { process.kill(c.pid, 'SIGTERM'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }, graceSeconds * 1000);
    c.child.once('exit', () => clearTimeout(timer));
  }

  function sync() {
    let files = [];
    try { files = readdirSync(manifests).filter(f => !f.startsWith('.')); } catch { /* no directory yet: no pods */ }
    const wanted = new Map();
    for (const file of files) {
      try {
        const text = readFileSync(join(manifests, file), 'utf8');
        wanted.set(file, {pod: staticPod(text), hash: createHash('sha256').update(text).digest('hex')});
      } catch {
        // Being written, or gone since the listing: as it was until the next read.
        const c = live.get(file);
        if (c) wanted.set(file, {keep: true});
      }
    }
    for (const [file, c] of live) {
      const w = wanted.get(file);
      if (!w) stop(c, 'manifest removed');
      else if (!w.keep && w.hash !== c.hash) stop(c, 'manifest changed');
    }
    for (const [file, w] of wanted) {
      if (w.keep || live.has(file)) continue;
      // A back-off holds only for the manifest that crashed: a changed one starts at once.
      const b = backoff.get(file);
      if (b && b.hash === w.hash && Date.now() < b.at) continue;
      if (b && b.hash !== w.hash) backoff.delete(file);
      start(file, w.pod, w.hash);
    }
  }

  record();
  const timer = setInterval(() => { if (!stopping) sync(); }, Number(period));
  sync();
  process.on('SIGTERM', () => {
    stopping = true;
    clearInterval(timer);
    const running = [...live.values()];
    if (running.length === 0) process.exit(0);
    for (const c of running) {
      stop(c, 'kubelet stand-in stopped', 3);
      c.child.once('exit', () => { if ([...live.values()].length === 0) process.exit(0); });
    }
  });
}

function crictl(stateDir, args) {
  const fail = (code, text) => { process.stderr.write(`crictl (stand-in): ${text}\n`); return code; };
  let containers;
  try {
    containers = JSON.parse(readFileSync(join(stateDir, RECORD), 'utf8')).containers;
  } catch (error) {
    return fail(1, `no container runtime answers here (${error.message})`);
  }
  const [command, ...rest] = args;
  if (command === 'ps') {
    let quiet = false;
    let all = false;
    let name;
    let state;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i];
      if (a === '-q' || a === '--quiet') quiet = true;
      else if (a === '-a' || a === '--all') all = true;
      else if (a === '--name' && i + 1 < rest.length) name = rest[++i];
      else if (a === '--state' && i + 1 < rest.length) state = rest[++i].toLowerCase();
      else return fail(2, `ps ${a}: not a form the printed steps use`);
    }
    if (state && !['running', 'exited'].includes(state)) return fail(2, `--state ${state}: running or exited`);
    const matching = containers.filter(c => (name === undefined || new RegExp(name).test(c.name)) && (state ? c.state === state : all || c.state === 'running'));
    process.stdout.write(matching.map(c => (quiet ? c.id : `${c.id.slice(0, 13)}  ${c.state.toUpperCase()}  ${c.name}  ${c.createdAt}`)).join('\n') + (matching.length ? '\n' : ''));
    return 0;
  }
  if (command === 'exec') {
    let i = 0;
    while (rest[i] === '-i' || rest[i] === '-t' || rest[i] === '-it') i++;
    const [id, ...argv] = rest.slice(i);
    if (!id || argv.length === 0) return fail(2, 'exec needs a container id and a command');
    const found = containers.filter(c => c.id.startsWith(id));
    if (found.length !== 1) return fail(1, `container ${id}: ${found.length ? 'ambiguous' : 'not found'}`);
    if (found[0].state !== 'running') return fail(1, `container ${id} is not running`);
    const r = spawnSync(argv[0], argv.slice(1), {stdio: 'inherit'});
    if (r.error) return fail(1, `exec ${argv[0]}: ${r.error.message}`);
    return r.status ?? 1;
  }
  return fail(2, `${command ?? '(nothing)'}: the stand-in answers ps and exec only`);
}
