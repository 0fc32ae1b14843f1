// The kubeadm layout on a real control plane: kubeadm itself reads kubepki's files and
// configuration and writes the static pods, which start with the built binaries.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {X509Certificate} from 'node:crypto';
import {cpSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ALLOWED_PREFLIGHT_ERRORS, boot, json, type Booted} from '../helpers/control-plane.js';
import {bin} from '../helpers/k8s.js';
import {realKubectl, waitFor} from '../helpers/processes.js';
import {kubepki} from '../helpers/run.js';
import {snapshot} from '../helpers/snapshot.js';
import {parseDocument} from 'yaml';
import {bootstrapToken, caCertHash} from '../../source/scripts/kubeadm-config.js';
import {leaseHolders, shellOn, signUserCsr, standInKubelet} from './checks.js';

// Three CAs (kubeadm's), etcd on its own three hosts, and a load balancer on 443 in front of
// apiservers on 6443: controller-manager.conf and scheduler.conf must name 6443.
const CONFIG = `
apiVersion: kubepki/v1
kind: Cluster
name: kubernetes
kubernetesVersion: v1.34.4
endpoint: { host: 192.168.56.20, port: 443 }
apiServer: { port: 6443 }
network: { serviceCIDR: 10.96.0.0/12, clusterDomain: cluster.local }
nodes:
  - { name: cp1, ip: 192.168.56.21, roles: [control-plane] }
  - { name: cp2, ip: 192.168.56.22, roles: [control-plane] }
  - { name: e1, ip: 192.168.56.31, roles: [etcd] }
  - { name: e2, ip: 192.168.56.32, roles: [etcd] }
  - { name: e3, ip: 192.168.56.33, roles: [etcd] }
  - { name: worker1, ip: 192.168.56.23, roles: [worker] }
pki: { authorities: kubeadm, key: rsa-2048, layout: kubeadm }
kubeadm: { flow: shared-ca }
`;

/** A machine that joins after day one: added to cluster.yaml with --update by the last test. */
const WORKER2 = {name: 'worker2', ip: '192.168.56.24'};

describe('kubeadm layout, three CAs, external etcd, shared-CA flow, on a real control plane', () => {
  let c: Booted;
  beforeAll(async () => {
    c = await boot({config: CONFIG, endpoint: {name: 'lb', ip: '192.168.56.20', port: 443}, spare: [WORKER2]});
  }, 900_000);
  afterAll(async () => { await c?.down(); }, 60_000);

  it('kubeadm init phase certs all / kubeconfig all use every pre-made file and write nothing', () => {
    const kubeadm = bin('kubeadm');
    const sums = 'find /etc/kubernetes -type f | sort | xargs sha256sum';
    const r = c.lab.run('cp1', ['sh', '-c', [
      `${sums} > /tmp/kubepki-before`,
      `${kubeadm} init phase certs all --config /etc/kubernetes/kubeadm-config.yaml`,
      `${kubeadm} init phase kubeconfig all --config /etc/kubernetes/kubeadm-config.yaml`,
      `${sums} > /tmp/kubepki-after`,
      'diff /tmp/kubepki-before /tmp/kubepki-after && echo UNCHANGED',
    ].join(' && ')], {bundle: c.bundle('cp1')});
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('UNCHANGED');
    expect(r.stdout).toContain('[certs] Using existing ca certificate authority');
    expect(r.stdout).toContain('[certs] Using existing apiserver certificate and key on disk');
    expect(r.stdout).toContain('[certs] Using existing front-proxy-ca certificate authority');
    expect(r.stdout).toMatch(/Using existing kubeconfig file: "\/etc\/kubernetes\/super-admin.conf"/);
    expect(r.stdout).toMatch(/Using existing kubeconfig file: "\/etc\/kubernetes\/kubelet.conf"/);
    expect(r.stdout).not.toMatch(/Generating/);
    // kubelet.conf dials the server kubeadm itself would write (cp1's own apiserver, from v1.33).
    expect(r.stderr).not.toMatch(/unexpected API Server URL/);
  });

  it('kubeadm certs check-expiration lists the pre-made certificates', () => {
    const r = c.lab.run('cp1', [bin('kubeadm'), 'certs', 'check-expiration', '--config', '/etc/kubernetes/kubeadm-config.yaml'], {bundle: c.bundle('cp1')});
    expect(r.status, r.stderr).toBe(0);
    for (const name of ['admin.conf', 'apiserver ', 'apiserver-kubelet-client', 'controller-manager.conf', 'front-proxy-client', 'scheduler.conf', 'super-admin.conf']) {
      expect(r.stdout).toContain(name);
    }
  });

  it('admin.conf is kubernetes-admin in kubeadm:cluster-admins (bound by kubeadm) and super-admin.conf is system:masters', () => {
    const who = json(c.admin(['auth', 'whoami', '-o', 'json']));
    expect(who.status.userInfo.username).toBe('kubernetes-admin');
    expect(who.status.userInfo.groups).toContain('kubeadm:cluster-admins');
    expect(c.admin(['auth', 'can-i', '*', '*']).stdout.trim()).toBe('yes');
    const superAdmin = json(c.kubectl('cp1', '/etc/kubernetes/super-admin.conf')(['auth', 'whoami', '-o', 'json']));
    expect(superAdmin.status.userInfo.username).toBe('kubernetes-super-admin');
    expect(superAdmin.status.userInfo.groups).toContain('system:masters');
  });

  it('controller-manager and scheduler hold their leader leases', async () => {
    const holders = await leaseHolders(c.admin, ['kube-controller-manager', 'kube-scheduler']);
    for (const holder of Object.values(holders)) expect(holder).toMatch(/^cp[12]_/);
  }, 180_000);

  it('the controller-manager signs an approved CSR with the cluster CA (ca.key shipped to the control plane)', async () => {
    const {issuer, verified} = await signUserCsr(c, 'jane', ['dev'], join(c.out, 'pki/ca.crt'));
    expect(issuer).toBe('CN=kubernetes');
    expect(verified).toBe(true);
  }, 180_000);

  // Users: one signed here with the cluster CA, one signed by the real controller-manager. The
  // lines kubepki prints are run as printed: kubectl as the cluster admin on cp1, the users'
  // kubectl on worker1 without its bundle (a machine holding nothing of the cluster's).
  const printedLines = (stdout: string) => stdout.split('\n').filter(l => /^ {2}(kubectl|kubepki) /.test(l)).map(l => l.trim());

  it('kubepki user add: alice, signed with the cluster CA, is alice in kubepki-devs for the real apiservers; RBAC gives her group rights only once bound', async () => {
    const r = kubepki(['user', 'add', 'alice', '--group', 'kubepki-devs', '--out', c.out]);
    expect(r.status, r.stderr).toBe(0);
    const tryIt = /Try it: (kubectl --kubeconfig \S+ auth whoami) /.exec(r.stdout)?.[1];
    expect(tryIt, r.stdout).toBeDefined();
    const user = shellOn(c, 'worker1');
    const who = json(user(`${tryIt} -o json`));
    expect(who.status.userInfo.username).toBe('alice');
    expect(who.status.userInfo.groups).toEqual(['kubepki-devs', 'system:authenticated']);
    // whoami needed no binding: system:authenticated may create selfsubjectreviews. Nothing else.
    const canList = () => user(`${tryIt!.replace(' auth whoami', '')} auth can-i list pods -n default`);
    expect(canList().stdout.trim()).toBe('no');
    // The printed hint names alice's group: run as printed.
    const hint = /e\.g\.: (kubectl create clusterrolebinding .*)$/m.exec(r.stdout)?.[1];
    expect(hint, r.stdout).toBe('kubectl create clusterrolebinding kubepki-devs-view --clusterrole=view --group=kubepki-devs');
    const admin = shellOn(c, 'cp1', {kubeconfig: '/etc/kubernetes/admin.conf', bundle: c.bundle('cp1')});
    const bound = admin(hint!);
    expect(bound.status, bound.stderr).toBe(0);
    await waitFor('alice\'s group to be bound to view', () => canList().stdout.trim() === 'yes', 60_000, 1000);
  }, 120_000);

  it('kubepki user add --csr: bob, approved and signed by the real controller-manager from the printed lines, is bob in kubepki-devs for an hour', async () => {
    const r = kubepki(['user', 'add', 'bob', '--group', 'kubepki-devs', '--csr', '--validity', '1h', '--out', c.out]);
    expect(r.status, r.stderr).toBe(0);
    const [apply, approve, wait, get, finish, ...more] = printedLines(r.stdout);
    expect(more, r.stdout).toEqual([]);
    expect(apply).toBe(`kubectl apply -f ${join(c.out, 'users/bob/bob-csr.yaml')}`);
    expect(approve).toBe('kubectl certificate approve kubepki-user-bob');
    expect(wait).toBe("kubectl wait --for=jsonpath='{.status.certificate}' csr/kubepki-user-bob --timeout=60s");
    expect(get).toMatch(/^kubectl get csr kubepki-user-bob -o jsonpath='\{\.status\.certificate\}' \| base64 -d > \S+$/);
    expect(finish).toMatch(/^kubepki user finish bob --certificate \S+ --out /);
    const certificate = /--certificate (\S+)/.exec(finish!)![1]!;
    expect(get!.endsWith(`> ${certificate}`)).toBe(true);
    const admin = shellOn(c, 'cp1', {kubeconfig: '/etc/kubernetes/admin.conf', bundle: c.bundle('cp1')});
    const asked = Date.now();
    for (const line of [apply!, approve!]) {
      const ran = admin(line);
      expect(ran.status, `${line}\n${ran.stderr}`).toBe(0);
    }
    const csr = json(admin('kubectl get csr kubepki-user-bob -o json'));
    expect(csr.spec).toMatchObject({username: 'kubernetes-admin', signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: 3600, usages: ['client auth']});
    expect(csr.status.conditions.map((x: {type: string}) => x.type)).toContain('Approved');
    // The printed wait, as printed: it returns once the real controller-manager has signed.
    const waited = admin(wait!, 90_000);
    expect(waited.status, waited.stderr).toBe(0);
    expect(admin(`kubectl get csr kubepki-user-bob -o jsonpath='{.status.certificate}'`).stdout.trim()).not.toBe('');
    const signed = Date.now();
    const got = admin(get!);
    expect(got.status, got.stderr).toBe(0);
    const cert = new X509Certificate(readFileSync(certificate));
    // kube-controller-manager (pkg/controller/certificates/signer): expirationSeconds below its
    // cluster-signing-duration is honoured; a lifetime under 8h is not shortened by the 5-minute
    // backdate, so notAfter = signing time + 1h and notBefore = signing time - 5 min.
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    expect(to - from).toBe(65 * 60_000);
    expect(to).toBeGreaterThanOrEqual(Math.floor(asked / 1000) * 1000 + 3600_000);
    expect(to).toBeLessThanOrEqual(signed + 3600_000);

    // A certificate for another key (alice's) is refused, naming the mismatch; nothing is written.
    const before = snapshot(c.out);
    const wrong = kubepki(['user', 'finish', 'bob', '--certificate', join(c.out, 'users/alice/alice.crt'), '--out', c.out]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--certificate: \S+alice\.crt does not match users\/bob\/bob\.key/);
    expect(snapshot(c.out)).toEqual(before);

    const finished = admin(finish!);
    expect(finished.status, finished.stderr).toBe(0);
    const conf = /Try it: kubectl --kubeconfig (\S+) auth whoami/.exec(finished.stdout)?.[1];
    expect(conf, finished.stdout).toBe(join(c.out, 'users/bob/bob.conf'));
    const who = json(shellOn(c, 'worker1')(`kubectl --kubeconfig ${conf} auth whoami -o json`));
    expect(who.status.userInfo.username).toBe('bob');
    expect(who.status.userInfo.groups).toEqual(['kubepki-devs', 'system:authenticated']);
  }, 240_000);

  it('kubepki user renew alice: the new kubeconfig is alice for the real apiservers; user remove alice prints a search that finds her group\'s binding in the real kubectl\'s output', () => {
    const old = readFileSync(join(c.out, 'users/alice/alice.crt'), 'utf8');
    const renewed = kubepki(['user', 'renew', 'alice', '--validity', '30d', '--out', c.out]);
    expect(renewed.status, renewed.stderr).toBe(0);
    expect(readFileSync(join(c.out, 'users/alice/alice.crt'), 'utf8')).not.toBe(old);
    const who = json(shellOn(c, 'worker1')(`kubectl --kubeconfig ${join(c.out, 'users/alice/alice.conf')} auth whoami -o json`));
    expect(who.status.userInfo).toMatchObject({username: 'alice', groups: ['kubepki-devs', 'system:authenticated']});

    const removed = kubepki(['user', 'remove', 'alice', '--out', c.out]);
    expect(removed.status, removed.stderr).toBe(0);
    const search = printedLines(removed.stdout);
    expect(search, removed.stdout).toHaveLength(1);
    const admin = shellOn(c, 'cp1', {kubeconfig: '/etc/kubernetes/admin.conf', bundle: c.bundle('cp1')});
    const found = admin(search[0]!);
    expect(found.status, found.stderr).toBe(0);
    // The binding the alice test made for her group (its GROUPS column), and no binding of anyone else.
    expect(found.stdout).toMatch(/kubepki-devs-view +ClusterRole\/view .*kubepki-devs/);
    expect(found.stdout.trim().split('\n').every(line => /kubepki-devs/.test(line))).toBe(true);
  }, 120_000);

  it('cp1\'s kubelet.conf is system:node:cp1: creates and updates its own Node, is refused another', () => {
    c.admin(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker1'}})});
    const kubelet = c.kubectl('cp1', '/etc/kubernetes/kubelet.conf');
    const who = json(kubelet(['auth', 'whoami', '-o', 'json']));
    expect(who.status.userInfo.username).toBe('system:node:cp1');
    expect(who.status.userInfo.groups).toContain('system:nodes');
    expect(kubelet(['create', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name: 'cp1'}})}).status).toBe(0);
    expect(kubelet(['label', 'node', 'cp1', 'kubepki.test/own=yes']).status).toBe(0);
    const other = kubelet(['replace', '--raw', '/api/v1/nodes/worker1', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker1', labels: {x: 'y'}}})});
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/is not allowed to modify node "worker1"/);
  });

  it('apiserver → kubelet: the apiserver verifies worker1\'s kubepki-signed serving certificate and presents apiserver-kubelet-client', async () => {
    c.admin(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name: 'worker1'}})});
    expect(c.admin(['patch', 'node', 'worker1', '--subresource=status', '--type=merge', '-p', JSON.stringify({
      status: {addresses: [{type: 'InternalIP', address: '192.168.56.23'}], daemonEndpoints: {kubeletEndpoint: {Port: 10250}}},
    })]).status).toBe(0);
    const standIn = standInKubelet(c, 'worker1', {cert: '/var/lib/kubelet/pki/kubelet.crt', key: '/var/lib/kubelet/pki/kubelet.key', ca: join(c.out, 'pki/ca.crt')});
    await waitFor('kubelet stand-in', () => standIn.output().includes('kubelet stand-in on'), 30_000);
    const r = c.admin(['get', '--raw', '/api/v1/nodes/worker1/proxy/healthz']);
    expect(r.status, `${r.stderr}\n${standIn.output()}`).toBe(0);
    expect(r.stdout).toBe('ok');
    await waitFor('the stand-in to log the call', () => standIn.output().includes('request GET /healthz from CN='), 10_000, 100)
      .catch(error => { throw new Error(`${error}: ${standIn.output()} ${c.admin(['get', 'node', 'worker1', '-o', 'json']).stdout} ${r.stdout} ${r.stderr}`); });
    expect(standIn.output()).toContain('request GET /healthz from CN=kube-apiserver-kubelet-client');
    await standIn.stop();
  }, 120_000);

  it('an upgrade to v1.34.8 (apiserver-kubelet-client without O): the new certificate may not reach kubelets until the RBAC kubepki printed is applied, then it may', async () => {
    // A kubelet authorizes `kubectl logs` / `exec` by asking the apiserver whether the caller may
    // get nodes/proxy: the same question `auth can-i` asks here, with each certificate.
    const up = join(c.out, '..', 'upgraded');
    cpSync(c.out, up, {recursive: true});
    const config = join(up, 'cluster.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('kubernetesVersion: v1.34.4', 'kubernetesVersion: v1.34.8'));
    const r = kubepki(['generate', '--config', config, '--out', up, '--update']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}apiserver-kubelet-client +CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins → CN=kube-apiserver-kubelet-client$/m);
    const printed = /^ {2}ssh root@cp1 kubectl apply --kubeconfig \/etc\/kubernetes\/admin\.conf -f - < (\S+)$/m.exec(r.stdout)?.[1];
    expect(printed).toBe(join(up, 'kubeadm/apiserver-kubelet-client-rbac.yaml'));
    const as = (dir: string) => (args: string[]) => c.kubectl('cp1', '/dev/null')([
      '--server=https://192.168.56.21:6443', '--certificate-authority=/etc/kubernetes/pki/ca.crt',
      `--client-certificate=${join(dir, 'pki/apiserver-kubelet-client.crt')}`, `--client-key=${join(dir, 'pki/apiserver-kubelet-client.key')}`, ...args]);
    const canProxy = (dir: string) => as(dir)(['auth', 'can-i', 'get', 'nodes', '--subresource=proxy']).stdout.trim();
    expect(canProxy(c.out)).toBe('yes'); // v1.34.4: O=kubeadm:cluster-admins, bound by kubeadm
    expect(json(as(up)(['auth', 'whoami', '-o', 'json'])).status.userInfo).toMatchObject({username: 'kube-apiserver-kubelet-client', groups: ['system:authenticated']});
    expect(canProxy(up)).toBe('no'); // kubeadm v1.34.4 made no kubeadm:apiserver-kubelet-client binding
    expect(c.admin(['apply', '-f', '-'], {input: readFileSync(printed!, 'utf8')}).status).toBe(0);
    try {
      await waitFor('the binding to reach the authorizer', () => canProxy(up) === 'yes', 30_000, 500);
    } finally {
      c.admin(['delete', 'clusterrolebinding', 'kubeadm:apiserver-kubelet-client']);
    }
  }, 120_000);

  it('service accounts: a token from `kubectl create token` is accepted (sa.key signs, sa.pub checks)', async () => {
    await waitFor('the default ServiceAccount', () => c.admin(['get', 'serviceaccount', 'default', '-n', 'default']).status === 0, 120_000, 1000);
    const token = c.admin(['create', 'token', 'default', '-n', 'default']).stdout.trim();
    const who = json(c.kubectl('cp2', '/dev/null')(['--server=https://192.168.56.22:6443', '--certificate-authority=/etc/kubernetes/pki/ca.crt', `--token=${token}`, 'auth', 'whoami', '-o', 'json']));
    expect(who.status.userInfo.username).toBe('system:serviceaccount:default:default');
  }, 180_000);

  it('cp2 joined with kubeadm\'s own preflight and control-plane phase, from the token and CA hash kubepki wrote', () => {
    const pre = c.preflight.get('cp2')!;
    expect(pre.status, pre.stderr + pre.stdout).toBe(0);
    expect(c.kubeadmLog.join('\n')).toMatch(/control-plane-prepare control-plane[^\n]*\(cp2\)/);
    const who = json(c.kubectl('cp2', '/etc/kubernetes/controller-manager.conf')(['auth', 'whoami', '-o', 'json']));
    expect(who.status.userInfo.username).toBe('system:kube-controller-manager');
  });

  it('a worker passes kubeadm join\'s preflight: no kubelet.conf, no pki/ca.crt, discovery with the token and CA hash', () => {
    const r = c.lab.run('worker1', [bin('kubeadm'), 'join', 'phase', 'preflight', '--config', '/etc/kubernetes/kubeadm-config.yaml', '--ignore-preflight-errors=CRI,ContainerRuntime,Service-Kubelet,Swap,SystemVerification,KubeletVersion,FileExisting-crictl,FileExisting-conntrack,FileExisting-kubelet,FileContent--proc-sys-net-ipv4-ip_forward,FileContent--proc-sys-net-bridge-bridge-nf-call-iptables,NumCPU,Mem,ImagePull'], {bundle: c.bundle('worker1'), timeout: 180_000});
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/FileAvailable/);
  }, 200_000);

  // Issue 22: a worker added months after `kubeadm init` cannot join with the day-one token
  // (kubeadm's tokencleaner deletes it after its 24 h). --update gives the new node a token of its
  // own and prints the line that makes it on a running control-plane node, before the join.
  it('a worker added after day one with --update: the printed `kubeadm token create` run on cp1 makes its token; kubeadm join\'s discovery on worker2 succeeds with it and the CA hash kubepki wrote, and fails with an expired token or a wrong hash', async () => {
    const config = join(c.out, 'cluster.yaml');
    const doc = parseDocument(readFileSync(config, 'utf8'));
    (doc.get('nodes') as {add: (x: unknown) => void}).add(doc.createNode({...WORKER2, roles: ['worker']}));
    writeFileSync(config, doc.toString());
    const workerConfig = (node: string) => readFileSync(join(c.bundle(node), 'etc/kubernetes/kubeadm-config.yaml'), 'utf8');
    const worker1Before = workerConfig('worker1');
    const updated = kubepki(['generate', '--config', config, '--out', c.out, '--update']);
    expect(updated.status, updated.stderr).toBe(0);
    expect(workerConfig('worker1')).toBe(worker1Before);
    const printed = /^# first, on cp1 \(a running control-plane node\): (kubeadm token create (\S+) --ttl 24h --description 'kubepki: join of worker2')$/m.exec(updated.stdout);
    expect(printed, updated.stdout).not.toBeNull();
    const [, create, token] = printed!;
    expect(workerConfig('worker2')).toContain(`token: ${token}`);
    expect(token).not.toBe(readFileSync(join(c.out, 'kubeadm/bootstrap-token'), 'utf8').trim());
    const id = token!.split('.')[0]!;

    // The printed line, as printed, on cp1 (kubeadm reads /etc/kubernetes/admin.conf, which dials the endpoint).
    const cp1 = shellOn(c, 'cp1', {bundle: c.bundle('cp1')});
    const made = cp1(create!, 120_000);
    expect(made.status, made.stderr + made.stdout).toBe(0);
    expect(made.stdout.trim()).toBe(token);
    const secret = json(c.admin(['get', 'secret', '-n', 'kube-system', `bootstrap-token-${id}`, '-o', 'json']));
    const data = Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');
    expect(data).toMatchObject({'token-id': id, 'token-secret': token!.split('.')[1], 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', 'description': 'kubepki: join of worker2'});
    expect(Math.abs(Date.parse(data.expiration!) - (Date.now() + 24 * 3600_000))).toBeLessThan(10 * 60_000);
    // The controller-manager's bootstrapsigner signs cluster-info with every valid token (kubeadm runs it: --controllers=*,bootstrapsigner,tokencleaner).
    const signedFor = (tokenId: string) => new RegExp(`"jws-kubeconfig-${tokenId}"`).test(c.admin(['get', 'configmap', 'cluster-info', '-n', 'kube-public', '-o', 'json']).stdout);
    await waitFor(`cluster-info signed for ${id}`, () => signedFor(id), 120_000, 1000);

    // kubeadm join's preflight on worker2, with the configuration kubepki wrote: it discovers the
    // cluster (cluster-info checked against the token's signature and the pinned CA hash) and
    // fetches kubeadm-config with the token. Run without --dry-run: a dry run discovers nothing.
    const discoveryOk = 'Cluster info signature and contents are valid and TLS certificate validates against pinned roots, will use API Server "192.168.56.20:443"';
    const preflight = (bundle: string) => c.lab.run('worker2', [bin('kubeadm'), 'join', 'phase', 'preflight', '--config', '/etc/kubernetes/kubeadm-config.yaml', `--ignore-preflight-errors=${ALLOWED_PREFLIGHT_ERRORS}`, '--v=1'], {bundle, timeout: 180_000});
    const ok = preflight(c.bundle('worker2'));
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stderr + ok.stdout).toContain(discoveryOk);
    expect(ok.stderr + ok.stdout).toContain('[preflight] Fetching init configuration');

    // The same join with a changed token or hash, from a copy of worker2's bundle (discovery given 20 s, not kubeadm's 5 min).
    const variant = (name: string, change: {token?: string; hash?: string}) => {
      const bundle = join(c.lab.dir, `worker2-${name}`);
      cpSync(c.bundle('worker2'), bundle, {recursive: true});
      const file = join(bundle, 'etc/kubernetes/kubeadm-config.yaml');
      const join_ = parseDocument(readFileSync(file, 'utf8'));
      expect(join_.get('kind')).toBe('JoinConfiguration');
      if (change.token) join_.setIn(['discovery', 'bootstrapToken', 'token'], change.token);
      if (change.hash) join_.setIn(['discovery', 'bootstrapToken', 'caCertHashes'], [change.hash]);
      join_.setIn(['timeouts', 'discovery'], '20s');
      writeFileSync(file, join_.toString());
      return bundle;
    };
    // An expired token: made with a 10 s life by the same command, gone once kubeadm's tokencleaner deleted it.
    const expired = bootstrapToken();
    const short = cp1(`kubeadm token create ${expired} --ttl 10s --description 'kubepki test: expires'`, 120_000);
    expect(short.status, short.stderr).toBe(0);
    const expiredId = expired.split('.')[0]!;
    await waitFor(`the tokencleaner to delete ${expiredId} and cluster-info to drop its signature`, () =>
      c.admin(['get', 'secret', '-n', 'kube-system', `bootstrap-token-${expiredId}`]).status !== 0 && !signedFor(expiredId), 120_000, 2000);
    const late = preflight(variant('expired', {token: expired}));
    expect(late.status).not.toBe(0);
    // kubeadm waits (here 20 s) for a signature that never comes, then gives up naming the token.
    expect(late.stderr + late.stdout).toContain(`couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "${expiredId}"`);
    expect(late.stderr + late.stdout).not.toContain(discoveryOk);
    // A hash that pins another CA (the front-proxy CA's): cluster-info's CA is refused.
    const wrongHash = caCertHash(readFileSync(join(c.out, 'pki/front-proxy-ca.crt'), 'utf8'));
    const pinned = preflight(variant('wrong-hash', {hash: wrongHash}));
    expect(pinned.status).not.toBe(0);
    expect(pinned.stderr + pinned.stdout).toMatch(/cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
    expect(pinned.stderr + pinned.stdout).not.toContain(discoveryOk);
    const said = (r: {stdout: string; stderr: string}, re: RegExp) => (r.stderr + r.stdout).split('\n').filter(l => re.test(l)).map(l => `  ${l}`).join('\n');
    console.log([`printed and run on cp1: ${create}`, `  -> ${made.stdout.trim()}; secret bootstrap-token-${id} expires ${data.expiration}`,
      `worker2 preflight with its token (exit ${ok.status}):`, said(ok, /\[discovery\] Cluster info signature/),
      `with an expired token (exit ${late.status}):`, said(late, /^error/), `with a wrong hash (exit ${pinned.status}):`, said(pinned, /^error/)].join('\n'));
  }, 400_000);
});

// kubeadm's external-CA mode: no CA key on any node. One control-plane node with stacked etcd,
// the endpoint is that node, a single CA.
const EXTERNAL_CA = `
apiVersion: kubepki/v1
kind: Cluster
name: kubernetes
kubernetesVersion: v1.34.4
endpoint: { host: 192.168.56.21, port: 6443 }
network: { serviceCIDR: 10.96.0.0/12 }
nodes:
  - { name: cp1, ip: 192.168.56.21, roles: [control-plane, etcd] }
  - { name: worker1, ip: 192.168.56.23, roles: [worker] }
pki: { authorities: single, key: rsa-2048, layout: kubeadm }
kubeadm: { flow: external-ca }
`;

describe('kubeadm layout, external-CA flow (no CA key on any node), single CA, on a real control plane', () => {
  let c: Booted;
  beforeAll(async () => {
    c = await boot({config: EXTERNAL_CA});
  }, 900_000);
  afterAll(async () => { await c?.down(); }, 60_000);

  it('no node holds a CA key', () => {
    for (const [node, entry] of Object.entries(c.manifest.nodes)) {
      expect(entry.files.filter(f => /ca\.key$/.test(f.path)), node).toEqual([]);
    }
  });

  it('kubeadm sees external-CA mode and uses every pre-made file, writing nothing', () => {
    const kubeadm = bin('kubeadm');
    const sums = 'find /etc/kubernetes -type f | sort | xargs sha256sum';
    const r = c.lab.run('cp1', ['sh', '-c', [
      `${sums} > /tmp/kubepki-before`,
      `${kubeadm} init phase certs all --config /etc/kubernetes/kubeadm-config.yaml`,
      `${kubeadm} init phase kubeconfig all --config /etc/kubernetes/kubeadm-config.yaml`,
      `${sums} > /tmp/kubepki-after`,
      'diff /tmp/kubepki-before /tmp/kubepki-after && echo UNCHANGED',
    ].join(' && ')], {bundle: c.bundle('cp1')});
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('UNCHANGED');
    expect(r.stdout).toContain('[certs] Using existing ca keyless certificate authority');
    expect(r.stdout).toMatch(/External CA mode: Using user provided/);
  });

  it('the controller-manager runs without a signer: an approved CSR stays unsigned (the gap kubepki fills by signing kubelets itself)', async () => {
    expect(c.kubeadmLog.join('\n')).toMatch(/init phase control-plane all/);
    const csr = (await import('node:child_process')).execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=jane'], {encoding: 'utf8'});
    expect(c.admin(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: {name: 'unsigned'},
      spec: {request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth']}})}).status).toBe(0);
    expect(c.admin(['certificate', 'approve', 'unsigned']).status).toBe(0);
    await new Promise(r => setTimeout(r, 15_000));
    const r = c.admin(['get', 'csr', 'unsigned', '-o', 'jsonpath={.status.conditions[*].type}/{.status.certificate}']);
    expect(r.stdout).toBe('Approved/');
  }, 60_000);

  it('a worker: kubeadm join preflight passes, then the kubepki-signed kubelet.conf works as system:node:worker1', () => {
    const r = c.lab.run('worker1', ['sh', '-c', [
      `${bin('kubeadm')} join phase preflight --config /etc/kubernetes/kubeadm-config.yaml --ignore-preflight-errors=CRI,ContainerRuntime,Service-Kubelet,Swap,SystemVerification,KubeletVersion,FileExisting-crictl,FileExisting-conntrack,FileExisting-kubelet,FileContent--proc-sys-net-ipv4-ip_forward,FileContent--proc-sys-net-bridge-bridge-nf-call-iptables,NumCPU,Mem,ImagePull`,
      'install -m 0600 /etc/kubernetes/kubepki/kubelet.conf /etc/kubernetes/kubelet.conf',
      `${realKubectl()} --kubeconfig /etc/kubernetes/kubelet.conf --cache-dir=${c.lab.dir}/kube-cache auth whoami -o jsonpath={.status.userInfo.username}`,
    ].join(' && ')], {bundle: c.bundle('worker1'), timeout: 180_000});
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/system:node:worker1$/);
  }, 200_000);
});
