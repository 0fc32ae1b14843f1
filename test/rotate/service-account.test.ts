// kubepki rotate OUT start|issue|finish|abort service-account: the service-account key pair in three
// phases, on both layouts. Per phase: which keys the apiserver checks tokens with (read from what
// the nodes receive: the unit's --service-account-key-file files, or kubeadm's sa.pub), which key
// signs (apiserver and controller-manager), the restarts, file modes, no key on a worker, verify;
// and, with node:crypto, that a token signed by the old key is accepted at start and issue and
// refused after finish.
import {spawn} from 'node:child_process';
import {X509Certificate, createPrivateKey, createPublicKey, sign, verify, type KeyObject} from 'node:crypto';
import {cpSync, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {parseUnit} from '../../source/scripts/units.js';
import type {Layout} from '../../source/spec/types.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {waitFor} from '../helpers/processes.js';
import {CLI, kubepki, run} from '../helpers/run.js';
import {differing, digests, manifestBody, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-rotate-sa-');
afterAll(() => tmp.remove());

const bases = new Map<Layout, string>();
async function base(layout: Layout): Promise<string> {
  if (!bases.has(layout)) {
    const spec = specWith(c => { c.pki.layout = layout; c.pki.key = 'ecdsa-p256'; });
    const out = join(tmp.path, `base-${layout}`);
    await buildCluster(buildPlan(spec), out);
    bases.set(layout, out);
  }
  return bases.get(layout)!;
}
let copies = 0;
function copyOf(from: string): string {
  const out = join(tmp.path, `out-${++copies}`);
  cpSync(from, out, {recursive: true, preserveTimestamps: true});
  return out;
}

const manifestOf = (out: string) => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
const text = (out: string, rel: string) => readFileSync(join(out, rel), 'utf8');
const mode = (out: string, rel: string) => statSync(join(out, rel)).mode & 0o777;
const rotate = (out: string, ...args: string[]) => {
  const r = kubepki(['rotate', out, ...args]);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r.stdout;
};

/** Every public key of a PEM file as the apiserver reads it: public keys and certificates' keys. */
function keysIn(pem: string): KeyObject[] {
  return (pem.match(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g) ?? []).map(block =>
    (block.includes('CERTIFICATE') ? new X509Certificate(block).publicKey : createPublicKey(block)));
}
const same = (a: KeyObject, b: KeyObject) => a.export({type: 'spki', format: 'der'}).equals(b.export({type: 'spki', format: 'der'}));

/** What the apiserver on `node` runs with: the files its flags name, read from the node's bundle. */
function apiserverKeys(out: string, layout: Layout, node: string) {
  const bundle = (path: string) => text(out, `nodes/${node}${path}`);
  if (layout === 'kubeadm') {
    // kubeadm writes the static pod with these two flags (controlplane/manifests.go), and the controller-manager's --service-account-private-key-file=sa.key.
    return {verifying: [bundle('/etc/kubernetes/pki/sa.pub')], signing: bundle('/etc/kubernetes/pki/sa.key'), controllerManager: bundle('/etc/kubernetes/pki/sa.key'), flags: ['/etc/kubernetes/pki/sa.pub']};
  }
  const args = (component: string) => parseUnit(text(out, `components/${node}/${component}.service`)).args;
  const values = (component: string, flag: string) => args(component).filter(a => a.startsWith(`${flag}=`)).map(a => a.slice(flag.length + 1));
  const flags = values('kube-apiserver', '--service-account-key-file');
  const [signing] = values('kube-apiserver', '--service-account-signing-key-file');
  const [controllerManager] = values('kube-controller-manager', '--service-account-private-key-file');
  return {verifying: flags.map(bundle), signing: bundle(signing!), controllerManager: bundle(controllerManager!), flags};
}

/** A service-account token (ES256 JWT) signed with `keyPem`, as the apiserver or controller-manager makes one. */
function tokenSignedBy(keyPem: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({alg: 'ES256', kid: 'x'})}.${part({iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:default:app', exp: 4102444800})}`;
  return `${body}.${sign('sha256', Buffer.from(body), {key: createPrivateKey(keyPem), dsaEncoding: 'ieee-p1363'}).toString('base64url')}`;
}
/** Whether one of the keys verifies the token's signature: what the apiserver's token check asks of its key set. */
function accepted(token: string, keys: KeyObject[]): boolean {
  const [header, payload, signature] = token.split('.');
  return keys.some(key => key.asymmetricKeyType === 'ec' && verify('sha256', Buffer.from(`${header}.${payload}`), {key, dsaEncoding: 'ieee-p1363'}, Buffer.from(signature!, 'base64url')));
}

describe.each(['kubeadm', 'hard-way'] as Layout[])('%s layout: start → issue → finish', layout => {
  let out: string;
  let before: Map<string, string>;
  let oldKey: string;
  let newKey: string;
  const controlPlanes = ['cp1', 'cp2'];
  const workers = ['worker1', 'worker2'];
  const phases: Record<string, {out: string; report: string}> = {};

  beforeAll(async () => {
    out = copyOf(await base(layout));
    before = snapshot(out);
    oldKey = text(out, manifestOf(out).serviceAccount.key);
    phases.start = {report: rotate(out, 'start', 'service-account'), out: copyOf(out)};
    newKey = text(out, manifestOf(out).rotation.new.key);
    phases.issue = {report: rotate(out, 'issue'), out: copyOf(out)};
    phases.finish = {report: rotate(out, 'finish'), out: copyOf(out)};
  });

  it('start: every apiserver checks tokens with old and new (old first), and the old key still signs (apiserver and controller-manager)', () => {
    const at = phases.start!.out;
    expect(manifestOf(at).rotation).toMatchObject({authority: 'service-account', phase: 'start'});
    for (const node of controlPlanes) {
      const run = apiserverKeys(at, layout, node);
      expect(run.verifying.flatMap(keysIn).map(k => same(k, createPublicKey(oldKey)) ? 'old' : same(k, createPublicKey(newKey)) ? 'new' : '?')).toEqual(['old', 'new']);
      expect(run.signing).toBe(oldKey);
      expect(run.controllerManager).toBe(oldKey);
      if (layout === 'hard-way') expect(run.flags).toEqual(['/var/lib/kubernetes/service-accounts.crt', '/var/lib/kubernetes/service-accounts-new.pub']);
      else expect(run.flags).toEqual(['/etc/kubernetes/pki/sa.pub']);
    }
    expect(phases.start!.report).toContain('phase 1 of 3: start');
  });

  it('issue: the new key signs (apiserver and controller-manager), both still checked; the hard way\'s service-accounts certificate carries the new key', () => {
    const at = phases.issue!.out;
    expect(manifestOf(at).rotation).toMatchObject({authority: 'service-account', phase: 'issue'});
    for (const node of controlPlanes) {
      const run = apiserverKeys(at, layout, node);
      const found = run.verifying.flatMap(keysIn).map(k => same(k, createPublicKey(oldKey)) ? 'old' : same(k, createPublicKey(newKey)) ? 'new' : '?');
      expect(found.sort()).toEqual(['new', 'old']);
      expect(run.signing).toBe(newKey);
      expect(run.controllerManager).toBe(newKey);
      if (layout === 'hard-way') {
        expect(run.flags).toEqual(['/var/lib/kubernetes/service-accounts.crt', '/var/lib/kubernetes/service-accounts-old.pub']);
        expect(same(new X509Certificate(text(at, `nodes/${node}/var/lib/kubernetes/service-accounts.crt`)).publicKey, createPublicKey(newKey))).toBe(true);
      }
    }
    expect(phases.issue!.report).toContain('Before finish, replace every token signed by the old key');
    expect(phases.issue!.report).toContain('--field-selector type=kubernetes.io/service-account-token');
  });

  it('finish: the new pair alone; the old pair in retired/service-account-<date>/ (key 0600, directory 0700), on no node', () => {
    const at = phases.finish!.out;
    const m = manifestOf(at);
    expect(m.rotation).toBeUndefined();
    for (const node of controlPlanes) {
      const run = apiserverKeys(at, layout, node);
      expect(run.verifying.flatMap(keysIn).map(k => same(k, createPublicKey(newKey)))).toEqual([true]);
      expect(run.signing).toBe(newKey);
      expect(run.controllerManager).toBe(newKey);
    }
    const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    const retired = m.documents.filter((d: {path: string}) => d.path.startsWith(`retired/service-account-${date}/`));
    expect(retired.map((d: {secret: boolean}) => d.secret).sort()).toEqual([false, true]);
    const retiredKey = retired.find((d: {secret: boolean}) => d.secret).path;
    expect(text(at, retiredKey)).toBe(oldKey);
    expect(mode(at, retiredKey)).toBe(0o600);
    expect(mode(at, `retired/service-account-${date}`)).toBe(0o700);
    // Recorded like a CA's rotation: what verify checks no file outside retired/ still holds.
    expect(m.rotations).toEqual([expect.objectContaining({
      authority: 'service-account', retired: `retired/service-account-${date}`, startedAt: expect.any(String), issuedAt: expect.any(String), finishedAt: expect.any(String),
      old: expect.objectContaining({fingerprint256: manifestOf(phases.issue!.out).rotation.old.fingerprint256, publicKey256: expect.stringMatching(/^[0-9a-f]{64}$/)}),
    })]);
    expect(existsSync(join(at, 'pki/rotation'))).toBe(false);
    for (const node of Object.keys(m.nodes)) expect(JSON.stringify(snapshotOf(at, `nodes/${node}`))).not.toContain(oldKey.split('\n')[1]);
    if (layout === 'hard-way') expect(phases.finish!.report).toMatch(/ssh root@cp1 rm -f \/var\/lib\/kubernetes\/service-accounts-new\.pub \/var\/lib\/kubernetes\/service-accounts-old\.pub/);
  });

  it('a later renew carries retired/ and the rotations record; verify fails when a file outside retired/ holds the old key or its public key', () => {
    const at = copyOf(phases.finish!.out);
    const renewed = kubepki(['renew', at, 'all']);
    expect(renewed.status, renewed.stderr).toBe(0);
    const m = manifestOf(at);
    expect(m.rotations).toHaveLength(1);
    expect(text(at, `${m.rotations[0].retired}/${m.serviceAccount.key.split('/').pop()}`)).toBe(oldKey);
    expect(kubepki(['verify', at]).status).toBe(0);
    for (const [file, content] of [['stray.key', oldKey], ['stray.pub', createPublicKey(oldKey).export({type: 'spki', format: 'pem'}).toString()]] as const) {
      const stray = copyOf(at);
      writeFileSync(join(stray, file), content, {mode: 0o600});
      const v = kubepki(['verify', stray]);
      expect(v.status, v.stdout).toBe(1);
      expect(v.stdout).toMatch(new RegExp(`old service-account key \\(SHA-256 [0-9A-F:]+…\\) is still in ${file.replace('.', '\\.')}`));
    }
  });

  it('a token signed by the old key is accepted with the start and issue key sets and refused with finish\'s; one of the new key from start on', () => {
    const oldToken = tokenSignedBy(oldKey);
    const newToken = tokenSignedBy(newKey);
    const keysAt = (phase: string) => apiserverKeys(phases[phase]!.out, layout, 'cp1').verifying.flatMap(keysIn);
    expect(accepted(oldToken, keysAt('start'))).toBe(true);
    expect(accepted(oldToken, keysAt('issue'))).toBe(true);
    expect(accepted(oldToken, keysAt('finish'))).toBe(false);
    for (const phase of ['start', 'issue', 'finish']) expect(accepted(newToken, keysAt(phase)), phase).toBe(true);
    // Before the rotation only the old key was accepted.
    const keysBefore = apiserverKeys(bases.get(layout)!, layout, 'cp1').verifying.flatMap(keysIn);
    expect(accepted(oldToken, keysBefore)).toBe(true);
    expect(accepted(newToken, keysBefore)).toBe(false);
  });

  it('no worker receives a service-account key, old or new, in any phase; private keys are 0600', () => {
    for (const phase of ['start', 'issue', 'finish']) {
      const at = phases[phase]!.out;
      const m = manifestOf(at);
      for (const worker of workers) {
        const files = snapshotOf(at, `nodes/${worker}`);
        for (const content of files.values()) {
          expect(content).not.toContain(oldKey.split('\n')[1]);
          expect(content).not.toContain(newKey.split('\n')[1]);
        }
        expect(m.nodes[worker].files.some((f: {source: string}) => f.source.includes('service-account') || f.source === m.serviceAccount.key)).toBe(false);
      }
      if (m.rotation) {
        for (const key of [m.rotation.old.key, m.rotation.new.key]) expect(mode(at, key), `${phase} ${key}`).toBe(0o600);
      }
      for (const node of controlPlanes) {
        for (const f of m.nodes[node].files.filter((f: {secret: boolean}) => f.secret)) expect(mode(at, `nodes/${node}${f.path}`)).toBe(0o600);
      }
    }
  });

  it('verify passes in every phase; restarts: apiservers at start, apiservers and controller-managers at issue, apiservers at finish', () => {
    for (const phase of ['start', 'issue', 'finish']) {
      const v = kubepki(['verify', phases[phase]!.out]);
      expect(v.status, `${phase}: ${v.stdout}`).toBe(0);
    }
    const restarted = (phase: string) => restartComponents(phases[phase]!.out);
    expect(restarted('start')).toEqual(['kube-apiserver']);
    expect(restarted('issue')).toEqual(['kube-apiserver', 'kube-controller-manager']);
    expect(restarted('finish')).toEqual(['kube-apiserver']);
  });

  it('the kubeadm configurations and every leaf stay byte-identical through the three phases (no manifest edit, no other certificate touched)', () => {
    const after = snapshot(out);
    const m = manifestOf(out);
    const unchanged = [
      ...m.documents.filter((d: {kind: string}) => d.kind.startsWith('kubeadm')).map((d: {path: string}) => d.path),
      ...m.certificates.filter((c: {id: string}) => c.id !== 'service-accounts').flatMap((c: {cert: string; key: string}) => [c.cert, c.key]),
    ];
    expect(unchanged.length).toBeGreaterThan(10);
    for (const f of unchanged) expect(after.get(f), f).toBe(before.get(f));
  });
});

function snapshotOf(out: string, rel: string): Map<string, string> {
  return snapshot(join(out, rel));
}

/** The components restart.sh restarts, from its --json. */
function restartComponents(out: string): string[] {
  const r = run('bash', [join(out, 'restart.sh'), '--json']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as {stages: {component: string}[]}).stages.map(s => s.component);
}

describe('abort, refusals and verify', () => {
  const refused = (out: string, args: string[], message: RegExp) => {
    const before = snapshot(out);
    const r = kubepki(args);
    expect(r.status, r.stdout).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(differing(before, snapshot(out))).toEqual([]);
  };

  it('abort from start gives back every file of OUT byte-identical (SHA-256 and mode; the manifest but its generatedAt; restart.sh holds the abort\'s restarts); from issue it goes back to start (the new key stays trusted, the hard way\'s service-accounts.crt the file it was), and a second abort gives back every byte', async () => {
    const out = copyOf(await base('hard-way'));
    const before = digests(out);
    const manifestBefore = manifestBody(out);
    const oldKey = text(out, 'pki/service-accounts.key');
    const crts = ['nodes/cp1/var/lib/kubernetes/service-accounts.crt', 'nodes/cp2/var/lib/kubernetes/service-accounts.crt', 'pki/service-accounts.crt'];
    const asBefore = () => {
      expect(differing(before, digests(out))).toEqual(['manifest.json', 'restart.sh']);
      expect(manifestBody(out)).toEqual(manifestBefore);
    };
    rotate(out, 'start', 'service-account');
    expect(rotate(out, 'abort')).toContain('the old pair alone signs and is trusted');
    asBefore();
    expect(manifestOf(out).rotation).toBeUndefined();

    rotate(out, 'start', 'service-account');
    const newKey = text(out, 'pki/rotation/service-account-new.key');
    rotate(out, 'issue');
    // issue makes the service-accounts certificate for the new key…
    for (const crt of crts) expect(same(new X509Certificate(text(out, crt)).publicKey, createPublicKey(newKey)), crt).toBe(true);
    const back = rotate(out, 'abort');
    expect(back).toContain('Back to phase start');
    expect(manifestOf(out).rotation).toMatchObject({phase: 'start'});
    expect(text(out, 'nodes/cp1/var/lib/kubernetes/service-accounts.key')).toBe(oldKey);
    // …one phase back it is the file it was before start, and the nodes get it again.
    for (const crt of crts) expect(digests(out).get(crt), crt).toBe(before.get(crt));
    expect(back).toMatch(/bash .*distribute\.sh cp1 cp2/);
    const keys = apiserverKeys(out, 'hard-way', 'cp1').verifying.flatMap(keysIn);
    expect(accepted(tokenSignedBy(newKey), keys)).toBe(true);
    expect(kubepki(['verify', out]).status).toBe(0);
    rotate(out, 'abort');
    asBefore();
    expect(kubepki(['verify', out]).status).toBe(0);
  });

  it('status names the phase and the next step; refused: issue or finish with no rotation, finish before issue, a second rotation of either kind, generate --update meanwhile', async () => {
    const out = copyOf(await base('kubeadm'));
    refused(out, ['rotate', out, 'issue'], /no rotation is under way/);
    rotate(out, 'start', 'service-account');
    expect(rotate(out, 'status')).toMatch(/service-account key pair .*phase start \(1 of 3\)[\s\S]*Next, once every apiserver runs with both keys: kubepki rotate .* issue/);
    expect(JSON.parse(rotate(out, 'status', '--json')).rotation).toMatchObject({authority: 'service-account', phase: 'start'});
    refused(out, ['rotate', out, 'finish'], /does not sign yet \(phase start\)/);
    refused(out, ['rotate', out, 'start', 'ca'], /a rotation of service-account is already under way/);
    refused(out, ['rotate', out, 'start', 'service-account'], /a rotation of the service-account key pair is already under way/);
    refused(out, ['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update'], /in the middle of a rotation of the service-account key pair/);
    rotate(out, 'issue');
    expect(rotate(out, 'status')).toMatch(/phase issue \(2 of 3\)[\s\S]*Next, once no token of the old key is in use: kubepki rotate .* finish/);
    refused(out, ['rotate', out, 'issue'], /already signs \(phase issue/);
    refused(out, ['rotate', out, 'status', '--ca-bundle', 'apiservice/v1.x.io'], /--ca-bundle names caBundles that trust a CA/);
    const ca = copyOf(await base('kubeadm'));
    rotate(ca, 'start', 'etcd-ca');
    refused(ca, ['rotate', ca, 'start', 'service-account'], /a rotation of CA etcd-ca is already under way/);
  });

  it('verify fails a public key file with two keys when no rotation is under way, and one whose second key is not the rotation\'s', async () => {
    const out = copyOf(await base('kubeadm'));
    rotate(out, 'start', 'service-account');
    const bundle = text(out, 'pki/sa.pub');
    const stray = copyOf(out);
    writeFileSync(join(stray, 'pki/sa.pub'), `${bundle.split('-----END PUBLIC KEY-----')[0]}-----END PUBLIC KEY-----\n${text(out, 'pki/rotation/service-account-old.pub')}`);
    const v = kubepki(['verify', stray]);
    expect(v.status).toBe(1);
    expect(v.stdout).toMatch(/must hold the old public key then the new/);
    rotate(out, 'abort');
    writeFileSync(join(out, 'pki/sa.pub'), bundle);
    const w = kubepki(['verify', out]);
    expect(w.status).toBe(1);
    expect(w.stdout).toMatch(/holds 2 public keys, and no rotation of the service-account pair is under way/);
  });
});

describe('rotate issue (service-account) interrupted by SIGINT', () => {
  it('leaves OUT in phase start or phase issue, whole (verify passes), never half', async () => {
    const started = copyOf(await base('hard-way'));
    rotate(started, 'start', 'service-account');
    const outcomes: string[] = [];
    for (const delay of [0, 400, 5000]) {
      const out = copyOf(started);
      const before = snapshot(out);
      const child = spawn(process.execPath, [CLI, 'rotate', out, 'issue'], {stdio: ['ignore', 'ignore', 'pipe']});
      let stderr = '';
      child.stderr!.on('data', d => { stderr += d; });
      const closed = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await waitFor('rotate issue to start writing', () => stderr.includes('kubepki: writing rotate issue') || child.exitCode !== null, 30_000, 2);
      if (delay) await new Promise(r => setTimeout(r, delay));
      child.kill('SIGINT');
      const code = await closed;
      clearTimeout(timer);
      expect([0, 130], stderr).toContain(code);
      if (differing(before, snapshot(out)).length === 0) {
        expect(manifestOf(out).rotation.phase).toBe('start');
        outcomes.push('start');
        continue;
      }
      const m = manifestOf(out);
      expect(m.rotation.phase).toBe('issue');
      expect(text(out, 'nodes/cp1/var/lib/kubernetes/service-accounts.key')).toBe(text(out, m.rotation.new.key));
      expect(kubepki(['verify', out]).status).toBe(0);
      outcomes.push('issue');
    }
    // The first moment is always before the swap; the last, 5 s on, usually after it (this machine: start start start issue).
    expect(outcomes[0]).toBe('start');
  }, 120_000);
});
