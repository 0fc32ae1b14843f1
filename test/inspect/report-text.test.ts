// What inspect says, as text: the kubelet certificate tutorials' readers get wrong (O=system:nodes
// with a bare CN), a table that wraps between words, full lines into a file, and names from files
// that cannot drive the terminal.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {inspectPaths} from '../../source/inspect/inspect.js';
import {checkRowDetails, checkRows} from '../../source/interview/check.js';
import {renderReport} from '../../source/inspect/render.js';
import type {InspectReport} from '../../source/inspect/types.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {ROOT, kubepki, openssl, run} from '../helpers/run.js';

const tmp = tempDir('kubepki-inspect-text-');
afterAll(() => tmp.remove());
let dir: string;

/** The example cluster with its third node named worker-1, as the fixture's kubelet certificate says (hard-way: every node has a kubelet client certificate). */
const WORKER_1 = specWith(c => { c.pki.authorities = 'single'; c.pki.layout = 'hard-way'; c.nodes[2].name = 'worker-1'; });

beforeAll(() => {
  dir = join(tmp.path, 'kubelet-bare-cn');
  const made = run('bash', [join(ROOT, 'test/inspect/trees/kubelet-bare-cn.sh'), dir]);
  expect(made.status, made.stderr).toBe(0);
});

const problemsOn = (report: InspectReport, file: string) => report.findings.filter(f => f.severity === 'problem' && f.file === file);

describe('a kubelet client certificate in system:nodes whose CN is the bare node name', () => {
  it('is the kubelet client of worker-1, and its CN a problem: the Node authorizer knows only system:node:worker-1', () => {
    const report = inspectPaths([dir]);
    const row = report.certificates.find(c => c.file === 'worker-1.crt')!;
    expect(row).toMatchObject({role: {id: 'kubelet-client', label: 'kubelet client of worker-1', nodes: ['worker-1']}, verdict: 'problem'});
    expect(problemsOn(report, 'worker-1.crt').map(f => f.message)).toEqual([
      expect.stringMatching(/^is in group system:nodes but its CN is worker-1, not system:node:worker-1: the Node authorizer and NodeRestriction only know system:node:worker-1 \(if the node is named worker-1\).*Sign it again with CN=system:node:worker-1$/),
    ]);
  });

  it('with --config naming node worker-1: the problem names the node, and its kubelet client is not "not found"', () => {
    const report = inspectPaths([dir], {spec: WORKER_1});
    expect(problemsOn(report, 'worker-1.crt').map(f => f.message)).toEqual([
      expect.stringMatching(/only know system:node:worker-1 \(node worker-1 of the config\)/),
    ]);
    const notFound = report.findings.find(f => f.file === '(not found)')!;
    expect(notFound.message).toMatch(/kubelet client of cp1;.*kubelet client of worker2;/);
    expect(notFound.message).not.toMatch(/kubelet client of worker-1/);
  });

  it('with O=system:nodes and serverAuth only, it is a kubelet serving certificate, not this mistake', () => {
    const server = join(tmp.path, 'serving');
    mkdirSync(server);
    const sh = `set -e; cd ${server}
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj /CN=kubernetes -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -keyout w.key -subj /CN=worker-1/O=system:nodes -out w.csr 2>/dev/null
      printf 'basicConstraints=critical,CA:FALSE\\nextendedKeyUsage=serverAuth\\nsubjectAltName=DNS:worker-1\\n' > w.ext
      openssl x509 -req -in w.csr -CA ca.crt -CAkey ca.key -set_serial 5 -days 30 -extfile w.ext -out w.crt 2>/dev/null; rm w.csr w.ext`;
    expect(run('bash', ['-c', sh]).status).toBe(0);
    const report = inspectPaths([server]);
    expect(report.certificates.find(c => c.file === 'w.crt')!.role.id).toBe('kubelet-server');
    expect(problemsOn(report, 'w.crt')).toEqual([]);
  });
});

const SEPARATORS = ',/:=-';

/**
 * The table's cells, each as the fragments it was wrapped into, with the text it was made from:
 * columns start where their headers do; a row starts on the line where its DAYS cell is filled.
 */
function cells(text: string, report: InspectReport, header: string): {text: string; fragments: string[]}[] {
  const lines = text.split('\n');
  const top = lines.findIndex(l => l.startsWith('ROLE '));
  const starts = ['ROLE', 'FILE', 'SUBJECT', 'ISSUER', 'DAYS', 'VERDICT'].map(h => lines[top]!.indexOf(h));
  const column = starts.indexOf(lines[top]!.indexOf(header));
  const slice = (line: string, i: number) => line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
  const rows: string[][] = [];
  for (const line of lines.slice(top + 2)) {
    if (line === '') break;
    if (slice(line, 4) !== '') rows.push([]);
    const fragment = slice(line, column);
    if (fragment) rows.at(-1)!.push(fragment);
  }
  const values = report.certificates.map(c => (header === 'SUBJECT' ? c.subject : header === 'ISSUER' ? c.issuer : header === 'FILE' ? c.file : c.role.label));
  return rows.map((fragments, i) => ({text: values[i]!, fragments}));
}

/** Where a cell's fragments meet mid-word (not at a space, not after a separator): "CN=kubernete|s". */
function brokenWords(cell: {text: string; fragments: string[]}): string[] {
  const broken: string[] = [];
  let at = 0;
  cell.fragments.forEach((fragment, i) => {
    expect(cell.text.startsWith(fragment, at), `${cell.text} / ${fragment}`).toBe(true);
    at += fragment.length;
    if (i === cell.fragments.length - 1) return;
    if (cell.text[at] === ' ') at++;
    else if (!SEPARATORS.includes(fragment.at(-1)!)) broken.push(`${fragment}|${cell.fragments[i + 1]}`);
  });
  return broken;
}

describe('the table', () => {
  it('wraps a cell between words, or after a separator, never inside a word (80, 100 and 120 columns)', () => {
    const report = inspectPaths([dir]);
    for (const width of [80, 100, 120]) {
      const text = renderReport(report, width);
      for (const line of text.split('\n\n')[0]!.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width);
      for (const header of ['ROLE', 'FILE', 'SUBJECT', 'ISSUER']) {
        const all = cells(text, report, header);
        expect(all).toHaveLength(report.certificates.length);
        expect(all.flatMap(brokenWords), `${width} columns, ${header}:\n${text}`).toEqual([]);
      }
    }
  });

  it('into a file or a pipe (no terminal, no COLUMNS) each row is one line, however long', () => {
    const r = kubepki(['inspect', dir]);
    expect(r.status).toBe(1);
    const report = inspectPaths([dir]);
    for (const c of report.certificates) {
      expect(r.stdout.split('\n').some(line => line.startsWith(c.role.label) && line.includes(`  ${c.file}  `) && line.includes(`  ${c.subject}  `)), `${c.file}:\n${r.stdout}`).toBe(true);
    }
    expect(r.stdout).toMatch(/^ {4}- is in group system:nodes but its CN is worker-1, .*Sign it again with CN=system:node:worker-1$/m);
  });
});

describe('names from files', () => {
  it('C1 controls, bidi overrides and ESC in file names and subjects are printed escaped, in text and in JSON', () => {
    const evil = join(tmp.path, 'evil');
    mkdirSync(evil);
    const file = 'ca\u202Etrc.crt';
    const made = openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(evil, 'ca.key'), '-out', join(evil, file),
      '-days', '30', '-utf8', '-subj', '/O=a\u009B31mb\u001B[2J/CN=kubernetes', '-addext', 'basicConstraints=critical,CA:TRUE']);
    expect(made.status, made.stderr).toBe(0);
    writeFileSync(join(evil, 'note\u009B.crt'), 'not a certificate');
    const raw = /[\u001B\u009B\u202E]/;
    const text = kubepki(['inspect', evil]);
    expect(text.stdout).not.toMatch(raw);
    expect(text.stdout).toContain('ca\\u202etrc.crt');
    expect(text.stdout).toContain('O=a\\u009b31mb\\u001b[2J');
    expect(text.stdout).toContain('note\\u009b.crt — file');
    const json = kubepki(['inspect', evil, '--json']);
    expect(json.stdout).not.toMatch(raw);
    const report = JSON.parse(json.stdout) as InspectReport;
    expect(report.certificates.map(c => [c.file, c.organizations])).toEqual([[file, ['a\u009B31mb\u001B[2J']]]);
    expect(report.findings.map(f => f.file)).toContain('note\u009B.crt');
    // The wizard's check screen shows the same names the same way.
    const details = checkRows(report).map(row => checkRowDetails(report, row));
    expect(JSON.stringify(details.map(d => [d.title, d.facts, d.findings.map(f => f.message)]))).not.toMatch(raw);
    expect(details.map(d => d.title)).toContain('cluster CA — ca\\u202etrc.crt');
  });
});
