// The layouts as kubeadm and The Hard Way really work (checked against kubeadm v1.34.4's source and
// The Hard Way's units): identities per release, ports, flows, files, and what starts each component.
import {describe, expect, it} from 'vitest';
import {X509Certificate} from 'node:crypto';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {buildPlan} from '../../source/plan/plan.js';
import {validate} from '../../source/spec/validate.js';
import {clusterConfiguration, renderKubeadmFiles, caCertHash, kubeadmSteps} from '../../source/scripts/kubeadm-config.js';
import {parseUnit, renderComponentFiles} from '../../source/scripts/units.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {generated, LAYOUTS, specFor, specWith, TOPOLOGIES} from '../helpers/cluster.js';

const cert = (plan: ReturnType<typeof buildPlan>, id: string) => plan.certificates.find(c => c.id === id);

describe('identities follow the Kubernetes release (kubeadm layout)', () => {
  const at = (version: string) => buildPlan(specWith(c => { c.kubernetesVersion = version; }));
  it('v1.28: admin and apiserver-kubelet-client in system:masters, no super-admin, kubeadm config v1beta3', () => {
    const plan = at('v1.28.15');
    expect(cert(plan, 'admin')!.organizations).toEqual(['system:masters']);
    expect(cert(plan, 'apiserver-kubelet-client')!.organizations).toEqual(['system:masters']);
    expect(cert(plan, 'super-admin')).toBeUndefined();
    expect(plan.kubeconfigs.some(k => k.id === 'super-admin')).toBe(false);
    expect(plan.kubeadm!.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
  });
  it('v1.29–v1.35: kubeadm:cluster-admins and super-admin; v1beta3 up to v1.30, v1beta4 from v1.31', () => {
    for (const [version, api] of [['v1.29.0', 'v1beta3'], ['v1.30.14', 'v1beta3'], ['v1.31.0', 'v1beta4'], ['v1.35.4', 'v1beta4']] as const) {
      const plan = at(version);
      expect(cert(plan, 'admin')!.organizations, version).toEqual(['kubeadm:cluster-admins']);
      expect(cert(plan, 'apiserver-kubelet-client')!.organizations, version).toEqual(['kubeadm:cluster-admins']);
      expect(cert(plan, 'super-admin')!.organizations, version).toEqual(['system:masters']);
      expect(plan.kubeadm!.apiVersion, version).toBe(`kubeadm.k8s.io/${api}`);
    }
  });
  it('v1.36.1 on: apiserver-kubelet-client has no group (kubeadm binds the user to system:kubelet-api-admin)', () => {
    expect(cert(at('v1.36.3'), 'apiserver-kubelet-client')!.organizations).toEqual([]);
    expect(cert(at('v1.37.2'), 'apiserver-kubelet-client')!.organizations).toEqual([]);
  });
  it('refuses releases kubepki does not know, naming the field (a newer minor is accepted, with a warning)', () => {
    for (const version of ['v1.27.16', 'latest', '1.34.4', 'v1.34']) {
      const r = validate({...structuredClone(EXAMPLE_CONFIG), kubernetesVersion: version});
      expect(r.ok, version).toBe(false);
      if (!r.ok) expect(r.issues[0]!.path).toEqual(['kubernetesVersion']);
    }
  });
});

describe('ports, subjects and files', () => {
  it('controller-manager and scheduler dial their own apiserver on apiServer.port, not the load balancer\'s port', () => {
    const plan = buildPlan(specWith(c => { c.endpoint.port = 443; c.apiServer = {port: 6443}; }));
    expect(plan.kubeconfigs.find(k => k.id === 'admin')!.server).toBe('https://192.168.56.20:443');
    expect(plan.kubeconfigs.find(k => k.id === 'kube-controller-manager' && k.node === 'cp2')!.server).toBe('https://192.168.56.22:6443');
    expect(plan.kubeconfigs.find(k => k.id === 'kube-scheduler' && k.node === 'cp1')!.server).toBe('https://192.168.56.21:6443');
    const config = clusterConfiguration(plan);
    expect(config.controlPlaneEndpoint).toBe('192.168.56.20:443');
  });

  it('kubeadm: the apiserver shuts down gracefully behind a load balancer, as the hard-way unit does (its static pod moved out: /readyz fails at once, the port serves 10 s more)', () => {
    // test/rotate/zero-downtime-kubeadm.test.ts: without these, a restart step refused a connection the balancer sent before it saw /readyz fail.
    const args = (version: string) => clusterConfiguration(buildPlan(specWith(c => { c.kubernetesVersion = version; }))).apiServer.extraArgs;
    expect(args('v1.34.4')).toEqual(expect.arrayContaining([{name: 'shutdown-delay-duration', value: '10s'}, {name: 'shutdown-send-retry-after', value: 'true'}]));
    // v1beta3 (before v1.31): a map.
    expect(args('v1.30.0')).toMatchObject({'shutdown-delay-duration': '10s', 'shutdown-send-retry-after': 'true'});
  });

  it('kubeadm from v1.33: a control-plane kubelet dials its own apiserver (ControlPlaneKubeletLocalMode); workers and older releases the endpoint', () => {
    const server = (version: string, node: string) => buildPlan(specWith(c => { c.kubernetesVersion = version; c.kubeadm = {flow: 'external-ca'}; c.endpoint.port = 443; }))
      .kubeconfigs.find(k => k.id === 'kubelet' && k.node === node)!.server;
    expect(server('v1.34.4', 'cp2')).toBe('https://192.168.56.22:6443');
    expect(server('v1.33.0', 'cp1')).toBe('https://192.168.56.21:6443');
    expect(server('v1.32.0', 'cp1')).toBe('https://192.168.56.20:443');
    expect(server('v1.34.4', 'worker1')).toBe('https://192.168.56.20:443');
    const hardWay = buildPlan(specWith(c => { c.pki.layout = 'hard-way'; })).kubeconfigs.find(k => k.id === 'kubelet' && k.node === 'cp1')!;
    expect(hardWay.server).toBe('https://192.168.56.20:6443');
  });

  it.each(TOPOLOGIES.flatMap(t => LAYOUTS.map(l => [t, l] as const)))('no leaf shares a CA\'s subject (%s, %s)', (topology, layout) => {
    const plan = buildPlan(specFor(topology, layout));
    const caNames = new Set(plan.authorities.map(a => a.cn));
    for (const c of plan.certificates) expect(caNames.has(c.cn) && c.organizations.length === 0, `${c.id} CN=${c.cn}`).toBe(false);
  });

  it.each(TOPOLOGIES)('hard-way, %s: no file is named after a CA it is not (front-proxy-ca.crt, etcd-ca.crt)', topology => {
    const plan = buildPlan(specFor(topology, 'hard-way'));
    for (const [node, files] of Object.entries(plan.bundles)) {
      for (const f of files) {
        if (/front-proxy-ca\.crt$/.test(f.target)) expect(f.source, `${node}:${f.target}`).toBe('pki/front-proxy-ca.crt');
        if (/etcd-ca\.crt$/.test(f.target)) expect(f.source, `${node}:${f.target}`).toBe('pki/etcd-ca.crt');
      }
    }
  });

  it('a single-CA topology warns that etcd then trusts every cluster identity', () => {
    expect(buildPlan(specFor('single', 'kubeadm')).warnings.join(' ')).toMatch(/etcd trusts every certificate the cluster CA signs/);
    expect(buildPlan(specFor('kubeadm', 'kubeadm')).warnings.join(' ')).not.toMatch(/etcd trusts every/);
  });
});

describe('The Hard Way, as written', () => {
  const plan = buildPlan(specFor('single', 'hard-way'));
  it('CA CN=CA; apiserver CN kubernetes, serving and kubelet client; service-accounts certificate carrying the sa key', () => {
    expect(plan.authorities[0]!.cn).toBe('CA');
    expect(cert(plan, 'apiserver')!.cn).toBe('kubernetes');
    expect(cert(plan, 'apiserver')!.usages).toEqual(['serverAuth', 'clientAuth']);
    expect(cert(plan, 'apiserver-kubelet-client')).toBeUndefined();
    expect(cert(plan, 'service-accounts')!.key).toBe(plan.serviceAccount.key);
  });
  it('its paths: /var/lib/kubelet/{kubelet.crt,kubelet.key,kubeconfig,ca.crt} and /var/lib/kubernetes/service-accounts.crt', () => {
    const worker = plan.bundles.worker1!.map(f => f.target);
    for (const path of ['/var/lib/kubelet/kubelet.crt', '/var/lib/kubelet/kubelet.key', '/var/lib/kubelet/kubeconfig', '/var/lib/kubelet/ca.crt']) expect(worker).toContain(path);
    expect(plan.bundles.cp1!.map(f => f.target)).toContain('/var/lib/kubernetes/service-accounts.crt');
  });
  it.each(TOPOLOGIES)('every file flag of every unit names a file that node receives (%s)', topology => {
    const p = buildPlan(specFor(topology, 'hard-way'));
    const units = renderComponentFiles(p).filter(f => f.path.endsWith('.service'));
    expect(units.length).toBe(p.components.length);
    for (const component of p.components) {
      const targets = new Set(p.bundles[component.node]!.map(f => f.target));
      const {args} = parseUnit(units.find(u => u.path === component.files[0]!.source)!.content);
      for (const arg of args) {
        const value = arg.split('=').slice(1).join('=');
        if (/\.(crt|key|kubeconfig|pem)$/.test(value) || value.endsWith('/kubeconfig')) {
          expect(targets.has(value), `${component.node} ${component.component} ${arg}`).toBe(true);
        }
      }
      if (component.config) {
        const yaml = JSON.stringify(component.config.fields);
        for (const path of yaml.match(/\/var\/lib\/[^"]+/g) ?? []) expect(targets.has(path), `${component.node} ${component.component} ${path}`).toBe(true);
      }
    }
    const apiserver = p.components.find(c => c.component === 'kube-apiserver')!;
    const flags = Object.fromEntries(apiserver.flags);
    expect(flags['--service-account-key-file']).toBe('/var/lib/kubernetes/service-accounts.crt');
    expect(flags['--service-account-signing-key-file']).toBe('/var/lib/kubernetes/service-accounts.key');
    expect(flags['--kubelet-client-certificate']).toBe('/var/lib/kubernetes/kube-api-server.crt');
    expect(flags['--service-cluster-ip-range']).toBe('10.32.0.0/24');
  });
  it('the apiserver\'s unit shuts down gracefully behind a load balancer: /readyz fails at once, the port serves 10 s more, late requests get Retry-After', () => {
    // test/controlplane/restart.test.ts: without these, a restart refused requests the balancer sent before it noticed.
    const unit = renderComponentFiles(plan).find(f => f.path.endsWith('cp1/kube-apiserver.service'))!.content;
    const {args} = parseUnit(unit);
    expect(args).toContain('--shutdown-delay-duration=10s');
    expect(args).toContain('--shutdown-send-retry-after=true');
  });
  it('the kubelet runs on The Hard Way\'s containerd: its unit requires containerd.service, its config uses the systemd cgroup driver', () => {
    const files = renderComponentFiles(plan);
    const unit = files.find(f => f.path.endsWith('worker1/kubelet.service'))!.content;
    expect(unit).toMatch(/^After=network-online\.target containerd\.service$/m);
    expect(unit).toMatch(/^Requires=containerd\.service$/m);
    expect(files.find(f => f.path.endsWith('worker1/kube-proxy.service'))!.content).not.toMatch(/containerd/);
    const config = files.find(f => f.path.endsWith('worker1/kubelet-config.yaml'))!.content;
    // THW's containerd-config.toml sets SystemdCgroup = true: a kubelet on cgroupfs would not match.
    expect(config).toMatch(/^cgroupDriver: systemd$/m);
    expect(config).toMatch(/^containerRuntimeEndpoint: unix:\/\/\/var\/run\/containerd\/containerd\.sock$/m);
  });
  it('the explanations name every reader, from the same table the units come from', () => {
    const sa = cert(plan, 'service-accounts')!;
    expect(sa.why.readBy).toContain('kube-apiserver --service-account-key-file');
    const ca = plan.authorities[0]!;
    expect(ca.why.readBy).toEqual(expect.arrayContaining(['kube-controller-manager --cluster-signing-key-file', 'etcd --trusted-ca-file', 'kubelet authentication.x509.clientCAFile']));
  });
});

describe('kubeadm flows', () => {
  it('shared-ca: the init node has everything; joining control planes the shared CAs and sa pair, never kubelet.conf or super-admin.conf; workers nothing kubeadm join refuses', () => {
    const plan = buildPlan(specFor('kubeadm', 'kubeadm'));
    const targets = (n: string) => plan.bundles[n]!.map(f => f.target);
    for (const path of ['/etc/kubernetes/kubelet.conf', '/etc/kubernetes/super-admin.conf', '/etc/kubernetes/pki/ca.key']) expect(targets('cp1')).toContain(path);
    for (const path of ['/etc/kubernetes/pki/ca.key', '/etc/kubernetes/pki/sa.key', '/etc/kubernetes/pki/front-proxy-ca.key', '/etc/kubernetes/pki/etcd/ca.key']) expect(targets('cp2')).toContain(path);
    for (const path of ['/etc/kubernetes/kubelet.conf', '/etc/kubernetes/super-admin.conf']) expect(targets('cp2')).not.toContain(path);
    for (const path of ['/etc/kubernetes/kubelet.conf', '/etc/kubernetes/bootstrap-kubelet.conf', '/etc/kubernetes/pki/ca.crt']) expect(targets('worker1')).not.toContain(path);
  });
  it('external-ca: no CA key leaves this machine; every kubelet gets a kubepki-signed kubeconfig, beside kubelet.conf where kubeadm join runs', () => {
    const plan = buildPlan(specWith(c => { c.kubeadm = {flow: 'external-ca'}; }));
    const caKeys = new Set(plan.authorities.map(a => a.key));
    for (const files of Object.values(plan.bundles)) expect(files.filter(f => caKeys.has(f.source))).toEqual([]);
    expect(plan.bundles.cp1!.map(f => f.target)).toContain('/etc/kubernetes/kubelet.conf');
    for (const node of ['cp2', 'worker1', 'worker2']) {
      expect(plan.bundles[node]!.map(f => f.target)).toContain('/etc/kubernetes/kubepki/kubelet.conf');
      expect(plan.bundles[node]!.map(f => f.target)).not.toContain('/etc/kubernetes/kubelet.conf');
    }
  });
  it('the configurations carry the token, the CA hash kubeadm computes, and the names in the certificates', async () => {
    const out = await generated(specFor('kubeadm', 'kubeadm'));
    try {
      const ca = readFileSync(join(out.dir, 'pki/ca.crt'), 'utf8');
      const token = readFileSync(join(out.dir, 'kubeadm/bootstrap-token'), 'utf8').trim();
      expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
      const join_ = readFileSync(join(out.dir, 'kubeadm/worker1.yaml'), 'utf8');
      expect(join_).toContain(`token: ${token}`);
      // openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum, as kubeadm documents.
      const spki = new X509Certificate(ca).publicKey.export({type: 'spki', format: 'der'});
      expect(join_).toContain(caCertHash(ca));
      expect(caCertHash(ca)).toBe(`sha256:${(await import('node:crypto')).createHash('sha256').update(spki).digest('hex')}`);
      const init = readFileSync(join(out.dir, 'kubeadm/cp1.yaml'), 'utf8');
      expect(init).toMatch(/advertiseAddress: 192\.168\.56\.21/);
      expect(init).toMatch(/controlPlaneEndpoint: 192\.168\.56\.20:6443/);
      expect(init).toMatch(/serviceSubnet: 10\.32\.0\.0\/24/);
      const plan = buildPlan(specFor('kubeadm', 'kubeadm'));
      expect(renderKubeadmFiles(plan, {token, caPem: ca}).every(f => f.secret)).toBe(true);
      // The worker's step explains its join without a command that reads a file only OUT has.
      const worker = kubeadmSteps(plan, {token, caPem: ca}).find(s => s.node === 'worker1')!;
      expect(worker.lines).toEqual([`kubeadm join --config /etc/kubernetes/kubeadm-config.yaml   # = kubeadm join 192.168.56.20:6443 --token TOKEN --discovery-token-ca-cert-hash ${caCertHash(ca)} (TOKEN: kubeadm/bootstrap-token in the output directory)`]);
      // kubeadm-steps.sh: every node's commands in order; one node's; an unknown node is exit 2.
      const steps = spawnSync('bash', [join(out.dir, 'kubeadm-steps.sh')], {encoding: 'utf8'});
      expect(steps.status).toBe(0);
      expect(steps.stdout).toMatch(/## cp1\nkubeadm init --config \/etc\/kubernetes\/kubeadm-config\.yaml\n## cp2\nkubeadm join --config/);
      expect(spawnSync('bash', [join(out.dir, 'kubeadm-steps.sh'), 'worker1'], {encoding: 'utf8'}).stdout).toBe('## worker1\nkubeadm join --config /etc/kubernetes/kubeadm-config.yaml\n');
      expect(spawnSync('bash', [join(out.dir, 'kubeadm-steps.sh'), 'nosuch'], {encoding: 'utf8'}).status).toBe(2);
      expect(spawnSync('shellcheck', [join(out.dir, 'kubeadm-steps.sh')], {encoding: 'utf8'}).status).toBe(0);
    } finally {
      out.remove();
    }
  });
});
