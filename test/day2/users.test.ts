// `kubepki user add` (CA-signed and --csr) and `user finish`, run in-process.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {X509Certificate} from 'node:crypto';
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import {runCommand} from '../../source/commands/run.js';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specFromFile} from '../../source/spec/load.js';
import {inspectDirectory} from '../../source/verify/read-out.js';
import {exampleSpec} from '../../source/spec/example.js';
import {openssl} from '../helpers/run.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {snapshot} from '../helpers/snapshot.js';
import {subjectOf} from '../../source/pki/subject.js';
import {csrExpirationSeconds, csrObjectName} from '../../source/build/users.js';
import {isPrintable, printable} from '../../source/spec/quote.js';
import {shellQuote} from '../../source/scripts/shell.js';

const tmp = tempDir('kubepki-users-');
afterAll(() => tmp.remove());
let pristine: string;
beforeAll(async () => {
  pristine = join(tmp.path, 'pristine');
  await buildCluster(buildPlan(exampleSpec()), pristine);
});
function freshOut(name: string): string {
  const out = join(tmp.path, name);
  cpSync(pristine, out, {recursive: true});
  return out;
}
async function kubepki(...args: Parameters<typeof runCommand>[0][]) {
  let stdout = '';
  let stderr = '';
  const status = await runCommand(args[0]!, {out: t => { stdout += t; }, err: t => { stderr += t; }});
  return {status, stdout, stderr};
}
const add = (out: string, name: string, groups: string[], extra: {validity?: string; csr?: boolean} = {}) =>
  kubepki({command: 'user-add', out, name, groups, validity: extra.validity, csr: extra.csr ?? false});
const finish = (out: string, name: string, certificate: string) => kubepki({command: 'user-finish', out, name, certificate});
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const kubeconfigOf = (path: string) => parse(readFileSync(path, 'utf8'));
const embedded = (config: {users: {user: Record<string, string>}[]}, field: string) => Buffer.from(config.users[0]!.user[field]!, 'base64').toString();

describe('user add', () => {
  it('writes a key, a certificate signed by the cluster CA with the name and groups, and a kubeconfig for the endpoint; lists it in the manifest', async () => {
    const out = freshOut('add');
    const r = await add(out, 'jane', ['developers', 'oncall'], {validity: '90d'});
    expect(r.status, r.stderr).toBe(0);
    const dir = join(out, 'users/jane');
    expect(readdirSync(dir).sort()).toEqual(['jane.conf', 'jane.crt', 'jane.key']);
    expect(mode(dir)).toBe('700');
    expect(mode(join(dir, 'jane.key'))).toBe('600');
    expect(mode(join(dir, 'jane.conf'))).toBe('600');
    const cert = new X509Certificate(readFileSync(join(dir, 'jane.crt')));
    expect(cert.subject.split('\n')).toEqual(['O=developers', 'O=oncall', 'CN=jane']);
    expect(cert.verify(new X509Certificate(readFileSync(join(out, 'pki/ca.crt'))).publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThan(91);
    const config = kubeconfigOf(join(dir, 'jane.conf'));
    expect(config['current-context']).toBe('jane@kubernetes');
    expect(config.clusters[0].cluster.server).toBe('https://192.168.56.20:6443');
    expect(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(readFileSync(join(out, 'pki/ca.crt'), 'utf8'));
    expect(embedded(config, 'client-certificate-data')).toBe(readFileSync(join(dir, 'jane.crt'), 'utf8'));
    expect(embedded(config, 'client-key-data')).toBe(readFileSync(join(dir, 'jane.key'), 'utf8'));
    const {users} = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(users).toEqual([{name: 'jane', groups: ['developers', 'oncall'], signedBy: 'ca', key: 'users/jane/jane.key', cert: 'users/jane/jane.crt', kubeconfig: 'users/jane/jane.conf'}]);
    expect(r.stdout).toMatch(/auth whoami/);
    expect(r.stderr).toBe('');
    expect(inspectDirectory(out).filter(f => !f.ok)).toEqual([]);
    expect(readdirSync(join(out, 'users'))).toEqual(['jane']);
  });

  it('warns on system:masters, and users survive generate --update and renew (carried byte-identical)', async () => {
    const out = freshOut('carry');
    const r = await add(out, 'root-ish', ['system:masters']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: group system:masters bypasses RBAC/);
    // It needs no binding: the RBAC hint is not printed for it.
    expect(r.stdout).toMatch(/Try it: kubectl/);
    expect(r.stdout).not.toMatch(/no rights until RBAC binds them/);
    const before = snapshot(join(out, 'users'));
    const plan = buildPlan(specFromFile(join(out, 'cluster.yaml')));
    await buildCluster(plan, out, {force: true, only: new Set()});
    await buildCluster(plan, out, {force: true, only: new Set(['apiserver']), keepKeys: true});
    expect(snapshot(join(out, 'users'))).toEqual(before);
    expect(mode(join(out, 'users/root-ish/root-ish.key'))).toBe('600');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).users.map((u: {name: string}) => u.name)).toEqual(['root-ish']);
  });

  it('an update that moves the endpoint rewrites each user\'s kubeconfig for the new server (same certificate and key) and lists it; verify passes', async () => {
    const out = freshOut('moved');
    expect((await add(out, 'ann', ['dev'])).status).toBe(0);
    const conf = join(out, 'users/ann/ann.conf');
    const before = kubeconfigOf(conf);
    const file = join(out, 'cluster.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('host: 192.168.56.20', 'host: 192.168.56.40'));
    const r = await kubepki({command: 'generate', config: file, out, force: false, update: true});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Users\' kubeconfigs rewritten for https://192.168.56.40:6443, same certificates and keys (1); give each user the new file:\n  users/ann/ann.conf\n');
    const after = kubeconfigOf(conf);
    expect(after.clusters[0].cluster.server).toBe('https://192.168.56.40:6443');
    expect(embedded(after, 'client-certificate-data')).toBe(embedded(before, 'client-certificate-data'));
    expect(embedded(after, 'client-key-data')).toBe(embedded(before, 'client-key-data'));
    expect(mode(conf)).toBe('600');
    expect(readdirSync(join(out, 'users/ann')).sort()).toEqual(['ann.conf', 'ann.crt', 'ann.key']);
    const verify = await kubepki({command: 'verify', dir: out});
    expect(verify.status, verify.stdout).toBe(0);
  });

  it('one CA for everything (single): the user is warned that the certificate also opens etcd; with a separate etcd CA, not', async () => {
    const single = join(tmp.path, 'single-ca');
    await buildCluster(buildPlan(specWith(c => { c.pki.authorities = 'single'; })), single);
    const r = await add(single, 'amy', ['dev']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: this cluster's CA also signs etcd's certificates \(pki\.authorities: single\), and etcd accepts every client certificate that CA signs: amy's certificate opens the datastore directly/);
    const csr = await add(single, 'ben', ['dev'], {csr: true}); // the controller-manager signs with the same CA
    expect(csr.stderr).toMatch(/ben's certificate opens the datastore directly/);
    const separate = await add(freshOut('separate-etcd-ca'), 'amy', ['dev']);
    expect(separate.status).toBe(0);
    expect(separate.stderr).not.toMatch(/etcd/);
  });

  it('bad input: exit 2, the field named, nothing written', async () => {
    const out = freshOut('bad');
    const before = snapshot(out);
    const cases: [Parameters<typeof add>, RegExp][] = [
      [[out, '../evil', ['g']], /^kubepki: NAME: "\.\.\/evil"/m],
      [[out, 'ok', []], /^kubepki: --group: give at least one group/m],
      [[out, 'ok', ['a', 'a']], /^kubepki: --group: a group is given twice/m],
      [[out, 'ok', ['g'], {validity: 'forever'}], /^kubepki: --validity: "forever"/m],
      [[out, 'ok', ['g'], {validity: '5m', csr: true}], /^kubepki: --validity/m],
      // kube-apiserver's CertificateSubjectRestriction would refuse the CSR object.
      [[out, 'ok', ['dev', 'system:masters'], {csr: true}], /^kubepki: --group: the cluster refuses a CertificateSigningRequest for system:masters/m],
      [[join(tmp.path, 'nowhere'), 'ok', ['g']], /nowhere does not exist; kubepki generate --config FILE --out .*nowhere writes it/],
      // The cluster's own identities: the front proxy may assert any user; kubeadm binds the others.
      [[out, 'front-proxy-client', ['dev']], /^kubepki: NAME: "front-proxy-client" is the name \(CN\) of the cluster's own front-proxy-client certificate/m],
      [[out, 'kubernetes-admin', ['dev']], /^kubepki: NAME: "kubernetes-admin" is the name \(CN\) of the cluster's own admin certificate/m],
      [[out, 'kube-apiserver-kubelet-client', ['dev'], {csr: true}], /^kubepki: NAME: .* own apiserver-kubelet-client certificate/m],
    ];
    for (const [args, message] of cases) {
      const r = await add(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(snapshot(out)).toEqual(before);
    expect((await add(out, 'twice', ['g'])).status).toBe(0);
    const again = await add(out, 'twice', ['h']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/NAME: .*users\/twice already exists/);
  });
});

describe('user add --csr and user finish', () => {
  it('uses no CA key: key, CSR and CertificateSigningRequest manifest; finish builds the kubeconfig from the issued certificate and checks it', async () => {
    const out = freshOut('csr');
    // An OUT kept without the cluster CA key (as on a workstation): --csr does not need it.
    const caKey = readFileSync(join(out, 'pki/ca.key'), 'utf8');
    rmSync(join(out, 'pki/ca.key'));
    const refused = await add(out, 'ann', ['dev']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--out: the cluster CA key pki\/ca\.key is not in .* use --csr/);
    const r = await add(out, 'ann', ['dev', 'qa'], {csr: true, validity: '30d'});
    expect(r.status, r.stderr).toBe(0);
    const dir = join(out, 'users/ann');
    expect(readdirSync(dir).sort()).toEqual(['ann-csr.yaml', 'ann.csr', 'ann.key']);
    const verified = openssl(['req', '-in', join(dir, 'ann.csr'), '-noout', '-verify', '-subject', '-nameopt', 'compat']);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout + verified.stderr).toMatch(/verify OK/i);
    expect(verified.stdout).toMatch(/subject=\/?O ?= ?dev, ?O ?= ?qa, ?CN ?= ?ann|subject=O=dev\/O=qa\/CN=ann|O=dev.*O=qa.*CN=ann/);
    const object = parse(readFileSync(join(dir, 'ann-csr.yaml'), 'utf8'));
    expect(object).toMatchObject({apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: {name: 'kubepki-user-ann'},
      spec: {signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 30 * 86400}});
    expect(Buffer.from(object.spec.request, 'base64').toString()).toBe(readFileSync(join(dir, 'ann.csr'), 'utf8'));
    expect(r.stdout).toMatch(/kubectl apply -f .*ann-csr\.yaml\n.*kubectl certificate approve kubepki-user-ann\n.*kubectl wait --for=jsonpath='\{\.status\.certificate\}' csr\/kubepki-user-ann --timeout=60s\n.*kubectl get csr kubepki-user-ann -o jsonpath='\{\.status\.certificate\}' \| base64 -d > .*ann\.crt\n.*kubepki user finish ann --certificate .*ann\.crt --out /);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).users[0]).toMatchObject({name: 'ann', signedBy: 'csr', csr: 'users/ann/ann.csr'});

    // The cluster's signer, played by openssl with the CA (the real controller-manager is the lead's proof).
    writeFileSync(join(tmp.path, 'ca.key'), caKey, {mode: 0o600});
    writeFileSync(join(tmp.path, 'client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
    const issued = join(tmp.path, 'ann-issued.crt');
    const signed = openssl(['x509', '-req', '-in', join(dir, 'ann.csr'), '-CA', join(out, 'pki/ca.crt'), '-CAkey', join(tmp.path, 'ca.key'), '-days', '30', '-extfile', join(tmp.path, 'client.ext'), '-out', issued]);
    expect(signed.status, signed.stderr).toBe(0);

    // A certificate for another key is refused, nothing written.
    const other = freshOut('csr-other');
    expect((await add(other, 'ann', ['dev'])).status).toBe(0);
    const before = snapshot(out);
    const wrong = await finish(out, 'ann', join(other, 'users/ann/ann.crt'));
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/--certificate: .* does not match users\/ann\/ann\.key/);
    const missing = await finish(out, 'ann', join(tmp.path, 'absent.crt'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--certificate: cannot read/);
    writeFileSync(join(tmp.path, 'empty.crt'), '');
    expect((await finish(out, 'ann', join(tmp.path, 'empty.crt'))).stderr).toMatch(/not a PEM certificate .*not be approved/);
    expect((await finish(out, 'nobody', issued)).stderr).toMatch(/NAME: .* has no user "nobody"/);
    expect(snapshot(out)).toEqual(before);

    const done = await finish(out, 'ann', issued);
    expect(done.status, done.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['ann-csr.yaml', 'ann.conf', 'ann.crt', 'ann.csr', 'ann.key']);
    expect(mode(join(dir, 'ann.conf'))).toBe('600');
    const config = kubeconfigOf(join(dir, 'ann.conf'));
    expect(config['current-context']).toBe('ann@kubernetes');
    expect(embedded(config, 'client-certificate-data')).toBe(readFileSync(issued, 'utf8'));
    expect(embedded(config, 'client-key-data')).toBe(readFileSync(join(dir, 'ann.key'), 'utf8'));
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).users[0]).toMatchObject({cert: 'users/ann/ann.crt', kubeconfig: 'users/ann/ann.conf'});
    expect(existsSync(join(out, 'pki/ca.key'))).toBe(false);
    expect(readdirSync(join(out, 'users'))).toEqual(['ann']);
  });
  it('prints lines a shell runs as they read: an OUT path with a space and a quote is quoted', async () => {
    const out = freshOut("team's cluster");
    const r = await add(out, 'ann', ['dev'], {csr: true});
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(l => /^ {2}(kubectl|kubepki) /.test(l)).map(l => l.trim());
    expect(lines).toHaveLength(5);
    const issued = join(out, 'users/ann/ann.crt');
    writeFileSync(join(tmp.path, 'client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
    const signed = openssl(['x509', '-req', '-in', join(out, 'users/ann/ann.csr'), '-CA', join(out, 'pki/ca.crt'), '-CAkey', join(out, 'pki/ca.key'), '-days', '1', '-extfile', join(tmp.path, 'client.ext')]);
    expect(signed.status, signed.stderr).toBe(0);
    // kubectl and kubepki stand-ins that log the words the shell gave them; `kubectl get csr` answers with the certificate, base64.
    const bin = join(tmp.path, 'shell-bin');
    mkdirSync(bin, {recursive: true});
    const logger = (tool: string) => `#!/bin/sh\n{ printf '${tool}'; printf '\\t%s' "$@"; echo; } >> "$LOG"\n[ "$1 $2" = "get csr" ] && printf '%s' "$ISSUED" || true\n`;
    writeFileSync(join(bin, 'kubectl'), logger('kubectl'), {mode: 0o755});
    writeFileSync(join(bin, 'kubepki'), logger('kubepki'), {mode: 0o755});
    const log = join(tmp.path, 'shell.log');
    const sh = (script: string) => spawnSync('sh', ['-c', script], {encoding: 'utf8', env: {...process.env, PATH: `${bin}:${process.env.PATH}`, LOG: log, ISSUED: Buffer.from(signed.stdout).toString('base64')}});
    const ran = sh(lines.join('\n'));
    expect(ran.status, ran.stderr).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map(l => l.split('\t'));
    expect(calls).toEqual([
      ['kubectl', 'apply', '-f', join(out, 'users/ann/ann-csr.yaml')],
      ['kubectl', 'certificate', 'approve', 'kubepki-user-ann'],
      ['kubectl', 'wait', '--for=jsonpath={.status.certificate}', 'csr/kubepki-user-ann', '--timeout=60s'],
      ['kubectl', 'get', 'csr', 'kubepki-user-ann', '-o', 'jsonpath={.status.certificate}'],
      ['kubepki', 'user', 'finish', 'ann', '--certificate', issued, '--out', out],
    ]);
    expect(readFileSync(issued, 'utf8')).toBe(signed.stdout);
    const [, , , name, , certificate, , dir] = calls[4]!;
    const done = await finish(dir!, name!, certificate!);
    expect(done.status, done.stderr).toBe(0);
    // The line to try the kubeconfig, likewise.
    const tryIt = /Try it: (kubectl .* auth whoami) {3}\(/.exec(done.stdout)?.[1];
    expect(tryIt, done.stdout).toBeDefined();
    rmSync(log);
    expect(sh(tryIt!).status).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\t')).toEqual(['kubectl', '--kubeconfig', join(out, 'users/ann/ann.conf'), 'auth', 'whoami']);
  });
});

describe('users in verify, user renew and user remove', () => {
  const verifyOut = (out: string) => kubepki({command: 'verify', dir: out});

  it('verify checks each user (chain, name, groups, key, its kubeconfig, days left, modes) and names a broken one', async () => {
    const out = freshOut('verify-users');
    expect((await add(out, 'jane', ['developers', 'oncall'], {validity: '90d'})).status).toBe(0);
    expect((await add(out, 'bob', ['developers'], {csr: true})).status).toBe(0);
    const users = inspectDirectory(out).filter(f => f.check.startsWith('user '));
    expect(users.map(f => [f.file, f.check, f.ok])).toEqual([
      ['users/bob/bob.csr', 'user bob', true], // the manifest lists users by name
      ['users/jane/jane.crt', 'user jane', true],
      ['users/jane/jane.conf', 'user jane kubeconfig', true],
    ]);
    expect(users.find(f => f.check === 'user jane')!.daysLeft).toBeGreaterThanOrEqual(89);
    expect(users.find(f => f.check === 'user bob')!.detail).toMatch(/kubepki user finish bob/);
    expect((await verifyOut(out)).status).toBe(0);

    // Another user's certificate in jane's place: wrong name and groups, and not her key.
    expect((await add(out, 'eve', ['intruders'])).status).toBe(0);
    cpSync(join(out, 'users/eve/eve.crt'), join(out, 'users/jane/jane.crt'));
    const broken = inspectDirectory(out).filter(f => !f.ok);
    expect(broken.map(f => [f.file, f.check])).toEqual([
      ['users/jane/jane.crt', 'user jane'],
      ['users/jane/jane.conf', 'user jane kubeconfig'],
    ]);
    expect(broken[0]!.detail).toMatch(/expected CN=jane/);
    expect(broken[1]!.detail).toMatch(/client-certificate-data is not users\/jane\/jane\.crt/);
    // A user's key readable by others fails the file modes.
    const modes = freshOut('verify-user-modes');
    expect((await add(modes, 'kim', ['developers'])).status).toBe(0);
    spawnSync('chmod', ['644', join(modes, 'users/kim/kim.key')]);
    expect(inspectDirectory(modes).find(f => f.check === 'file modes')!.detail).toMatch(/users\/kim\/kim\.key is 644, expected 600/);
  });

  it('user renew: a fresh certificate around the same key, same name and groups; only that user\'s certificate and kubeconfig change; verify warns before', async () => {
    const out = freshOut('renew-user');
    expect((await add(out, 'jane', ['developers'], {validity: '10d'})).status).toBe(0);
    const warned = await verifyOut(out);
    expect(warned.stdout).toMatch(/warning: 2 expire within 30d:\n {2}users\/jane\/jane\.crt \(user jane\): \d days left\n/);
    expect(warned.stdout).toMatch(/Renew user jane: kubepki user renew jane --out /);
    expect(warned.stdout).not.toMatch(/kubepki renew /); // the cluster's certificates have a year left

    const before = snapshot(out);
    const r = await kubepki({command: 'user-renew', out, name: 'jane', validity: '90d'});
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    expect([...after.keys()].filter(f => after.get(f) !== before.get(f)).sort()).toEqual(['users/jane/jane.conf', 'users/jane/jane.crt']);
    const cert = new X509Certificate(after.get('users/jane/jane.crt')!);
    const old = new X509Certificate(before.get('users/jane/jane.crt')!);
    expect(cert.subject).toBe(old.subject);
    expect(cert.publicKey.export({type: 'spki', format: 'der'}).equals(old.publicKey.export({type: 'spki', format: 'der'}))).toBe(true);
    const days = (c: X509Certificate) => Math.round((Date.parse(c.validTo) - Date.now()) / 86_400_000);
    expect(days(cert)).toBe(90);
    expect(embedded(kubeconfigOf(join(out, 'users/jane/jane.conf')), 'client-certificate-data')).toBe(after.get('users/jane/jane.crt'));
    expect(r.stdout).toContain(`valid until ${new Date(cert.validTo).toISOString().slice(0, 10)} (was ${new Date(old.validTo).toISOString().slice(0, 10)})`);
    const checked = await verifyOut(out);
    expect(checked.status).toBe(0);
    expect(checked.stdout).not.toMatch(/warning/);
  });

  it('a validity past the CA\'s end is cut to the CA\'s end, and the user is told', async () => {
    const out = freshOut('capped');
    const caEnd = new Date(new X509Certificate(readFileSync(join(out, 'pki/ca.crt'))).validTo);
    const r = await add(out, 'long', ['dev'], {validity: '20y'});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: the validity asked for goes past the cluster CA's own end, so the certificate ends with the CA, on ${caEnd.toISOString().slice(0, 10)}`);
    expect(new Date(new X509Certificate(readFileSync(join(out, 'users/long/long.crt'))).validTo).getTime()).toBe(caEnd.getTime());
    const renewed = await kubepki({command: 'user-renew', out, name: 'long', validity: '20y'});
    expect(renewed.stderr).toMatch(/warning: the validity asked for goes past the cluster CA's own end/);
    expect((await add(out, 'short', ['dev'], {validity: '30d'})).stderr).not.toMatch(/CA's own end/);
  });

  it('user renew refuses what it cannot do: exit 2, the field named, nothing written', async () => {
    const out = freshOut('renew-user-bad');
    expect((await add(out, 'bob', ['developers'], {csr: true})).status).toBe(0);
    const before = snapshot(out);
    const csr = await kubepki({command: 'user-renew', out, name: 'bob'});
    expect(csr.status).toBe(2);
    expect(csr.stderr).toMatch(/NAME: user bob was signed by the cluster \(--csr\).*kubepki user remove bob --out .*user add bob --csr --group developers/);
    const unknown = await kubepki({command: 'user-renew', out, name: 'nobody'});
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/NAME: .* has no user "nobody"/);
    const validity = await kubepki({command: 'user-renew', out, name: 'bob', validity: 'soon'});
    expect(validity.status).toBe(2);
    expect(validity.stderr).toMatch(/--validity: "soon"/);
    expect(snapshot(out)).toEqual(before);
  });

  it('user remove: the user\'s files and manifest entry go, nothing else changes; it says how long the certificate stays valid and what to do', async () => {
    const out = freshOut('remove-user');
    const untouched = snapshot(out);
    expect((await add(out, 'jane', ['developers', 'oncall'])).status).toBe(0);
    expect((await add(out, 'bob', ['developers'], {csr: true})).status).toBe(0);
    const validTo = new Date(new X509Certificate(readFileSync(join(out, 'users/jane/jane.crt'))).validTo).toISOString().slice(0, 10);
    const before = snapshot(out);
    const r = await kubepki({command: 'user-remove', out, name: 'jane'});
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    expect([...before.keys()].filter(f => after.get(f) !== before.get(f)).sort()).toEqual(['manifest.json', 'users/jane/jane.conf', 'users/jane/jane.crt', 'users/jane/jane.key']);
    expect(existsSync(join(out, 'users/jane'))).toBe(false);
    expect(JSON.parse(after.get('manifest.json')!).users.map((u: {name: string}) => u.name)).toEqual(['bob']);
    expect(r.stdout).toContain(`stays valid until ${validTo}, and Kubernetes checks no revocation list`);
    expect(r.stdout).toMatch(/\n {2}kubectl get clusterrolebindings,rolebindings -A -o wide \| grep -E '\(\^\|\[ ,\]\)\(jane\|developers\|oncall\)\(\[ ,\]\|\$\)'\n/);
    expect(inspectDirectory(out).filter(f => !f.ok)).toEqual([]);

    // The pending --csr user: its request may still be in the cluster. The last user gone, OUT is as generate left it.
    const pending = await kubepki({command: 'user-remove', out, name: 'bob'});
    expect(pending.status, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/kubectl delete csr kubepki-user-bob/);
    expect(snapshot(out)).toEqual(untouched);
    expect(existsSync(join(out, 'users'))).toBe(false);

    const again = await kubepki({command: 'user-remove', out, name: 'bob'});
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/NAME: .* has no user "bob"/);
  });
});

describe('printed lines on an OUT path with a space', () => {
  it('verify names the way to renew each expiring user, quoted: user renew, or through the cluster for a --csr user; renew\'s distribute line is quoted too', async () => {
    const out = join(tmp.path, 'with space');
    cpSync(pristine, out, {recursive: true});
    expect((await add(out, 'jane', ['dev'], {validity: '10d'})).status).toBe(0);
    expect((await add(out, 'bob', ['dev', 'qa'], {csr: true})).status).toBe(0);
    // The cluster's signer, played by openssl with the CA, for 5 days.
    writeFileSync(join(tmp.path, 'ext-space'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
    const issued = join(tmp.path, 'bob-issued.crt');
    const signed = openssl(['x509', '-req', '-in', join(out, 'users/bob/bob.csr'), '-CA', join(out, 'pki/ca.crt'), '-CAkey', join(out, 'pki/ca.key'), '-days', '5', '-extfile', join(tmp.path, 'ext-space'), '-out', issued]);
    expect(signed.status, signed.stderr).toBe(0);
    expect((await finish(out, 'bob', issued)).status).toBe(0);
    const v = await kubepki({command: 'verify', dir: out});
    expect(v.status, v.stdout).toBe(0);
    expect(v.stdout).toContain(`Renew user jane: kubepki user renew jane --out '${out}'\n`);
    expect(v.stdout).toContain(`Renew user bob through the cluster: kubepki user remove bob --out '${out}', then kubepki user add bob --csr --group dev --group qa --out '${out}'\n`);
    expect(v.stdout).not.toMatch(/kubepki renew /);
    const renewed = await kubepki({command: 'renew', out, names: ['apiserver'], newKeys: false});
    expect(renewed.status, renewed.stderr).toBe(0);
    expect(renewed.stdout).toContain(`bash '${out}'/distribute.sh cp1 cp2\n`);
    const refused = await kubepki({command: 'user-renew', out, name: 'bob'});
    expect(refused.stderr).toContain(`kubepki user remove bob --out '${out}', then`);
  });
});

describe('groups: one rule at user add and at verify, read from the DER (issue 21 item 11)', () => {
  it('groups that round-trip (backslash, quotes, +, #, =, é) pass add and verify; groups that would not mean what was typed (a comma, spaces at the ends, only spaces) are refused at add, nothing written', async () => {
    const out = freshOut('group-rules');
    const kept = ['a\\b', 'q"x', "x'y", 'a+b', '#x', 'a=b', 'é', 'a;b', '<b>'];
    const r = await add(out, 'kim', kept);
    expect(r.status, r.stderr).toBe(0);
    const cert = new X509Certificate(readFileSync(join(out, 'users/kim/kim.crt')));
    expect(subjectOf(cert.raw).organizations).toEqual(kept);
    const users = inspectDirectory(out).filter(f => f.check.startsWith('user kim'));
    expect(users.map(f => [f.check, f.ok, f.detail])).toEqual([
      ['user kim', true, expect.stringContaining('client auth')],
      ['user kim kubeconfig', true, expect.any(String)],
    ]);
    const before = snapshot(out);
    for (const [group, message] of [
      ['a,b', /^kubepki: --group: "a,b" holds a comma: a group is one name; for several give --group once each \(--group a --group b\)$/m],
      ['dev ', /^kubepki: --group: "dev " begins or ends with a space: it would be a group other than "dev"/m],
      [' dev', /^kubepki: --group: " dev" begins or ends with a space/m],
      [' ', /^kubepki: --group: " " is only spaces$/m],
      ['x'.repeat(65), /^kubepki: --group: "x{65}" must be 1-64 characters/m],
    ] as const) {
      const refused = await add(out, 'lee', [group]);
      expect(refused.status, group).toBe(2);
      expect(refused.stderr).toMatch(message);
    }
    expect(snapshot(out)).toEqual(before);
  });

  it('verify applies the same rule to a user an older kubepki (or a hand) wrote with such a group, and compares the O values as written', async () => {
    const out = freshOut('group-rules-verify');
    expect((await add(out, 'kim', ['dev'])).status).toBe(0);
    // What kubepki 0.x wrote for --group 'dev ': the certificate carries "dev " and the manifest says so.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const ca = {cert: readFileSync(join(out, 'pki/ca.crt'), 'utf8'), key: readFileSync(join(out, 'pki/ca.key'), 'utf8')};
    const key = readFileSync(join(out, 'users/kim/kim.key'), 'utf8');
    const {createLeaf, loadIssuer} = await import('../../source/pki/certificate.js');
    const {createPublicKey, createPrivateKey} = await import('node:crypto');
    const {algorithmOf} = await import('../../source/pki/algorithms.js');
    const now = Date.now();
    const pem = createLeaf({subject: {cn: 'kim', organizations: ['dev ']}, publicKey: createPublicKey(key).export({type: 'spki', format: 'der'}), algorithm: algorithmOf(createPrivateKey(key)),
      dnsNames: [], ipAddresses: [], notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000)}, ['clientAuth'], loadIssuer(ca.cert, ca.key));
    writeFileSync(join(out, 'users/kim/kim.crt'), pem);
    manifest.users[0].groups = ['dev '];
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
    const found = inspectDirectory(out).find(f => f.check === 'user kim')!;
    expect(found.ok).toBe(false);
    // Not "groups (O) are [dev\ ]": the O value read from the DER equals the manifest's; the rule is what fails.
    expect(found.detail).toMatch(/^group "dev " begins or ends with a space: .*; remove the user and add it again with the groups meant$/);
  });
});

describe('C1 controls and bidi overrides in groups and file names (issue 21 item 11)', () => {
  it('user add refuses them in a group; printable() escapes them and the other invisible controls; shellQuote writes them as $\'\\u…\' that bash reads back', async () => {
    const out = freshOut('bidi');
    const before = snapshot(out);
    for (const group of ['x\u009by', 'r\u202eq', 'a\u200fb', 'z\u2066w', 'b\ufeff']) {
      const r = await add(out, 'lee', [group]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^kubepki: --group: "[^"]*\\u[0-9a-f]{4}[^"]*" holds a control or invisible character/m);
      expect(r.stderr).not.toMatch(/[\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/);
    }
    expect(snapshot(out)).toEqual(before);
    expect(printable('a\u009b31mb\u202ec\u200ed\u061ce\u2067f\ufeffg\u200bh')).toBe('a\\u009b31mb\\u202ec\\u200ed\\u061ce\\u2067f\\ufeffg\\u200bh');
    expect(printable('plain é 😀 ü')).toBe('plain é 😀 ü');
    const word = "o'ut\u202e\u009b\\x";
    const quoted = shellQuote(word);
    expect(quoted).toBe("$'o\\'ut\\u202e\\u009b\\\\x'");
    expect(isPrintable(quoted)).toBe(true);
    const echoed = spawnSync('bash', ['-c', `printf %s ${quoted}`], {encoding: 'utf8', env: {...process.env, LC_ALL: 'C.UTF-8'}});
    expect(echoed.stdout).toBe(word);
    expect(shellQuote('plain')).toBe('plain');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('an OUT whose name holds U+202E and U+009B, and a hand-edited manifest group: user commands and verify print them escaped', async () => {
    const out = join(tmp.path, 'evil\u202e\u009bout');
    cpSync(pristine, out, {recursive: true});
    const r = await add(out, 'kim', ['dev']);
    expect(r.status, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    manifest.users[0].groups = ['dev\u202e'];
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
    const v = await kubepki({command: 'verify', dir: out});
    const removed = await kubepki({command: 'user-remove', out, name: 'kim'});
    const missing = await kubepki({command: 'user-renew', out, name: 'kim'});
    const nowhere = await kubepki({command: 'verify', dir: join(tmp.path, 'nowhere\u202e\u009b')});
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toContain('nowhere\\u202e\\u009b does not exist');
    for (const text of [r.stdout, r.stderr, v.stdout, v.stderr, removed.stdout, removed.stderr, missing.stderr, nowhere.stderr]) {
      expect(text).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    }
    expect(r.stdout).toContain('evil\\u202e\\u009bout');
    expect(v.stdout).toMatch(/groups \(O\) are \[dev\], the manifest says \["dev\\u202e"\]/);
    expect(removed.stdout).toContain('(dev\\u202e)');
    expect(missing.stderr).toMatch(/evil\\u202e\\u009bout has no user "kim"/);
  });
});

describe('smaller holes in user commands (issue 21 item 12, Low)', () => {
  it('user remove of a user whose certificate file is gone removes it (was: ENOENT, nothing removed) and says the end is unknown', async () => {
    const out = freshOut('remove-gone');
    const untouched = snapshot(out);
    expect((await add(out, 'jane', ['dev'])).status).toBe(0);
    rmSync(join(out, 'users/jane/jane.crt'));
    const r = await kubepki({command: 'user-remove', out, name: 'jane'});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Its certificate file users\/jane\/jane\.crt was already gone, so when it expires is unknown here; any copy of it stays valid until then, and Kubernetes checks no revocation list/);
    expect(r.stdout).toMatch(/kubectl get clusterrolebindings,rolebindings/);
    expect(snapshot(out)).toEqual(untouched);
    // user renew of such a user says what to do instead of crashing.
    expect((await add(out, 'kim', ['dev'])).status).toBe(0);
    rmSync(join(out, 'users/kim/kim.crt'));
    const renewed = await kubepki({command: 'user-renew', out, name: 'kim'});
    expect(renewed.status).toBe(2);
    expect(renewed.stderr).toMatch(/^kubepki: NAME: users\/kim\/kim\.crt of user kim is missing or not a certificate; kubepki user remove kim --out .*, then kubepki user add kim --group dev --out /m);
  });

  it('user renew never writes through a link in OUT/users/NAME (was: the kubeconfig and its private key written to a 0644 file outside OUT); user add neither', async () => {
    const out = freshOut('renew-link');
    expect((await add(out, 'jane', ['dev'])).status).toBe(0);
    const outside = join(tmp.path, 'outside.conf');
    writeFileSync(outside, 'nothing\n', {mode: 0o644});
    rmSync(join(out, 'users/jane/jane.conf'));
    symlinkSync(outside, join(out, 'users/jane/jane.conf'));
    const before = snapshot(out);
    const r = await kubepki({command: 'user-renew', out, name: 'jane'});
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^kubepki: --out: users\/jane\/jane\.conf is a symbolic link in .*: kubepki reads and writes a user's files only as regular files it made, never through a link \(it would write jane's private key where the link points\)\. Remove it and run again\.$/m);
    expect(readFileSync(outside, 'utf8')).toBe('nothing\n');
    expect(snapshot(out)).toEqual(before);
    // A key replaced by a link to someone else's key is not read (and so never signed) either.
    rmSync(join(out, 'users/jane/jane.conf'));
    cpSync(join(pristine, 'pki/ca.key'), join(out, 'users/jane/jane.conf')); // any regular file
    const theirs = join(tmp.path, 'theirs.key');
    cpSync(join(out, 'users/jane/jane.key'), theirs);
    rmSync(join(out, 'users/jane/jane.key'));
    symlinkSync(theirs, join(out, 'users/jane/jane.key'));
    expect((await kubepki({command: 'user-renew', out, name: 'jane'})).stderr).toMatch(/users\/jane\/jane\.key is a symbolic link/);
    // OUT/users itself a link: user add writes nothing through it.
    const linked = freshOut('users-link');
    const elsewhere = join(tmp.path, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(linked, 'users'));
    const added = await add(linked, 'amy', ['dev']);
    expect(added.status).toBe(2);
    expect(added.stderr).toMatch(/--out: users is a symbolic link in /);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('user add --csr --validity 100y asks for at most what the API\'s int32 expirationSeconds and the CA\'s end allow, and warns as the signed path does', async () => {
    const out = freshOut('csr-100y');
    const r = await add(out, 'ann', ['dev'], {csr: true, validity: '100y'});
    expect(r.status, r.stderr).toBe(0);
    const object = parse(readFileSync(join(out, 'users/ann/ann-csr.yaml'), 'utf8'));
    const caEnd = new Date(new X509Certificate(readFileSync(join(out, 'pki/ca.crt'))).validTo);
    const seconds = object.spec.expirationSeconds;
    expect(seconds).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(Math.abs(Date.now() + seconds * 1000 - caEnd.getTime())).toBeLessThan(60_000);
    expect(r.stderr).toContain(`warning: the validity asked for goes past the cluster CA's own end, so the certificate ends with the CA, on ${caEnd.toISOString().slice(0, 10)}`);
    // A CA that outlives the int32: the field's own limit, said.
    const now = new Date('2030-01-01T00:00:00Z');
    expect(csrExpirationSeconds(100 * 8766, new Date('2200-01-01T00:00:00Z'), now)).toEqual({seconds: 2 ** 31 - 1, warning: expect.stringMatching(/longer than the CertificateSigningRequest API's expirationSeconds can say \(an int32: 2147483647 seconds, about 68 years\)/)});
    expect(csrExpirationSeconds(24, new Date('2200-01-01T00:00:00Z'), now)).toEqual({seconds: 86400});
    expect(csrExpirationSeconds(0.01, new Date('2200-01-01T00:00:00Z'), now)).toEqual({seconds: 600});
  });

  it('CertificateSigningRequest object names are one per user name: Ann/ann and a_b/a-b no longer share one; a plain name keeps kubepki-user-NAME; stable', async () => {
    const names = ['ann', 'Ann', 'ANN', 'a_b', 'a-b', 'a.b', 'a@b', 'a..b', 'a.', 'jane', 'x'.repeat(63), 'X'.repeat(63)];
    const objects = names.map(csrObjectName);
    expect(new Set(objects).size).toBe(names.length);
    expect(csrObjectName('ann')).toBe('kubepki-user-ann');
    expect(csrObjectName('a-b')).toBe('kubepki-user-a-b');
    expect(csrObjectName('a.b')).toBe('kubepki-user-a.b');
    expect(csrObjectName('Ann')).toMatch(/^kubepki-user\.ann-[0-9a-f]{10}$/);
    expect(csrObjectName('Ann')).toBe(csrObjectName('Ann'));
    // Each a DNS subdomain of at most 253 characters, as metadata.name of most objects must be.
    for (const o of objects) expect(o, o).toMatch(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    // What user add --csr writes and prints, and what user remove tells to delete.
    const out = freshOut('csr-names');
    const ann = await add(out, 'ann', ['dev'], {csr: true});
    const Ann = await add(out, 'Ann', ['dev'], {csr: true});
    expect(ann.stdout).toContain('kubectl certificate approve kubepki-user-ann\n');
    expect(Ann.stdout).toContain(`kubectl certificate approve ${csrObjectName('Ann')}\n`);
    expect(parse(readFileSync(join(out, 'users/Ann/Ann-csr.yaml'), 'utf8')).metadata.name).toBe(csrObjectName('Ann'));
    expect((await kubepki({command: 'user-remove', out, name: 'Ann'})).stdout).toContain(`kubectl delete csr ${csrObjectName('Ann')}\n`);
  });
});
