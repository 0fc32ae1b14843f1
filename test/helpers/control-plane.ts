// Boots a real control plane on a generated PKI inside a lab: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler, each on its own node's address, started with the
// flags kubepki wrote (hard-way units) or kubeadm wrote from kubepki's configuration (kubeadm).
import {readFileSync, writeFileSync, mkdirSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {load} from 'js-yaml';
import {Lab, type LabHost} from './lab.js';
import {bin, json, kubectlOn, manifestCommand, waitReady, type Kubectl} from './k8s.js';
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
  /** kubectl on a node, with a kubeconfig path as that node has it. */
  kubectl: (node: string, kubeconfig: string) => Kubectl;
  /** The admin's kubectl (on the first control-plane node). */
  admin: Kubectl;
  processes: Map<string, Started>;
  /** Restart one component on one node, e.g. after a file was swapped in its bundle. */
  restart: (node: string, component: string) => Promise<void>;
  down: () => Promise<void>;
}

export interface BootOptions {
  config: string;
  /** Lab hosts beyond the nodes: the endpoint's namespace (with a TCP forwarder) when it is not a node. */
  endpoint?: LabHost & {port: number};
  prefix?: number;
}

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
  const spec = load(options.config) as {nodes: {name: string; ip: string; roles: string[]}[]; pki: {layout: string}};
  const hosts: LabHost[] = spec.nodes.map(n => ({name: n.name, ip: n.ip}));
  if (options.endpoint) hosts.push(options.endpoint);
  const lab = new Lab(hosts, options.prefix ?? 24);
  const processes = new Map<string, Started>();
  const launches = new Map<string, Launch>();
  try {
    lab.up();
    const {out, manifest} = generate(lab, options.config);
    const bundle = (node: string) => join(out, 'nodes', node);
    const launch = (l: Launch) => {
      launches.set(`${l.node}/${l.component}`, l);
      processes.set(`${l.node}/${l.component}`, lab.start(l.node, l.argv, bundle(l.node)));
    };
    const controlPlanes = spec.nodes.filter(n => n.roles.includes('control-plane')).map(n => n.name);
    const etcdMembers = manifest.certificates.filter(c => c.id === 'etcd-server').map(c => c.node!);

    const commands = spec.pki.layout === 'hard-way'
      ? hardWayCommands(out, spec.nodes.map(n => n.name))
      : kubeadmCommands(lab, out, controlPlanes, etcdMembers);

    for (const c of commands.filter(c => c.component === 'etcd')) launch(c);
    await waitEtcd(lab, bundle, manifest, etcdMembers, processes);
    for (const c of commands.filter(c => c.component === 'kube-apiserver')) launch(c);
    if (options.endpoint) {
      const targets = controlPlanes.map(n => `${spec.nodes.find(x => x.name === n)!.ip}:${manifestApiPort(out)}`);
      const forward = lab.start(options.endpoint.name, [process.execPath, join(ROOT, 'test/helpers/tcp-forward.mjs'), options.endpoint.ip, String(options.endpoint.port), ...targets]);
      processes.set(`${options.endpoint.name}/forwarder`, forward);
    }
    const adminConfig = spec.pki.layout === 'hard-way' ? '/var/lib/kubernetes/admin.kubeconfig' : '/etc/kubernetes/admin.conf';
    const kubectl = (node: string, kubeconfig: string) => kubectlOn(lab, node, bundle(node), kubeconfig);
    const admin = kubectl(controlPlanes[0]!, adminConfig);
    for (const node of controlPlanes) {
      await waitReady(`kube-apiserver on ${node}`, kubectl(node, adminConfig), 180_000).catch(error => {
        throw new Error(`${error}\n${processes.get(`${node}/kube-apiserver`)?.output().slice(-3000)}`);
      });
    }
    for (const c of commands.filter(c => c.component === 'kube-controller-manager' || c.component === 'kube-scheduler')) launch(c);

    const restart = async (node: string, component: string) => {
      const key = `${node}/${component}`;
      await processes.get(key)?.stop();
      launch(launches.get(key)!);
    };
    return {lab, out, manifest, bundle, kubectl, admin, processes, restart, down: () => lab.down()};
  } catch (error) {
    const logs = [...processes.entries()].map(([k, p]) => `--- ${k}\n${p.output().slice(-1500)}`).join('\n');
    await lab.down();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}

function manifestApiPort(out: string): number {
  const spec = load(readFileSync(join(out, 'cluster.yaml'), 'utf8')) as {apiServer?: {port?: number}};
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
 * kubeadm: on each control-plane node, kubeadm writes the static-pod manifests from the
 * configuration kubepki wrote (`kubeadm init phase control-plane all`, `etcd local`), in that
 * node's sandbox; the processes start with the manifests' commands.
 */
function kubeadmCommands(lab: Lab, out: string, controlPlanes: string[], etcdMembers: string[]): Launch[] {
  const launches: Launch[] = [];
  for (const node of controlPlanes) {
    const dump = join(lab.dir, `manifests-${node}`);
    mkdirSync(dump);
    const config = '/etc/kubernetes/kubeadm-config.yaml';
    const script = [
      `${bin('kubeadm')} init phase control-plane all --config ${config}`,
      etcdMembers.includes(node) ? `${bin('kubeadm')} init phase etcd local --config ${config}` : 'true',
      `cp /etc/kubernetes/manifests/*.yaml ${dump}/`,
    ].join(' && ');
    const r = lab.run(node, ['sh', '-c', script], {bundle: join(out, 'nodes', node)});
    if (r.status !== 0) throw new Error(`kubeadm on ${node} failed: ${r.stderr}\n${r.stdout}`);
    for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      const file = join(dump, `${component}.yaml`);
      if (!existsSync(file)) continue;
      const [binary, ...args] = manifestCommand(readFileSync(file, 'utf8'));
      if (binary !== component) throw new Error(`${file} runs ${binary}`);
      launches.push({node, component, argv: [bin(component), ...args]});
    }
  }
  return launches;
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
