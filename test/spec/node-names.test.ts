// Node names are DNS subdomains, as Kubernetes takes them (ip-10-0-0-2.ec2.internal): accepted
// everywhere a node name goes, the files named after them stay plain, a common name longer than
// RFC 5280's 64 characters is warned about (and still issued), and errors name the node.
import {afterAll, describe, expect, it} from 'vitest';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {formatIssue, validate} from '../../source/spec/validate.js';
import {buildPlan} from '../../source/plan/plan.js';
import {InputError} from '../../source/spec/errors.js';
import {draftFromSpec, issuesByField} from '../../source/interview/draft.js';
import {nodeErrors, nodeProblems} from '../../source/interview/checks.js';
import {runPlain} from '../../source/plain/plain.js';
import {exampleSpec} from '../../source/spec/example.js';
import {PassThrough} from 'node:stream';
import {generated, specWith, tempDir} from '../helpers/cluster.js';
import {kubepki, openssl, run} from '../helpers/run.js';

type Config = Record<string, any>;
function messages(mutate: (c: Config) => void): string[] {
  const config: Config = structuredClone(EXAMPLE_CONFIG);
  mutate(config);
  const result = validate(config);
  return result.ok ? [] : result.issues.map(formatIssue);
}

const EC2 = 'ip-10-0-0-2.ec2.internal';
const label = (n: number, c = 'a') => c.repeat(n);

describe('node names are DNS subdomains', () => {
  it('accepts dotted names, a 63-character label and a 253-character name', () => {
    const long = [label(63), label(63, 'b'), label(63, 'c'), label(61, 'd')].join('.');
    expect(long).toHaveLength(253);
    expect(messages(c => { c.nodes[2].name = EC2; c.nodes[3].name = long; })).toEqual([]);
  });

  it.each([
    ['a label of 64 characters', `${label(64)}.example`],
    ['254 characters in all', [label(63), label(63, 'b'), label(63, 'c'), label(62, 'd')].join('.')],
    ['an empty label', 'worker..example'],
    ['a trailing dot', 'worker1.example.'],
    ['a leading dot', '.worker1'],
    ['a label ending in a dash', 'worker-.example'],
    ['an underscore', 'worker_1.example'],
    ['a slash (a path)', 'worker/../../etc'],
  ])('refuses %s, naming the field and the node', (_what, name) => {
    const found = messages(c => { c.nodes[2].name = name; });
    expect(found).toHaveLength(1);
    // The name is repeated beside the index up to the longest a node name can be.
    const shown = name.length <= 253 ? ` (${name})` : '';
    expect(found[0]!.startsWith(`nodes[2]${shown}.name: "${name.slice(0, 40)}`), found[0]).toBe(true);
    expect(found[0]).toMatch(/" is not a node name: a DNS subdomain/);
  });

  it('reads an upper-case name in lower case, as the kubelet registers its host name (component-helpers GetHostname lowers it); the same for the endpoint and DNS extra SANs (issue 20 item 11)', () => {
    const result = validate({...specWith(c => { c.nodes[2].name = 'Worker1.Example'; c.endpoint.host = 'LB.Example.COM'; c.extraSANs = ['API.Example.com', '*.Apps.Example.COM']; })});
    expect(result.ok, JSON.stringify(!result.ok && result.issues)).toBe(true);
    if (!result.ok) return;
    expect(result.spec.nodes[2]!.name).toBe('worker1.example');
    expect(result.spec.endpoint.host).toBe('lb.example.com');
    expect(result.spec.extraSANs).toEqual(['api.example.com', '*.apps.example.com']);
    // Two names that differ only in case are one node.
    const twice = messages(c => { c.nodes[2].name = 'CP1'; });
    expect(twice).toEqual(['nodes[2] (CP1).name: "cp1" is already the name of nodes[0]']);
  });

  it.each([
    ['https://lb.example.com:6443', '"https://lb.example.com:6443" is not a host: drop the scheme https:// and the port :6443; write "lb.example.com" (the port goes in endpoint.port: 6443)'],
    ['LB.example.com:443', '"LB.example.com:443" is not a host: drop the port :443; write "lb.example.com" (the port goes in endpoint.port: 443)'],
    ['https://10.0.0.5/', '"https://10.0.0.5/" is not a host: drop the scheme https:// and the path; write "10.0.0.5"'],
    ['[fd00::5]:6443', '"[fd00::5]:6443" is not a host: drop the port :6443; write "fd00::5" (the port goes in endpoint.port: 6443)'],
    ['lb_1!', '"lb_1!" is neither an IPv4/IPv6 address nor a DNS name'],
  ])('an endpoint %s: says how to write it (issue 20 item 11)', (host, message) => {
    expect(messages(c => { c.endpoint.host = host; })).toEqual([`endpoint.host: ${message}`]);
  });

  it('the wizard and plain mode take the same names through the shared checks, and name the node in errors', () => {
    const draft = draftFromSpec(specWith());
    expect(nodeErrors(draft, 2, {name: EC2, ip: '192.168.56.23', roles: ['worker']})).toEqual({});
    expect(nodeErrors(draft, 2, {name: 'w_1', ip: '192.168.56.23', roles: ['worker']})['nodes[2].name']).toMatch(/is not a node name/);
    expect(nodeProblems(draft, 3, {name: 'worker9', ip: '192.168.56.23', roles: ['worker']}))
      .toEqual(['nodes[3] (worker9).ip: "192.168.56.23" is already the IP of nodes[2] (worker1)']);
    const result = validate({nodes: [{name: 'cp1', ip: '10.0.0.1', roles: ['control-plane']}, {name: 'worker4', ip: '10.0.0.300', roles: ['worker']}]});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(issuesByField(result.issues)).toEqual({'nodes[1] (worker4).ip': '"10.0.0.300" is not an IPv4 or IPv6 address'});
  });

  it('plain mode prints a node\'s error with the node named, right after the answer', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', d => { text += d.toString(); });
    // Cluster name, endpoint host and port kept; in the node menu 5) is "Edit worker1"; its name kept, a bad IP, roles kept.
    input.end(['', '', '', '5', '', '10.0.0.300', ''].join('\n') + '\n');
    const outcome = await runPlain(exampleSpec(), {
      generate: () => { throw new Error('nothing is generated here'); },
      checkOut: () => undefined,
      context: {input, output},
    });
    expect(outcome.code).not.toBe(0); // the input ended before the questions did
    // Checked as it is given: the error follows the answer at once, before the roles are asked.
    expect(text).toContain('? Node IP [192.168.56.23]: 10.0.0.300\n✗ nodes[2] (worker1).ip: "10.0.0.300" is not an IPv4 or IPv6 address\n');
  });

  it('a name that does not print plainly is not repeated beside the index', () => {
    expect(messages(c => { c.nodes[1].name = 42; })).toEqual(['nodes[1].name: must be a non-empty string, got 42']);
  });
});

describe('files named after a dotted node', () => {
  it('kubeadm: its bundle directory and kubeadm configuration are named after it, and its scripts find it', async () => {
    const out = await generated(specWith(c => { c.pki.key = 'ecdsa-p256'; c.nodes[2].name = EC2; }));
    try {
      expect(readdirSync(join(out.dir, 'nodes')).sort()).toEqual(['cp1', 'cp2', EC2, 'worker2'].sort());
      expect(existsSync(join(out.dir, 'kubeadm', `${EC2}.yaml`))).toBe(true);
      const dry = run('bash', [join(out.dir, 'distribute.sh'), '--dry-run', EC2], {cwd: '/'});
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(`== ${EC2} (worker)`);
      expect(dry.stdout).toContain(`root@${EC2}`);
      expect(dry.stdout).toMatch(/dry run for 1 node\(s\): nothing was copied/);
      const steps = run('bash', [join(out.dir, 'kubeadm-steps.sh'), EC2], {cwd: '/'});
      expect(steps.status, steps.stderr).toBe(0);
      expect(steps.stdout).toContain(`## ${EC2}\n`);
    } finally {
      out.remove();
    }
  });

  it('hard-way: the node-named files and units directory take the dotted name', async () => {
    const out = await generated(specWith(c => { c.pki.key = 'ecdsa-p256'; c.pki.layout = 'hard-way'; c.nodes[2].name = EC2; }));
    try {
      const own = readdirSync(join(out.dir, 'pki', 'nodes', EC2));
      expect(own).toEqual(expect.arrayContaining([`${EC2}.crt`, `${EC2}.key`, `${EC2}.kubeconfig`]));
      expect(existsSync(join(out.dir, 'components', EC2))).toBe(true);
      const subject = openssl(['x509', '-in', join(out.dir, 'pki', 'nodes', EC2, `${EC2}.crt`), '-noout', '-subject', '-nameopt', 'RFC2253']);
      expect(subject.stdout.trim()).toBe(`subject=CN=system:node:${EC2},O=system:nodes`);
    } finally {
      out.remove();
    }
  });

  it('refuses a name whose kubeadm configuration would be another node\'s (a beside an external-etcd node a-etcd… a)', () => {
    const result = validate({
      nodes: [
        {name: 'cp1', ip: '10.0.0.1', roles: ['control-plane']},
        {name: 'db', ip: '10.0.0.2', roles: ['etcd']},
        {name: 'db-etcd', ip: '10.0.0.3', roles: ['worker']},
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    let lines: string[] = [];
    try { buildPlan(result.spec); } catch (error) { if (error instanceof InputError) lines = error.lines; else throw error; }
    expect(lines).toEqual(['nodes[2] (db-etcd).name: "db-etcd" cannot name a node here: its kubeadm configuration kubeadm/db-etcd.yaml would also be that of db; choose another name']);
  });
});

describe('a common name longer than 64 characters', () => {
  // 12 characters of system:node: + 53 = 65.
  const name = `${label(40)}.example.test`;
  expect(`system:node:${name}`.length).toBe(65);
  const tmp = tempDir('kubepki-cn-');
  afterAll(() => tmp.remove());

  it('is warned about in the plan, and issued: openssl verifies it and reads the whole name', async () => {
    const spec = specWith(c => { c.pki.key = 'ecdsa-p256'; c.nodes[0].name = name; c.endpoint.host = '192.168.56.21'; });
    const warnings = buildPlan(spec).warnings.filter(w => w.includes('RFC 5280'));
    expect(warnings).toEqual([expect.stringContaining(`The node name ${name} makes common names longer than the 64 characters RFC 5280 allows (kubelet-client: 65, kubelet-server: 65)`)]);
    // 52 characters: system:node:<name> is exactly 64, and nothing is said.
    expect(buildPlan(specWith(c => { c.nodes[0].name = `${label(39)}.example.test`; })).warnings.filter(w => w.includes('RFC 5280'))).toEqual([]);
    const out = await generated(spec);
    try {
      const cert = join(out.dir, 'pki', 'nodes', name, 'kubelet-client.crt');
      const verified = openssl(['verify', '-CAfile', join(out.dir, 'pki', 'ca.crt'), cert]);
      expect(verified.status, verified.stderr).toBe(0);
      const subject = openssl(['x509', '-in', cert, '-noout', '-subject', '-nameopt', 'RFC2253']);
      expect(subject.stdout.trim()).toBe(`subject=CN=system:node:${name},O=system:nodes`);
    } finally {
      out.remove();
    }
  });

  it('kubepki plan prints the warning; generate writes the files (exit 0)', () => {
    const config: Config = structuredClone(EXAMPLE_CONFIG);
    config.nodes[0].name = name;
    config.pki.key = 'ecdsa-p256';
    const file = join(tmp.path, 'long.yaml');
    writeFileSync(file, stringify(config));
    const plan = kubepki(['plan', '--config', file]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout + plan.stderr).toContain('longer than the 64 characters RFC 5280 allows');
    const gen = kubepki(['generate', '--config', file, '--out', join(tmp.path, 'out')]);
    expect(gen.status, gen.stderr).toBe(0);
    expect(readFileSync(join(tmp.path, 'out', 'manifest.json'), 'utf8')).toContain(name);
  });

  it('a bad node name from a config file: exit 2, the field and node named, nothing written', () => {
    const config: Config = structuredClone(EXAMPLE_CONFIG);
    config.nodes[3].name = 'worker_2.example';
    const parent = join(tmp.path, 'bad');
    mkdirSync(parent);
    const file = join(tmp.path, 'bad.yaml');
    writeFileSync(file, stringify(config));
    const gen = kubepki(['generate', '--config', file, '--out', join(parent, 'out')]);
    expect(gen.status).toBe(2);
    expect(gen.stderr).toMatch(/nodes\[3\] \(worker_2\.example\)\.name: "worker_2\.example" is not a node name/);
    expect(gen.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(parent)).toEqual([]);
  });
});
