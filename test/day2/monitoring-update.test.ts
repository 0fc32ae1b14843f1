// generate --update that turns monitoring.expiry on or off, or adds a node while it is on:
// distribute.sh installs files but never enables a timer or removes a file, so the update says
// what to run on the nodes (and for Prometheus), as generate does for a new OUT.
import {afterAll, describe, expect, it} from 'vitest';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {kubepki} from '../helpers/run.js';
import {tempDir} from '../helpers/cluster.js';

const tmp = tempDir('kubepki-monitoring-update-');
afterAll(() => tmp.remove());

const ENABLE = 'systemctl daemon-reload && systemctl enable --now kubepki-expiry.timer';

function update(out: string, edit: (yaml: string) => string): string {
  const file = join(out, 'cluster.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  const r = kubepki(['generate', '--config', file, '--out', out, '--update']);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('generate --update and monitoring.expiry', () => {
  it('on: every node enables the timer and the rule is applied; a new node: it enables it; off: the nodes stop and remove it', () => {
    const config = join(tmp.path, 'cluster.yaml');
    writeFileSync(config, kubepki(['example']).stdout.replace('rsa-2048', 'ecdsa-p256'));
    const out = join(tmp.path, 'out');
    expect(kubepki(['generate', '--config', config, '--out', out]).status).toBe(0);

    const on = update(out, y => `${y}monitoring: {expiry: true}\n`);
    expect(on).toContain('# Expiry monitoring: on every node, after distribute.sh');
    expect(on).toContain(`\n${ENABLE}\n`);
    expect(on).toContain(`kubectl apply -f ${out}/monitoring/prometheus-rule.yaml`);

    const joined = update(out, y => y.replace(/( {2}- \{ name: worker2.*\n)/, '$1  - { name: worker3, ip: 192.168.56.25, roles: [worker] }\n'));
    expect(joined).toContain('# Expiry monitoring: on the new node worker3, after distribute.sh');
    expect(joined).toContain(`\n${ENABLE}\n`);

    const unchanged = update(out, y => y);
    expect(unchanged).not.toContain('Expiry monitoring');

    const off = update(out, y => y.replace(/^monitoring:.*\n/m, ''));
    expect(off).toContain('# Expiry monitoring is off: distribute.sh removes nothing');
    expect(off).toContain('systemctl disable --now kubepki-expiry.timer; rm -f /etc/kubepki/expiry-check /etc/systemd/system/kubepki-expiry.service /etc/systemd/system/kubepki-expiry.timer /var/lib/prometheus/node-exporter/kubepki-expiry.prom && systemctl daemon-reload');
    expect(off).toContain('kubectl delete prometheusrule kubepki-certificate-expiry');
  }, 90_000);
});
