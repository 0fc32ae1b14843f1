import {describe, expect, it} from 'vitest';
import {buildPlan} from '../../source/plan/plan.js';
import type {CertificatePlan, Plan} from '../../source/plan/types.js';
import {LAYOUT_FILES, type LayoutFiles} from '../../source/plan/layouts.js';
import {LAYOUTS, TOPOLOGIES, specFor, specWith} from '../helpers/cluster.js';
import {planRowDetails, planRows, planSummary} from '../../source/text/plan-table.js';

const cert = (plan: Plan, id: string, node: string | null = null): CertificatePlan => {
  const found = plan.certificates.find(c => c.id === id && c.node === node);
  if (!found) throw new Error(`no ${id} ${node ?? ''} in plan`);
  return found;
};

/** Identities from ../shared/reference/kubernetes-pki.md, per layout. */
const IDENTITIES = {
  kubeadm: {
    apiserver: ['kube-apiserver', []],
    'apiserver-kubelet-client': ['kube-apiserver-kubelet-client', ['kubeadm:cluster-admins']],
    'apiserver-etcd-client': ['kube-apiserver-etcd-client', []],
    'front-proxy-client': ['front-proxy-client', []],
    'etcd-healthcheck-client': ['kube-etcd-healthcheck-client', []],
    admin: ['kubernetes-admin', ['kubeadm:cluster-admins']],
    'super-admin': ['kubernetes-super-admin', ['system:masters']],
    'kube-controller-manager': ['system:kube-controller-manager', []],
    'kube-scheduler': ['system:kube-scheduler', []],
  },
  'hard-way': {
    apiserver: ['kubernetes', []],
    'apiserver-etcd-client': ['kube-apiserver-etcd-client', []],
    'front-proxy-client': ['front-proxy-client', []],
    'etcd-healthcheck-client': ['kube-etcd-healthcheck-client', []],
    admin: ['admin', ['system:masters']],
    'kube-controller-manager': ['system:kube-controller-manager', ['system:kube-controller-manager']],
    'kube-scheduler': ['system:kube-scheduler', ['system:kube-scheduler']],
    'kube-proxy': ['system:kube-proxy', ['system:node-proxier']],
    'service-accounts': ['service-accounts', []],
  },
} as const;

const EXPECTED_SIGNERS = {
  single: {etcd: 'ca', frontProxy: 'ca', authorities: ['ca']},
  'etcd-separate': {etcd: 'etcd-ca', frontProxy: 'ca', authorities: ['ca', 'etcd-ca']},
  kubeadm: {etcd: 'etcd-ca', frontProxy: 'front-proxy-ca', authorities: ['ca', 'etcd-ca', 'front-proxy-ca']},
} as const;

describe.each(TOPOLOGIES.flatMap(t => LAYOUTS.map(l => [t, l] as const)))('plan: %s CAs, %s layout', (topology, layout) => {
  const plan = buildPlan(specFor(topology, layout));

  it('has exactly the authorities of the topology', () => {
    expect(plan.authorities.map(a => a.id)).toEqual(EXPECTED_SIGNERS[topology].authorities);
  });

  it('gives every cluster-wide certificate its exact CN and O', () => {
    const expected = IDENTITIES[layout];
    const clusterWide = plan.certificates.filter(c => c.node === null);
    expect(clusterWide.map(c => c.id).sort()).toEqual(Object.keys(expected).sort());
    for (const [id, [cn, o]] of Object.entries(expected)) {
      expect(cert(plan, id).cn, id).toBe(cn);
      expect(cert(plan, id).organizations, id).toEqual(o);
    }
  });

  it('signs each certificate with the right authority', () => {
    const s = EXPECTED_SIGNERS[topology];
    for (const c of plan.certificates) {
      const expected = ['etcd-server', 'etcd-peer', 'apiserver-etcd-client', 'etcd-healthcheck-client'].includes(c.id) ? s.etcd
        : c.id === 'front-proxy-client' ? s.frontProxy : 'ca';
      expect(c.signer, `${c.id} ${c.node}`).toBe(expected);
    }
  });

  it('puts the exact SANs in the apiserver certificate', () => {
    const apiserver = cert(plan, 'apiserver');
    // The Hard Way's apiserver also uses its serving certificate as its kubelet client.
    expect(apiserver.usages).toEqual(layout === 'hard-way' ? ['serverAuth', 'clientAuth'] : ['serverAuth']);
    expect(apiserver.dnsNames).toEqual(['cp1', 'cp2', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
    const ips = ['192.168.56.21', '192.168.56.22', '10.32.0.1', '192.168.56.20'];
    expect(apiserver.ipAddresses).toEqual(layout === 'hard-way' ? [...ips, '127.0.0.1'] : ips);
  });

  it('makes etcd and kubelet certificates per node with their names', () => {
    for (const node of ['cp1', 'cp2']) {
      const ip = node === 'cp1' ? '192.168.56.21' : '192.168.56.22';
      for (const id of ['etcd-server', 'etcd-peer']) {
        const c = cert(plan, id, node);
        expect(c.cn).toBe(node);
        expect(c.usages).toEqual(['serverAuth', 'clientAuth']);
        expect(c.dnsNames).toEqual([node, 'localhost']);
        expect(c.ipAddresses).toEqual([ip, '127.0.0.1', '::1']);
      }
    }
    expect(plan.certificates.filter(c => c.id === 'etcd-server').map(c => c.node)).toEqual(['cp1', 'cp2']);
    // kubeadm: only the node where `kubeadm init` runs gets a pre-made kubelet.conf; the others bootstrap.
    expect(plan.certificates.filter(c => c.id === 'kubelet-client').map(c => c.node))
      .toEqual(layout === 'kubeadm' ? ['cp1'] : ['cp1', 'cp2', 'worker1', 'worker2']);
    for (const [node, ip] of [['cp1', '192.168.56.21'], ['worker1', '192.168.56.23'], ['worker2', '192.168.56.24']] as const) {
      const client = plan.certificates.find(c => c.id === 'kubelet-client' && c.node === node);
      if (client) expect([client.cn, client.organizations, client.usages]).toEqual([`system:node:${node}`, ['system:nodes'], ['clientAuth']]);
      const server = cert(plan, 'kubelet-server', node);
      // KEP-4872: the apiserver may check a kubelet's serving CN against the node it dialled.
      expect([server.cn, server.organizations, server.dnsNames, server.ipAddresses, server.usages]).toEqual([`system:node:${node}`, ['system:nodes'], [node], [ip], ['serverAuth']]);
    }
  });

  it('has the kubeconfigs of the contract with context user@cluster', () => {
    const ids = plan.kubeconfigs.map(k => `${k.id}${k.node ? `@${k.node}` : ''}`);
    expect(ids).toEqual(layout === 'kubeadm'
      ? ['admin', 'super-admin', 'kube-controller-manager@cp1', 'kube-controller-manager@cp2', 'kube-scheduler@cp1', 'kube-scheduler@cp2', 'kubelet@cp1']
      : ['admin', 'kube-controller-manager@cp1', 'kube-controller-manager@cp2', 'kube-scheduler@cp1', 'kube-scheduler@cp2', 'kube-proxy',
        'kubelet@cp1', 'kubelet@cp2', 'kubelet@worker1', 'kubelet@worker2']);
    for (const k of plan.kubeconfigs) expect(k.context).toBe(`${k.user}@kubernetes`);
    if (layout === 'hard-way') {
      expect(plan.kubeconfigs.find(k => k.id === 'kubelet' && k.node === 'worker1')!.user).toBe('system:node:worker1');
      // The Hard Way: admin on the server itself; controller-manager and scheduler their own node's
      // apiserver, as kubeadm's do (the version-skew policy); the others through the endpoint.
      expect(plan.kubeconfigs.find(k => k.id === 'admin')!.server).toBe('https://127.0.0.1:6443');
      expect(plan.kubeconfigs.find(k => k.id === 'kube-scheduler' && k.node === 'cp2')!.server).toBe('https://127.0.0.1:6443');
      expect(plan.kubeconfigs.find(k => k.id === 'kube-controller-manager' && k.node === 'cp1')!.server).toBe('https://127.0.0.1:6443');
      expect(buildPlan(specWith(c => { c.pki.layout = 'hard-way'; c.apiServer = {port: 6444}; })).kubeconfigs.filter(k => k.id === 'kube-scheduler' || k.id === 'kube-controller-manager').map(k => k.server))
        .toEqual(Array(4).fill('https://127.0.0.1:6444'));
      expect(plan.kubeconfigs.find(k => k.id === 'kube-proxy')!.server).toBe('https://192.168.56.20:6443');
      expect(plan.kubeconfigs.find(k => k.id === 'kubelet' && k.node === 'worker1')!.server).toBe('https://192.168.56.20:6443');
    } else {
      expect(plan.kubeconfigs.find(k => k.id === 'admin')!.server).toBe('https://192.168.56.20:6443');
      expect(plan.kubeconfigs.find(k => k.id === 'kube-scheduler' && k.node === 'cp2')!.server).toBe('https://192.168.56.22:6443');
    }
  });

  it('never gives a worker a CA key or another node\'s key', () => {
    const caKeys = new Set(plan.authorities.map(a => a.key));
    for (const worker of ['worker1', 'worker2']) {
      const bundle = plan.bundles[worker]!;
      expect(bundle.filter(f => caKeys.has(f.source))).toEqual([]);
      const foreign = bundle.filter(f => f.secret && f.source.startsWith('pki/nodes/') && !f.source.startsWith(`pki/nodes/${worker}/`));
      expect(foreign).toEqual([]);
      // `kubeadm join` refuses a worker that has pki/ca.crt; The Hard Way's kubelet reads its ca.crt.
      expect(bundle.some(f => f.source === plan.authorities[0]!.cert)).toBe(layout === 'hard-way');
    }
    expect(plan.bundles.cp1!.some(f => f.source === plan.authorities.find(a => a.id === 'ca')!.key)).toBe(true);
  });

  it('is pure: the same spec gives the same plan', () => {
    expect(buildPlan(specFor(topology, layout))).toEqual(plan);
  });
});

describe('plan details', () => {
  it('uses kubeadm paths in the kubeadm layout', () => {
    const plan = buildPlan(specFor('kubeadm', 'kubeadm'));
    const targets = plan.bundles.cp1!.map(f => f.target);
    for (const path of ['/etc/kubernetes/pki/ca.crt', '/etc/kubernetes/pki/ca.key', '/etc/kubernetes/pki/apiserver.crt', '/etc/kubernetes/pki/etcd/ca.crt',
      '/etc/kubernetes/pki/etcd/server.crt', '/etc/kubernetes/pki/etcd/peer.key', '/etc/kubernetes/pki/front-proxy-ca.crt', '/etc/kubernetes/pki/sa.key',
      '/etc/kubernetes/pki/sa.pub', '/etc/kubernetes/admin.conf', '/etc/kubernetes/super-admin.conf', '/etc/kubernetes/controller-manager.conf',
      '/etc/kubernetes/scheduler.conf', '/etc/kubernetes/kubelet.conf']) {
      expect(targets).toContain(path);
    }
    // Nothing that `kubeadm join` refuses: no kubelet.conf, no bootstrap-kubelet.conf, no pki/ca.crt.
    expect(plan.bundles.worker1!.map(f => f.target).sort()).toEqual([
      '/etc/kubernetes/kubeadm-config.yaml', '/var/lib/kubelet/pki/kubelet.crt', '/var/lib/kubelet/pki/kubelet.key',
    ]);
    // super-admin.conf only where `kubeadm init` runs; no kubelet.conf where `kubeadm join` runs.
    const cp2 = plan.bundles.cp2!.map(f => f.target);
    expect(cp2).not.toContain('/etc/kubernetes/super-admin.conf');
    expect(cp2).not.toContain('/etc/kubernetes/kubelet.conf');
    expect(cp2).toContain('/etc/kubernetes/pki/ca.key');
  });

  it('uses The Hard Way names in the hard-way layout', () => {
    const plan = buildPlan(specFor('single', 'hard-way'));
    expect(cert(plan, 'apiserver').cert).toBe('pki/kube-api-server.crt');
    expect(cert(plan, 'kubelet-client', 'worker1').cert).toBe('pki/nodes/worker1/worker1.crt');
    expect(plan.serviceAccount.key).toBe('pki/service-accounts.key');
    expect(plan.bundles.worker1!.map(f => f.target).sort()).toEqual([
      '/etc/systemd/system/kube-proxy.service', '/etc/systemd/system/kubelet.service',
      '/var/lib/kube-proxy/kube-proxy-config.yaml', '/var/lib/kube-proxy/kubeconfig',
      '/var/lib/kubelet/ca.crt', '/var/lib/kubelet/kubeconfig', '/var/lib/kubelet/kubelet-config.yaml', '/var/lib/kubelet/kubelet.crt', '/var/lib/kubelet/kubelet.key',
    ]);
    expect(plan.bundles.cp1!.map(f => f.target)).toContain('/etc/etcd/etcd-server.crt');
  });

  it('in a single-CA kubeadm layout, installs the one CA where etcd and the front proxy look for theirs', () => {
    const plan = buildPlan(specFor('single', 'kubeadm'));
    const cp1 = plan.bundles.cp1!;
    expect(cp1.find(f => f.target === '/etc/kubernetes/pki/etcd/ca.crt')!.source).toBe('pki/ca.crt');
    expect(cp1.find(f => f.target === '/etc/kubernetes/pki/front-proxy-ca.crt')!.source).toBe('pki/ca.crt');
  });

  it('runs etcd on explicit etcd nodes, which get no CA key', () => {
    const plan = buildPlan(specWith(c => {
      c.nodes = [
        {name: 'cp1', ip: '10.0.0.1', roles: ['control-plane']},
        {name: 'etcd1', ip: '10.0.0.11', roles: ['etcd']},
        {name: 'etcd2', ip: '10.0.0.12', roles: ['etcd']},
        {name: 'etcd3', ip: '10.0.0.13', roles: ['etcd']},
      ];
      c.endpoint.host = '10.0.0.1';
    }));
    expect(plan.certificates.filter(c => c.id === 'etcd-peer').map(c => c.node)).toEqual(['etcd1', 'etcd2', 'etcd3']);
    expect(plan.certificates.filter(c => c.id === 'kubelet-client').map(c => c.node)).toEqual(['cp1']);
    expect(plan.bundles.etcd1!.filter(f => f.source.endsWith('ca.key'))).toEqual([]);
    expect(plan.bundles.etcd1!.map(f => f.target).sort()).toEqual([
      '/etc/kubernetes/kubeadm-etcd.yaml', '/etc/kubernetes/pki/etcd/ca.crt', '/etc/kubernetes/pki/etcd/healthcheck-client.crt', '/etc/kubernetes/pki/etcd/healthcheck-client.key',
      '/etc/kubernetes/pki/etcd/peer.crt', '/etc/kubernetes/pki/etcd/peer.key', '/etc/kubernetes/pki/etcd/server.crt', '/etc/kubernetes/pki/etcd/server.key',
    ]);
    expect(plan.warnings.join(' ')).toMatch(/endpoint 10\.0\.0\.1 is the control-plane node cp1/);
  });

  it('handles IPv6 clusters: service IP, SANs and bracketed URLs', () => {
    const plan = buildPlan(specWith(c => {
      c.nodes = [{name: 'cp1', ip: 'fd00::21', roles: ['control-plane', 'etcd']}, {name: 'w1', ip: 'fd00::23', roles: ['worker']}];
      c.endpoint.host = 'api.example.com';
      c.network.serviceCIDR = 'fd00:10::/112';
      c.extraSANs = ['fd00::99', '*.api.example.com'];
    }));
    expect(plan.serviceIp).toBe('fd00:10::1');
    expect(cert(plan, 'apiserver').ipAddresses).toEqual(['fd00::21', 'fd00:10::1', 'fd00::99']);
    expect(cert(plan, 'apiserver').dnsNames).toContain('api.example.com');
    expect(cert(plan, 'apiserver').dnsNames).toContain('*.api.example.com');
    expect(plan.kubeconfigs.find(k => k.id === 'kube-scheduler')!.server).toBe('https://[fd00::21]:6443');
  });

  it('says which key each file has: the spec\'s type on every key, in the summary and in each row\'s details', () => {
    const plan = buildPlan(specFor('kubeadm', 'kubeadm', 'ecdsa-p384'));
    expect(new Set([...plan.authorities, ...plan.certificates, plan.serviceAccount].map(f => f.keyType))).toEqual(new Set(['ecdsa-p384']));
    expect(planSummary(plan)[0]).toContain(`; ${plan.keyCount} ECDSA P-384 keys to generate.`);
    const rows = planRows(plan);
    const lineOf = (row: (typeof rows)[number]) => planRowDetails(plan, row).lines.find(([k]) => k === 'Key')?.[1];
    expect(lineOf(rows.find(r => r.kind === 'authority')!)).toBe('ECDSA P-384, self-signed');
    expect(lineOf(rows.find(r => r.file === 'apiserver.crt')!)).toBe('ECDSA P-384, signed with ca\'s ECDSA P-384 key');
    // A kept RSA CA (generate --force) changes its own entry; the summary counts both kinds.
    plan.authorities.find(a => a.id === 'ca')!.keyType = 'rsa-2048';
    expect(planSummary(plan)[0]).toContain(`; 1 RSA-2048 key, ${plan.keyCount - 1} ECDSA P-384 keys to generate.`);
    expect(lineOf(rows.find(r => r.file === 'apiserver.crt')!)).toBe('ECDSA P-384, signed with ca\'s RSA-2048 key');
  });

  it('lists the service-account key pair as the last row, with its holders and why', () => {
    const plan = buildPlan(specFor('kubeadm', 'kubeadm'));
    const rows = planRows(plan);
    expect(rows).toHaveLength(plan.authorities.length + plan.certificates.length + 1);
    const sa = rows.at(-1)!;
    expect(sa).toMatchObject({kind: 'serviceAccount', file: 'sa.key, sa.pub', signer: '-', nodes: 'cp1,cp2'});
    const details = Object.fromEntries(planRowDetails(plan, sa).lines);
    expect(details.What).toMatch(/--service-account-private-key-file/);
    expect(details['Key goes to']).toBe('cp1, cp2');
  });

  it('counts keys: CAs + certificates + the service-account key', () => {
    const plan = buildPlan(specFor('kubeadm', 'kubeadm'));
    // 3 CAs + 9 cluster-wide + 2 per etcd node (2) + a kubelet serving key per kubelet node (4) + cp1's kubelet client + sa
    expect(plan.keyCount).toBe(3 + 9 + 4 + 4 + 1 + 1);
  });
});

describe('derived names live in the plan', () => {
  it.each(TOPOLOGIES.flatMap(t => LAYOUTS.map(l => [t, l] as const)))('%s, %s: each file names its bundle copy and each certificate and kubeconfig a unique stable ref', (topology, layout) => {
    const plan = buildPlan(specFor(topology, layout));
    for (const [node, files] of Object.entries(plan.bundles)) {
      for (const f of files) expect(f.path).toBe(`nodes/${node}${f.target}`);
    }
    for (const c of plan.certificates) expect(c.ref).toBe(c.node ? `${c.id}/${c.node}` : c.id);
    for (const k of plan.kubeconfigs) expect(k.ref).toBe(k.node ? `${k.id}/${k.node}` : k.id);
    expect(new Set(plan.certificates.map(c => c.ref)).size).toBe(plan.certificates.length);
    expect(new Set(plan.kubeconfigs.map(k => k.ref)).size).toBe(plan.kubeconfigs.length);
    // A kubeconfig's embedded certificate is found by its ref.
    for (const k of plan.kubeconfigs) expect(plan.certificates.find(c => c.ref === k.certificate.ref)?.cn).toBe(k.user);
  });

  it('every layout table has an entry for every certificate and kubeconfig kind (checked by the compiler)', () => {
    const entry = {file: () => 'x', placements: []};
    const kubeadm = LAYOUT_FILES.kubeadm;
    const {'kube-proxy': _dropped, ...fewerKubeconfigs} = kubeadm.kubeconfigs;
    // @ts-expect-error -- a layout without an entry for kube-proxy's kubeconfig does not compile
    const incomplete: LayoutFiles = {...kubeadm, kubeconfigs: fewerKubeconfigs};
    const explicit: LayoutFiles = {...kubeadm, kubeconfigs: {...fewerKubeconfigs, 'kube-proxy': entry}};
    expect(Object.keys(incomplete.kubeconfigs)).not.toContain('kube-proxy');
    expect(Object.keys(explicit.kubeconfigs)).toContain('kube-proxy');
    // The Hard Way has no super-admin: said explicitly, and so the plan has none.
    expect(LAYOUT_FILES['hard-way'].certificates['super-admin']).toBeNull();
    expect(buildPlan(specFor('kubeadm', 'hard-way')).certificates.map(c => c.id)).not.toContain('super-admin');
  });
});
