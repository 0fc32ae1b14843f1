// The expiry check on a node. Its labels, for a certificate whose subject is hostile to the text format and to
// the shell: a backslash, a quote, ",evil=" (a label of its own, if the quote were not escaped),
// "\c" (which dash's echo takes as "stop output here"), a tab and a non-ASCII letter. Each label
// must be the certificate's own value, escaped exactly as the Prometheus text format allows (only
// \\, \" and \n: node_exporter's parser refuses the whole file on any other escape), under dash
// (Debian's /bin/sh) and bash (/bin/sh elsewhere) alike; the journal line is one line, whole.
// And its .prom is written as root through a new file (mktemp), never a link planted at a guessable name.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {X509Certificate} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {renderExpiryCheck} from '../../source/scripts/expiry-check.js';
import {run} from '../helpers/run.js';

const tmp = {path: mkdtempSync(join(tmpdir(), 'kubepki-expiry-labels-'))};
afterAll(() => rmSync(tmp.path, {recursive: true, force: true}));

const CN = 'x\\",evil="1\\c café\tend';
const O = 'o\\n"';

/** One label value of the text format, strictly: any escape but \\, \" and \n is an error. */
function strictLabels(line: string): Record<string, string> {
  const m = /^\w+\{(.*)\} \d+$/.exec(line);
  if (!m) throw new Error(`not a sample: ${JSON.stringify(line)}`);
  const labels: Record<string, string> = {};
  const re = /(\w+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
  let hit: RegExpExecArray | null;
  while (re.lastIndex < m[1]!.length && (hit = re.exec(m[1]!))) labels[hit[1]!] = hit[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  if (re.lastIndex !== m[1]!.length) throw new Error(`bad labels at ${re.lastIndex}: ${JSON.stringify(m[1])}`);
  return labels;
}

let cert: string;
let script: string;
beforeAll(() => {
  cert = join(tmp.path, 'hostile.crt');
  // openssl -subj takes \ as an escape: \\ is one backslash.
  const subj = `/O=${O.replace(/\\/g, '\\\\')}/CN=${CN.replace(/\\/g, '\\\\')}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(tmp.path, 'k'),
    '-out', cert, '-days', '10', '-utf8', '-subj', subj], {stdio: ['ignore', 'ignore', 'pipe']});
  script = join(tmp.path, 'expiry-check');
  writeFileSync(script, renderExpiryCheck({node: 'n1', source: 'x', target: '/etc/kubepki/expiry-check', certificates: [cert], kubeconfigs: []}));
});

describe('the expiry check\'s labels for a hostile subject', () => {
  it('the certificate holds the subject as meant (the fixture is right)', () => {
    const subject = new X509Certificate(readFileSync(cert)).subject;
    expect(subject).toContain('café');
    expect(subject).toContain('\\\\');
  });

  it.each(['dash', 'bash'])('under %s: every sample line parses strictly, its labels are the subject\'s own, and the warning is one whole line', shell => {
    const dir = join(tmp.path, `prom-${shell}`);
    const r = run(shell, [script], {env: {...process.env, KUBEPKI_TEXTFILE_DIR: dir}});
    expect(r.status, r.stderr).toBe(0);
    const samples = readFileSync(join(dir, 'kubepki-expiry.prom'), 'utf8').split('\n').filter(l => l && !l.startsWith('#'));
    expect(samples).toHaveLength(4);
    for (const line of samples.slice(0, 3)) {
      expect(strictLabels(line)).toEqual({filename: 'hostile.crt', filepath: cert, issuer_CN: CN, subject_CN: CN, subject_O: O});
    }
    const days = /expires in (9|10) days, on (.*GMT): renew/.exec(r.stderr);
    expect(days, r.stderr).not.toBeNull();
    expect(r.stderr).toBe(`<4>kubepki-expiry: ${cert} (${CN}) expires in ${days![1]} days, on ${days![2]}: renew it (kubepki renew) and ship it again\n`);
  });

  it('the .prom is written through a new file, never a link planted at a name it could guess, and is 0644 under umask 077', () => {
    // Run as root into a directory node_exporter's user may write: the old name beside, kubepki-expiry.prom.$$, was predictable.
    const dir = join(tmp.path, 'planted');
    mkdirSync(dir);
    const victim = join(tmp.path, 'victim');
    writeFileSync(victim, 'precious\n');
    // exec keeps the PID: $$ in the check is the PID that planted the link.
    const r = run('sh', ['-c', 'umask 077; ln -s "$1" "$2/kubepki-expiry.prom.$$" && exec sh "$3"', 'sh', victim, dir, script],
      {env: {...process.env, KUBEPKI_TEXTFILE_DIR: dir}});
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    const prom = join(dir, 'kubepki-expiry.prom');
    expect(lstatSync(prom).isFile()).toBe(true);
    expect(statSync(prom).mode & 0o777).toBe(0o644);
    expect(readFileSync(prom, 'utf8')).toContain('x509_read_errors 0\n');
    // Nothing else of the check's is left beside it.
    expect(readdirSync(dir).filter(n => !/^kubepki-expiry\.prom\.\d+$/.test(n))).toEqual(['kubepki-expiry.prom']);
  });
});
