import {afterAll, describe, expect, it} from 'vitest';
import {PassThrough} from 'node:stream';
import {join} from 'node:path';
import {runPlain} from '../../source/plain/plain.js';
import {exampleSpec} from '../../source/spec/example.js';
import {buildCluster} from '../../source/build/index.js';
import {outputProblem} from '../../source/output/write.js';
import {inspectDirectory} from '../../source/verify/inspect.js';
import {tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-plain-');
afterAll(() => tmp.remove());

/**
 * Answers prompts as they appear on the injected output: `answers` maps a prompt's text to what
 * is typed (once); every other prompt gets Enter, taking its default.
 */
async function drive(answers: [RegExp, string][]) {
  const input = new PassThrough();
  // Each prompt pipes into the output and ends it when done; a terminal never ends, nor may this.
  const output = new (class extends PassThrough { override end() { return this; } })();
  let text = '';
  let seen = 0;
  output.on('data', d => { text += d.toString(); });
  let settled = false;
  const result = runPlain(exampleSpec(), {
    generate: (plan, out, onProgress) => buildCluster(plan, join(tmp.path, out), {onProgress}),
    checkOut: out => outputProblem(join(tmp.path, out)),
    context: {input, output},
  }).finally(() => { settled = true; });
  const deadline = Date.now() + 40_000;
  while (!settled) {
    if (Date.now() > deadline) throw new Error(`plain prompts did not finish; output:\n${text.slice(-2000)}`);
    const before = text.length;
    await new Promise(r => setTimeout(r, 30));
    if (text.length === before && text.length > seen) {
      // The output went quiet: a prompt is waiting.
      const fresh = text.slice(seen);
      seen = text.length;
      const active = fresh.slice(fresh.lastIndexOf('? ')); // the prompt now waiting
      const rule = answers.findIndex(([pattern]) => pattern.test(active));
      if (rule >= 0) input.write(answers.splice(rule, 1)[0]![1]);
      else input.write('\r');
    }
  }
  return {outcome: await result, text};
}

describe('--plain', () => {
  it('asks the same questions, rejects bad input with the field named, and reaches the same result', async () => {
    const {outcome, text} = await drive([[/API endpoint port/, 'abc\r'], [/API endpoint port/, '6443\r'], [/Output directory/, 'plain-out\r']]);
    expect(outcome).toEqual({code: 0});
    const plain = text.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toMatch(/✗ endpoint\.port: "abc" is not a port number/);
    // Only the failing question is asked again.
    expect(plain.split('✗ endpoint.port')[1]!.split('\n')[1]).toMatch(/API endpoint port/);
    expect(plain).toMatch(/etcd-ca signs: apiserver-etcd-client/);
    expect(plain).toMatch(/service IP 10\.32\.0\.1/);
    expect(plain).toMatch(/FILE\s+CN\s+O\s+SIGNER\s+SANS\s+NODES/);
    expect(plain).toMatch(/ca\.key goes only to the control plane \(cp1, cp2\)/);
    expect(plain).toMatch(/generating keys 26\/26/);
    expect(plain).toMatch(/openssl verify -CAfile pki\/etcd\/ca\.crt -purpose sslclient pki\/apiserver-etcd-client\.crt/);
    expect(plain).toMatch(/scp -p nodes\/worker1\/etc\/kubernetes\/pki\/ca\.crt root@worker1:\/etc\/kubernetes\/pki\//);
    expect(inspectDirectory(join(tmp.path, 'plain-out')).filter(f => !f.ok)).toEqual([]);
  });
});
