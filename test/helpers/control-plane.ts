// Boots a real control plane on a generated PKI inside a lab: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler, each on its own node's address, started with the
// flags kubepki wrote (hard-way units) or kubeadm wrote from kubepki's configuration (kubeadm).
// kubeadm with staticPods: kubeadm writes the manifests onto each node's disk and the static-pod
// stand-in (static-pods.ts) starts them, as the kubelet would; else the lab starts each command.
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import {Lab, type LabHost} from './lab.js';
import {bin, json, k8sBin, kubectlOn, waitReady, type Kubectl} from './k8s.js';
import {builtArgv, staticPod} from './static-pod-manifest.mjs';
import {NODE_SHARED, StaticPods} from './static-pods.js';
import {kubepki, ROOT} from './run.js';
import {requireCommand, waitFor, type Started} from './processes.js';
import {parseUnit} from '../../source/scripts/units.js';
import type {Manifest} from '../../source/output/manifest.js';

export interface Booted {
  lab: Lab;
  out: string;
  manifest: Manifest;
  /** Path of a node's bundle (what that node received). */
  bundle: (node: string) => string;
  /** A node's disk (lab.dir/disk/NODE): with staticPods, the bundle as installed and what kubeadm wrote, which the static pods run from. */
  disk: (node: string) => string;
  /** kubeadm with staticPods: the kubelet's static pods and crictl, stood in for. */
  staticPods?: StaticPods;
  /** kubectl on a node, with a kubeconfig path as that node has it. */
  kubectl: (node: string, kubeconfig: string) => Kubectl;
  /** The admin's kubectl (on the first control-plane node). */
  admin: Kubectl;
  processes: Map<string, Started>;
  /** Restart one component on one node, e.g. after a file was swapped in its bundle. */
  restart: (node: string, component: string) => Promise<void>;
  /** What kubeadm printed, phase by phase (kubeadm layout). */
  kubeadmLog: string[];
  /** `kubeadm join phase preflight` on each joining control-plane node, run before it started. */
  preflight: Map<string, {status: number | null; stdout: string; stderr: string}>;
  down: () => Promise<void>;
}

export interface BootOptions {
  config: string;
  /** Lab hosts beyond the nodes: the endpoint's namespace (with a TCP forwarder) when it is not a node. */
  endpoint?: LabHost & {port: number};
  /** Lab hosts for machines that are not in the config yet (nodes a test adds later with --update). */
  spare?: LabHost[];
  prefix?: number;
  /**
   * kubeadm layout: each node's bundle is installed on its disk, kubeadm writes the static pod
   * manifests there, and the static-pod stand-in runs them (so the printed restart steps, which
   * move manifests and ask crictl, act on them); else the lab starts each manifest's command itself.
   */
  staticPods?: boolean;
}

/**
 * The only preflight errors a join in the lab may ignore: there is no container runtime, no
 * kubelet service or binary, and the machine is not a tuned node (swap, kernel checks).
 * Never FileAvailable or DirAvailable: those are what kubepki's bundles must satisfy.
 */
export const ALLOWED_PREFLIGHT_ERRORS = ['CRI', 'ContainerRuntime', 'Service-Kubelet', 'Swap', 'SystemVerification', 'KubeletVersion', 'FileExisting-crictl', 'FileExisting-conntrack', 'FileExisting-kubelet', 'FileContent--proc-sys-net-ipv4-ip_forward', 'FileContent--proc-sys-net-bridge-bridge-nf-call-iptables', 'NumCPU', 'Mem', 'ImagePull'].join(',');

const ETCDCTL = () => requireCommand('etcdctl', 'etcd-client');

interface Launch {
  node: string;
  component: string;
  argv: string[];
}

/** Generates the PKI with the real CLI into the lab's directory. */
function generate(lab: Lab, config: string): {out: string; manifest: Manifest} {
  const configPath = join(lab.dir, 'cluster.yaml');
  writeFileSync(configPath, config);
  const out = join(lab.dir, 'out');
  const r = kubepki(['generate', '--config', configPath, '--out', out]);
  if (r.status !== 0) throw new Error(`kubepki generate failed: ${r.stderr}`);
  return {out, manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest};
}

export async function boot(options: BootOptions): Promise<Booted> {
  const spec = parse(options.config) as {nodes: {name: string; ip: string; roles: string[]}[]; pki: {layout: string}};
  const hosts: LabHost[] = spec.nodes.map(n => ({name: n.name, ip: n.ip}));
  if (options.endpoint) hosts.push(options.endpoint);
  hosts.push(...(options.spare ?? []));
  const lab = new Lab(hosts, options.prefix ?? 24);
  let staticPodsOf: StaticPods | undefined;
  const processes = new Map<string, Started>();
  const launches = new Map<string, Launch>();
  const log: string[] = [];
  const preflight = new Map<string, {status: number | null; stdout: string; stderr: string}>();
  try {
    lab.up();
    const {out, manifest} = generate(lab, options.config);
    const bundle = (node: string) => join(out, 'nodes', node);
    const disk = (node: string) => join(lab.dir, 'disk', node);
    const staticPods = kubeadmLayout(spec) && options.staticPods ? new StaticPods(lab, disk) : undefined;
    staticPodsOf = staticPods;
    if (staticPods) for (const n of spec.nodes) cpSync(bundle(n.name), disk(n.name), {recursive: true});
    /** kubeadm's commands on a node, then what runs its manifests: the static pods (nothing left to launch), or the lab (the launches). */
    const manifests = (node: string, commands: string[]): Launch[] => {
      if (!staticPods) return kubeadmManifests(lab, bundle(node), node, commands, log);
      kubeadmManifests(lab, disk(node), node, commands, log, NODE_SHARED);
      staticPods.ensure(node);
      return [];
    };
    const launch = (l: Launch) => {
      launches.set(`${l.node}/${l.component}`, l);
      processes.set(`${l.node}/${l.component}`, lab.start(l.node, l.argv, bundle(l.node)));
    };
    const ipOf = (node: string) => spec.nodes.find(x => x.name === node)!.ip;
    const controlPlanes = spec.nodes.filter(n => n.roles.includes('control-plane')).map(n => n.name);
    const etcdMembers = manifest.certificates.filter(c => c.id === 'etcd-server').map(c => c.node!);
    const kubeadm = kubeadmLayout(spec);
    const adminConfig = kubeadm ? '/etc/kubernetes/admin.conf' : '/var/lib/kubernetes/admin.kubeconfig';
    const kubectl = (node: string, kubeconfig: string) => kubectlOn(lab, node, bundle(node), kubeconfig);
    const admin = kubectl(controlPlanes[0]!, adminConfig);
    const startControlPlane = async (launches: Launch[], node: string) => {
      for (const c of launches.filter(c => c.node === node && c.component === 'kube-apiserver')) launch(c);
      await waitReady(`kube-apiserver on ${node}`, kubectl(node, adminConfig), 180_000);
      for (const c of launches.filter(c => c.node === node && (c.component === 'kube-controller-manager' || c.component === 'kube-scheduler'))) launch(c);
    };
    if (options.endpoint) {
      const targets = controlPlanes.map(n => `${ipOf(n)}:${manifestApiPort(out)}`);
      processes.set(`${options.endpoint.name}/forwarder`, lab.start(options.endpoint.name,
        [process.execPath, join(ROOT, 'test/helpers/tcp-forward.mjs'), options.endpoint.ip, String(options.endpoint.port), ...targets]));
    }

    if (!kubeadm) {
      const commands = hardWayCommands(out, spec.nodes.map(n => n.name));
      for (const c of commands.filter(c => c.component === 'etcd')) launch(c);
      await waitEtcd(lab, bundle, manifest, etcdMembers, processes);
      for (const node of controlPlanes) await startControlPlane(commands, node);
    } else {
      // etcd: kubeadm's own manifests, from the configuration kubepki wrote for each member.
      const stacked = etcdMembers.every(m => controlPlanes.includes(m));
      for (const node of etcdMembers) {
        const config = stacked ? '/etc/kubernetes/kubeadm-config.yaml' : '/etc/kubernetes/kubeadm-etcd.yaml';
        for (const c of manifests(node, [`init phase etcd local --config ${config}`])) launch(c);
      }
      await waitEtcd(lab, bundle, manifest, etcdMembers, processes);
      // The first control-plane node: kubeadm init's phases, reading the pre-made files.
      const [first, ...joining] = controlPlanes;
      await startControlPlane(manifests(first!, ['init phase control-plane all --config /etc/kubernetes/kubeadm-config.yaml']), first!);
      // kubeadm's own RBAC and bootstrap token, from its phases against the running apiserver.
      for (const phase of ['init phase upload-config all', 'init phase bootstrap-token']) {
        const r = lab.run(first!, [bin('kubeadm'), ...phase.split(' '), '--config', '/etc/kubernetes/kubeadm-config.yaml'], {bundle: bundle(first!), timeout: 120_000});
        log.push(`$ kubeadm ${phase} (${first})\n${r.stdout}${r.stderr}`);
        if (r.status !== 0) throw new Error(`kubeadm ${phase} on ${first} failed: ${r.stderr}${r.stdout}`);
      }
      // Discovery needs cluster-info signed with the token by the controller-manager's bootstrapsigner.
      await waitFor('cluster-info signed for the bootstrap token', () =>
        /jws-kubeconfig-/.test(admin(['get', 'configmap', 'cluster-info', '-n', 'kube-public', '-o', 'json']).stdout), 120_000, 1000);
      // The other control-plane nodes: `kubeadm join`'s control-plane phase discovers the cluster
      // with the token and CA hash kubepki wrote, and writes their manifests.
      for (const node of joining) {
        // kubeadm's own preflight for a control-plane join, before anything runs on the node
        // (--dry-run: its image pull needs a container runtime).
        preflight.set(node, lab.run(node, [bin('kubeadm'), 'join', 'phase', 'preflight', '--dry-run', '--config', '/etc/kubernetes/kubeadm-config.yaml', `--ignore-preflight-errors=${ALLOWED_PREFLIGHT_ERRORS}`], {bundle: bundle(node), timeout: 180_000}));
        await startControlPlane(manifests(node, ['join phase control-plane-prepare control-plane --config /etc/kubernetes/kubeadm-config.yaml']), node);
      }
    }

    // Every apiserver answers for the admin through the endpoint, its authorizer caches synced
    // (a just-started apiserver may briefly refuse what RBAC already allows): four in a row.
    let streak = 0;
    await waitFor('the admin to be served by every apiserver', () => {
      streak = admin(['auth', 'whoami', '-o', 'json'], {timeout: 30_000}).status === 0 ? streak + 1 : 0;
      return streak >= 4;
    }, 120_000, 500);

    const restart = async (node: string, component: string) => {
      const key = `${node}/${component}`;
      await processes.get(key)?.stop();
      launch(launches.get(key)!);
    };
    const down = async () => { await staticPods?.stop(); await lab.down(); };
    return {lab, out, manifest, bundle, disk, staticPods, kubectl, admin, processes, restart, kubeadmLog: log, preflight, down};
  } catch (error) {
    const logs = [...processes.entries()].map(([k, p]) => `--- ${k}\n${p.output().slice(-1500)}`)
      .concat((staticPodsOf?.nodes() ?? []).flatMap(n => staticPodsOf!.containers(n).map(c => `--- ${n}/${c.name} (static pod, ${c.state})\n${staticPodsOf!.log(n, c.name, 1500)}`))).join('\n');
    await staticPodsOf?.stop();
    await lab.down();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${log.join('\n')}\n${logs}`);
  }
}

const kubeadmLayout = (spec: {pki: {layout: string}}) => spec.pki.layout === 'kubeadm';

function manifestApiPort(out: string): number {
  const spec = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8')) as {apiServer?: {port?: number}};
  return spec.apiServer?.port ?? 6443;
}

/** The Hard Way: each node's units, as kubepki wrote them into its bundle; the binaries are the built ones. */
function hardWayCommands(out: string, nodes: string[]): Launch[] {
  const launches: Launch[] = [];
  for (const node of nodes) {
    for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const unit = join(out, 'nodes', node, 'etc/systemd/system', `${component}.service`);
      if (!existsSync(unit)) continue;
      const {binary, args} = parseUnit(readFileSync(unit, 'utf8'));
      if (binary !== `/usr/local/bin/${component}`) throw new Error(`${unit} starts ${binary}`);
      launches.push({node, component, argv: [bin(component), ...args]});
    }
  }
  return launches;
}

/**
 * kubeadm: runs kubeadm commands in the node's sandbox (so it reads exactly the files the node
 * received: its bundle, or its disk with `share`, where what kubeadm writes stays) and returns
 * the static pods it wrote as processes to start, with the built binaries.
 */
function kubeadmManifests(lab: Lab, root: string, node: string, commands: string[], log: string[], share: string[] = []): Launch[] {
  const dump = mkdtempSync(join(lab.dir, `manifests-${node}-`));
  const script = [...commands.map(c => `${bin('kubeadm')} ${c}`), `cp /etc/kubernetes/manifests/*.yaml ${dump}/`].join(' && ');
  const r = lab.run(node, ['sh', '-c', script], {bundle: root, timeout: 180_000, share});
  log.push(`$ kubeadm ${commands.join('; ')} (${node})\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) throw new Error(`kubeadm on ${node} failed: ${r.stderr}\n${r.stdout}`);
  return readdirSync(dump).map(file => {
    const {command} = staticPod(readFileSync(join(dump, file), 'utf8'));
    return {node, component: command[0]!, argv: builtArgv(command, k8sBin())};
  });
}

async function waitEtcd(lab: Lab, bundle: (n: string) => string, manifest: Manifest, members: string[], processes: Map<string, Started>) {
  const hc = manifest.certificates.find(c => c.id === 'etcd-healthcheck-client')!;
  const first = members[0]!;
  const install = (source: string) => manifest.nodes[first]!.files.find(f => f.source === source)!.path;
  const ca = manifest.authorities.find(a => a.id === hc.signer)!;
  const ip = manifest.nodes[first]!.ip;
  let last = '';
  await waitFor('etcd cluster health', () => {
    const r = lab.run(first, [ETCDCTL(), `--endpoints=https://${ip}:2379`, `--cacert=${install(ca.cert)}`, `--cert=${install(hc.cert)}`, `--key=${install(hc.key)}`, 'endpoint', 'health', '--cluster'], {bundle: bundle(first), timeout: 20_000});
    last = `${r.stdout}${r.stderr}`;
    return r.status === 0 && (last.match(/is healthy/g) ?? []).length === members.length;
  }, 90_000, 1000).catch(error => {
    throw new Error(`${error}\netcdctl said: ${last}\n${members.map(m => processes.get(`${m}/etcd`)?.output().slice(-1500)).join('\n')}`);
  });
}

export {json};
