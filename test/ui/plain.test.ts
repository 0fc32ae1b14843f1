import {afterAll, describe, expect, it} from 'vitest';
import {PassThrough} from 'node:stream';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runPlain, type PlainDeps} from '../../source/plain/plain.js';
import {exampleSpec} from '../../source/spec/example.js';
import {buildCluster} from '../../source/build/index.js';
import {outputProblem} from '../../source/output/write.js';
import {inspectDirectory} from '../../source/verify/read-out.js';
import type {Plan} from '../../source/plan/types.js';
import {tempDir} from '../helpers/cluster.js';
import {buildPlan} from '../../source/plan/plan.js';
import {planRows} from '../../source/text/plan-table.js';

const tmp = tempDir('kubepki-plain-');
afterAll(() => tmp.remove());

const stripAnsi = (text: string) => text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');

/**
 * Answers prompts as they appear on the injected output: `answers` maps a prompt's text to what
 * is typed (once); every other prompt gets Enter, taking its default. It acts on what the
 * prompts print, never on a quiet period: a line starting with `? ` is a question waiting, and
 * `✔` is inquirer's mark that the answer was taken (typed characters re-render the question, so
 * the next `? ` counts only after that mark).
 */
async function drive(answers: [RegExp, string][], deps: Partial<PlainDeps> = {}) {
  const input = new PassThrough();
  // Each prompt pipes into the output and ends it when done; a terminal never ends, nor may this.
  const output = new (class extends PassThrough { override end() { return this; } })();
  let text = '';
  let seen = 0;
  let answering = false;
  let built: Plan | undefined;
  let question = '';
  const answer = () => {
    const rule = answers.findIndex(([pattern]) => pattern.test(question));
    answering = true;
    seen = text.length;
    input.write(rule >= 0 ? answers.splice(rule, 1)[0]![1] : '\r');
  };
  const respond = () => {
    for (;;) {
      if (answering) {
        // No escape sequence contains ✔, so the raw text can be searched.
        const done = text.indexOf('✔', seen);
        if (done < 0) {
          // An answer refused (inquirer's `> message` under the question): the same question, answered again.
          if (/(^|\n)> /.test(stripAnsi(text.slice(seen)))) answer();
          return;
        }
        answering = false;
        seen = done + 1;
        continue;
      }
      const fresh = stripAnsi(text.slice(seen));
      const asked = fresh.search(/(^|\n)\? /);
      if (asked < 0) return;
      question = fresh.slice(asked).trimStart().split('\n')[0]!;
      answer();
    }
  };
  // inquirer listens for keys in an effect that runs after its render: answer one macrotask later.
  output.on('data', d => { text += d.toString(); setImmediate(respond); });
  const deadline = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`plain prompts did not finish; output:\n${text.slice(-2000)}`)), 40_000);
    timer.unref();
  });
  const outcome = await Promise.race([runPlain(exampleSpec(), {
    generate: (plan, out, onProgress) => { built = plan; return buildCluster(plan, join(tmp.path, out), {onProgress}); },
    checkOut: out => outputProblem(join(tmp.path, out)),
    context: {input, output},
    lines: false,
    ...deps,
  }), deadline]);
  return {outcome, text, built};
}

describe('--plain', () => {
  it('asks the same questions, rejects bad input with the field named, and reaches the same result', async () => {
    const {outcome, text, built} = await drive([[/API endpoint port/, 'abc\r'], [/API endpoint port/, '6443\r'], [/Output directory/, 'plain-out\r']]);
    expect(outcome).toEqual({code: 0});
    const plain = stripAnsi(text);
    // Refused under the question as it is given (inquirer's validate): the same question stays open.
    expect(plain).toMatch(/\? API endpoint port[^\n]*\n> ✗ endpoint\.port: "abc" is not a port number/);
    expect(plain.split('✗ endpoint.port')[1]).not.toMatch(/\? Cluster name|\? API endpoint host/);
    expect(plain).toMatch(/etcd-ca signs: apiserver-etcd-client/);
    expect(plain).toMatch(/service IP 10\.32\.0\.1/);
    expect(plain).toMatch(/FILE\s+CN\s+O\s+SIGNER\s+SANS\s+NODES/);
    expect(plain).toMatch(/ca\.key goes only to the control plane \(cp1, cp2\)/);
    expect(plain).toContain(`generating keys ${built!.keyCount}/${built!.keyCount}`);
    expect(plain).toMatch(/openssl verify -CAfile pki\/etcd\/ca\.crt -purpose sslclient pki\/apiserver-etcd-client\.crt/);
    expect(plain).toContain('scp -rp nodes/worker1 "root@worker1:$TMP/"');
    expect(plain).toMatch(/^put 0600 \/var\/lib\/kubelet\/pki\/kubelet\.key$/m);
    expect(inspectDirectory(join(tmp.path, 'plain-out')).filter(f => !f.ok)).toEqual([]);
  });
});

describe('--plain: expiry monitoring, as the wizard asks it (issue 23 item 5)', () => {
  it('asked after the SSH questions, off by default with what it installs said; yes plans the checks and the PrometheusRule', async () => {
    const {outcome, text, built} = await drive([[/Output directory/, 'plain-monitored\r'], [/Expiry monitoring/, '\u001B[B\r']]);
    expect(outcome).toEqual({code: 0});
    const plain = stripAnsi(text);
    // The lesson, then the question with no as its default, after the SSH user.
    expect(plain).toMatch(/\? SSH user[^]*a daily check \(a systemd service \+ timer\)[^]*OUT\/monitoring\/ a PrometheusRule[^\n]*\n[^]*\? Expiry monitoring on every node\?/);
    expect(built!.spec.monitoring.expiry).toBe(true);
    expect(built!.monitoring?.checks.map(c => c.node)).toEqual(built!.nodes.map(n => n.name));
    expect(readFileSync(join(tmp.path, 'plain-monitored', 'monitoring', 'prometheus-rule.yaml'), 'utf8')).toMatch(/kind: PrometheusRule/);
  });
});

describe('--plain: each answer checked as it is given (issue 20 item 5)', () => {
  it('a node named Bad_Name is refused at its name, the IP w3 at its IP, before the roles are asked; the defaults offered are valid ones', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', d => { text += d.toString(); });
    // cluster (3), nodes: add; name Bad_Name then worker3; IP w3 then an address; roles; continue;
    // network (3), layout, release, CA, keys (3), output, ssh user; then quit without writing.
    input.write(['', '', '', '2', 'Bad_Name', 'worker3', 'w3', '192.168.56.25', '', '', '', '', '', '', '', '', '', '', '', 'lines-node-out', '', '', '2'].join('\n') + '\n');
    const outcome = await runPlain(exampleSpec(), {
      generate: () => { throw new Error('not asked to generate'); },
      checkOut: out => outputProblem(join(tmp.path, out)),
      context: {input, output},
    });
    expect(outcome, text).toEqual({code: 0});
    const lines = text.split('\n');
    const at = (pattern: RegExp) => lines.findIndex(l => pattern.test(l));
    const badName = at(/^✗ nodes\[4\] \(Bad_Name\)\.name: /);
    const badIp = at(/^✗ nodes\[4\] \(worker3\)\.ip: "w3"/);
    const roles = at(/^\? Roles$/);
    expect(badName, text).toBeGreaterThan(0);
    // Refused right after it was typed, and asked again with the valid default, not Bad_Name.
    expect(lines[badName - 1]).toBe('? Node name (what its kubelet registers as) [node5]: Bad_Name');
    expect(lines[badName + 1]).toBe('? Node name (what its kubelet registers as) [node5]: worker3');
    expect(lines[badIp - 1]).toBe('? Node IP: w3');
    expect(lines[badIp + 1]).toBe('? Node IP: 192.168.56.25');
    expect(badName).toBeLessThan(badIp);
    expect(badIp).toBeLessThan(roles);
    // Nothing asked again after the roles: both were settled where they were given.
    expect(text.split('? Roles')[1]).not.toMatch(/Node name|Node IP|✗ nodes/);
    expect(text).toMatch(/worker3 192\.168\.56\.25 worker/);
    expect(text).not.toMatch(/\[Bad_Name\]|\[w3\]/);
  });

  it('with arrow-key prompts the same: inquirer\'s validate refuses Bad_Name under the question, the prompt stays open', async () => {
    const {outcome, text} = await drive([
      [/^\? Nodes/, '\u001B[B\r'], [/Node name/, 'Bad_Name\r'], [/Node name/, 'worker3\r'], [/Node IP/, 'w3\r'], [/Node IP/, '192.168.56.25\r'],
      [/Generate these files now/, '\u001B[B\r'],
    ]);
    expect(outcome).toEqual({code: 0});
    const plain = stripAnsi(text);
    const badName = plain.indexOf('> ✗ nodes[4] (Bad_Name).name: ');
    const badIp = plain.indexOf('> ✗ nodes[4] (worker3).ip: "w3"');
    expect(badName, plain.slice(-3000)).toBeGreaterThan(0);
    expect(badIp).toBeGreaterThan(badName);
    expect(plain.indexOf('? Roles')).toBeGreaterThan(badIp);
    expect(plain).toMatch(/worker3 192\.168\.56\.25 worker/);
  });
});

describe('--plain with line prompts (output logged, or TERM=dumb)', () => {
  it('numbered choices and typed lines, each error right after its answer, never an invalid default', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', d => { text += d.toString(); });
    // Existing with a file: the default output directory is not offered.
    const taken = join(tmp.path, 'kubepki-out');
    mkdirSync(taken, {recursive: true});
    writeFileSync(join(taken, 'x'), '');
    // Answers typed ahead of their questions are kept in order, as a terminal's line buffer does.
    input.write(['', '', 'abc', '', '', '', '', '', '', '', '9', '2', '', '', '', 'lines-out', '', '', ''].join('\n') + '\n');
    const outcome = await runPlain(exampleSpec(), {
      generate: (plan, out, onProgress) => buildCluster(plan, join(tmp.path, out), {onProgress}),
      checkOut: out => outputProblem(join(tmp.path, out)),
      context: {input, output},
    });
    expect(outcome).toEqual({code: 0});
    expect(text).not.toMatch(/\u001B/);
    const lines = text.split('\n');
    const error = lines.findIndex(l => l.startsWith('✗ endpoint.port: "abc" is not a port number'));
    expect(lines[error - 1]).toBe('? API endpoint port [6443]: abc');
    expect(lines[error + 1]).toBe('? API endpoint port [6443]: ');
    expect(text).toMatch(/\? CA topology\n {2}1\) {3}single\n[^?]* {2}3\) › kubeadm\n/);
    expect(text).toMatch(/Choose 1-3 \[3\]: 9\n✗ "9" is not one of the numbers 1-3\n {2}Choose 1-3 \[3\]: 2\n/);
    expect(text).toMatch(/✗ "9" is not one of the numbers 1-\d/);
    expect(text).toMatch(/^\? Output directory: lines-out$/m);
    expect(text).toMatch(/openssl verify/);
    expect(inspectDirectory(join(tmp.path, 'lines-out')).filter(f => !f.ok)).toEqual([]);
  });
});

describe('--plain: layout, release and the hard-way proposal, as in the wizard', () => {
  it('hard-way chosen: the release says what it gives, the CA topology defaults to single and says why', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', d => { text += d.toString(); });
    let built: Plan | undefined;
    // cluster 3, nodes, network 3, layout 3 (hard-way), release 1 (v1.28.0), CA (default), keys 3, output 2, expiry monitoring, generate.
    input.write(['', '', '', '', '', '', '', '3', '1', '', '', '', '', 'hw-out', '', '', ''].join('\n') + '\n');
    const outcome = await runPlain(exampleSpec(), {
      generate: (plan, out, onProgress) => { built = plan; return buildCluster(plan, join(tmp.path, out), {onProgress}); },
      checkOut: out => outputProblem(join(tmp.path, out)),
      context: {input, output},
    });
    expect(outcome).toEqual({code: 0});
    expect(text).toMatch(/\? Layout\n {2}1\) › kubeadm, shared CA +e\.g\. \/etc\/kubernetes\/pki\/apiserver\.crt\n\s+kubeadm's default: the CA keys go to the control-plane nodes/);
    expect(text).toMatch(/ {2}2\) {3}kubeadm, external CA .*\n\s+kubeadm's external CA mode: ca\.key never leaves this machine/);
    expect(text).toMatch(/\? Kubernetes release\n {2}1\) {3}v1\.28\.0 *\n\s+admin\.kubeconfig: O=system:masters/);
    expect(text).toMatch(/The Hard Way uses one CA \(CN=CA\) for everything: its units read a single ca\.crt, so single is proposed for the hard-way layout\.\n\? CA topology\n {2}1\) › single/);
    expect(built!.spec.pki.layout).toBe('hard-way');
    expect(built!.spec.pki.authorities).toBe('single');
    expect(built!.spec.kubernetesVersion).toBe('v1.28.0');
  });
});

describe('--plain prints the plan sized to its terminal', () => {
  it('on a 60-column terminal the table fits and nothing is cut; into a log, one line per row', async () => {
    for (const columns of [60, undefined]) {
      const input = new PassThrough();
      const output = Object.assign(new PassThrough(), columns ? {isTTY: true, columns} : {});
      let text = '';
      output.on('data', d => { text += d.toString(); });
      input.write(['', '', '', '', '', '', '', '', '', '', '', '', '', `sized-${columns}`, '', '', '2'].join('\n') + '\n');
      const outcome = await runPlain(exampleSpec(), {
        generate: () => Promise.reject(new Error('not asked to generate')),
        checkOut: out => outputProblem(join(tmp.path, out)),
        context: {input, output},
        lines: true,
      });
      expect(outcome).toEqual({code: 0});
      const table = text.slice(text.indexOf('\nFILE'), text.indexOf('\n3 CAs,'));
      const rows = planRows(buildPlan(exampleSpec()));
      if (columns) {
        expect(table.split('\n').filter(l => l.length > columns)).toEqual([]);
        expect(table).not.toMatch(/…/);
        expect(table).toMatch(/^FILE \/ SUBJECT +SIGNER +NODES$/m);
      } else {
        expect(table.trim().split('\n')).toHaveLength(rows.length + 2);
      }
    }
  });
});
