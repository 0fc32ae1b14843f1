// `kubepki verify` and verify.sh against trees broken the ways a review found them passing:
// a kubeconfig swapped whole for another cluster's, an expired or mis-named client certificate,
// a missing or unreadable file, a date that is not an X.509 time, a bundle copy that differs
// from its master copy or a private file left readable.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {generateKeyPairSync, X509Certificate} from 'node:crypto';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {generated, specWith} from '../helpers/cluster.js';
import {kubepki, run} from '../helpers/run.js';
import {createLeaf, loadIssuer} from '../../source/pki/certificate.js';
import {KEY_ALGORITHMS} from '../../source/pki/algorithms.js';

type Tree = Awaited<ReturnType<typeof generated>>;
// One control-plane node and one worker: every kind of file, few keys.
const small = () => specWith(c => {
  c.nodes = [c.nodes[0], c.nodes[2]];
  c.pki.authorities = 'single';
});

let good: Tree;
let other: Tree;
beforeAll(async () => {
  [good, other] = await Promise.all([generated(small()), generated(small())]);
});
afterAll(() => { good?.remove(); other?.remove(); });

let copies = 0;
function broken(change: (dir: string) => void): {verify: ReturnType<typeof kubepki>; script: ReturnType<typeof run>} {
  const dir = join(good.dir, '..', `broken-${++copies}`);
  cpSync(good.dir, dir, {recursive: true});
  change(dir);
  return {verify: kubepki(['verify', dir]), script: run('bash', [join(dir, 'verify.sh')], {cwd: '/'})};
}

/** A client certificate signed by the tree's own CA, with the dates and subject given. */
function clientCertificate(dir: string, subject: {cn: string; organizations: string[]}, notBefore: Date, notAfter: Date) {
  const {publicKey, privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
  const issuer = loadIssuer(readFileSync(join(dir, 'pki/ca.crt'), 'utf8'), readFileSync(join(dir, 'pki/ca.key'), 'utf8'));
  const pem = createLeaf({subject, publicKey: publicKey.export({type: 'spki', format: 'der'}), algorithm: KEY_ALGORITHMS['rsa-2048'], dnsNames: [], ipAddresses: [], notBefore, notAfter}, ['clientAuth'], issuer);
  return {pem, keyPem: privateKey.export({type: 'pkcs1', format: 'pem'}).toString()};
}

function replaceClient(dir: string, file: string, client: {pem: string; keyPem: string}) {
  const doc = parse(readFileSync(join(dir, file), 'utf8'));
  doc.users[0].user['client-certificate-data'] = Buffer.from(client.pem).toString('base64');
  doc.users[0].user['client-key-data'] = Buffer.from(client.keyPem).toString('base64');
  writeFileSync(join(dir, file), stringify(doc, {lineWidth: 0}), {mode: 0o600});
  sameInBundle(dir, file);
}

/** The bundle copy replaced too, so only the check under test can see the change. */
function sameInBundle(dir: string, file: string) {
  if (file === ADMIN) cpSync(join(dir, ADMIN), join(dir, 'nodes/cp1/etc/kubernetes/admin.conf'));
}

const DAY = 86_400_000;
const ADMIN = 'pki/kubeconfigs/admin.conf';

describe('verify and verify.sh against broken trees', () => {
  it('the good tree passes both', () => {
    const {verify, script} = broken(() => {});
    expect(verify.status, verify.stdout).toBe(0);
    expect(script.status, script.stderr).toBe(0);
    expect(script.stdout).toMatch(/all (\d+) checks passed \(\1 run\)/);
  });

  it('admin.conf replaced whole by another cluster\'s (its CA data and client certificate together)', () => {
    const {verify, script} = broken(dir => { cpSync(join(other.dir, ADMIN), join(dir, ADMIN)); sameInBundle(dir, ADMIN); });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/admin\.conf\s+admin kubeconfig\s+FAIL\s+certificate-authority-data is not ca \(pki\/ca\.crt\)/);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^FAIL pki\/kubeconfigs\/admin\.conf: certificate-authority-data is not pki\/ca\.crt/m);
  });

  it('a kubeconfig whose client certificate has expired', () => {
    const now = Date.now();
    const {verify, script} = broken(dir => replaceClient(dir, ADMIN,
      clientCertificate(dir, {cn: 'kubernetes-admin', organizations: ['kubeadm:cluster-admins']}, new Date(now - 400 * DAY), new Date(now - 30 * DAY))));
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/admin kubeconfig\s+FAIL\s+expired on/);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^FAIL pki\/kubeconfigs\/admin\.conf: .*certificate has expired/m);
  });

  it('a kubeconfig whose client certificate lacks the planned O', () => {
    const now = Date.now();
    const {verify, script} = broken(dir => replaceClient(dir, ADMIN,
      clientCertificate(dir, {cn: 'kubernetes-admin', organizations: []}, new Date(now - DAY), new Date(now + 30 * DAY))));
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/admin kubeconfig\s+FAIL\s+client certificate has O=\[\], expected O=\[kubeadm:cluster-admins\]/);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^FAIL pki\/kubeconfigs\/admin\.conf: client certificate is for CN=kubernetes-admin, expected CN=kubernetes-admin,O=kubeadm:cluster-admins/m);
  });

  it('a kubeconfig whose key does not match its client certificate', () => {
    const {verify, script} = broken(dir => {
      const doc = parse(readFileSync(join(dir, ADMIN), 'utf8'));
      const foreign = parse(readFileSync(join(other.dir, ADMIN), 'utf8'));
      doc.users[0].user['client-key-data'] = foreign.users[0].user['client-key-data'];
      writeFileSync(join(dir, ADMIN), stringify(doc, {lineWidth: 0}));
      sameInBundle(dir, ADMIN);
    });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/admin kubeconfig\s+FAIL\s+embedded key does not match/);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^FAIL pki\/kubeconfigs\/admin\.conf: client-key-data does not match client-certificate-data/m);
  });

  it('a file missing from the tree, and one that cannot be read, are FAIL rows naming the file', () => {
    const {verify, script} = broken(dir => {
      rmSync(join(dir, 'pki/apiserver.key'));
      rmSync(join(dir, 'pki/front-proxy-client.crt'));
      mkdirSync(join(dir, 'pki/front-proxy-client.crt')); // not a regular file, even to root
    });
    expect(verify.status).toBe(1);
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toMatch(/pki\/apiserver\.crt\s+apiserver\s+FAIL\s+pki\/apiserver\.key is missing/);
    expect(verify.stdout).toMatch(/front-proxy-client\.crt\s+front-proxy-client\s+FAIL\s+pki\/front-proxy-client\.crt is a directory, not a regular file/);
    expect(verify.stdout).toMatch(/nodes\/cp1\s+bundle\s+FAIL\s+.*apiserver\.key missing or differs/);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^FAIL pki\/apiserver\.key: not a readable private key/m);
  });

  it('a certificate whose notAfter is not a valid X.509 time', () => {
    const {verify, script} = broken(dir => {
      // Same key, names and signer as the real one: only the date is wrong (year 10000).
      const real = new X509Certificate(readFileSync(join(dir, 'pki/apiserver.crt')));
      const issuer = loadIssuer(readFileSync(join(dir, 'pki/ca.crt'), 'utf8'), readFileSync(join(dir, 'pki/ca.key'), 'utf8'));
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      const planned = manifest.certificates.find((c: {id: string}) => c.id === 'apiserver');
      const pem = createLeaf({
        subject: {cn: planned.cn, organizations: planned.organizations},
        publicKey: real.publicKey.export({type: 'spki', format: 'der'}), algorithm: KEY_ALGORITHMS['rsa-2048'],
        dnsNames: planned.dnsNames, ipAddresses: planned.ipAddresses,
        notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.UTC(10000, 0, 2)),
      }, planned.usages, issuer);
      writeFileSync(join(dir, 'pki/apiserver.crt'), pem);
      cpSync(join(dir, 'pki/apiserver.crt'), join(dir, 'nodes/cp1/etc/kubernetes/pki/apiserver.crt'));
    });
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/pki\/apiserver\.crt\s+apiserver\s+FAIL\s+notAfter is not a valid X\.509 time/);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^FAIL pki\/apiserver\.crt: /m);
  });

  it('a file in a node bundle that the manifest does not list (a stray CA key on a worker, an old rotation file, a directory for no node): FAIL naming the file and the node; verify.sh too', () => {
    const {verify, script} = broken(dir => {
      cpSync(join(dir, 'pki/ca.key'), join(dir, 'nodes/worker1/var/lib/kubelet/pki/ca.key'));
      cpSync(join(dir, 'pki/ca.crt'), join(dir, 'nodes/cp1/etc/kubernetes/pki/ca-signing.crt'));
      mkdirSync(join(dir, 'nodes/gone/etc'), {recursive: true, mode: 0o700});
      chmodSync(join(dir, 'nodes/gone'), 0o700);
      writeFileSync(join(dir, 'nodes/gone/etc/kubelet.key'), 'x', {mode: 0o600});
    });
    expect(verify.status, verify.stdout).toBe(1);
    const reason = 'is not in the manifest: a node bundle holds exactly what the manifest lists';
    expect(verify.stdout).toMatch(new RegExp(`nodes/worker1\\s+bundle\\s+FAIL\\s+/var/lib/kubelet/pki/ca\\.key ${reason}`));
    expect(verify.stdout).toMatch(new RegExp(`nodes/cp1\\s+bundle\\s+FAIL\\s+/etc/kubernetes/pki/ca-signing\\.crt ${reason}`));
    expect(verify.stdout).toMatch(/nodes\/gone\s+bundle\s+FAIL\s+nodes\/gone\/etc\/kubelet\.key is not in the manifest \(it has no node gone\)/);
    // Only those: the rest of each bundle is as listed.
    expect(verify.stdout).toMatch(/3 of the \d+ files and bundles above failed/);
    // verify.sh (openssl alone, on another machine) stops at the first such file, by name.
    expect(script.status, script.stdout).toBe(1);
    expect(script.stderr).toMatch(/^FAIL nodes\/(worker1\/var\/lib\/kubelet\/pki\/ca\.key|cp1\/etc\/kubernetes\/pki\/ca-signing\.crt|gone\/etc\/kubelet\.key): not in the manifest: a node bundle holds exactly what the manifest lists$/m);
    const stray = broken(dir => cpSync(join(dir, 'pki/ca.key'), join(dir, 'nodes/worker1/var/lib/kubelet/pki/ca.key')));
    expect(stray.script.status).toBe(1);
    expect(stray.script.stderr).toMatch(/^FAIL nodes\/worker1\/var\/lib\/kubelet\/pki\/ca\.key: not in the manifest/m);
    const ghost = broken(dir => mkdirSync(join(dir, 'nodes/ghost'), {mode: 0o700}));
    expect(ghost.script.status).toBe(1);
    expect(ghost.script.stderr).toMatch(/^FAIL nodes\/ghost: not in the manifest/m);
  });

  it('verify.sh: a bundle copy that differs from its master copy', () => {
    // kubeadm layout: the control plane holds ca.crt (a worker learns it from kubeadm join).
    const {verify, script} = broken(dir => cpSync(join(other.dir, 'pki/ca.crt'), join(dir, 'nodes/cp1/etc/kubernetes/pki/ca.crt')));
    expect(verify.stdout).toMatch(/nodes\/cp1\s+bundle\s+FAIL\s+\/etc\/kubernetes\/pki\/ca\.crt missing or differs/);
    expect(script.status).toBe(1);
    expect(script.stderr).toMatch(/^FAIL nodes\/cp1\/etc\/kubernetes\/pki\/ca\.crt: differs from its master copy pki\/ca\.crt/m);
  });

  it('verify.sh: a bundle key left readable, and a bundle directory left open', () => {
    const key = broken(dir => chmodSync(join(dir, 'nodes/worker1/var/lib/kubelet/pki/kubelet.key'), 0o644));
    expect(key.verify.stdout).toMatch(/file modes\s+FAIL\s+nodes\/worker1\/var\/lib\/kubelet\/pki\/kubelet\.key is 644/);
    expect(key.script.status).toBe(1);
    expect(key.script.stderr).toMatch(/^FAIL nodes\/worker1\/var\/lib\/kubelet\/pki\/kubelet\.key: mode 644, expected 600/m);
    const directory = broken(dir => chmodSync(join(dir, 'nodes/worker1/etc'), 0o755));
    expect(directory.script.status).toBe(1);
    expect(directory.script.stderr).toMatch(/^FAIL \.\/nodes\/worker1\/etc: directory mode 755, expected 700/m);
  });
});
