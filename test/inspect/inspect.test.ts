// kubepki inspect on folders made the way learners make them (the seeds' openssl commands, a
// cfssl-shaped folder), each with planted mistakes, and on kubepki's own output.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {chmodSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {inspectPaths} from '../../source/inspect/inspect.js';
import {renderReport} from '../../source/inspect/render.js';
import type {Finding, InspectReport} from '../../source/inspect/types.js';
import {specFromText} from '../../source/spec/load.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {generated, specFor, specWith, tempDir} from '../helpers/cluster.js';
import {ROOT, kubepki, run} from '../helpers/run.js';

const TREES = join(ROOT, 'test/inspect/trees');
const tmp = tempDir('kubepki-inspect-');
afterAll(() => tmp.remove());

function make(script: string, name: string, mistakes: string[] = []): string {
  const dir = join(tmp.path, name);
  const r = run('bash', [join(TREES, script), dir, ...mistakes]);
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return dir;
}

/** The seeds' cluster: control plane "master", worker node01, service CIDR 10.96.0.0/12. */
const LEARNER_CONFIG = specFromText(`apiVersion: kubepki/v1
kind: Cluster
name: kubernetes
endpoint: { host: 172.17.0.87, port: 6443 }
network: { serviceCIDR: 10.96.0.0/12, clusterDomain: cluster.local }
nodes:
  - { name: master, ip: 172.17.0.87, roles: [control-plane, etcd] }
  - { name: node01, ip: 172.17.0.88, roles: [worker] }
pki: { authorities: kubeadm, key: rsa-2048, validity: { ca: 87600h, certificate: 8760h }, layout: kubeadm }
`, 'learner.yaml');
const SEED_CLUSTER = specWith(c => { c.pki.authorities = 'single'; c.pki.layout = 'hard-way'; });

const problems = (r: InspectReport) => r.findings.filter(f => f.severity === 'problem');
const problemFiles = (r: InspectReport) => [...new Set(problems(r).map(f => f.file))].sort();
const describeFindings = (fs: Finding[]) => fs.map(f => `${f.file} [${f.role}] ${f.message}`).join('\n');

function expectProblem(report: InspectReport, file: string, role: RegExp, message: RegExp) {
  const hit = problems(report).find(f => f.file === file && role.test(f.role) && message.test(f.message));
  expect(hit, `no problem on ${file} matching ${role} / ${message}; got:\n${describeFindings(problems(report))}`).toBeDefined();
}

const MISTAKES: {mistake: string; file: string; role: RegExp; message: RegExp}[] = [
  {mistake: 'kubelet-caps', file: 'kubet-client.crt', role: /^kubelet client of NODE01$/, message: /CN is SYSTEM:NODE:NODE01.*use CN=system:node:node01/},
  {mistake: 'no-service-ip', file: 'apiserver.crt', role: /^apiserver serving$/, message: /lacks IP 10\.96\.0\.1/},
  {mistake: 'admin-no-o', file: 'admin.crt', role: /^admin/, message: /has no O.*system:masters/},
  {mistake: 'etcd-server-only', file: 'etcdserver.crt', role: /^etcd server of master$/, message: /lacks clientAuth/},
  {mistake: 'peer-client-only', file: 'etcdpeer1.crt', role: /^etcd peer of master$/, message: /lacks serverAuth/},
  {mistake: 'key-swap', file: 'scheduler.key', role: /^scheduler client$/, message: /is not the key of scheduler\.crt/},
  {mistake: 'client-no-clientauth', file: 'controller-manager.crt', role: /^controller-manager client$/, message: /lacks clientAuth/},
  {mistake: 'leaf-is-ca', file: 'kube-proxy.crt', role: /^kube-proxy client$/, message: /is marked as a CA/},
  {mistake: 'wrong-ca', file: 'apiserver-etcd-client.crt', role: /^apiserver → etcd client$/, message: /signed by ca\.crt.*must come from etcd\/ca\.crt/},
  {mistake: 'expired', file: 'apiserver-kubelet-client.crt', role: /^apiserver → kubelet client$/, message: /expired on 2021-01-01/},
  {mistake: 'world-readable', file: 'front-proxy-client.key', role: /^front-proxy client$/, message: /readable by every user.*mode 644/},
  {mistake: 'kubeconfig-wrong-ca', file: 'admin.kubeconfig', role: /admin/, message: /certificate-authority \(etcd\/ca\.crt.*did not sign the apiserver certificate apiserver\.crt/},
  {mistake: 'kubeconfig-wrong-user', file: 'scheduler.kubeconfig', role: /controller-manager/, message: /should be the kubeconfig of scheduler client.*controller-manager\.crt/},
  {mistake: 'weak-key', file: 'node01.crt', role: /^kubelet serving of node01$/, message: /RSA key of 1024 bits/},
  {mistake: 'truncated', file: 'ca-copy.crt', role: /file/, message: /no "-----END" line/},
];

describe('a folder made with the seeds\' openssl commands', () => {
  let clean: string;
  let mistaken: string;
  beforeAll(() => {
    clean = make('learner-openssl.sh', 'learner-clean');
    mistaken = make('learner-openssl.sh', 'learner-mistakes', MISTAKES.map(m => m.mistake));
  });

  it('made right, is reported clean, every certificate recognised', () => {
    const report = inspectPaths([clean], {spec: LEARNER_CONFIG});
    expect(describeFindings(problems(report))).toBe('');
    const roles = Object.fromEntries(report.certificates.map(c => [c.file, c.role.label]));
    expect(roles).toEqual({
      'ca.crt': 'cluster CA', 'etcd/ca.crt': 'etcd CA', 'front-proxy-ca.crt': 'front-proxy CA',
      'apiserver.crt': 'apiserver serving', 'apiserver-kubelet-client.crt': 'apiserver → kubelet client',
      'apiserver-etcd-client.crt': 'apiserver → etcd client', 'front-proxy-client.crt': 'front-proxy client',
      'admin.crt': 'admin (kube-admin)', 'controller-manager.crt': 'controller-manager client', 'scheduler.crt': 'scheduler client',
      'kube-proxy.crt': 'kube-proxy client', 'etcdserver.crt': 'etcd server of master', 'etcdpeer1.crt': 'etcd peer of master',
      'kubet-client.crt': 'kubelet client of node01', 'node01.crt': 'kubelet serving of node01',
    });
    expect(report.certificates.find(c => c.file === 'admin.crt')!.key).toBe('admin.key');
    expect(report.certificates.find(c => c.file === 'etcdserver.crt')!.issuer).toBe('etcd/ca.crt');
    expect(report.keys).toEqual([{file: 'sa.key', role: 'service-account key pair (with sa.pub)', verdict: 'ok'}]);
    expect(report.kubeconfigs.map(k => [k.file, k.verdict])).toEqual([['admin.kubeconfig', 'ok'], ['kubelet.kubeconfig', 'ok'], ['scheduler.kubeconfig', 'ok']]);
  });

  for (const m of MISTAKES) {
    it(`names the mistake ${m.mistake} on ${m.file}`, () => {
      expectProblem(inspectPaths([mistaken], {spec: LEARNER_CONFIG}), m.file, m.role, m.message);
    });
  }

  it('reports no problem on a file where none was planted', () => {
    const report = inspectPaths([mistaken], {spec: LEARNER_CONFIG});
    expect(problemFiles(report)).toEqual([...new Set(MISTAKES.map(m => m.file))].sort());
  });

  it('without --config, SANs are not judged but everything else is', () => {
    const report = inspectPaths([mistaken]);
    expect(problems(report).some(f => /lacks IP/.test(f.message))).toBe(false);
    expectProblem(report, 'kubet-client.crt', /kubelet client of NODE01/, /CN is SYSTEM:NODE:NODE01/);
  });

  it('the CLI prints the table and each problem under its file, and exits 1', () => {
    const r = kubepki(['inspect', mistaken, '--config', writeConfig('learner.yaml', LEARNER_CONFIG)]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ROLE +FILE +SUBJECT +ISSUER +DAYS +VERDICT$/m);
    expect(r.stdout).toMatch(/^kubelet client of NODE01 +kubet-client\.crt .* PROBLEM$/m);
    expect(r.stdout).toMatch(/^ {2}kubet-client\.crt — kubelet client of NODE01\n {4}- CN is SYSTEM:NODE:NODE01/m);
    expect(r.stdout).toMatch(/^15 problems and \d+ warnings? in 15 certificates\.$/m);
    expect(r.stderr).toBe('');
  });

  it('the CLI exits 0 on the clean folder; --json carries roles and findings', () => {
    const r = kubepki(['inspect', clean, '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as InspectReport;
    expect(json.problems).toBe(0);
    expect(json.certificates.find(c => c.file === 'kubet-client.crt')).toMatchObject({role: {id: 'kubelet-client', nodes: ['node01']}, organizations: ['system:nodes'], verdict: 'ok'});
  });

  it('fits the table to the terminal width', () => {
    const text = renderReport(inspectPaths([mistaken], {spec: LEARNER_CONFIG}), 80);
    const table = text.split('\n\n')[0]!.split('\n');
    expect(table.length).toBeGreaterThan(10);
    for (const line of table) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('a folder made exactly as seed 000 writes the commands', () => {
  it('finds the v1 CA and the apiserver certificate whose SANs never left openssl.cnf', () => {
    const report = inspectPaths([make('seed-literal.sh', 'seed-literal')]);
    expectProblem(report, 'ca.crt', /^cluster CA$/, /not marked as a CA: basicConstraints CA:TRUE is missing/);
    expectProblem(report, 'apiserver.crt', /^apiserver serving$/, /has no subject alternative names/);
    expect(problemFiles(report)).toEqual(['apiserver.crt', 'ca.crt']);
    // openssl x509 -req signs for 30 days by default: a warning, not a problem.
    expect(report.findings.filter(f => f.severity === 'warning' && f.file === 'admin.crt').map(f => f.message)).toEqual([expect.stringMatching(/expires in (29|30) days/)]);
  });
});

describe('a cfssl-shaped folder (seed 003\'s names, PKCS#1 keys, server+client leaves)', () => {
  it('is clean, accepting the seed\'s conventions; the single CA is a warning', () => {
    const dir = make('cfssl-like.sh', 'cfssl-clean');
    const report = inspectPaths([dir], {spec: SEED_CLUSTER});
    expect(describeFindings(problems(report))).toBe('');
    const role = (file: string) => report.certificates.find(c => c.file === file)?.role.label;
    expect(role('kubernetes.pem')).toBe('apiserver serving');
    expect(role('etcd.pem')).toBe('etcd server of cp1, cp2');
    expect(role('worker1.pem')).toBe('kubelet client of worker1');
    expect(role('kube-scheduler.pem')).toBe('scheduler client');
    expect(role('admin.pem')).toBe('admin');
    expect(report.certificates.find(c => c.file === 'worker1.pem')!.key).toBe('worker1-key.pem');
    expect(report.findings.some(f => f.severity === 'warning' && f.file === 'ca.pem' && /single-CA topology/.test(f.message))).toBe(true);
    expect(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('names its planted mistakes and nothing else', () => {
    const report = inspectPaths([make('cfssl-like.sh', 'cfssl-mistakes', ['no-service-ip', 'key-swap', 'old-ca'])], {spec: SEED_CLUSTER});
    expectProblem(report, 'kubernetes.pem', /^apiserver serving$/, /lacks IP 10\.32\.0\.1/);
    expectProblem(report, 'worker2-key.pem', /^kubelet client of worker2$/, /is not the key of worker2\.pem/);
    expectProblem(report, 'kube-proxy.pem', /^kube-proxy client$/, /signed by ca-old\.pem .*must come from ca\.pem/);
    expect(problemFiles(report)).toEqual(['kube-proxy.pem', 'kubernetes.pem', 'worker2-key.pem']);
  });
});

describe('ECDSA certificates', () => {
  it('are read, paired and checked like RSA ones', () => {
    const dir = join(tmp.path, 'ecdsa');
    const sh = `set -e; mkdir -p ${dir}; cd ${dir}
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
      openssl req -x509 -new -key ca.key -days 3650 -subj /CN=kubernetes -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out ca.crt
      openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out admin.key
      openssl req -new -key admin.key -subj /O=system:masters/CN=admin -out admin.csr
      printf 'basicConstraints=critical,CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > admin.ext
      openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -set_serial 7 -days 365 -extfile admin.ext -out admin.crt 2>/dev/null`;
    expect(run('bash', ['-c', sh]).status).toBe(0);
    const report = inspectPaths([dir]);
    const admin = report.certificates.find(c => c.file === 'admin.crt')!;
    expect(admin).toMatchObject({role: {id: 'admin'}, issuer: 'ca.crt', key: 'admin.key', keyType: 'EC P-384'});
    expect(problemFiles(report)).toEqual(['admin.crt']);
    expectProblem(report, 'admin.crt', /^admin$/, /lacks clientAuth/);
  });
});

describe('the Kubernetes docs\' etcd names', () => {
  it('kube-etcd and kube-etcd-peer are the etcd server and peer, whatever the files are called', () => {
    const dir = join(tmp.path, 'docs-etcd');
    const leaf = (name: string, cn: string) => `
      openssl req -newkey rsa:2048 -nodes -keyout ${name}.key -subj /CN=${cn} -out ${name}.csr 2>/dev/null
      printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:etcd1,DNS:localhost,IP:10.0.0.5,IP:127.0.0.1\n' > ${name}.ext
      openssl x509 -req -in ${name}.csr -CA etcd-ca.crt -CAkey etcd-ca.key -set_serial 9 -days 365 -extfile ${name}.ext -out ${name}.crt 2>/dev/null`;
    const sh = `set -e; mkdir -p ${dir}; cd ${dir}
      openssl req -x509 -newkey rsa:2048 -nodes -keyout etcd-ca.key -out etcd-ca.crt -days 3650 -subj /CN=etcd-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
      ${leaf('one', 'kube-etcd')}
      ${leaf('two', 'kube-etcd-peer')}`;
    expect(run('bash', ['-c', sh]).status).toBe(0);
    const report = inspectPaths([dir]);
    expect(report.certificates.map(c => [c.file, c.role.id, c.role.nodes])).toEqual([
      ['etcd-ca.crt', 'etcd-ca', []], ['one.crt', 'etcd-server', ['etcd1']], ['two.crt', 'etcd-peer', ['etcd1']],
    ]);
    expect(describeFindings(problems(report))).toBe('');
  });
});

describe('what a kubeadm node holds and inspect must not call a problem', () => {
  it('a self-signed kubelet serving certificate and a kubelet.conf naming a file elsewhere are warnings; a relative reference to nothing is a problem', () => {
    const dir = join(tmp.path, 'kubeadm-node');
    const sh = `set -e; mkdir -p ${dir}/pki; cd ${dir}
      openssl req -x509 -newkey rsa:2048 -nodes -keyout pki/ca.key -out pki/ca.crt -days 3650 -subj /CN=kubernetes -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
      openssl req -x509 -newkey rsa:2048 -nodes -keyout kubelet.key -out kubelet.crt -days 365 -subj /CN=node01@1700000000 -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth -addext subjectAltName=DNS:node01 2>/dev/null`;
    expect(run('bash', ['-c', sh]).status).toBe(0);
    const kubeconfig = (user: string, cert: string) => `apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster: {certificate-authority: pki/ca.crt, server: https://10.0.0.1:6443}
contexts:
- name: ctx
  context: {cluster: kubernetes, user: ${user}}
users:
- name: ${user}
  user: {client-certificate: ${cert}, client-key: ${cert}}
`;
    writeFileSync(join(dir, 'kubelet.conf'), kubeconfig('default-auth', '/var/lib/kubelet/pki/kubelet-client-current-absent.pem'));
    writeFileSync(join(dir, 'admin.conf'), kubeconfig('kubernetes-admin', 'pki/admin-absent.crt'));
    chmodSync(join(dir, 'kubelet.conf'), 0o600);
    chmodSync(join(dir, 'admin.conf'), 0o600);
    const report = inspectPaths([dir]);
    const of = (file: string) => report.findings.filter(f => f.file === file).map(f => `${f.severity}: ${f.message}`);
    expect(of('kubelet.crt')).toEqual([expect.stringMatching(/^warning: is not signed by pki\/ca\.crt \(self-signed\)/)]);
    expect(of('kubelet.conf')).toEqual([
      'warning: its client-certificate is /var/lib/kubelet/pki/kubelet-client-current-absent.pem, which is not on this machine: inspect it where it lives',
      'warning: its client-key is /var/lib/kubelet/pki/kubelet-client-current-absent.pem, which is not on this machine: inspect it where it lives',
    ]);
    expect(of('admin.conf')).toContain('problem: its client-certificate is pki/admin-absent.crt, which does not exist (paths are relative to the kubeconfig\'s directory)');
    expect(problemFiles(report)).toEqual(['admin.conf']);
  });
});

function writeConfig(name: string, spec: unknown): string {
  const file = join(tmp.path, name);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

describe('kubepki\'s own output', () => {
  // The example cluster for the kubeadm topology; a control plane and a worker for the other two,
  // to keep key generation short. Both layouts each.
  const cases = [
    ...(['kubeadm', 'hard-way'] as const).map(layout => ({name: `kubeadm topology, ${layout} layout`, spec: specFor('kubeadm', layout)})),
    {name: 'kubeadm topology, kubeadm layout, ECDSA P-256 keys', spec: specWith(c => { c.pki.key = 'ecdsa-p256'; })},
    ...(['single', 'etcd-separate'] as const).flatMap(topology => (['kubeadm', 'hard-way'] as const).map(layout => ({
      name: `${topology} topology, ${layout} layout`,
      spec: specWith(c => {
        c.pki.authorities = topology; c.pki.layout = layout;
        c.nodes = [EXAMPLE_CONFIG.nodes[0], EXAMPLE_CONFIG.nodes[2]];
      }),
    }))),
  ];
  for (const {name, spec} of cases) {
    it(`${name}: clean, and every certificate recognised as the one the manifest says`, async () => {
      const out = await generated(spec);
      try {
        const report = inspectPaths([out.dir], {spec});
        expect(describeFindings(problems(report))).toBe('');
        const manifest = JSON.parse(readFileSync(join(out.dir, 'manifest.json'), 'utf8'));
        for (const c of manifest.certificates) {
          const row = report.certificates.find(r => r.file === c.cert || r.copies.includes(c.cert));
          expect(row, c.cert).toBeDefined();
          expect({file: c.cert, id: row!.role.id, node: row!.role.nodes[0] ?? null}).toEqual({file: c.cert, id: c.id, node: c.node});
        }
        for (const a of manifest.authorities) {
          expect(report.certificates.find(r => r.file === a.cert)?.role.id, a.cert).toBe(a.id);
        }
        // Only the single topology warns about its topology; nothing else is ever a problem.
        expect(report.findings.some(f => /single-CA topology/.test(f.message))).toBe(spec.pki.authorities === 'single');
        // A worker's bundle alone is clean too.
        expect(describeFindings(problems(inspectPaths([join(out.dir, 'nodes/worker1')], {spec})))).toBe('');
        if (spec.pki.key === 'ecdsa-p256') {
          expect(new Set(report.certificates.map(c => c.keyType))).toEqual(new Set(['EC P-256']));
        }
        if (name === 'kubeadm topology, kubeadm layout') {
          const r = kubepki(['inspect', out.dir, '--config', join(out.dir, 'cluster.yaml')]);
          expect(r.status).toBe(0);
          expect(r.stdout).toMatch(/^No problems in 25 certificates/m);
          // A key made readable by all is then named, and the exit code says so.
          chmodSync(join(out.dir, 'pki/apiserver.key'), 0o644);
          const after = kubepki(['inspect', out.dir]);
          expect(after.status).toBe(1);
          expect(after.stdout).toMatch(/pki\/apiserver\.key — apiserver serving\n {4}- is a private key readable by every user/);
        }
      } finally {
        out.remove();
      }
    }, 180_000);
  }
});

describe('bad usage', () => {
  it('exits 2 without PATH, with a missing PATH, or with a missing --config, naming what is wrong', () => {
    const none = kubepki(['inspect']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/inspect needs at least one PATH/);
    const missing = kubepki(['inspect', join(tmp.path, 'nowhere')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nowhere: no such file or directory/);
    const config = kubepki(['inspect', tmp.path, '--config', join(tmp.path, 'absent.yaml')]);
    expect(config.status).toBe(2);
    expect(config.stderr).toMatch(/absent\.yaml: cannot read the config: no such file/);
    for (const r of [none, missing, config]) {
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
  });
});
