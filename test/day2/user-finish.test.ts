// `kubepki user finish` takes only the certificate the cluster CA made from the user's own CSR:
// each wrong certificate below is made with the real openssl from that CSR, and each is refused
// (exit 2, what is wrong named, nothing written), as `verify` would have failed right after.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runCommand} from '../../source/commands/run.js';
import {inspectDirectory} from '../../source/verify/read-out.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {generated, specWith, tempDir} from '../helpers/cluster.js';
import {CLI, openssl, run} from '../helpers/run.js';
import {snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-user-finish-');
let out: string;
let removeOut: () => void;
let csr: string;
let ca: {crt: string; key: string};

async function kubepki(command: Parameters<typeof runCommand>[0]) {
  let stdout = '';
  let stderr = '';
  const status = await runCommand(command, {out: t => { stdout += t; }, err: t => { stderr += t; }});
  return {status, stdout, stderr};
}
const finish = (certificate: string) => kubepki({command: 'user-finish', out, name: 'ann', certificate});
/** The built CLI with a memory ceiling (--max-old-space-size bounds strings, not Buffers: the deadline bounds the rest). */
const cli = (args: string[], options: {timeout: number}) => run(process.execPath, ['--max-old-space-size=512', CLI, ...args], options);

/** An extfile for openssl x509 -req. */
function ext(name: string, lines: string[]): string {
  const file = join(tmp.path, `${name}.ext`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
const CLIENT = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];

/** The user's CSR signed by `signer` with `extra` openssl x509 arguments: the certificate's path. */
function sign(name: string, extfile: string, extra: string[] = [], signer = ca): string {
  const crt = join(tmp.path, `${name}.crt`);
  const r = openssl(['x509', '-req', '-in', csr, '-CA', signer.crt, '-CAkey', signer.key, '-set_serial', '0x1234', '-days', '30', '-extfile', extfile, ...extra, '-out', crt]);
  expect(r.status, r.stderr).toBe(0);
  return crt;
}

beforeAll(async () => {
  const spec = specWith(c => { c.pki.authorities = 'single'; c.pki.key = 'ecdsa-p256'; c.nodes = [EXAMPLE_CONFIG.nodes[0], EXAMPLE_CONFIG.nodes[2]]; });
  const built = await generated(spec);
  out = built.dir;
  removeOut = built.remove;
  const added = await kubepki({command: 'user-add', out, name: 'ann', groups: ['dev'], csr: true});
  expect(added.status, added.stderr).toBe(0);
  csr = join(out, 'users/ann/ann.csr');
  ca = {crt: join(out, 'pki/ca.crt'), key: join(out, 'pki/ca.key')};
}, 120_000);
afterAll(() => { removeOut?.(); tmp.remove(); });

describe('user finish refuses a certificate that is not what the user asked the cluster CA for', () => {
  const cases: {name: string; make: () => string; says: RegExp}[] = [
    {
      name: 'O=system:masters in place of the requested group',
      make: () => sign('masters', ext('masters', CLIENT), ['-subj', '/O=system:masters/CN=ann']),
      says: /has the groups \(O\) system:masters, but ann asked for dev/,
    },
    {
      name: 'an extra group beside the requested one',
      make: () => sign('extra-group', ext('extra-group', CLIENT), ['-subj', '/O=dev/O=system:masters/CN=ann']),
      says: /has the groups \(O\) dev, system:masters, but ann asked for dev/,
    },
    {
      name: 'another CN',
      make: () => sign('other-cn', ext('other-cn', CLIENT), ['-subj', '/O=dev/CN=bob']),
      says: /has CN bob, not ann/,
    },
    {
      name: 'signed by another CA whose subject is the cluster CA\'s, with no key identifiers',
      make: () => {
        const subject = openssl(['x509', '-in', ca.crt, '-noout', '-subject', '-nameopt', 'compat']).stdout.trim().replace(/^subject=/, '');
        const other = {crt: join(tmp.path, 'impostor-ca.crt'), key: join(tmp.path, 'impostor-ca.key')};
        const r = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', other.key, '-out', other.crt,
          '-days', '30', '-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'subjectKeyIdentifier=none']);
        expect(r.status, r.stderr).toBe(0);
        return sign('impostor', ext('impostor', [...CLIENT, 'authorityKeyIdentifier=none', 'subjectKeyIdentifier=none']), [], other);
      },
      says: /names the cluster CA \(.*\) as its issuer, but its signature does not verify with pki\/ca\.crt: another CA of that name signed it/,
    },
    {
      name: 'expired',
      make: () => {
        // openssl x509 cannot backdate; openssl ca can.
        const db = join(tmp.path, 'ca-db');
        mkdirSync(db, {recursive: true});
        writeFileSync(join(db, 'index.txt'), '');
        writeFileSync(join(db, 'serial'), '1000\n');
        writeFileSync(join(tmp.path, 'ca.cnf'), `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}/index.txt\nnew_certs_dir = ${db}\nserial = ${db}/serial\ndefault_md = sha256\npolicy = any\n[any]\ncommonName = supplied\norganizationName = optional\n`);
        const crt = join(tmp.path, 'expired.crt');
        const r = openssl(['ca', '-batch', '-config', join(tmp.path, 'ca.cnf'), '-preserveDN', '-notext', '-startdate', '20200101000000Z', '-enddate', '20210101000000Z',
          '-cert', ca.crt, '-keyfile', ca.key, '-extfile', ext('expired', CLIENT), '-in', csr, '-out', crt]);
        expect(r.status, r.stderr).toBe(0);
        return crt;
      },
      says: /expired on Jan {2}1 00:00:00 2021 GMT/,
    },
    {
      name: 'CA:TRUE with serverAuth only',
      make: () => sign('ca-server', ext('ca-server', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature,keyCertSign', 'extendedKeyUsage=serverAuth'])),
      says: /lacks extended key usage clientAuth .*\n.*is a CA certificate \(basicConstraints CA:TRUE\)/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: exit 2, named, nothing written`, async () => {
      const certificate = c.make();
      const before = snapshot(out);
      const r = await finish(certificate);
      expect(r.status, r.stdout).toBe(2);
      expect(r.stderr).toMatch(c.says);
      expect(r.stderr).toMatch(/nothing was written/);
      expect(r.stdout).toBe('');
      expect(snapshot(out)).toEqual(before);
    });
  }

  it('/dev/zero and a FIFO are refused at once, without reading them', () => {
    const fifo = join(tmp.path, 'issued.fifo');
    expect(run('mkfifo', [fifo]).status).toBe(0);
    const before = snapshot(out);
    for (const [file, kind] of [['/dev/zero', 'a character device'], [fifo, 'a FIFO \\(named pipe\\)']] as const) {
      // The built CLI in a child with a deadline: a reader that waits on the FIFO or streams /dev/zero is killed, not the test run.
      const r = cli(['user', 'finish', 'ann', '--certificate', file, '--out', out], {timeout: 20_000});
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--certificate: cannot read .*: it is ${kind}, not a regular file`));
    }
    expect(snapshot(out)).toEqual(before);
  });

  it('the certificate the CSR asked for is accepted, and verify passes', async () => {
    const r = await finish(sign('right', ext('right', CLIENT)));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^User ann \(groups dev\)/);
    const users = inspectDirectory(out).filter(f => f.check.startsWith('user ann'));
    expect(users.map(f => [f.check, f.ok, f.detail])).toEqual([
      ['user ann', true, expect.stringMatching(/client auth, groups dev/)],
      ['user ann kubeconfig', true, expect.any(String)],
    ]);
  });
});
