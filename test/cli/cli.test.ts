import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {spawn} from 'node:child_process';
import {CLI, kubepki, run} from '../helpers/run.js';
import {waitFor} from '../helpers/processes.js';
import {LAYOUTS, TOPOLOGIES, tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-cli-');
afterAll(() => tmp.remove());

function exampleWith(name: string, mutate: (c: any) => void = () => {}): string {
  const example = kubepki(['example']);
  expect(example.status).toBe(0);
  const config = parse(example.stdout);
  mutate(config);
  const file = join(tmp.path, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

describe('command line basics', () => {
  it('--help and --version', () => {
    const help = kubepki(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/kubepki generate --config FILE --out DIR/);
    const version = kubepki(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('COMMAND --help prints that command\'s own help: usage, each flag of its usage explained, an example (issue 20 item 10)', () => {
    const overview = kubepki(['--help']).stdout;
    // Every command the overview lists has one.
    const listed = [...new Set([...overview.matchAll(/^ {2}kubepki ([a-z]+(?: (?:add|finish|renew|remove))?)\b/gm)].map(m => m[1]!))];
    expect(listed).toEqual(expect.arrayContaining(['example', 'plan', 'generate', 'verify', 'renew', 'user add', 'user finish', 'user renew', 'user remove', 'inspect']));
    for (const command of [...listed, 'user']) {
      const r = kubepki([...command.split(' '), '--help']);
      expect(r.status, command).toBe(0);
      expect(r.stdout, command).not.toBe(overview);
      expect(r.stdout, command).toMatch(new RegExp(`^Usage: kubepki ${command}( |\\n)`));
      expect(r.stdout, command).toMatch(command === 'user' ? /kubepki user add --help/ : /\nExamples?:\n {2}kubepki /);
      const usage = r.stdout.split('\n')[0]!;
      const flags = r.stdout.split(/\nFlags:\n/)[1] ?? '';
      for (const flag of usage.match(/--[a-z-]+/g) ?? []) {
        if (command !== 'user') expect(flags, `${command}: ${flag}`).toMatch(new RegExp(`^ {2}(-[a-z], )?\\s*${flag}\\b`, 'm'));
      }
    }
    // -h, and the flag anywhere on the line.
    expect(kubepki(['user', 'add', 'jane', '-h']).stdout).toMatch(/^Usage: kubepki user add NAME --group G/);
    expect(kubepki(['--help', 'renew']).stdout).toMatch(/^Usage: kubepki renew DIR/);
  });

  it('without a terminal and without --config, exits 2 at once naming --config and kubepki example', () => {
    const r = kubepki([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--config/);
    expect(r.stderr).toMatch(/kubepki example/);
  });

  it('rejects bad usage with exit 2', () => {
    expect(kubepki(['frobnicate']).status).toBe(2);
    expect(kubepki(['plan']).stderr).toMatch(/plan needs --config FILE/);
    expect(kubepki(['generate', '--config', 'x.yaml']).stderr).toMatch(/needs --out DIR/);
    expect(kubepki(['--bogus']).status).toBe(2);
    expect(kubepki(['verify']).status).toBe(2);
    // user renew and remove take what the manifest knows, not flags that would be ignored.
    const stray = kubepki(['user', 'remove', 'jane', '--out', 'somewhere', '--group', 'dev']);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/user remove takes no --group \(the user keeps the groups it was made with\)/);
    expect(kubepki(['user', 'renew', 'jane', '--out', 'somewhere', '--csr']).stderr).toMatch(/user renew takes no --csr \(a user is renewed the way it was made/);
    expect(kubepki(['user', 'remove', 'jane', '--out', 'somewhere', '--validity', '3d']).stderr).toMatch(/user remove takes no --validity \(nothing is issued\)/);
    expect(existsSync('somewhere')).toBe(false);
  });

  it('example is the seeds\' topology', () => {
    const config = parse(kubepki(['example']).stdout);
    expect(config.endpoint).toEqual({host: '192.168.56.20', port: 6443});
    expect(config.network.serviceCIDR).toBe('10.32.0.0/24');
    expect(config.nodes.map((n: any) => `${n.name}=${n.ip}`)).toEqual(['cp1=192.168.56.21', 'cp2=192.168.56.22', 'worker1=192.168.56.23', 'worker2=192.168.56.24']);
  });

  it('plan prints a table and --json the plan, writing nothing', () => {
    const config = exampleWith('plan');
    const table = kubepki(['plan', '--config', config]);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^FILE\s+CN\s+O\s+SIGNER\s+SANS\s+NODES$/);
    expect(table.stdout).toMatch(/apiserver-etcd-client\.crt\s+kube-apiserver-etcd-client\s+etcd-ca/);
    const json = JSON.parse(kubepki(['plan', '--config', config, '--json']).stdout);
    expect(json.certificates.find((c: any) => c.id === 'apiserver').ipAddresses).toContain('10.32.0.1');
    expect(readdirSync(tmp.path).filter(f => !f.endsWith('.yaml'))).toEqual([]);
  });
});

describe('small things a newcomer met (issue 20 item 11)', () => {
  it('generate prints the warnings plan prints (an even number of etcd members), before writing', () => {
    const config = exampleWith('even-etcd', c => {
      c.pki.key = 'ecdsa-p256';
      for (const node of c.nodes) if (!node.roles.includes('etcd')) node.roles.push('etcd');
    });
    const plan = kubepki(['plan', '--config', config]);
    const warnings = plan.stdout.split('\n').filter(l => l.startsWith('warning: '));
    expect(warnings.join('\n')).toMatch(/etcd members tolerate no more failures than \d+ would/);
    const gen = kubepki(['generate', '--config', config, '--out', join(tmp.path, 'even-etcd-out')]);
    expect(gen.status, gen.stderr).toBe(0);
    for (const w of warnings) expect(gen.stderr + gen.stdout).toContain(w);
    expect(gen.stderr).toContain(`kubepki: ${warnings.find(w => /etcd members/.test(w))}\n`);
  });

  it('usage errors quote what was typed with C1 controls and bidi overrides escaped (issue 21 item 11)', () => {
    for (const args of [['evil\u009b31m\u202e'], ['plan', '--config', 'x.yaml', 'stray\u202e'], ['user', 'add', 'x', 'y\u009b', '--out', 'o']]) {
      const r = kubepki(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
      expect(r.stderr).toMatch(/\\u(009b|202e)/);
    }
  });

  it('kubepki DIR on a directory kubepki did not write suggests kubepki inspect DIR', () => {
    const dir = join(tmp.path, 'hand made');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ca.crt'), '');
    const r = kubepki([dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`is not a kubepki output directory: it has no manifest.json or cluster.yaml (kubepki generate writes both). To read the PKI in it: kubepki inspect '${dir}'.`);
  });
});

describe('bad input: exit 2, the field named, nothing written', () => {
  const cases: [string, (c: any) => void, RegExp][] = [
    ['bad IP', c => { c.nodes[2].ip = '10.0.0.300'; }, /nodes\[2\] \(worker1\)\.ip: "10\.0\.0\.300" is not an IPv4 or IPv6 address/],
    ['duplicate name', c => { c.nodes[1].name = 'cp1'; }, /nodes\[1\] \(cp1\)\.name: "cp1" is already the name of nodes\[0\]/],
    ['unknown key', c => { c.pki.colour = 'red'; }, /pki\.colour: unknown key/],
    ['CA validity too short', c => { c.pki.validity.ca = '24h'; }, /pki\.validity\.ca: 24h is shorter/],
    ['wrong family', c => { c.network.serviceCIDR = 'fd00::/112'; }, /network\.serviceCIDR: .* is IPv6/],
  ];
  for (const [name, mutate, message] of cases) {
    it(name, () => {
      const config = exampleWith(`bad-${name.replaceAll(' ', '-')}`, mutate);
      const out = join(tmp.path, `out-bad-${name.replaceAll(' ', '-')}`);
      const r = kubepki(['generate', '--config', config, '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(tmp.path).filter(f => f.includes('kubepki-'))).toEqual([]);
    });
  }
  it('a missing file, a truncated file, a non-YAML file', () => {
    expect(kubepki(['plan', '--config', join(tmp.path, 'nope.yaml')]).stderr).toMatch(/nope\.yaml: cannot read the config: no such file/);
    const truncated = join(tmp.path, 'truncated.yaml');
    writeFileSync(truncated, readFileSync(exampleWith('full'), 'utf8').slice(0, 60) + '\n  - { name: cp1, ip: [');
    const r = kubepki(['plan', '--config', truncated]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/truncated\.yaml:\d+:\d+: not valid YAML/);
    const binary = join(tmp.path, 'binary.yaml');
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x3a, 0x3a, 0x7b]));
    expect(kubepki(['plan', '--config', binary]).status).toBe(2);
  });
});

describe.each(TOPOLOGIES.flatMap(t => LAYOUTS.map(l => [t, l] as const)))('example → generate → verify.sh → verify: %s, %s', (topology, layout) => {
  it('all succeed', () => {
    const config = exampleWith(`${topology}-${layout}`, c => { c.pki.authorities = topology; c.pki.layout = layout; });
    const out = join(tmp.path, `out-${topology}-${layout}`);
    const gen = kubepki(['generate', '--config', config, '--out', out, '--verbose']);
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout).toMatch(/openssl verify -CAfile pki\/ca\.crt -purpose sslserver/);
    expect(gen.stdout).toContain('scp -rp nodes/worker1 "root@worker1:$TMP/"');
    expect(gen.stderr).toMatch(/generating keys \d+\/\d+/);
    for (const f of ['cluster.yaml', 'manifest.json', 'verify.sh', 'distribute.sh', 'pki', 'nodes']) expect(existsSync(join(out, f)), f).toBe(true);
    const script = run('bash', [join(out, 'verify.sh')], {cwd: tmp.path});
    expect(script.status, script.stderr).toBe(0);
    expect(script.stdout).toMatch(/verify\.sh: all \d+ checks passed/);
    const verify = kubepki(['verify', out]);
    expect(verify.status, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(/All \d+ files and bundles above passed/);
    // cluster.yaml runs again to the same plan
    expect(kubepki(['plan', '--config', join(out, 'cluster.yaml'), '--json']).stdout).toBe(kubepki(['plan', '--config', config, '--json']).stdout);
  });
});

describe.each(['ecdsa-p256', 'ecdsa-p384'])('%s: plan says so, generate → verify.sh → verify', key => {
  it('all succeed, and verify names the key type', () => {
    const config = exampleWith(`key-${key}`, c => { c.pki.key = key; });
    const label = key === 'ecdsa-p256' ? 'ECDSA P-256' : 'ECDSA P-384';
    const plan = kubepki(['plan', '--config', config]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`1 service-account key pair; \\d+ ${label} keys to generate\\.`));
    const out = join(tmp.path, `out-${key}`);
    const gen = kubepki(['generate', '--config', config, '--out', out]);
    expect(gen.status, gen.stderr).toBe(0);
    expect(readFileSync(join(out, 'pki/sa.key'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    const script = run('bash', [join(out, 'verify.sh')], {cwd: tmp.path});
    expect(script.status, script.stderr).toBe(0);
    const verify = kubepki(['verify', out]);
    expect(verify.status, verify.stdout).toBe(0);
    expect(verify.stdout).toContain(`${label} key matches`);
  });
});

describe('generate under other umasks, and its timings', () => {
  it.each(['077', '000', '027'])('umask %s: keys and kubeconfigs 600, certificates 644, directories 700', mask => {
    const config = exampleWith(`umask-${mask}`, c => { c.pki.key = 'ecdsa-p256'; });
    const out = join(tmp.path, `out-umask-${mask}`);
    const r = run('sh', ['-c', `umask ${mask} && exec "$0" "$@"`, process.execPath, CLI, 'generate', '--config', config, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const modes = new Map<string, number>();
    const walk = (rel: string) => {
      const info = statSync(join(out, rel));
      modes.set(rel, info.mode & 0o777);
      if (info.isDirectory()) for (const e of readdirSync(join(out, rel))) walk(rel ? `${rel}/${e}` : e);
    };
    walk('');
    expect(modes.get('pki/ca.key')).toBe(0o600);
    expect(modes.get('pki/ca.crt')).toBe(0o644);
    expect(modes.get('nodes/cp1/etc/kubernetes/kubelet.conf')).toBe(0o600);
    expect(modes.get('nodes/cp1/etc/kubernetes/pki/ca.crt')).toBe(0o644);
    expect(modes.get('nodes/worker1/etc/kubernetes/kubeadm-config.yaml')).toBe(0o600);
    expect(modes.get('verify.sh')).toBe(0o700);
    const dirs = [...modes].filter(([rel]) => statSync(join(out, rel)).isDirectory());
    expect(dirs.length).toBeGreaterThan(10);
    for (const [rel, mode] of dirs) expect(mode, rel).toBe(0o700);
    const verify = kubepki(['verify', out]);
    expect(verify.status, verify.stdout).toBe(0);
  });

  it('KUBEPKI_TIMINGS=1 prints where the time went as one JSON line', () => {
    const config = exampleWith('timings', c => { c.pki.key = 'ecdsa-p256'; });
    const r = run(process.execPath, [CLI, 'generate', '--config', config, '--out', join(tmp.path, 'out-timings')], {env: {...process.env, KUBEPKI_TIMINGS: '1'}});
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(/^timings (\{.*\})$/m.exec(r.stderr)![1]!);
    expect(Object.keys(t).sort()).toEqual(['build', 'engine', 'keygen', 'kubeconfig', 'otherWork', 'plan', 'report', 'sign', 'startup', 'waiting']);
    for (const k of ['startup', 'engine', 'keygen', 'build', 'sign', 'kubeconfig']) expect(t[k], k).toBeGreaterThan(0);
    expect(t.keygen + t.build + t.sign + t.kubeconfig + t.otherWork).toBeLessThanOrEqual(t.engine + 1);
    expect(kubepki(['generate', '--config', config, '--out', join(tmp.path, 'out-no-timings')]).stderr).not.toMatch(/^timings/m);
  });
});

describe('a tampered directory fails both checks', () => {
  let out: string;
  let foreign: string;
  beforeAll(() => {
    const config = exampleWith('tamper');
    out = join(tmp.path, 'out-tamper');
    foreign = join(tmp.path, 'out-foreign');
    expect(kubepki(['generate', '--config', config, '--out', out]).status).toBe(0);
    expect(kubepki(['generate', '--config', config, '--out', foreign]).status).toBe(0);
  });

  it('a certificate from a foreign CA', () => {
    const copy = join(tmp.path, 'copy-foreign');
    cpSync(out, copy, {recursive: true});
    cpSync(join(foreign, 'pki/apiserver.crt'), join(copy, 'pki/apiserver.crt'));
    const script = run('bash', [join(copy, 'verify.sh')], {cwd: '/'});
    expect(script.status).not.toBe(0);
    expect(script.stderr).toMatch(/^FAIL pki\/apiserver\.crt: .*unable to get local issuer certificate/m);
    const verify = kubepki(['verify', copy]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/pki\/apiserver\.crt\s+apiserver\s+FAIL\s+not signed by ca/);
  });

  it('a key that does not match, and a worker holding a CA key', () => {
    const copy = join(tmp.path, 'copy-key');
    cpSync(out, copy, {recursive: true});
    cpSync(join(foreign, 'pki/nodes/worker1/kubelet.key'), join(copy, 'pki/nodes/worker1/kubelet.key'));
    mkdirSync(join(copy, 'nodes/worker1/etc/kubernetes/pki'), {recursive: true});
    const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8'));
    manifest.nodes.worker1.files.push({path: '/etc/kubernetes/pki/ca.key', source: 'pki/ca.key', secret: true});
    cpSync(join(copy, 'pki/ca.key'), join(copy, 'nodes/worker1/etc/kubernetes/pki/ca.key'));
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifest));
    const script = run('bash', [join(copy, 'verify.sh')]);
    expect(script.stderr).toMatch(/FAIL pki\/nodes\/worker1\/kubelet\.key: private key does not match certificate/);
    const verify = kubepki(['verify', copy]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/kubelet-server \(worker1\)\s+FAIL/);
    expect(verify.stdout).toMatch(/nodes\/worker1\s+bundle\s+FAIL\s+must not hold CA key \/etc\/kubernetes\/pki\/ca\.key/);
  });
});

describe('existing output', () => {
  it('is refused without --force and left untouched; --force keeps the CAs', () => {
    const config = exampleWith('force');
    const out = join(tmp.path, 'out-force');
    expect(kubepki(['generate', '--config', config, '--out', out]).status).toBe(0);
    const ca = readFileSync(join(out, 'pki/ca.key'), 'utf8');
    const etcdCa = readFileSync(join(out, 'pki/etcd/ca.crt'), 'utf8');
    const apiserver = readFileSync(join(out, 'pki/apiserver.crt'), 'utf8');

    const refused = kubepki(['generate', '--config', config, '--out', out]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/already holds files; nothing was changed.*--update.*--force/);
    expect(readFileSync(join(out, 'pki/apiserver.crt'), 'utf8')).toBe(apiserver);

    const forced = kubepki(['generate', '--config', config, '--out', out, '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/Kept the existing CA ca/);
    expect(readFileSync(join(out, 'pki/ca.key'), 'utf8')).toBe(ca);
    expect(readFileSync(join(out, 'pki/etcd/ca.crt'), 'utf8')).toBe(etcdCa);
    expect(readFileSync(join(out, 'pki/apiserver.crt'), 'utf8')).not.toBe(apiserver);
    expect(kubepki(['verify', out]).status).toBe(0);
    expect(readdirSync(tmp.path).filter(f => f.includes('kubepki-'))).toEqual([]);

    // Switching to one CA would drop etcd-ca's key: refused.
    const single = exampleWith('force-single', c => { c.pki.authorities = 'single'; });
    const dropped = kubepki(['generate', '--config', single, '--out', out, '--force']);
    expect(dropped.status).toBe(2);
    expect(dropped.stderr).toMatch(/holds CA etcd-ca .* would lose that key/);
  });

  it('refuses to replace a directory kubepki did not write, even with --force', () => {
    const out = join(tmp.path, 'someone-elses');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = kubepki(['generate', '--config', exampleWith('other'), '--out', out, '--force']);
    expect(r.status).toBe(2);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('interrupting generate', () => {
  it('SIGINT exits 130 and leaves neither OUT nor a staging directory', async () => {
    const config = exampleWith('slow', c => { c.pki.key = 'rsa-4096'; });
    const parent = join(tmp.path, 'interrupt');
    mkdirSync(parent);
    const child = spawn(process.execPath, [CLI, 'generate', '--config', config, '--out', join(parent, 'out')], {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', d => { stderr += d; });
    await waitFor('key generation to start', () => /generating keys \d+\/\d+/.test(stderr) || child.exitCode !== null, 20_000, 20);
    child.kill('SIGINT');
    const code = await new Promise(resolve => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted \(SIGINT\); the unfinished files were removed and .* was not created/);
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('distribute.sh', () => {
  it('ships only the named node, in dry-run, and never a CA key to a worker', () => {
    const out = join(tmp.path, 'out-distribute');
    expect(kubepki(['generate', '--config', exampleWith('dist'), '--out', out]).status).toBe(0);
    const r = run('bash', [join(out, 'distribute.sh'), '--dry-run', '--root', '/stage/{node}', 'worker1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('scp -rp nodes/worker1 root@worker1:$TMP/');
    expect(r.stdout).toMatch(/^ssh root@worker1 bash -s -- \S+ \/stage\/worker1 /m);
    expect(r.stdout).toContain('  | put 0600 /var/lib/kubelet/pki/kubelet.key');
    expect(r.stdout).toContain('  | put 0644 /var/lib/kubelet/pki/kubelet.crt');
    expect(r.stdout).not.toMatch(/cp1|ca\.key/);
    expect(run('bash', [join(out, 'distribute.sh'), 'nosuchnode']).status).toBe(2);
    const help = run('bash', ['out-distribute/distribute.sh', '--help'], {cwd: tmp.path});
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Generated by kubepki/);
    expect(help.stdout).toMatch(/--root DIR/);
    expect(help.stdout).not.toMatch(/shellcheck|set -euo/);
  });
});
