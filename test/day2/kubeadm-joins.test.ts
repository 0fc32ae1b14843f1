// kubeadm after day one: a node added by --update joins with a fresh token of its own, made first
// on a running control-plane node (issue 22, item 2); kubeadm-steps.sh --run checks where it runs
// and uses sudo as a user other than root (issue 20, item 11).
import {afterAll, describe, expect, it} from 'vitest';
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {kubepki, run} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';
import {differing, snapshot} from '../helpers/snapshot.js';

const tmp = tempDir('kubepki-joins-');
afterAll(() => tmp.remove());

function generate(name: string): string {
  const config = parse(kubepki(['example']).stdout);
  config.pki.key = 'ecdsa-p256';
  const file = join(tmp.path, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  const out = join(tmp.path, name);
  const r = kubepki(['generate', '--config', file, '--out', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

const tokenOf = (text: string) => /^\s+token: (\S+)$/m.exec(text)?.[1];

describe('kubeadm joins after day one', () => {
  it('--update gives an added worker a fresh token, printed with the line that creates it before the join; the others stay byte-identical', () => {
    const out = generate('add');
    const config = parse(readFileSync(join(out, 'cluster.yaml'), 'utf8'));
    config.nodes.push({name: 'worker3', ip: '192.168.56.25', roles: ['worker']});
    writeFileSync(join(out, 'cluster.yaml'), stringify(config));
    const before = snapshot(out);
    const r = kubepki(['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update']);
    expect(r.status, r.stderr).toBe(0);
    const after = snapshot(out);
    const first = before.get('kubeadm/bootstrap-token')!.trim();
    const token = tokenOf(after.get('kubeadm/worker3.yaml')!)!;
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(token).not.toBe(first);
    // Every configuration that was there is byte-identical, and the init token file too.
    expect(differing(before, after).filter(p => p.startsWith('kubeadm/'))).toEqual(['kubeadm/worker3.yaml']);
    // The update's report: the token line on cp1, then worker3's join.
    const create = `kubeadm token create ${token} --ttl 24h --description 'kubepki: join of worker3'`;
    expect(r.stdout).toContain(`## worker3\n# first, on cp1 (a running control-plane node): ${create}\nkubeadm join --config /etc/kubernetes/kubeadm-config.yaml`);
    const steps = run('bash', [join(out, 'kubeadm-steps.sh'), 'worker3']);
    expect(steps.stdout).toContain(create);
    expect(steps.stdout.indexOf(create)).toBeLessThan(steps.stdout.indexOf('kubeadm join'));
    expect(readFileSync(join(out, 'kubeadm-steps.sh'), 'utf8')).toMatch(/A bootstrap token lives 24h .*\n.*kubeadm token create --ttl 24h/);
    // The first workers still name the init token.
    expect(tokenOf(after.get('kubeadm/worker1.yaml')!)).toBe(first);

    // Another update with nothing changed keeps worker3's token: its configuration is byte-identical.
    const again = kubepki(['generate', '--config', join(out, 'cluster.yaml'), '--out', out, '--update']);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'kubeadm/worker3.yaml'), 'utf8')).toBe(after.get('kubeadm/worker3.yaml'));
  });

  it('kubeadm-steps.sh --run NODE refuses another host, and runs each step with sudo -n as a user other than root', () => {
    const out = generate('run');
    const bin = join(tmp.path, 'bin');
    mkdirSync(bin, {recursive: true});
    const log = join(tmp.path, 'calls.log');
    const tool = (name: string, body: string) => { writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`); chmodSync(join(bin, name), 0o755); };
    tool('kubeadm', `echo "kubeadm $* as \${AS:-root}" >> ${log}`);
    tool('sudo', `[ "$1" = -n ] && shift; AS=sudo exec "$@"`);
    tool('hostname', 'echo "${FAKE_HOST:-elsewhere}"');
    tool('id', 'echo "${FAKE_UID:-0}"');
    const env = {...process.env, PATH: `${bin}:${process.env.PATH}`};

    const wrong = run('bash', [join(out, 'kubeadm-steps.sh'), '--run', 'worker1'], {env});
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('these are worker1\'s steps, and this is elsewhere: run them on worker1');
    expect(() => readFileSync(log)).toThrow();

    const there = run('bash', [join(out, 'kubeadm-steps.sh'), '--run', 'worker1'], {env: {...env, FAKE_HOST: 'worker1.lab.example', FAKE_UID: '1000'}});
    expect(there.status, there.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('kubeadm join --config /etc/kubernetes/kubeadm-config.yaml as sudo\n');

    writeFileSync(log, '');
    const anyHost = run('bash', [join(out, 'kubeadm-steps.sh'), '--run', '--any-host', 'cp1'], {env});
    expect(anyHost.status, anyHost.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('kubeadm init --config /etc/kubernetes/kubeadm-config.yaml as root\n');
    expect(run('shellcheck', [join(out, 'kubeadm-steps.sh')]).status).toBe(0);
  });
});
