// The steps for trust kubepki did not write (scripts/rotate-outside.ts): which sections a rotation
// gets on each layout, and the generated commands run for real — the caBundle patches and the
// cluster-info replace through the real kubectl (`patch --local` on objects of the test's own,
// never a server: a kubectl shim answers get/patch/replace from files), the kubelet.conf patch with
// sh on files of the test's own — plus --ca-bundle's checks and what `rotate start ca` writes.
import {X509Certificate} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {
  caBundleCommands, kubeletClientRenewal, kubeletConfPatch, outsideTrustSections, parseCaBundles, ROTATE_STEPS_FILE, type CaBundleRef, type OutsideTrust,
} from '../../source/scripts/rotate-outside.js';
import {InputError} from '../../source/spec/errors.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {realKubectl} from '../helpers/processes.js';
import {kubepki, run} from '../helpers/run.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-rotate-outside-');
afterAll(() => tmp.remove());

/** Two self-signed CA certificates: what a start bundle holds. */
function bundle(): string {
  const pems: string[] = [];
  for (const name of ['old', 'new']) {
    const r = run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(tmp.path, `${name}.key`), '-subj', `/CN=${name}`, '-days', '1']);
    expect(r.status, r.stderr).toBe(0);
    pems.push(r.stdout);
  }
  return pems.join('');
}

const fixtures = {
  'validatingwebhookconfiguration-demo': {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: {name: 'demo'},
    webhooks: [
      {name: 'a.demo.io', clientConfig: {service: {name: 's', namespace: 'ns'}, caBundle: 'b2xk'}, admissionReviewVersions: ['v1'], sideEffects: 'None'},
      {name: 'b.demo.io', clientConfig: {url: 'https://hook.example'}, admissionReviewVersions: ['v1'], sideEffects: 'None'},
    ],
  },
  'mutatingwebhookconfiguration-inject': {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: {name: 'inject'},
    webhooks: [{name: 'm.demo.io', clientConfig: {service: {name: 's', namespace: 'ns'}, caBundle: 'b2xk'}, admissionReviewVersions: ['v1'], sideEffects: 'None'}],
  },
  'apiservice-v1beta1.metrics.k8s.io': {
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: {name: 'v1beta1.metrics.k8s.io'},
    spec: {group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: {name: 'metrics-server', namespace: 'kube-system'}, caBundle: 'b2xk'},
  },
  'customresourcedefinition-widgets.demo.io': {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: {name: 'widgets.demo.io'},
    spec: {group: 'demo.io', names: {kind: 'Widget', plural: 'widgets'}, scope: 'Namespaced', versions: [{name: 'v1', served: true, storage: true}],
      conversion: {strategy: 'Webhook', webhook: {conversionReviewVersions: ['v1'], clientConfig: {service: {name: 'conv', namespace: 'ns'}, caBundle: 'b2xk'}}}},
  },
};

/**
 * A kubectl for the generated commands that never dials anything: `get` and `patch` run the real
 * kubectl's `patch --local` on the fixture file (get as an empty merge patch, to render the
 * requested output), `replace -f -` keeps what it was given.
 */
function kubectlShim(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, {recursive: true});
  writeFileSync(join(bin, 'kubectl'), `#!/usr/bin/env bash
set -euo pipefail
real=${realKubectl()}
fix=${dir}
args=()
while [ $# -gt 0 ]; do case $1 in -n) shift 2 ;; *) args+=("$1"); shift ;; esac; done
set -- "\${args[@]}"
verb=$1; shift
local=(--kubeconfig=/dev/null --local)
case $verb in
  get) kind=$1 name=$2; [ "$3" = -o ] || exit 9
    exec "$real" patch "\${local[@]}" -f "$fix/$kind-$name.json" --type=merge -p '{}' -o "$4" ;;
  patch) kind=$1 name=$2; shift 2
    "$real" patch "\${local[@]}" -f "$fix/$kind-$name.json" "$@" -o json > "$fix/next.json"
    mv "$fix/next.json" "$fix/$kind-$name.json"
    echo "patched $kind/$name" ;;
  replace) [ "$1 $2" = "-f -" ] || exit 9; cat > "$fix/replaced.json" ;;
  *) echo "kubectl shim: $verb not expected" >&2; exit 9 ;;
esac
`);
  chmodSync(join(bin, 'kubectl'), 0o755);
  return bin;
}

describe('the generated commands, run', () => {
  const pem = bundle();
  const data = Buffer.from(pem).toString('base64');

  it('--ca-bundle patches set every caBundle of each named object (each webhook, the APIService, the CRD\'s conversion webhook) to the trust, through the real kubectl', () => {
    const dir = join(tmp.path, 'bundles');
    mkdirSync(dir);
    for (const [file, object] of Object.entries(fixtures)) writeFileSync(join(dir, `${file}.json`), JSON.stringify(object));
    const refs = parseCaBundles(['validatingwebhookconfiguration/demo', 'MutatingWebhookConfigurations/inject', 'apiservice/v1beta1.metrics.k8s.io', 'crd/widgets.demo.io']);
    const script = ['set -euo pipefail', `data=${data}`, ...refs.flatMap(caBundleCommands)].join('\n');
    const r = run('bash', ['-c', script], {env: {...process.env, PATH: `${kubectlShim(dir)}:${process.env.PATH}`, HOME: dir}});
    expect(r.status, r.stderr).toBe(0);
    const read = (file: string) => JSON.parse(readFileSync(join(dir, `${file}.json`), 'utf8'));
    expect(read('validatingwebhookconfiguration-demo').webhooks.map((w: any) => w.clientConfig.caBundle)).toEqual([data, data]);
    expect(read('validatingwebhookconfiguration-demo').webhooks[1].clientConfig.url).toBe('https://hook.example');
    expect(read('mutatingwebhookconfiguration-inject').webhooks.map((w: any) => w.clientConfig.caBundle)).toEqual([data]);
    expect(read('apiservice-v1beta1.metrics.k8s.io').spec.caBundle).toBe(data);
    expect(read('apiservice-v1beta1.metrics.k8s.io').spec.service.name).toBe('metrics-server');
    expect(read('customresourcedefinition-widgets.demo.io').spec.conversion.webhook.clientConfig.caBundle).toBe(data);
    expect(Buffer.from(data, 'base64').toString()).toBe(pem);
  });

  it('cluster-info: its kubeconfig trusts the bundle, everything else (server, the JWS signatures) as it was', () => {
    const dir = join(tmp.path, 'cluster-info');
    mkdirSync(dir);
    const kubeconfig = 'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: b2xkLWNh\n    server: https://192.168.56.20:6443\n  name: ""\ncontexts: null\ncurrent-context: ""\nkind: Config\npreferences: {}\nusers: null\n';
    writeFileSync(join(dir, 'configmap-cluster-info.json'), JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cluster-info', namespace: 'kube-public', resourceVersion: '42'}, data: {'kubeconfig': kubeconfig, 'jws-kubeconfig-abcdef': 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..sig'}}));
    const plan = buildPlan(specWith(c => { c.pki.layout = 'kubeadm'; }));
    const section = outsideTrustSections(plan, 'OUT', {phase: 'start', authority: 'ca', file: 'pki/ca.crt', caBundles: []}).find(s => s.title.startsWith('kube-public/cluster-info'))!;
    const r = run('bash', ['-c', ['set -euo pipefail', `data=${data}`, ...section.lines].join('\n')], {env: {...process.env, PATH: `${kubectlShim(dir)}:${process.env.PATH}`, HOME: dir}});
    expect(r.status, r.stderr).toBe(0);
    const replaced = JSON.parse(readFileSync(join(dir, 'replaced.json'), 'utf8'));
    expect(replaced.metadata.resourceVersion).toBe('42');
    expect(replaced.data['jws-kubeconfig-abcdef']).toBe('eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..sig');
    expect(replaced.data.kubeconfig).toBe(kubeconfig.replace('b2xkLWNh', data));
  });

  it('kubelet.conf of a bootstrapped worker: its CA file becomes the bundle (644), kubelet.conf embeds it (600), the rest unchanged', () => {
    const dir = join(tmp.path, 'worker');
    mkdirSync(dir);
    const conf = `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: b2xkLWNh\n    server: https://192.168.56.20:6443\n  name: default-cluster\ncontexts:\n- context:\n    cluster: default-cluster\n    namespace: default\n    user: default-auth\n  name: default-context\ncurrent-context: default-context\nkind: Config\npreferences: {}\nusers:\n- name: default-auth\n  user:\n    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n`;
    writeFileSync(join(dir, 'kubelet.conf'), conf, {mode: 0o600});
    writeFileSync(join(dir, 'ca.crt'), 'old\n', {mode: 0o644});
    const script = kubeletConfPatch({caFile: join(dir, 'ca.crt'), kubeletConf: join(dir, 'kubelet.conf')}, true);
    const r = run('sh', ['-c', script], {input: pem});
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(pem);
    expect(statSync(join(dir, 'ca.crt')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, 'kubelet.conf'), 'utf8')).toBe(conf.replace('b2xkLWNh', data));
    expect(statSync(join(dir, 'kubelet.conf')).mode & 0o777).toBe(0o600);
    // One that names a CA file instead is refused, not silently left as it was.
    writeFileSync(join(dir, 'kubelet.conf'), conf.replace('certificate-authority-data: b2xkLWNh', 'certificate-authority: /etc/kubernetes/pki/ca.crt'));
    const refused = run('sh', ['-c', kubeletConfPatch({caFile: join(dir, 'ca.crt'), kubeletConf: join(dir, 'kubelet.conf')}, false)]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('embeds no certificate-authority-data');
  });
});

describe('a bootstrapped kubelet\'s client certificate, signed anew (issue)', () => {
  /** A CA and a kubelet client certificate + key it signed, as the kubelet keeps them in one file. */
  function signer(dir: string, name: string): {ca: string; client: string} {
    const sh = (script: string) => { const r = run('sh', ['-c', script]); expect(r.status, r.stderr).toBe(0); };
    const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
    sh(`cd ${dir} && openssl req -x509 ${ec} -keyout ${name}-ca.key -out ${name}-ca.crt -subj /CN=${name}-ca -days 1 2>/dev/null`);
    sh(`cd ${dir} && openssl req -new ${ec} -keyout ${name}-client.key -subj /O=system:nodes/CN=system:node:worker1 2>/dev/null | openssl x509 -req -CA ${name}-ca.crt -CAkey ${name}-ca.key -CAcreateserial -days 1 -out ${name}-client.crt 2>/dev/null`);
    return {ca: readFileSync(join(dir, `${name}-ca.crt`), 'utf8'), client: readFileSync(join(dir, `${name}-client.crt`), 'utf8') + readFileSync(join(dir, `${name}-client.key`), 'utf8')};
  }
  const conf = `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: YnVuZGxl\n    server: https://192.168.56.20:6443\n  name: default-cluster\ncontexts:\n- context:\n    cluster: default-cluster\n    user: default-auth\n  name: default-context\ncurrent-context: default-context\nkind: Config\nusers:\n- name: default-auth\n  user:\n    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n`;

  /** A node's files as kubeadm join left them; `answer`: what the kubelet gets back for its CSR once restarted. */
  function node(name: string, answer: 'new' | 'old') {
    const dir = join(tmp.path, name);
    const pki = join(dir, 'pki');
    mkdirSync(pki, {recursive: true});
    const old = signer(dir, 'old');
    const next = signer(dir, 'new');
    writeFileSync(join(pki, 'kubelet-client-2026-01-01-00-00-00.pem'), old.client, {mode: 0o600});
    symlinkSync(join(pki, 'kubelet-client-2026-01-01-00-00-00.pem'), join(pki, 'kubelet-client-current.pem'));
    writeFileSync(join(dir, 'kubelet.conf'), conf, {mode: 0o600});
    writeFileSync(join(dir, 'signed.pem'), answer === 'new' ? next.client : old.client);
    const paths = {pki, kubeletConf: join(dir, 'kubelet.conf'), bootstrapConf: join(dir, 'bootstrap-kubelet.conf'), newCa: join(pki, 'kubepki-new-ca.crt')};
    // The kubelet, restarted: it reads the bootstrap kubeconfig (kept for the test to read) and stores what the cluster signed.
    const restart = [`cp ${paths.bootstrapConf} ${dir}/seen-bootstrap.conf`, `cp ${dir}/signed.pem ${pki}/kubelet-client-2026-06-01-00-00-00.pem`, `ln -s ${pki}/kubelet-client-2026-06-01-00-00-00.pem ${pki}/kubelet-client-current.pem`];
    return {dir, pki, paths, restart, old, next};
  }

  it('the bootstrap kubeconfig is kubelet.conf with the current certificate embedded; the old one moved aside; done once the new one verifies against the new CA alone', () => {
    const n = node('renew-ok', 'new');
    const script = kubeletClientRenewal(n.paths, n.restart, 4);
    // The bootstrap kubeconfig embeds the node's key: created under umask 077, never 0644 before its chmod.
    expect(script.split('; ').slice(0, 2)).toEqual(['set -e', 'umask 077']);
    expect(kubeletConfPatch({caFile: 'ca.crt', kubeletConf: 'kubelet.conf'}, true).split('; ').slice(0, 2)).toEqual(['set -e', 'umask 077']);
    const r = run('sh', ['-c', script], {input: n.next.ca});
    expect(r.status, r.stderr).toBe(0);
    const data = Buffer.from(n.old.client).toString('base64');
    expect(readFileSync(join(n.dir, 'seen-bootstrap.conf'), 'utf8')).toBe(conf
      .replace('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem', `client-certificate-data: ${data}`)
      .replace('client-key: /var/lib/kubelet/pki/kubelet-client-current.pem', `client-key-data: ${data}`));
    expect(readFileSync(join(n.pki, 'kubelet-client-2026-01-01-00-00-00.pem.old-ca'), 'utf8')).toBe(n.old.client);
    expect(readFileSync(join(n.pki, 'kubelet-client-current.pem'), 'utf8')).toBe(n.next.client);
    // The bootstrap credential and the CA copy do not stay on the node.
    expect(existsSync(n.paths.bootstrapConf)).toBe(false);
    expect(existsSync(n.paths.newCa)).toBe(false);
  });

  it('finish (and abort) narrow a bootstrapped worker\'s trust only once its kubelet\'s client certificate is of the CA it becomes: else the step stops, naming the steps to run first, the node\'s files as they were', () => {
    const n = node('narrow', 'new');
    const caFile = join(n.dir, 'ca.crt');
    writeFileSync(caFile, n.old.ca + n.next.ca, {mode: 0o644});
    const patch = kubeletConfPatch({caFile, kubeletConf: n.paths.kubeletConf, clientCert: join(n.pki, 'kubelet-client-current.pem')}, true);
    // Its client certificate is still the old CA's (issue's steps never ran here): refused, nothing changed.
    const before = [readFileSync(caFile, 'utf8'), readFileSync(n.paths.kubeletConf, 'utf8')];
    const refused = run('sh', ['-c', patch], {input: n.next.ca});
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('kubelet-client-current.pem is not signed by the CA the trust becomes: the apiservers refuse this kubelet. Run the steps that had it signed anew first');
    expect([readFileSync(caFile, 'utf8'), readFileSync(n.paths.kubeletConf, 'utf8')]).toEqual(before);
    expect(existsSync(`${caFile}.kubepki`)).toBe(false);
    // Once it is the new CA's, the same step narrows the trust.
    writeFileSync(join(n.pki, 'kubelet-client-2026-01-01-00-00-00.pem'), n.next.client);
    const done = run('sh', ['-c', patch], {input: n.next.ca});
    expect(done.status, done.stderr).toBe(0);
    expect(readFileSync(caFile, 'utf8')).toBe(n.next.ca);
    // In the phases' own steps: finish and abort check, start (old + new) does not.
    const plan = buildPlan(specWith(c => { c.pki.layout = 'kubeadm'; }));
    const steps = (phase: OutsideTrust['phase']) => outsideTrustSections(plan, 'OUT', {phase, authority: 'ca', file: 'pki/ca.crt', caBundles: []})[0]!.lines;
    for (const phase of ['finish', 'abort'] as const) for (const line of steps(phase)) expect(line).toContain('openssl verify -CAfile /etc/kubernetes/pki/ca.crt');
    for (const line of steps('start')) expect(line).not.toContain('openssl verify');
  });

  it('a kubelet that got no certificate of the new CA fails the step after the wait, naming the file and what to check', () => {
    const n = node('renew-old', 'old');
    const r = run('sh', ['-c', kubeletClientRenewal(n.paths, n.restart, 2)], {input: n.next.ca});
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('kubelet-client-current.pem: no certificate of the new CA after 2 s (kubectl get csr');
  });

  it('abort after issue: a kubelet that got no certificate of the old CA again fails the step, naming it', () => {
    const n = node('renew-back', 'new');
    const r = run('sh', ['-c', kubeletClientRenewal(n.paths, n.restart, 2, 'old')], {input: n.old.ca});
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('kubelet-client-current.pem: no certificate of the old CA after 2 s (kubectl get csr');
  });
});

describe('which steps a rotation gets', () => {
  const sections = (layout: 'kubeadm' | 'hard-way', authority: string, phase: OutsideTrust['phase'], caBundles: CaBundleRef[] = []) =>
    outsideTrustSections(buildPlan(specWith(c => { c.pki.layout = layout; })), 'OUT', {phase, authority, file: 'pki/ca.crt', caBundles});

  it('kubeadm, cluster CA, start: the bootstrapped kubelets (not the init node, which kubepki gave a kubelet.conf), cluster-info, the pods; a worker gets the CA file by ssh\'s stdin', () => {
    const found = sections('kubeadm', 'ca', 'start');
    expect(found.map(s => s.title.split(':')[0])).toEqual([
      'kubelet.conf of the nodes that joined by TLS bootstrap (kubeadm wrote it; it embeds the cluster CA)',
      'kube-public/cluster-info, what kubeadm join checks the endpoint with',
      'Pods that read the cluster CA from the kube-root-ca.crt ConfigMap or a token Secret',
    ]);
    const kubelets = found[0]!.lines;
    expect(kubelets.map(l => l.split(' ')[1])).toEqual(['root@cp2', 'root@worker1', 'root@worker2']);
    expect(kubelets.filter(l => l.endsWith(' < OUT/pki/ca.crt')).map(l => l.split(' ')[1])).toEqual(['root@worker1', 'root@worker2']);
    for (const line of kubelets) expect(line).toContain('systemctl restart kubelet');
    expect(found[2]!.lines.join('\n')).toContain('kubectl get secrets -A --field-selector type=kubernetes.io/service-account-token');
    expect(found[2]!.lines.join('\n')).toContain('rollout restart "$object"');
  });

  it('finish: the same trust copies with the new CA alone, no pod restarts; the hard way: only the pods (start) and the named caBundles; another CA: only the named caBundles', () => {
    expect(sections('kubeadm', 'ca', 'finish').map(s => s.title.split(' ')[0])).toEqual(['kubelet.conf', 'kube-public/cluster-info,']);
    expect(sections('kubeadm', 'ca', 'finish')[0]!.title).toContain('the new CA alone');
    expect(sections('hard-way', 'ca', 'start').map(s => s.title.split(' ')[0])).toEqual(['Pods']);
    const refs = parseCaBundles(['apiservice/v1beta1.metrics.k8s.io']);
    expect(sections('hard-way', 'ca', 'finish', refs).map(s => s.title.split(' ')[0])).toEqual(['caBundles']);
    expect(sections('kubeadm', 'front-proxy-ca', 'start')).toEqual([]);
    expect(sections('kubeadm', 'front-proxy-ca', 'start', refs).map(s => s.title.split(' ')[0])).toEqual(['caBundles']);
  });

  it('kubeadm, cluster CA, issue: each bootstrapped kubelet (not the init node) gets its client certificate signed by the new CA, sent by ssh\'s stdin; the hard way and other CAs: nothing', () => {
    const found = sections('kubeadm', 'ca', 'issue');
    expect(found.map(s => s.title.split(' (')[0])).toEqual(['The client certificates of the kubelets that joined by TLS bootstrap']);
    const lines = found[0]!.lines;
    expect(lines.map(l => l.split(' ')[1])).toEqual(['root@cp2', 'root@worker1', 'root@worker2']);
    for (const line of lines) {
      expect(line.endsWith(' < OUT/pki/ca.crt')).toBe(true);
      expect(line).toContain('systemctl restart kubelet');
      expect(line).toContain('/etc/kubernetes/bootstrap-kubelet.conf');
      expect(line).toContain('openssl verify -CAfile /var/lib/kubelet/pki/kubepki-new-ca.crt /var/lib/kubelet/pki/kubelet-client-current.pem');
    }
    expect(sections('hard-way', 'ca', 'issue')).toEqual([]);
    expect(sections('kubeadm', 'etcd-ca', 'issue', parseCaBundles(['apiservice/v1.x.io']))).toEqual([]);
  });

  it('kubeadm, cluster CA, abort after issue (back to start): the same kubelets get their client certificate signed by the old CA again; the hard way and other CAs: nothing', () => {
    const found = sections('kubeadm', 'ca', 'back');
    expect(found).toHaveLength(1);
    expect(found[0]!.title).toMatch(/^The client certificates of the kubelets that joined by TLS bootstrap \(\/var\/lib\/kubelet\/pki\/kubelet-client-current\.pem, signed by the new CA: refused after a second abort\).* the old CA signs it; the step waits until it verifies against the old CA alone/);
    expect(found[0]!.lines.map(l => l.split(' ')[1])).toEqual(['root@cp2', 'root@worker1', 'root@worker2']);
    for (const line of found[0]!.lines) expect(line).toContain('no certificate of the old CA after 120 s');
    expect(sections('hard-way', 'ca', 'back')).toEqual([]);
    expect(sections('kubeadm', 'etcd-ca', 'back')).toEqual([]);
  });

  it('abort from start (back to the old CA alone): what start made old + new outside OUT goes back to the old CA alone — kubelet.conf of the bootstrapped kubelets, cluster-info, the caBundles named; the hard way: the caBundles alone', () => {
    const bundles = parseCaBundles(['apiservice/v1.x.io']);
    const found = sections('kubeadm', 'ca', 'abort', bundles);
    expect(found.map(s => s.title.split(' (')[0])).toEqual(['kubelet.conf of the nodes that joined by TLS bootstrap', 'kube-public/cluster-info, what kubeadm join checks the endpoint with: its kubeconfig\'s certificate-authority-data becomes the old CA alone again', 'caBundles named with --ca-bundle: the old CA alone again']);
    expect(found[0]!.title).toMatch(/\): the old CA alone again; a worker's \/etc\/kubernetes\/pki\/ca\.crt/);
    expect(found[0]!.lines.map(l => l.split(' ')[1])).toEqual(['root@cp2', 'root@worker1', 'root@worker2']);
    // The pods' copies are republished by the controller-manager: no step of their own.
    expect(found.some(s => s.title.startsWith('Pods'))).toBe(false);
    expect(sections('hard-way', 'ca', 'abort', bundles).map(s => s.title.split(':')[0])).toEqual(['caBundles named with --ca-bundle']);
    expect(sections('hard-way', 'ca', 'abort')).toEqual([]);
  });

  it('--ca-bundle: kinds as kubectl names them (plural, crd), duplicates once; anything else refused naming the option', () => {
    expect(parseCaBundles(['crds/a.b.io', 'customresourcedefinition/a.b.io', 'APIService/v1.x.io'])).toEqual([
      {kind: 'customresourcedefinition', name: 'a.b.io'}, {kind: 'apiservice', name: 'v1.x.io'},
    ]);
    for (const bad of ['secret/x', 'apiservice', 'apiservice/', 'apiservice/a/b', 'apiservice/Bad_Name', 'apiservice/x;rm -rf /']) {
      expect(() => parseCaBundles([bad]), bad).toThrow(InputError);
      try { parseCaBundles([bad]); } catch (error) { expect((error as InputError).lines[0]).toMatch(/^--ca-bundle: /); }
    }
  });
});

describe('kubepki rotate OUT start ca --ca-bundle …', () => {
  it('prints the steps, writes OUT/rotate-steps.sh (bash -n clean, listed in the manifest) and verify passes; a bad --ca-bundle is exit 2 with nothing written', async () => {
    const out = join(tmp.path, 'out');
    await buildCluster(buildPlan(specWith(c => { c.pki.layout = 'kubeadm'; c.pki.key = 'ecdsa-p256'; })), out);
    const before = snapshot(out);
    const bad = kubepki(['rotate', out, 'start', 'ca', '--ca-bundle', 'secret/x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--ca-bundle: "secret\/x" is not KIND\/NAME/);
    expect(differing(before, snapshot(out))).toEqual([]);

    const r = kubepki(['rotate', out, 'start', 'ca', '--ca-bundle', 'apiservice/v1beta1.metrics.k8s.io']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`# Then the trust kubepki did not write (bash ${out}/${ROTATE_STEPS_FILE} runs these`);
    expect(r.stdout).toContain('kubectl patch apiservice v1beta1.metrics.k8s.io --type=merge');
    const script = readFileSync(join(out, ROTATE_STEPS_FILE), 'utf8');
    expect(run('bash', ['-n', join(out, ROTATE_STEPS_FILE)]).status).toBe(0);
    expect(script).toContain('data=$(base64 < "$here"/pki/ca.crt | tr -d \'\\n\')');
    expect(script).toContain('kubectl -n kube-public get configmap cluster-info -o json');
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.documents.some((d: {path: string}) => d.path === ROTATE_STEPS_FILE)).toBe(true);
    expect(m.rotation.caBundles).toEqual(['apiservice/v1beta1.metrics.k8s.io']);
    // What the worker's kubelet will trust: the bundle kubepki wrote, old then new.
    const sent = readFileSync(join(out, 'pki/ca.crt'), 'utf8');
    expect(sent.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(new X509Certificate(sent).subject).toContain('kubernetes');
    expect(kubepki(['verify', out]).status).toBe(0);
  });

  it('issue prints and writes the kubelets\' client certificate steps; finish patches the trust with the new CA alone (the caBundles of start too) and warns naming the bootstrapped nodes', async () => {
    const out = join(tmp.path, 'out-phases');
    await buildCluster(buildPlan(specWith(c => { c.pki.layout = 'kubeadm'; c.pki.key = 'ecdsa-p256'; })), out);
    expect(kubepki(['rotate', out, 'start', 'ca', '--ca-bundle', 'apiservice/v1beta1.metrics.k8s.io']).status).toBe(0);
    const issued = kubepki(['rotate', out, 'issue']);
    expect(issued.status, issued.stderr).toBe(0);
    expect(issued.stdout).toContain('## 1. The client certificates of the kubelets that joined by TLS bootstrap');
    expect(issued.stdout).toMatch(new RegExp(`ssh root@worker1 .*openssl verify .* < ${out}/pki/rotation/ca-new\\.crt`));
    let script = readFileSync(join(out, ROTATE_STEPS_FILE), 'utf8');
    expect(run('bash', ['-n', join(out, ROTATE_STEPS_FILE)]).status).toBe(0);
    expect(script).toContain('# Generated by kubepki for the issue of the rotation of ca');
    expect(script).toContain('< "$here"/pki/rotation/ca-new.crt');

    const finished = kubepki(['rotate', out, 'finish']);
    expect(finished.status, finished.stderr).toBe(0);
    expect(finished.stdout).toContain('Warning: the kubelets of cp2, worker1, worker2 joined by TLS bootstrap');
    expect(finished.stdout).toContain('kubectl patch apiservice v1beta1.metrics.k8s.io --type=merge');
    script = readFileSync(join(out, ROTATE_STEPS_FILE), 'utf8');
    expect(run('bash', ['-n', join(out, ROTATE_STEPS_FILE)]).status).toBe(0);
    expect(script).toContain('# Generated by kubepki for the finish of the rotation of ca');
    expect(script).toContain('data=$(base64 < "$here"/pki/ca.crt | tr -d \'\\n\')');
    expect(script).toContain('kubectl -n kube-public get configmap cluster-info -o json');
    expect(script).toContain('kubectl patch apiservice v1beta1.metrics.k8s.io');
    expect(readFileSync(join(out, 'pki/ca.crt'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.documents.filter((d: {path: string}) => d.path === ROTATE_STEPS_FILE)).toHaveLength(1);
    expect(kubepki(['verify', out]).status).toBe(0);
  });

  it('abort after issue prints and writes the steps that have the bootstrapped kubelets signed by the old CA again; the second abort warns naming them', async () => {
    const out = join(tmp.path, 'out-abort');
    await buildCluster(buildPlan(specWith(c => { c.pki.layout = 'kubeadm'; c.pki.key = 'ecdsa-p256'; })), out);
    expect(kubepki(['rotate', out, 'start', 'ca']).status).toBe(0);
    expect(kubepki(['rotate', out, 'issue']).status).toBe(0);
    const back = kubepki(['rotate', out, 'abort']);
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).toContain('## 1. The client certificates of the kubelets that joined by TLS bootstrap (/var/lib/kubelet/pki/kubelet-client-current.pem, signed by the new CA: refused after a second abort)');
    expect(back.stdout).toMatch(new RegExp(`ssh root@worker1 .*openssl verify .* < ${out}/pki/rotation/ca-old\\.crt`));
    expect(back.stdout).toMatch(/Next, once every node has these files and restarted \(and the steps below ran\)/);
    const script = readFileSync(join(out, ROTATE_STEPS_FILE), 'utf8');
    expect(run('bash', ['-n', join(out, ROTATE_STEPS_FILE)]).status).toBe(0);
    expect(script).toContain('# Generated by kubepki for the abort after issue (back to start) of the rotation of ca');
    expect(script).toContain('< "$here"/pki/rotation/ca-old.crt');
    expect(kubepki(['verify', out]).status).toBe(0);
    const second = kubepki(['rotate', out, 'abort']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('Warning: the kubelets of cp2, worker1, worker2 joined by TLS bootstrap: this rotation went through issue (and back), so the apiservers refuse their client certificate');
    // Its own steps: kubelet.conf of those nodes and cluster-info back to the old CA alone (start had made them old + new).
    const steps = readFileSync(join(out, ROTATE_STEPS_FILE), 'utf8');
    expect(steps).toMatch(/^# Generated by kubepki for the abort \(back to the old CA alone\) of the rotation of ca/m);
    expect(steps).toMatch(/# 1\. kubelet\.conf of the nodes that joined by TLS bootstrap [^\n]*: the old CA alone again/);
    expect(steps).toMatch(/^ssh root@worker1 .* < "\$here"\/pki\/ca\.crt$/m);
    expect(steps).toContain('kubectl -n kube-public get configmap cluster-info -o json');
    expect(second.stdout).toContain('# Then the trust kubepki did not write');
  });
});
