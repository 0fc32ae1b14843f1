// The built CLI driven in a real 80×24 terminal, from the first screen to the last.
import {afterAll, describe, expect, it} from 'vitest';
import {existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {Terminal} from '../helpers/tmux.js';
import {tempDir} from '../helpers/cluster.js';
import {ROOT, run} from '../helpers/run.js';
import {defaultCheckPath} from '../../source/interview/check.js';
import {inspectDirectory} from '../../source/verify/read-out.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';

const tmp = tempDir('kubepki-tty-');
afterAll(() => tmp.remove());

describe('the wizard in a real terminal', () => {
  it('Enter through every step, g, Enter: a verified directory and the commands on the final screen', async () => {
    const term = new Terminal(tmp.path);
    try {
      let screen = await term.waitFor('the first screen', s => s.includes('Plan a new PKI') && s.includes('Check an existing one'));
      expect(screen.split('\n').every(line => line.length <= 80)).toBe(true);
      screen = await term.press('Enter');
      expect(screen).toMatch(/1\/11 · Cluster and API endpoint/);
      expect(screen.split('\n').every(line => line.length <= 80)).toBe(true);
      screen = await term.press('Enter', 16);
      expect(screen).toMatch(/9\/11 · Certificate plan/);
      expect(screen).toMatch(/ca\.key goes only to the control plane/);
      await term.press('g');
      screen = await term.waitFor('the final screen', s => s.includes('11/11 · Done'), 60_000);
      // A check longer than the screen continues on the next line after ` \`: pasted, it is one command.
      expect(screen).toMatch(/^ +openssl verify .* \\\n +\S/m);
      const flat = screen.replace(/ \\\n\s*/g, ' ').replace(/\s+/g, ' ');
      expect(flat).toMatch(/openssl verify -CAfile pki\/ca\.crt -purpose sslserver -verify_ip 192\.168\.56\.20 pki\/apiserver\.crt/);
      expect(flat).toMatch(/openssl verify -CAfile pki\/ca\.crt -purpose sslserver -verify_ip 10\.32\.0\.1 pki\/apiserver\.crt/);
      expect(flat).toMatch(/bash distribute\.sh --dry-run .* bash distribute\.sh /);
      expect(flat).toMatch(/bash kubeadm-steps\.sh # each node's commands, in order/);
      expect(flat).toMatch(/Saved verify\.sh, distribute\.sh, kubeadm-steps\.sh and your answers in cluster\.yaml/);
      expect(screen.split('\n').length).toBeLessThanOrEqual(24);
      term.send('Enter');
      expect(await term.exitCode()).toBe(0);
      const out = join(tmp.path, 'kubepki-out');
      expect(inspectDirectory(out).filter(f => !f.ok)).toEqual([]);
      const script = run('bash', [join(out, 'verify.sh')]);
      expect(script.status, script.stderr).toBe(0);
    } finally {
      term.close();
    }
  });

  /** The wizard in `cwd` on an RSA-4096 cluster (slow enough to interrupt), once it has made a key. */
  async function generatingIn(cwd: string): Promise<Terminal> {
    const config = join(tmp.path, 'slow.yaml');
    writeFileSync(config, stringify({...EXAMPLE_CONFIG, pki: {...EXAMPLE_CONFIG.pki, key: 'rsa-4096'}}));
    run('mkdir', ['-p', cwd]);
    const term = new Terminal(cwd, ['--config', config]);
    try {
      await term.waitFor('the first screen', s => s.includes('1/11'));
      await term.press('Enter', 16);
      term.send('g');
      await term.waitFor('generation under way', s => /[1-9]\d*\/\d+ keys/.test(s));
      return term;
    } catch (error) {
      term.close();
      throw error;
    }
  }

  it('Ctrl+C during generation exits 130, restores the terminal and leaves nothing behind', async () => {
    const cwd = join(tmp.path, 'interrupt');
    const term = await generatingIn(cwd);
    try {
      term.send('C-c');
      expect(await term.exitCode()).toBe(130);
      const screen = await term.waitFor('the message', s => s.includes('interrupted'));
      expect(screen).toMatch(/nothing was written/);
      expect(readdirSync(cwd).filter(f => !f.startsWith('.exit-'))).toEqual([]);
      expect(existsSync(join(cwd, 'kubepki-out'))).toBe(false);
    } finally {
      term.close();
    }
  });

  it.each([['SIGTERM', 143], ['SIGHUP', 129]] as const)('%s during generation (the terminal closed) exits %i and leaves nothing behind', async (signal, code) => {
    const cwd = join(tmp.path, `signal-${signal}`);
    const term = await generatingIn(cwd);
    try {
      process.kill(term.cliPid(), signal);
      expect(await term.exitCode()).toBe(code);
      const screen = await term.waitFor('the message', s => s.includes('interrupted'));
      expect(screen).toMatch(new RegExp(`interrupted \\(${signal}\\); nothing was written`));
      expect(readdirSync(cwd).filter(f => !f.startsWith('.exit-'))).toEqual([]);
    } finally {
      term.close();
    }
  });

  it('the first screen\'s "Check an existing one": a folder\'s certificates and verdicts, q prints the report and exits 1', async () => {
    const tree = join(tmp.path, 'seed-made');
    expect(run('bash', [join(ROOT, 'test/inspect/trees/seed-literal.sh'), tree]).status).toBe(0);
    const term = new Terminal(tmp.path);
    try {
      await term.waitFor('the first screen', s => s.includes('Check an existing one'));
      // One burst (a menu applies every key of it; ink-select-input alone took Enter on the first item).
      term.burst('Down', 'Enter');
      let screen = await term.waitFor('the check screen', s => /Directory or file/.test(s));
      for (const _ of defaultCheckPath()) term.send('BSpace');
      await term.waitFor('an empty path', s => /Directory or file\s*$/m.test(s));
      term.send('seed-made');
      await term.waitFor('the path typed', s => s.includes('seed-made'));
      term.send('Enter');
      screen = await term.waitFor('the list', s => s.includes('2 problems'));
      expect(screen).toMatch(/PROBLEM +apiserver\.crt +apiserver serving/);
      expect(screen.split('\n').every(line => line.length <= 80)).toBe(true);
      term.send('q');
      expect(await term.exitCode()).toBe(1);
      screen = await term.waitFor('the report', s => s.includes('2 problems and'));
      expect(screen).toMatch(/apiserver\.crt — apiserver serving/);
    } finally {
      term.close();
    }
  });

  it('bursts of keys (held Backspace, Ctrl+U, a paste) produce exactly the value typed, at 80×24 and 60×20', async () => {
    for (const size of [{columns: 80, rows: 24}, {columns: 60, rows: 20}]) {
      const cwd = join(tmp.path, `burst-${size.columns}`);
      run('mkdir', ['-p', cwd]);
      const term = new Terminal(cwd, [], {}, size);
      try {
        await term.waitFor('the first screen', s => s.includes('Plan a new PKI'));
        await term.press('Enter');
        await term.press('Enter', 13);
        await term.waitFor('the output step', s => s.includes('8/11'));
        term.burst('C-u', 'del-outXYZ', 'BSpace', 'BSpace', 'BSpace');
        await term.waitFor('the value typed', s => /Output directory\s+del-out\s*$/m.test(s));
        term.burst('Tab', 'C-w', 'admin');
        await term.waitFor('the user typed', s => /SSH user\s+admin\s*$/m.test(s));
        if (size.columns < 80) continue; // the plan and final screens at 60×20 are checked elsewhere
        term.send('Enter');
        // A user that is not root is asked about sudo, and warned while it is off.
        await term.waitFor('the sudo question', s => /Install with sudo\s+\[no\]\s+yes/.test(s) && /admin is not root and sudo is off/.test(s));
        term.send('Enter');
        // Then expiry monitoring, off unless asked for, saying what it installs.
        await term.waitFor('the expiry monitoring question', s => /› Expiry monitoring\s+\[no\]\s+yes/.test(s) && /PrometheusRule/.test(s));
        term.send('Enter');
        await term.waitFor('the plan', s => s.includes('g: generate'));
        term.send('g');
        await term.waitFor('the final screen', s => /Wrote \d+ certificates/.test(s), 60_000);
        term.send('Enter');
        expect(await term.exitCode()).toBe(0);
        expect(readdirSync(cwd).filter(f => !f.startsWith('.exit-'))).toEqual(['del-out']);
        expect(readFileSync(join(cwd, 'del-out', 'cluster.yaml'), 'utf8')).toMatch(/ssh: { user: admin, sudo: false }/);
      } finally {
        term.close();
      }
    }
  }, 240_000);

  it('kubepki --plain | tee log: line prompts (no arrow-key menus), answered on the keyboard, all in the log', async () => {
    const cwd = join(tmp.path, 'tee');
    run('mkdir', ['-p', cwd]);
    const log = join(cwd, 'plain.log');
    const term = new Terminal(cwd, ['--plain', '|', 'tee', 'plain.log']);
    const logged = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    try {
      // Every question has a valid default here: Enter answers each once it is asked (the log
      // then ends with its prompt, after everything the previous answer caused).
      let seen = 0;
      for (let asked = 1; asked <= 17; asked++) {
        await term.waitFor(`question ${asked}`, () => { const t = logged(); return t.length > seen && t.endsWith(': '); });
        seen = logged().length;
        term.send('Enter');
      }
      await term.waitFor('the commands', () => logged().includes('openssl verify'), 60_000);
      const text = logged();
      expect(text).not.toMatch(/\u001B/);
      expect(text).toMatch(/\? Cluster name \[kubernetes\]: /);
      expect(text).toMatch(/\? CA topology\n {2}1\) /);
      expect(text).toMatch(/\? Expiry monitoring on every node\?\n {2}1\) › no\n/);
      expect(inspectDirectory(join(cwd, 'kubepki-out')).filter(f => !f.ok)).toEqual([]);
    } finally {
      term.close();
    }
  }, 120_000);

  it('honours NO_COLOR', async () => {
    const colored = new Terminal(tmp.path);
    const plain = new Terminal(tmp.path, [], {NO_COLOR: '1'});
    try {
      await colored.waitFor('first screen', s => s.includes('Plan a new PKI'));
      await plain.waitFor('first screen', s => s.includes('Plan a new PKI'));
      await colored.press('Enter');
      await plain.press('Enter');
      const withColor = await colored.waitFor('the cluster step', s => s.includes('1/11')) && colored.screen(true);
      await plain.waitFor('the cluster step', s => s.includes('1/11'));
      const without = plain.screen(true);
      expect(withColor).toMatch(/\u001B\[3\dm/);
      expect(without).not.toMatch(/\u001B\[3\dm/);
      expect(without).toMatch(/Cluster name/);
    } finally {
      colored.close();
      plain.close();
    }
  });
});
