// rotate start --key-type: the new CA of another key type than the old one, as the issue asks
// ("same key type unless asked"). An RSA cluster CA moved to ECDSA: every phase (an abort back from
// issue included) passes verify and verify.sh, every leaf is signed by the new ECDSA CA (openssl),
// and the reports say the key types. Bad values and misplaced flags are refused (exit 2, nothing written).
import {X509Certificate, createPrivateKey} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildCluster} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {kubepki, openssl, run} from '../helpers/run.js';
import {outCopier, refusedUnchanged} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-key-type-');
afterAll(() => tmp.remove());

let base: string;
beforeAll(async () => {
  const spec = specWith(c => { c.pki.layout = 'kubeadm'; c.pki.key = 'rsa-2048'; });
  base = join(tmp.path, 'base');
  await buildCluster(buildPlan(spec), base);
}, 60_000);

const copyOf = outCopier(tmp.path);

const curveOf = (pem: string) => new X509Certificate(pem).publicKey.asymmetricKeyDetails?.namedCurve;
const text = (out: string, rel: string) => readFileSync(join(out, rel), 'utf8');

function ok(args: string[]) {
  const r = kubepki(args);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  return r;
}

const refused = refusedUnchanged;

describe('rotate start --key-type', () => {
  it('an RSA-2048 cluster CA replaced by an ECDSA P-256 one: every phase passes verify, every leaf is signed by the new CA', () => {
    const out = copyOf(base);
    const start = ok(['rotate', out, 'start', 'ca', '--key-type', 'ecdsa-p256']);
    expect(start.stderr).toMatch(/making the new ca CA \(ECDSA P-256\)/);
    expect(start.stdout).toMatch(/old CA: CN=kubernetes, RSA-2048, SHA-256/);
    expect(start.stdout).toMatch(/new CA: CN=kubernetes-\d{8}T\d{6}Z, ECDSA P-256, SHA-256/);
    expect(curveOf(text(out, 'pki/rotation/ca-new.crt'))).toBe('prime256v1');
    expect(ok(['rotate', out, 'status']).stdout).toMatch(/new CA: CN=kubernetes-\S+, ECDSA P-256,/);
    // verify.sh passes in every phase (in issue, pki/ca.key is the new CA's, the second certificate of pki/ca.crt).
    const verifyScript = () => run('bash', [join(out, 'verify.sh')], {cwd: '/'});
    expect(verifyScript().status).toBe(0);
    // kubepki verify and verify.sh in every phase, an abort back from issue included: the manifest names the key type of the key that signs.
    const bothVerify = (phase: string) => {
      const v = kubepki(['verify', out]);
      expect(v.status, `${phase}: ${v.stdout.split('\n').filter(l => /FAIL/.test(l)).join('\n')}`).toBe(0);
      const script = verifyScript();
      expect(script.status, `${phase}: ${script.stderr}`).toBe(0);
    };
    for (const phase of ['issue', 'abort', 'issue']) {
      ok(['rotate', out, phase]);
      bothVerify(phase);
    }
    ok(['rotate', out, 'finish']);
    expect(curveOf(text(out, 'pki/ca.crt'))).toBe('prime256v1');
    expect(createPrivateKey(text(out, 'pki/ca.key')).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // The leaves keep their RSA keys (issue keeps keys), and the new CA's ECDSA signature is on them.
    const apiserver = new X509Certificate(text(out, 'pki/apiserver.crt'));
    expect(apiserver.publicKey.asymmetricKeyType).toBe('rsa');
    expect(apiserver.verify(new X509Certificate(text(out, 'pki/ca.crt')).publicKey)).toBe(true);
    const signed = openssl(['x509', '-in', join(out, 'pki/apiserver.crt'), '-noout', '-text']);
    expect(signed.stdout).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(openssl(['verify', '-CAfile', join(out, 'pki/ca.crt'), join(out, 'pki/apiserver.crt')]).status).toBe(0);
    const verify = kubepki(['verify', out]);
    expect(verify.status, verify.stdout).toBe(0);
    const script = verifyScript();
    expect(script.status, script.stderr).toBe(0);
  });

  it('--csr makes the new CA\'s key of the type asked', () => {
    const out = copyOf(base);
    ok(['rotate', out, 'start', 'ca', '--csr', '--key-type', 'ecdsa-p384']);
    const request = openssl(['req', '-in', join(out, 'pki/rotation/ca-new.csr'), '-noout', '-text']);
    expect(request.status, request.stderr).toBe(0);
    expect(request.stdout).toMatch(/NIST CURVE: P-384/);
    // Asked again: the same type gives the same request's steps; another type is refused while it waits.
    expect(ok(['rotate', out, 'start', 'ca', '--csr', '--key-type', 'ecdsa-p384']).stdout).toMatch(/already waits/);
    refused(out, ['rotate', out, 'start', 'ca', '--csr', '--key-type', 'ecdsa-p256'], /the request that waits \(pki\/rotation\/ca-new\.csr\) is for a key of type ECDSA P-384; drop it with kubepki rotate \S+ abort/);
  });

  it('refuses a key type it does not know, --key-type outside start, and --key-type with --certificate: exit 2, the flag named, nothing written', () => {
    const out = copyOf(base);
    refused(out, ['rotate', out, 'start', 'ca', '--key-type', 'ecdsa-p521'], /--key-type: "ecdsa-p521" is not a key type; one of rsa-2048, rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384/);
    // The service-account pair's key type is pki.key's (generate --update would replace a pair of another type, ending every token).
    refused(out, ['rotate', out, 'start', 'service-account', '--key-type', 'ecdsa-p256'], /--key-type: the service-account key pair's key type is pki\.key in cluster\.yaml/);
    // Every other command: refused rather than ignored (their keys follow pki.key).
    refused(out, ['renew', out, 'all', '--key-type', 'ecdsa-p256'], /--key-type is for kubepki rotate OUT start/);
    ok(['rotate', out, 'start', 'etcd-ca']);
    refused(out, ['rotate', out, 'issue', '--key-type', 'ecdsa-p256'], /--key-type .* give it to rotate OUT start; issue makes no CA/);
    const waiting = copyOf(base);
    ok(['rotate', waiting, 'start', 'ca', '--csr']);
    refused(waiting, ['rotate', waiting, 'start', 'ca', '--certificate', join(waiting, 'pki/rotation/ca-new.csr'), '--key-type', 'ecdsa-p256'], /--key-type with --certificate: the new CA's key was made by start --csr/);
  });
});
