// The restart steps as commands: what each node runs to restart one component and to check it
// came back (the health gate), printed grouped like the start steps and written as restart.sh.
// Which components on which nodes comes from plan/restarts.ts; this file only says how.
import type {Component} from '../plan/components.js';
import type {Restart, RestartStage} from '../plan/restarts.js';
import type {Plan} from '../plan/types.js';
import {shellQuote} from './shell.js';
import {nodeList} from './units.js';

/** kubeadm runs these as static pods: restarted by moving the manifest out and back, as kubeadm's docs say. */
export const STATIC_POD = new Set<Component>(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
/** Seconds a gate waits: a static pod needs two of the kubelet's 20 s manifest checks, then its start. */
export const GATE_SECONDS = {staticPod: 300, unit: 120};
/**
 * Seconds an apiserver that passed /readyz is given before the next one stops, when the endpoint
 * balances over several: the load balancer must see it healthy again (HAProxy's defaults, inter
 * 2s × rise 2, take 4 s) before it drains the next, or for a moment it has no backend at all.
 */
export const APISERVER_SETTLE_SECONDS = 10;
export const apiserverCount = (plan: Plan) => new Set(plan.reads.filter(r => r.component === 'kube-apiserver').map(r => r.node)).size;
const settle = (plan: Plan, c: Component) => (c === 'kube-apiserver' && apiserverCount(plan) > 1 ? [`sleep ${APISERVER_SETTLE_SECONDS}`] : []);

/** restart.sh's default batch for kubelets and kube-proxies. */
export const DEFAULT_PARALLEL = 10;

const hostPort = (ip: string, port: number) => `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;

/** Waits, bounded, until `check` succeeds; run as root where the config says sudo. */
const until = (as: string, seconds: number, check: string) =>
  `${as}timeout ${seconds} sh -c ${shellQuote(`until { ${check}; } >/dev/null 2>&1; do sleep 2; done`)}`;

function readPath(plan: Plan, node: string, component: Component, via: string): string | undefined {
  return plan.reads.find(r => r.node === node && r.component === component && r.via === via)?.path;
}

/** The health check after a restart: what it asks, and the command that asks it on the node. */
export function healthCheck(plan: Plan, restart: Restart): {what: string; command: string} {
  return {what: GATE[restart.component](plan, plan.nodes.find(n => n.name === restart.node)!), command: gateCommand(plan, restart)};
}

const LOCAL_GATE = {
  'kube-controller-manager': 'healthz on 127.0.0.1:10257, and a holder of the kube-controller-manager lease',
  'kube-scheduler': 'healthz on 127.0.0.1:10259, and a holder of the kube-scheduler lease',
  'kubelet': 'the kubelet\'s healthz on 127.0.0.1:10248',
  'kube-proxy': 'kube-proxy\'s healthz on 127.0.0.1:10256',
};
/** What each component's check asks on one node, and (STAGE_GATE) in the title of its stage. */
const GATE: Record<Component, (plan: Plan, node: {ip: string}) => string> = {
  'etcd': (_, node) => `etcdctl endpoint health on ${hostPort(node.ip, 2379)} (healthcheck client)`,
  'kube-apiserver': (plan, node) => `/readyz on ${hostPort(node.ip, plan.spec.apiServer.port)}`,
  ...Object.fromEntries(Object.entries(LOCAL_GATE).map(([c, text]) => [c, () => text])) as Record<keyof typeof LOCAL_GATE, () => string>,
};
const STAGE_GATE: Record<Component, string> = {
  'etcd': 'etcdctl endpoint health on the member (healthcheck client)',
  'kube-apiserver': `/readyz on the node's own address (then ${APISERVER_SETTLE_SECONDS} s, with several, for the load balancer to send to it again)`,
  ...LOCAL_GATE,
};

function gateCommand(plan: Plan, restart: Restart): string {
  const node = plan.nodes.find(n => n.name === restart.node)!;
  const adminKubeconfig = plan.kubeconfigs.find(k => k.id === 'admin')?.installs.find(i => i.node === node.name)?.path;
  const leaseHeld = (lease: string) => (adminKubeconfig
    ? ` && kubectl --kubeconfig ${adminKubeconfig} -n kube-system get lease ${lease} -o jsonpath={.spec.holderIdentity} | grep -q .`
    : '');
  switch (restart.component) {
    case 'etcd': {
      const ca = readPath(plan, node.name, 'etcd', '--trusted-ca-file') ?? '/etc/kubernetes/pki/etcd/ca.crt';
      const client = plan.certificates.find(c => c.id === 'etcd-healthcheck-client');
      const cert = client?.certInstalls.find(i => i.node === node.name)?.path;
      const key = client?.keyInstalls.find(i => i.node === node.name)?.path;
      const etcdctl = `etcdctl --endpoints=https://${hostPort(node.ip, 2379)} --cacert=${ca} --cert=${cert} --key=${key} endpoint health`;
      // kubeadm's etcd runs in a container that has etcdctl and mounts the etcd certificates.
      const command = plan.layout === 'kubeadm' ? `crictl exec $(crictl ps -q --name ^etcd$ --state running | head -n 1) ${etcdctl}` : etcdctl;
      return command;
    }
    case 'kube-apiserver': {
      const ca = readPath(plan, node.name, 'kube-apiserver', '--client-ca-file');
      const url = `https://${hostPort(node.ip, plan.spec.apiServer.port)}/readyz`;
      return `curl -fsS --cacert ${ca} ${url}`;
    }
    // Their own health endpoints serve a self-signed certificate on localhost (-k is for that
    // alone); the lease says a leader holds the work while the others wait.
    case 'kube-controller-manager':
      return `curl -fsSk https://127.0.0.1:10257/healthz${leaseHeld('kube-controller-manager')}`;
    case 'kube-scheduler':
      return `curl -fsSk https://127.0.0.1:10259/healthz${leaseHeld('kube-scheduler')}`;
    case 'kubelet':
      return 'curl -fsS http://127.0.0.1:10248/healthz';
    case 'kube-proxy':
      return 'curl -fsS http://127.0.0.1:10256/healthz';
  }
}

/**
 * The commands one node runs for one restart, the health gate last (then, for apiservers behind a
 * load balancer, its settle time). `sudo`: prefix what needs root with sudo (the config's ssh.sudo;
 * the Ansible playbook becomes root instead).
 */
export function restartCommands(plan: Plan, restart: Restart, sudo = plan.spec.ssh.sudo): string[] {
  const as = sudo ? 'sudo ' : '';
  const {command} = healthCheck(plan, restart);
  const c = restart.component;
  if (plan.layout === 'kubeadm' && STATIC_POD.has(c)) {
    const manifest = `/etc/kubernetes/manifests/${c}.yaml`;
    const aside = `/etc/kubernetes/${c}.yaml.kubepki-restart`;
    const running = `${as}crictl ps -q --name ^${c}$ --state running | grep -q .`;
    return [
      // The manifest goes back even when the pod did not stop in time: the component is never left out.
      `${as}mv ${manifest} ${aside}`,
      // `|| gone=$?`, not `; gone=$?`: under restart.sh's set -e a timed-out wait must still put the manifest back.
      `gone=0; ${as}timeout ${GATE_SECONDS.staticPod} sh -c ${shellQuote(`while crictl ps -q --name ^${c}$ --state running | grep -q .; do sleep 2; done`)} || gone=$?; ${as}mv ${aside} ${manifest}; [ "$gone" = 0 ]`,
      until(as, GATE_SECONDS.staticPod, `${running.replace(/^sudo /, '')} && ${command}`),
      ...settle(plan, c),
    ];
  }
  if (plan.layout === 'kubeadm' && c === 'kube-proxy') {
    throw new Error('catalog error: kubeadm\'s kube-proxy is a DaemonSet that reads no file kubepki writes');
  }
  const unitChanged = restart.because.some(b => b.via === 'unit');
  return [
    ...(unitChanged ? [`${as}systemctl daemon-reload`] : []),
    `${as}systemctl restart ${c}`,
    until(as, GATE_SECONDS.unit, command),
    ...settle(plan, c),
  ];
}

const STAGE_TITLE: Record<Component, string> = {
  'etcd': 'etcd, one member at a time',
  'kube-apiserver': 'kube-apiserver, one node at a time (the endpoint keeps the others)',
  'kube-controller-manager': 'kube-controller-manager, one node at a time',
  'kube-scheduler': 'kube-scheduler, one node at a time',
  'kubelet': 'kubelet, in batches',
  'kube-proxy': 'kube-proxy, in batches',
};

export interface RestartGroup {
  nodes: string[];
  /** The changed files the component reads there, as the node has them. */
  reads: string[];
  lines: string[];
}

/** Each stage with its restarts grouped: nodes whose commands are the same share one group. */
export function restartGroups(plan: Plan, stages: RestartStage[]): {stage: RestartStage; title: string; gate: string; groups: RestartGroup[]}[] {
  return stages.map(stage => {
    const groups: RestartGroup[] = [];
    for (const restart of stage.restarts) {
      const lines = restartCommands(plan, restart);
      const reads = [...new Set(restart.because.map(b => b.path))];
      const key = JSON.stringify([lines, reads]);
      const same = groups.find(g => JSON.stringify([g.lines, g.reads]) === key);
      if (same) same.nodes.push(restart.node);
      else groups.push({nodes: [restart.node], reads, lines});
    }
    return {stage, title: STAGE_TITLE[stage.component], gate: STAGE_GATE[stage.component], groups};
  });
}

/** The restart steps as printed by renew and generate --update (and the wizard): grouped, so as long at 500 nodes as at 4. */
export function restartLines(plan: Plan, stages: RestartStage[], out: string): string[] {
  if (stages.length === 0) return ['No component reads a changed file: nothing to restart.'];
  const {user, sudo} = plan.spec.ssh;
  return [
    `# Then restart what reads the changed files, and only that, in this order; each step waits for its check before the next (on each node as ${sudo ? `${user}, with sudo` : 'root'}; bash ${shellQuote(out)}/restart.sh does it over ssh: --dry-run prints it, --node NODE for one node):`,
    ...restartGroups(plan, stages).flatMap(({title, gate, groups}, i) => [
      `## ${i + 1}. ${title}; check: ${gate}`,
      ...groups.flatMap(g => [`### ${nodeList(g.nodes)}: reads the new ${g.reads.join(', ')}`, ...g.lines]),
    ]),
  ];
}

/** The restarts as data (restart.sh --json). */
export function restartJson(plan: Plan, stages: RestartStage[]) {
  return {
    stages: stages.map(stage => ({
      component: stage.component,
      order: stage.order,
      restarts: stage.restarts.map(r => ({node: r.node, reads: r.because, commands: restartCommands(plan, r), check: healthCheck(plan, r).what})),
    })),
  };
}

/**
 * restart.sh: the same steps, run over ssh. Stages in order; within a one-at-a-time stage, one
 * node after another, stopping at the first whose check fails; kubelets and kube-proxies N at a
 * time, each node's output kept in a log. Ends naming the nodes that failed and the command that
 * retries only those.
 */
export function renderRestartScript(plan: Plan, stages: RestartStage[]): string {
  const q = shellQuote;
  const restarts = stages.flatMap(s => s.restarts);
  const functions = restarts.map((r, i) => `r_${i}() {
  run_on ${q(r.node)} <<'STEP'
${restartCommands(plan, r).join('\n')}
STEP
}`).join('\n');
  let index = 0;
  const stageCalls = stages.map(s => `${s.order === 'batches' ? 'in_batches' : 'one_at_a_time'} ${q(s.component)} ${s.restarts.map(r => `${index++}:${q(r.node)}`).join(' ')}`);
  const header = [
    `Generated by kubepki for cluster ${plan.cluster}: after the last change kubepki made to this`,
    'directory and distribute.sh, restarts the components that read the files that changed, and',
    'only those, each checked before the next.',
    '',
    '  restart.sh [options]',
    '',
    '  -n, --dry-run      print each node\'s commands instead of running them',
    '  --node NODE        only this node\'s restarts (repeat for more)',
    `  --parallel N       kubelets and kube-proxies N nodes at a time (default ${DEFAULT_PARALLEL});`,
    '                     etcd, apiservers, controller-managers and schedulers always one at a time',
    '  --json             the restarts as JSON',
    `  -u, --user USER    ssh user (default from the config: ${plan.spec.ssh.user})`,
    '  -F FILE, -i FILE, -o OPTION, -J HOST   passed to ssh as they are',
    '',
    'A one-at-a-time stage stops at the first node whose check fails: nothing after it is',
    'restarted. Each batched node\'s output is kept in a log; the end names the nodes that failed',
    'and the command that retries only those.',
  ];
  const json = JSON.stringify(restartJson(plan, stages), null, 2);
  return `#!/usr/bin/env bash
${header.map(l => (l ? `# ${l}` : '#')).join('\n')}
set -euo pipefail
self="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)/$(basename "\${BASH_SOURCE[0]}")"
usage() { sed -n '2,${header.length + 1}p' "$self" | sed 's/^# \\{0,1\\}//'; }
user=${q(plan.spec.ssh.user)}
opts=()
only=()
dry=""
parallel=${DEFAULT_PARALLEL}
while [ $# -gt 0 ]; do
  case $1 in
    -n|--dry-run) dry=1; shift ;;
    --node) only+=("\${2:?--node needs a node}"); shift 2 ;;
    --parallel) parallel=\${2:?--parallel needs a number}; shift 2 ;;
    --json) cat <<'JSON'
${json}
JSON
      exit 0 ;;
    -u|--user) user=\${2:?--user needs a value}; shift 2 ;;
    -F|-i|-o|-J) opts+=("$1" "\${2:?$1 needs a value}"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "restart.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $parallel in ''|*[!0-9]*|0) echo "restart.sh: --parallel needs a positive number" >&2; exit 2 ;; esac
known=(${plan.nodes.map(n => q(n.name)).join(' ')})
for node in "\${only[@]}"; do
  case " \${known[*]} " in
    *" $node "*) ;;
    *) echo "restart.sh: unknown node $node (known: \${known[*]})" >&2; exit 2 ;;
  esac
done
wanted() {
  [ \${#only[@]} -eq 0 ] && return 0
  local n
  for n in "\${only[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}
# Runs the commands on stdin on NODE, stopping at the first that fails.
run_on() {
  if [ -n "$dry" ]; then sed 's/^/  /'; return; fi
  { echo 'set -e'; cat; } | ssh "\${opts[@]}" "$user@$1" bash -s
}
logs=""
failed=()
done_count=0
finish() {
  if [ \${#failed[@]} -gt 0 ]; then
    echo "restart.sh: failed on: \${failed[*]}\${logs:+ (logs in $logs)}" >&2
    echo "restart.sh: once fixed, retry only those (their restarts, in order): bash $self$(printf ' --node %s' "\${failed[@]}")" >&2
    exit 1
  fi
  [ -z "$logs" ] || rm -rf -- "$logs"
  if [ -n "$dry" ]; then echo "restart.sh: dry run: nothing was restarted"
  else echo "restart.sh: restarted $done_count component(s); each passed its check"; fi
}
one_at_a_time() {
  local component=$1 entry node; shift
  for entry in "$@"; do
    node=\${entry#*:}
    wanted "$node" || continue
    echo "== $component on $node"
    if "r_\${entry%%:*}"; then done_count=$((done_count + 1)); else
      failed+=("$node")
      echo "restart.sh: $component on $node did not pass its check: stopped; nothing after it was restarted" >&2
      finish
    fi
  done
}
in_batches() {
  local component=$1 entry node k; shift
  local pids=() nodes=()
  [ -n "$dry" ] || [ -n "$logs" ] || logs=$(mktemp -d "\${TMPDIR:-/tmp}/restart-logs.XXXXXX")
  collect() {
    for k in "\${!pids[@]}"; do
      if wait "\${pids[$k]}"; then done_count=$((done_count + 1)); echo "   \${nodes[$k]}: ok"
      else failed+=("\${nodes[$k]}"); echo "   \${nodes[$k]}: FAILED (log: $logs/\${nodes[$k]}.$component.log)"; fi
    done
    pids=(); nodes=()
  }
  for entry in "$@"; do
    node=\${entry#*:}
    wanted "$node" || continue
    echo "== $component on $node"
    if [ -n "$dry" ]; then "r_\${entry%%:*}"; continue; fi
    "r_\${entry%%:*}" >"$logs/$node.$component.log" 2>&1 &
    pids+=($!); nodes+=("$node")
    if [ \${#pids[@]} -ge "$parallel" ]; then collect; fi
  done
  collect
  # A failed batch stops here: the next stage waits until these nodes are fixed.
  [ \${#failed[@]} -eq 0 ] || finish
}
${functions}
${restarts.length === 0 ? 'echo "restart.sh: no component reads a file that changed: nothing to restart"\nexit 0' : stageCalls.join('\n')}
finish
`;
}
