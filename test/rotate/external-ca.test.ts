// rotate start --csr / --certificate: the new CA of an external CA (kubeadm external-ca flow, the
// CA key not in OUT) is signed by the user's own root. --csr writes the key (0600) and a request
// openssl accepts, nothing else; the printed openssl command signs it with a real openssl root; bad
// certificates are refused (exit 2, nothing written); the good one starts the rotation, and issue
// and finish pass verify with every leaf chaining to the new CA (openssl with -partial_chain and
// with the root; Go, through the real kubectl, trusting the intermediate alone).
import {X509Certificate, createPublicKey, type KeyObject} from 'node:crypto';
import {cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:https';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCluster} from '../../source/build/index.js';
import {pemBlocks} from '../../source/build/rotate.js';
import type {Manifest} from '../../source/output/manifest.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {realKubectl} from '../helpers/processes.js';
import {kubepki, openssl, run, runAsync} from '../helpers/run.js';
import {differing, outCopier, refusedUnchanged, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-external-ca-');
afterAll(() => tmp.remove());

let keyless: string;
let keyed: string;
const root = {crt: join(tmp.path, 'root-ca.crt'), key: join(tmp.path, 'root-ca.key')};

beforeAll(async () => {
  const spec = specWith(c => { c.pki.layout = 'kubeadm'; c.pki.authorities = 'kubeadm'; c.pki.key = 'ecdsa-p256'; c.kubeadm = {flow: 'external-ca'}; });
  keyed = join(tmp.path, 'base');
  await buildCluster(buildPlan(spec), keyed);
  expect(kubepki(['user', 'add', 'alice', '--group', 'devs', '--out', keyed]).status).toBe(0);
  keyless = copyOf(keyed);
  // The external CA: its key lives elsewhere (kubeadm's external-CA mode), OUT has only the certificate.
  rmSync(join(keyless, 'pki/ca.key'));
  // The organisation's root CA, made with openssl as its holder would.
  const made = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', root.key, '-subj', '/CN=corp-root',
    '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', root.crt]);
  expect(made.status, made.stderr).toBe(0);
}, 60_000);

const copyOf = outCopier(tmp.path);
let serials = 0;

const manifestOf = (out: string): Manifest & {rotation?: any; rotations?: any[]} => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
const text = (out: string, rel: string) => readFileSync(join(out, rel), 'utf8');

const refused = refusedUnchanged;

/** Runs the printed signing lines (the root holder's, in a directory holding root-ca.crt and root-ca.key); the certificate they write. */
function signAsPrinted(printed: string, dir: string): string {
  const lines = printed.split('\n').filter(l => /^ {2}(printf|openssl) /.test(l)).map(l => l.trim());
  expect(lines).toHaveLength(2);
  const r = run('bash', ['-euc', lines.join('\n')], {cwd: dir});
  expect(r.status, r.stderr).toBe(0);
  return join(dir, /-out (\S+)$/.exec(lines[1]!)![1]!);
}

/** A certificate for the request's key (or another), signed by the root with these extensions. */
function signed(csr: string, name: string, extensions: string[], days = '30'): string {
  const ext = join(tmp.path, `${name}.ext`);
  const crt = join(tmp.path, `${name}.crt`);
  writeFileSync(ext, `${extensions.join('\n')}\n`);
  const r = openssl(['x509', '-req', '-in', csr, '-CA', root.crt, '-CAkey', root.key, '-set_serial', `0x${(++serials).toString(16)}01`, '-days', days, '-sha256', '-extfile', ext, '-out', crt]);
  expect(r.status, r.stderr).toBe(0);
  return crt;
}

const CA_EXTENSIONS = ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'];

describe('an OUT without the CA key (external CA)', () => {
  it('start without --csr is refused, naming --csr and --certificate; nothing written', () => {
    const out = copyOf(keyless);
    refused(out, ['rotate', out, 'start', 'ca'], /does not hold the ca key .*the CA is external.*start ca --csr writes the new CA's key and a request.*start ca --certificate FILE/);
    const help = kubepki(['rotate', '--help']).stdout;
    expect(help).toMatch(/\[--csr \| --certificate FILE\]/);
    expect(help).toMatch(/--csr {19}start: the new CA's key and certification request/);
    expect(help).toMatch(/--certificate FILE {6}start: the certificate your root issued/);
  });

  it('--csr writes the new key (0600) and a request openssl verifies, asking for a CA; nothing else changes; status says it waits', () => {
    const out = copyOf(keyless);
    const before = snapshot(out);
    const r = kubepki(['rotate', out, 'start', 'ca', '--csr']);
    expect(r.status, r.stderr).toBe(0);
    expect(differing(before, snapshot(out))).toEqual(['pki/rotation/ca-new.csr', 'pki/rotation/ca-new.key']);
    expect(statSync(join(out, 'pki/rotation/ca-new.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'pki/rotation')).mode & 0o777).toBe(0o700);
    // No node bundle holds the new key: nothing under nodes/ changed (checked above), and no file there is it.
    const req = openssl(['req', '-verify', '-noout', '-text', '-in', join(out, 'pki/rotation/ca-new.csr')]);
    expect(req.status, req.stderr).toBe(0);
    expect(req.stdout + req.stderr).toMatch(/self-signature verify OK/);
    expect(req.stdout).toMatch(/Subject: CN ?= ?kubernetes-\d{8}T\d{6}Z/);
    expect(req.stdout).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(req.stdout).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    // The request is for the key written beside it, of the old CA's key type.
    const requestKey = openssl(['req', '-in', join(out, 'pki/rotation/ca-new.csr'), '-pubkey', '-noout']).stdout;
    expect(requestKey).toMatch(/BEGIN PUBLIC KEY/);
    expect(requestKey).toBe(openssl(['pkey', '-in', join(out, 'pki/rotation/ca-new.key'), '-pubout']).stdout);
    expect(req.stdout).toMatch(/id-ecPublicKey[\s\S]*prime256v1|P-256/);
    expect(r.stdout).toMatch(/openssl x509 -req -in \S*pki\/rotation\/ca-new\.csr -CA root-ca\.crt -CAkey root-ca\.key .*-extfile ca-new\.ext -out ca-new\.crt/);
    expect(r.stdout).toContain(`kubepki rotate ${out} start ca --certificate ca-new.crt`);

    const status = kubepki(['rotate', out, 'status']);
    expect(status.stdout).toMatch(/A request for a new ca CA waits for its certificate: pki\/rotation\/ca-new\.csr .*the rotation has not started/);
    expect(JSON.parse(kubepki(['rotate', out, 'status', '--json']).stdout)).toMatchObject({rotation: null, request: {authority: 'ca', csr: 'pki/rotation/ca-new.csr', key: 'pki/rotation/ca-new.key', waitsFor: 'certificate'}});
    // Asked again: the same request's steps again, nothing written; any other start waits for it.
    const waiting = snapshot(out);
    const again = kubepki(['rotate', out, 'start', 'ca', '--csr']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already waits/);
    expect(differing(waiting, snapshot(out))).toEqual([]);
    refused(out, ['rotate', out, 'start', 'etcd-ca'], /a request for a new ca CA waits .*--certificate FILE, or drop it with kubepki rotate \S+ abort/);
    refused(out, ['rotate', out, 'start', 'service-account'], /a request for a new ca CA waits .*one rotation at a time/);
    // abort drops it: OUT is as before --csr.
    expect(kubepki(['rotate', out, 'abort']).status).toBe(0);
    expect(differing(before, snapshot(out))).toEqual([]);
  });

  it('--certificate: a wrong key, not a CA, expired, the old CA, a file without a certificate: each exit 2, nothing written', () => {
    const out = copyOf(keyless);
    expect(kubepki(['rotate', out, 'start', 'ca', '--csr']).status).toBe(0);
    const csr = join(out, 'pki/rotation/ca-new.csr');
    const otherCsr = join(tmp.path, 'other.csr');
    expect(openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(tmp.path, 'other.key'), '-subj', '/CN=other', '-out', otherCsr]).status).toBe(0);
    const start = (file: string) => ['rotate', out, 'start', 'ca', '--certificate', file];
    refused(out, start(signed(otherCsr, 'wrong-key', CA_EXTENSIONS)), /is not the certificate of the waiting request's key pki\/rotation\/ca-new\.key/);
    refused(out, start(signed(csr, 'not-ca', ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature'])), /is not a CA certificate \(basicConstraints CA:TRUE is missing\)[\s\S]*keyUsage without keyCertSign/);
    refused(out, start(signed(csr, 'expired', CA_EXTENSIONS, '-1')), /expired on/);
    refused(out, start(join(out, 'pki/ca.crt')), /is the old ca CA itself/);
    refused(out, start(signed(csr, 'server-only', [...CA_EXTENSIONS, 'extendedKeyUsage = serverAuth'])), /extendedKeyUsage without serverAuth and clientAuth/);
    const junk = join(tmp.path, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    refused(out, start(junk), /holds no PEM certificate/);
    // A chain in the wrong order (the root first): the first certificate is not the request's.
    const good = signed(csr, 'ordered', CA_EXTENSIONS);
    const reversed = join(tmp.path, 'reversed.pem');
    writeFileSync(reversed, readFileSync(root.crt, 'utf8') + readFileSync(good, 'utf8'));
    refused(out, start(reversed), /not the certificate of the waiting request's key[\s\S]*which did not sign certificate 1/);
    // Without a request, --certificate has nothing to go with.
    const none = copyOf(keyless);
    refused(none, ['rotate', none, 'start', 'ca', '--certificate', good], /no request for a new ca CA waits/);
  });

  it('--certificate: nameConstraints that refuse a name of the leaves, a critical kind Go does not handle, a root whose pathlen allows no CA: each exit 2, naming it; constraints every leaf meets: accepted, and openssl (which enforces them) verifies the leaves issued', () => {
    const out = copyOf(keyless);
    expect(kubepki(['rotate', out, 'start', 'ca', '--csr']).status).toBe(0);
    const csr = join(out, 'pki/rotation/ca-new.csr');
    const start = (file: string) => ['rotate', out, 'start', 'ca', '--certificate', file];
    refused(out, start(signed(csr, 'nc-dns', [...CA_EXTENSIONS, 'nameConstraints = critical, permitted;DNS:.corp.example'])),
      /has nameConstraints that refuse 8 of the 14 names the new CA must sign: DNS name cp1 \(not under "\.corp\.example"\);[^\n]*DNS name kubernetes \(not under "\.corp\.example"\);[^\n]*; and 3 more\. Go refuses each such certificate/);
    refused(out, start(signed(csr, 'nc-ip', [...CA_EXTENSIONS, 'nameConstraints = critical, excluded;IP:10.32.0.0/255.255.0.0'])),
      /refuse 1 of the \d+ names the new CA must sign: IP address 10\.32\.0\.1 \(excluded by 10\.32\.0\.0\/16\)/);
    refused(out, start(signed(csr, 'nc-dir', [...CA_EXTENSIONS, 'nameConstraints = critical, permitted;dirName:dir_sect', '[dir_sect]', 'CN = corp'])),
      /a critical nameConstraints extension with directoryName constraints, which Go does not handle/);
    // A root that may sign no CA (pathlen:0) above the new CA, in the chain given.
    const leafOnly = {crt: join(tmp.path, 'leaf-only-root.crt'), key: join(tmp.path, 'leaf-only-root.key')};
    expect(openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', leafOnly.key, '-subj', '/CN=leaf-only-root', '-days', '30',
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', leafOnly.crt]).status).toBe(0);
    const ext = join(tmp.path, 'under-leaf-only.ext');
    writeFileSync(ext, `${CA_EXTENSIONS.join('\n')}\n`);
    const under = join(tmp.path, 'under-leaf-only.crt');
    expect(openssl(['x509', '-req', '-in', csr, '-CA', leafOnly.crt, '-CAkey', leafOnly.key, '-set_serial', '0x7701', '-days', '30', '-sha256', '-extfile', ext, '-out', under]).status).toBe(0);
    const chained = join(tmp.path, 'under-leaf-only-chain.pem');
    writeFileSync(chained, readFileSync(under, 'utf8') + readFileSync(leafOnly.crt, 'utf8'));
    refused(out, start(chained), /holds, as certificate 2, CN=leaf-only-root, whose pathLenConstraint 0 allows no CA under it, and 1 is \(the new CA\)/);
    // Constraints that every leaf meets: accepted; the leaves issue signs pass openssl, which enforces them.
    const fine = signed(csr, 'nc-fine', [...CA_EXTENSIONS, 'nameConstraints = critical, excluded;DNS:evil.example, excluded;IP:192.0.2.0/255.255.255.0']);
    const started = kubepki(start(fine));
    expect(started.status, started.stderr).toBe(0);
    expect(kubepki(['rotate', out, 'issue']).status).toBe(0);
    const script = run('bash', [join(out, 'verify.sh')]);
    expect(script.status, script.stderr).toBe(0);
    expect(openssl(['x509', '-in', join(out, 'pki/ca.key').replace('ca.key', 'rotation/ca-new.crt'), '-noout', '-ext', 'nameConstraints']).stdout).toMatch(/Excluded:\s+DNS:evil\.example/);
  });

  it('signed by a real openssl root with the printed command: start, issue, finish pass verify; leaves chain to the new CA (openssl and Go)', async () => {
    const out = copyOf(keyless);
    const requested = kubepki(['rotate', out, 'start', 'ca', '--csr']);
    expect(requested.status, requested.stderr).toBe(0);
    const rootDir = tmp.path;
    const issued = signAsPrinted(requested.stdout, rootDir);
    // The root's chain may follow the new CA in the file: each link is checked; the cluster trusts the new CA alone.
    const withChain = join(tmp.path, 'with-chain.pem');
    writeFileSync(withChain, readFileSync(issued, 'utf8') + readFileSync(root.crt, 'utf8'));
    const newPem = pemBlocks(readFileSync(issued, 'utf8'))[0]!;
    const oldPem = text(out, 'pki/ca.crt');

    const started = kubepki(['rotate', out, 'start', 'ca', '--certificate', withChain]);
    expect(started.status, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/Started the rotation of CA ca/);
    expect(started.stdout).toMatch(/new CA signed by your root CN=corp-root: the cluster trusts the new CA certificate itself, not the root/);
    expect(text(out, 'pki/ca.crt')).toBe(`${oldPem}${newPem}`);
    expect(text(out, 'pki/rotation/ca-new.crt')).toBe(newPem);
    expect(existsSync(join(out, 'pki/rotation/ca-new.csr'))).toBe(false);
    expect(statSync(join(out, 'pki/rotation/ca-new.key')).mode & 0o777).toBe(0o600);
    expect(manifestOf(out).rotation).toMatchObject({phase: 'start', old: {keyless: true}, new: {issuer: 'CN=corp-root'}});
    expect(existsSync(join(out, 'pki/ca.key'))).toBe(false);
    expectVerifies(out);

    const issue = kubepki(['rotate', out, 'issue']);
    expect(issue.status, issue.stderr).toBe(0);
    expect(issue.stdout).toMatch(/its key was never in .* \(an external CA\)/);
    expectVerifies(out);
    // The new key signs now and is the authority's key file; no old key was ever here.
    const spki = (k: KeyObject) => k.export({type: 'spki', format: 'der'}).toString('hex');
    expect(spki(createPublicKey(text(out, 'pki/ca.key')))).toBe(spki(new X509Certificate(newPem).publicKey));
    expect(statSync(join(out, 'pki/ca.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(out, 'pki/rotation/ca-old.key'))).toBe(false);
    // abort after issue would need the old CA to sign again: refused.
    refused(copyOf(out), ['rotate', out, 'abort'], /the old ca CA is external .*go on with kubepki rotate \S+ finish/);

    const finish = kubepki(['rotate', out, 'finish']);
    expect(finish.status, finish.stderr).toBe(0);
    expectVerifies(out);
    expect(text(out, 'pki/ca.crt')).toBe(newPem);
    const retired = manifestOf(out).rotations!.at(-1)!.retired as string;
    expect(text(out, `${retired}/ca.crt`)).toBe(oldPem);
    expect(existsSync(join(out, `${retired}/ca.key`))).toBe(false);

    // verify.sh's openssl checks trust the CA file as Go does (-partial_chain): the intermediate alone.
    const script = run('bash', [join(out, 'verify.sh')]);
    expect(script.status, script.stderr).toBe(0);
    const m = manifestOf(out);
    const leaves = m.certificates.filter(c => c.signer === 'ca');
    expect(leaves.length).toBeGreaterThan(5);
    for (const c of leaves) {
      const leaf = join(out, c.cert);
      // The intermediate trusted as it is (what Go does); and the full chain up to the root.
      expect(openssl(['verify', '-partial_chain', '-CAfile', join(out, 'pki/ca.crt'), leaf]).status, c.cert).toBe(0);
      expect(openssl(['verify', '-CAfile', root.crt, '-untrusted', join(out, 'pki/ca.crt'), leaf]).status, c.cert).toBe(0);
      expect(openssl(['verify', '-CAfile', join(out, `${retired}/ca.crt`), leaf]).status, c.cert).not.toBe(0);
    }
    expect(new X509Certificate(text(out, 'users/alice/alice.crt')).verify(new X509Certificate(newPem).publicKey)).toBe(true);

    // Go's verifier (the real kubectl) trusts the apiserver's certificate with the kubeconfig's CA data, the intermediate alone.
    const apiserver = m.certificates.find(c => c.id === 'apiserver')!;
    const admin = join(out, m.kubeconfigs.find(k => k.id === 'admin')!.file);
    expect(Buffer.from(/certificate-authority-data: (\S+)/.exec(text(out, m.kubeconfigs.find(k => k.id === 'admin')!.file))![1]!, 'base64').toString()).toBe(newPem);
    const server = createServer({cert: text(out, apiserver.cert), key: text(out, apiserver.key)}, (_req, res) => res.end('ok'));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as {port: number}).port;
      const kubectl = (kubeconfig: string) => runAsync(realKubectl(), [`--kubeconfig=${kubeconfig}`, `--server=https://127.0.0.1:${port}`, '--tls-server-name=kubernetes', '--request-timeout=10s', `--cache-dir=${join(tmp.path, 'kube-cache')}`, 'get', '--raw', '/healthz'], {timeout: 30_000});
      const trusted = await kubectl(admin);
      expect(trusted.status, trusted.stderr).toBe(0);
      expect(trusted.stdout).toBe('ok');
      // The same with the old CA as the kubeconfig's trust: refused (the check can fail).
      const stale = join(tmp.path, 'stale.conf');
      writeFileSync(stale, text(out, m.kubeconfigs.find(k => k.id === 'admin')!.file).replace(/(certificate-authority-data: )\S+/, `$1${Buffer.from(oldPem).toString('base64')}`));
      const refusedByGo = await kubectl(stale);
      expect(refusedByGo.status).not.toBe(0);
      expect(refusedByGo.stderr).toMatch(/certificate signed by unknown authority|x509/);
    } finally {
      server.close();
    }
  }, 120_000);
});

describe('an OUT that holds the CA key may have its new CA signed by a root too', () => {
  it('a killed request\'s leftover does not block renew; a waiting request survives renew (the engine carries it); the signed certificate starts the rotation; issue keeps the old key', () => {
    const out = copyOf(keyed);
    // What a --csr killed while writing leaves (its private directory in pki/): no build takes it for a file of the user's; the swap drops it.
    const leftover = join(out, 'pki/.rotation.kubepki-99999-deadbeef');
    mkdirSync(leftover, {mode: 0o700});
    writeFileSync(join(leftover, 'ca-new.key'), 'half a key\n', {mode: 0o600});
    const swept = kubepki(['renew', out, 'apiserver']);
    expect(swept.status, swept.stderr).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    const requested = kubepki(['rotate', out, 'start', 'ca', '--csr']);
    expect(requested.status, requested.stderr).toBe(0);
    const request = {key: text(out, 'pki/rotation/ca-new.key'), csr: text(out, 'pki/rotation/ca-new.csr')};
    const renewed = kubepki(['renew', out, 'apiserver']);
    expect(renewed.status, renewed.stderr).toBe(0);
    expect({key: text(out, 'pki/rotation/ca-new.key'), csr: text(out, 'pki/rotation/ca-new.csr')}).toEqual(request);
    expect(statSync(join(out, 'pki/rotation/ca-new.key')).mode & 0o777).toBe(0o600);
    const dir = join(tmp.path, 'keyed-root');
    cpSync(root.crt, join(dir, 'root-ca.crt'));
    cpSync(root.key, join(dir, 'root-ca.key'));
    const issued = signAsPrinted(requested.stdout, dir);
    expect(kubepki(['rotate', out, 'start', 'ca', '--certificate', issued]).status).toBe(0);
    expect(manifestOf(out).rotation.old.keyless).toBeUndefined();
    expectVerifies(out);
    expect(kubepki(['rotate', out, 'issue']).status).toBe(0);
    expect(existsSync(join(out, 'pki/rotation/ca-old.key'))).toBe(true);
    expectVerifies(out);
  }, 60_000);
});

function expectVerifies(out: string) {
  const v = kubepki(['verify', out]);
  expect(v.status, v.stdout.split('\n').filter(l => /FAIL/.test(l)).join('\n')).toBe(0);
}
