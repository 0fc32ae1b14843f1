// ssh: { user, sudo }: how distribute.sh installs on the nodes. sudo is chosen in the config, the
// wizard (see test/e2e/terminal.test.ts) and plain mode; a user that is not root without sudo is
// warned about in the plan, in generate's output and in distribute.sh itself.
import {afterAll, describe, expect, it} from 'vitest';
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {PassThrough} from 'node:stream';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {EXAMPLE_CONFIG, exampleSpec} from '../../source/spec/example.js';
import {formatIssue, validate} from '../../source/spec/validate.js';
import {specFromText, specToYaml} from '../../source/spec/load.js';
import {buildPlan} from '../../source/plan/plan.js';
import {runPlain} from '../../source/plain/plain.js';
import type {Plan} from '../../source/plan/types.js';
import {tempDir} from '../helpers/cluster.js';
import {kubepki, run} from '../helpers/run.js';

type Config = Record<string, any>;
const withSsh = (ssh: unknown): Config => ({...structuredClone(EXAMPLE_CONFIG), ssh});
const tmp = tempDir('kubepki-ssh-config-');
afterAll(() => tmp.remove());

describe('ssh.sudo in the config', () => {
  it('defaults to false, takes true or false, and is written back to cluster.yaml', () => {
    for (const [ssh, sudo] of [[{user: 'root'}, false], [{user: 'admin', sudo: true}, true], [{user: 'admin', sudo: false}, false]] as const) {
      const result = validate(withSsh(ssh));
      expect(result.ok && result.spec.ssh.sudo, JSON.stringify(ssh)).toBe(sudo);
      if (result.ok) expect(specFromText(specToYaml(result.spec), 'cluster.yaml').ssh).toEqual({user: ssh.user, sudo});
    }
    expect(parse(kubepki(['example']).stdout).ssh).toEqual({user: 'root', sudo: false});
  });

  it('refuses anything but true or false, naming the field', () => {
    const result = validate(withSsh({user: 'admin', sudo: 'yes'}));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map(formatIssue)).toEqual(['ssh.sudo: "yes" is not true or false (true: distribute.sh installs with sudo)']);
  });

  it('generate with a bad ssh.sudo: exit 2, the field named, nothing written', () => {
    const parent = join(tmp.path, 'bad');
    mkdirSync(parent);
    const file = join(tmp.path, 'bad.yaml');
    writeFileSync(file, stringify(withSsh({user: 'admin', sudo: 1})));
    const r = kubepki(['generate', '--config', file, '--out', join(parent, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/ssh\.sudo: 1 is not true or false/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a user that is not root without sudo is warned about in the plan; root, or sudo, is not', () => {
    const warned = (ssh: Config) => {
      const result = validate(withSsh(ssh));
      if (!result.ok) throw new Error('invalid');
      return buildPlan(result.spec).warnings.filter(w => w.includes('sudo'));
    };
    expect(warned({user: 'admin'})).toEqual([expect.stringMatching(/^The SSH user admin is not root and sudo is off: distribute\.sh cannot write \/etc\/kubernetes.*ssh\.sudo: true in the config, "Install with sudo" in the wizard/)]);
    expect(warned({user: 'admin', sudo: true})).toEqual([]);
    expect(warned({user: 'root'})).toEqual([]);
  });

  it('generate says it, and so does distribute.sh (its header and at run time); with sudo, distribute.sh installs with sudo -n', () => {
    const config = (ssh: Config) => {
      const c = withSsh(ssh);
      c.pki.key = 'ecdsa-p256';
      const file = join(tmp.path, `${ssh.user}-${ssh.sudo}.yaml`);
      writeFileSync(file, stringify(c));
      return file;
    };
    const out = join(tmp.path, 'admin');
    const gen = kubepki(['generate', '--config', config({user: 'admin'}), '--out', out]);
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout).toMatch(/^warning: The SSH user admin is not root and sudo is off/m);
    expect(readFileSync(join(out, 'distribute.sh'), 'utf8')).toMatch(/^# Warning: The SSH user admin is not root and sudo is off/m);
    const dry = run('bash', [join(out, 'distribute.sh'), '--dry-run', 'worker1'], {cwd: '/'});
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/warning: admin is not root and sudo is off/);
    expect(dry.stdout).toMatch(/^ssh admin@worker1 bash -s -- /m);

    const sudoOut = join(tmp.path, 'admin-sudo');
    const withSudo = kubepki(['generate', '--config', config({user: 'admin', sudo: true}), '--out', sudoOut]);
    expect(withSudo.status, withSudo.stderr).toBe(0);
    expect(withSudo.stdout).not.toMatch(/warning/);
    expect(withSudo.stdout).toContain('as admin over ssh, installed with sudo');
    const verbose = kubepki(['generate', '--config', config({user: 'admin', sudo: true}), '--out', join(tmp.path, 'admin-sudo-verbose'), '--verbose']);
    expect(verbose.stdout).toMatch(/^ssh admin@worker1 "sudo -n bash -s -- \$TMP\/worker1 '' [^"]*; rm -rf -- \$TMP; exit \\\$rc" <<'STEPS'$/m);
    expect(verbose.stdout).toMatch(/^put 0600 \/var\/lib\/kubelet\/pki\/kubelet\.key$/m);
    const sudoDry = run('bash', [join(sudoOut, 'distribute.sh'), '--dry-run', 'worker1'], {cwd: '/'});
    expect(sudoDry.stderr).toBe('');
    expect(sudoDry.stdout).toMatch(/^ssh admin@worker1 sudo -n bash -s -- /m);
    // --no-sudo overrides the config for one run (and then warns).
    const noSudo = run('bash', [join(sudoOut, 'distribute.sh'), '--dry-run', '--no-sudo', 'worker1'], {cwd: '/'});
    expect(noSudo.stdout).toMatch(/^ssh admin@worker1 bash -s -- /m);
    expect(noSudo.stderr).toMatch(/warning: admin is not root and sudo is off/);
    const help = run('bash', [join(sudoOut, 'distribute.sh'), '--help'], {cwd: '/'});
    expect(help.stdout).toMatch(/--sudo, --no-sudo {2}install with sudo -n, or not \(default from the config: --sudo\)/);
    expect(help.stdout).toMatch(/a file whose content differs is first copied to\nFILE\.kubepki-<UTC time>\.bak beside it/);
  });
});

describe('plain mode asks about sudo when the SSH user is not root', () => {
  async function answer(sudoChoice: string) {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', d => { text += d.toString(); });
    // 14 questions kept as they are, the SSH user, the sudo question, expiry monitoring (default no), then Generate.
    input.end([...Array(14).fill(''), 'admin', sudoChoice, '', '1'].join('\n') + '\n');
    let planned: Plan | undefined;
    const stop = new Error('stop after the plan');
    const outcome = await runPlain(exampleSpec(), {
      generate: plan => { planned = plan; throw stop; },
      checkOut: () => undefined,
      context: {input, output},
    }).catch(error => { if (error !== stop) throw error; return undefined; });
    return {outcome, text, planned};
  }

  it('yes: the plan installs with sudo, nothing is warned', async () => {
    const {text, planned} = await answer('1');
    expect(text).toMatch(/\? Install on the nodes with sudo/);
    expect(planned?.spec.ssh).toEqual({user: 'admin', sudo: true});
    expect(text).not.toMatch(/not root and sudo is off/);
  });

  it('no: warned at once and in the plan', async () => {
    const {text, planned} = await answer('2');
    expect(planned?.spec.ssh).toEqual({user: 'admin', sudo: false});
    expect(text).toMatch(/^warning: The SSH user admin is not root and sudo is off/m);
    expect(text.match(/not root and sudo is off/g)!.length).toBeGreaterThanOrEqual(2);
  });
});
