// monitoring.expiry, proved on a node's bundle: its check runs in a mount namespace where the
// bundle is installed at its absolute paths (test/helpers/sandbox.sh), the metrics it writes are
// read by Debian's python3-prometheus-client text parser and each notAfter equals the
// certificate's own; the service and timer pass systemd-analyze verify.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {X509Certificate} from 'node:crypto';
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import {ROOT, run} from '../helpers/run.js';
import {generated, specWith, tempDir} from '../helpers/cluster.js';
import type {BuildReport} from '../../source/build/index.js';

const PARSE = `import json, sys
from prometheus_client.parser import text_string_to_metric_families
print(json.dumps([{"name": f.name, "type": f.type, "samples": [[s.name, s.labels, s.value] for s in f.samples]} for f in text_string_to_metric_families(sys.stdin.read())]))`;
type Family = {name: string; type: string; samples: [string, Record<string, string>, number][]};

const tmp = tempDir('kubepki-expiry-');
afterAll(() => tmp.remove());

let out: BuildReport & {dir: string; remove: () => void};
beforeAll(async () => {
  out = await generated(specWith(c => { c.pki.key = 'ecdsa-p256'; c.monitoring = {expiry: true}; }));
}, 60_000);
afterAll(() => out?.remove());

/** Runs the node's installed check in its sandbox; stdout is the .prom file it wrote, stderr what it logged. */
function runCheck(node: string, env = '', prepare = '') {
  const work = join(tmp.path, `work-${node}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(work);
  const hosts = join(tmp.path, 'hosts');
  writeFileSync(hosts, '127.0.0.1 localhost\n');
  const inside = `${prepare}${env} sh /etc/kubepki/expiry-check; echo "exit=$?" >&2; cat /var/lib/prometheus/node-exporter/kubepki-expiry.prom`;
  const r = run('sh', [join(ROOT, 'test/helpers/sandbox.sh'), node, join(out.dir, 'nodes', node), work, hosts, 'sh', '-c', inside]);
  rmSync(work, {recursive: true, force: true});
  return r;
}
const parsed = (text: string): Family[] => JSON.parse(run('/usr/bin/python3', ['-c', PARSE], {input: text}).stdout || '[]');
const epoch = (cert: X509Certificate, field: 'validTo' | 'validFrom') => Math.floor(Date.parse(cert[field]) / 1000);

/** The certificate a node's file holds: a .crt, or the client certificate inside a kubeconfig. */
function certificateAt(node: string, path: string): X509Certificate {
  const text = readFileSync(join(out.dir, 'nodes', node, path), 'utf8');
  if (path.endsWith('.crt')) return new X509Certificate(text);
  return new X509Certificate(Buffer.from(parse(text).users[0].user['client-certificate-data'], 'base64'));
}

describe('the expiry check on a node\'s bundle', () => {
  it.each(['cp1', 'worker1'])('%s: metrics a real Prometheus parser reads, one per certificate and kubeconfig the node holds, each notAfter the certificate\'s own', node => {
    const check = out.plan.monitoring!.checks.find(c => c.node === node)!;
    expect(check.certificates.length).toBeGreaterThan(0);
    const r = runCheck(node);
    expect(r.stderr).toBe('exit=0\n'); // nothing below 30 days: nothing logged
    const families = parsed(r.stdout);
    expect(families.map(f => [f.name, f.type])).toEqual([
      ['x509_cert_not_after', 'gauge'], ['x509_cert_not_before', 'gauge'], ['x509_cert_expired', 'gauge'], ['x509_read_errors', 'gauge'],
    ]);
    const of = (name: string) => families.find(f => f.name === name)!.samples;
    const expected = [...check.certificates, ...check.kubeconfigs].sort();
    expect(of('x509_cert_not_after').map(([, labels]) => labels.filepath).sort()).toEqual(expected);
    for (const [, labels, value] of of('x509_cert_not_after')) {
      const cert = certificateAt(node, labels.filepath!);
      expect(value, labels.filepath).toBe(epoch(cert, 'validTo'));
      expect(labels.filename).toBe(labels.filepath!.split('/').pop());
      expect(labels.subject_CN).toBe(/CN=([^\n]*)/.exec(cert.subject)![1]);
      expect(labels.issuer_CN).toBe(/CN=([^\n]*)/.exec(cert.issuer)![1]);
      if (!labels.filepath!.endsWith('.crt')) expect(labels).toMatchObject({embedded_kind: 'user', embedded_key: labels.subject_CN});
    }
    for (const [, labels, value] of of('x509_cert_not_before')) expect(value, labels.filepath).toBe(epoch(certificateAt(node, labels.filepath!), 'validFrom'));
    expect(of('x509_cert_expired').map(([, , v]) => v)).toEqual(expected.map(() => 0));
    expect(of('x509_read_errors')).toEqual([['x509_read_errors', {}, 0]]);
    if (node === 'worker1') {
      // KEP-4872's kubelet serving subject, as the exporter's labels show it.
      expect(of('x509_cert_not_after').find(([, l]) => l.filepath === '/var/lib/kubelet/pki/kubelet.crt')![1]).toMatchObject({subject_CN: 'system:node:worker1', subject_O: 'system:nodes'});
    }
  }, 60_000);

  it('below the threshold each file is a warning for the journal; a missing file is an error, counted, and the run fails', () => {
    const warned = runCheck('cp1', 'KUBEPKI_EXPIRY_WARN_DAYS=400');
    const lines = warned.stderr.trim().split('\n');
    const check = out.plan.monitoring!.checks.find(c => c.node === 'cp1')!;
    const leaves = [...check.certificates, ...check.kubeconfigs].filter(p => certificateAt('cp1', p).ca === false);
    expect(lines.filter(l => l.startsWith('<4>kubepki-expiry: ')).map(l => l.split(' ')[1]).sort()).toEqual(leaves.sort());
    expect(lines.at(-1)).toBe('exit=0');
    const missing = runCheck('cp1', '', 'rm /etc/kubernetes/pki/front-proxy-client.crt; ');
    expect(missing.stderr).toContain('<3>kubepki-expiry: /etc/kubernetes/pki/front-proxy-client.crt: missing or unreadable\n');
    expect(missing.stderr.trim().split('\n').at(-1)).toBe('exit=1');
    expect(parsed(missing.stdout).find(f => f.name === 'x509_read_errors')!.samples[0]![2]).toBe(1);
  }, 60_000);

  it('the service and the timer pass systemd-analyze verify, and every node\'s bundle has them', () => {
    const m = out.plan.monitoring!;
    for (const node of out.plan.nodes) {
      const targets = out.plan.bundles[node.name]!.map(f => f.target);
      expect(targets).toEqual(expect.arrayContaining([m.service.target, m.timer.target, '/etc/kubepki/expiry-check']));
    }
    const units = join(tmp.path, 'units');
    mkdirSync(units);
    for (const f of [m.service, m.timer]) writeFileSync(join(units, f.target.split('/').pop()!), readFileSync(join(out.dir, 'nodes/cp1', f.target)));
    const r = run('systemd-analyze', ['verify', join(units, 'kubepki-expiry.service'), join(units, 'kubepki-expiry.timer')]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    // The same verify refuses a broken timer: it does check.
    writeFileSync(join(units, 'kubepki-expiry.timer'), readFileSync(join(units, 'kubepki-expiry.timer'), 'utf8').replace('OnCalendar=daily', 'OnCalendar=dayly'));
    expect(run('systemd-analyze', ['verify', join(units, 'kubepki-expiry.timer')]).status).not.toBe(0);
  });

  it('OUT/monitoring holds the PrometheusRule alerting 30 and 7 days ahead, on the exporter\'s metric', () => {
    const rule = parse(readFileSync(join(out.dir, 'monitoring/prometheus-rule.yaml'), 'utf8'));
    expect([rule.apiVersion, rule.kind]).toEqual(['monitoring.coreos.com/v1', 'PrometheusRule']);
    const rules = rule.spec.groups[0].rules;
    expect(rules.map((r: {alert: string; expr: string; labels: {severity: string}}) => [r.alert, r.expr, r.labels.severity])).toEqual([
      ['KubernetesCertificateExpiresIn30Days', 'x509_cert_not_after - time() < 30 * 86400', 'warning'],
      ['KubernetesCertificateExpiresIn7Days', 'x509_cert_not_after - time() < 7 * 86400', 'critical'],
      ['KubernetesCertificateUnreadable', 'x509_read_errors > 0', 'warning'],
    ]);
  });
});
