// KEP-4872: kubelet serving certificates named system:node:<node>, O=system:nodes; inspect warns
// about CA-signed ones that are not (a check of its own, source/inspect/kubelet-serving.ts).
import {afterAll, describe, expect, it} from 'vitest';
import {join} from 'node:path';
import {inspectPaths} from '../../source/inspect/inspect.js';
import {specWith, tempDir, generated} from '../helpers/cluster.js';
import {run} from '../helpers/run.js';

const tmp = tempDir('kubepki-kubelet-serving-');
afterAll(() => tmp.remove());

describe('kubelet serving certificates and KEP-4872', () => {
  it('inspect warns about a CA-signed kubelet serving certificate whose CN is the bare node name, and not about system:node:<name>, O=system:nodes', () => {
    const dir = join(tmp.path, 'node');
    const issue = (name: string, subject: string) => `openssl req -newkey rsa:2048 -nodes -keyout ${name}.key -subj '${subject}' 2>/dev/null | openssl x509 -req -CA ca.crt -CAkey ca.key -days 365 -out ${name}.crt -extfile <(printf 'basicConstraints=critical,CA:FALSE\\nextendedKeyUsage=serverAuth\\nsubjectAltName=DNS:node01,IP:10.0.0.11\\n') 2>/dev/null`;
    const sh = `set -e; mkdir -p ${dir}/old ${dir}/new; cd ${dir}
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj /CN=kubernetes -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
      cp ca.crt old/; cp ca.crt new/
      ${issue('old/kubelet', '/CN=node01')}
      ${issue('new/kubelet', '/O=system:nodes/CN=system:node:node01')}`;
    expect(run('bash', ['-c', sh]).status).toBe(0);
    const findings = (sub: string) => inspectPaths([join(dir, sub)]).findings.filter(f => f.file === 'kubelet.crt').map(f => `${f.severity}: ${f.message}`);
    expect(findings('old')).toEqual([expect.stringMatching(/^warning: CN is node01, not system:node:node01 and O is not system:nodes: KEP-4872 \(feature gate KubeletCertCNValidation\) lets kube-apiserver refuse/)]);
    expect(findings('new')).toEqual([]);
    // Recognised as a kubelet's serving certificate, not as its client one (same subject).
    expect(inspectPaths([join(dir, 'new')]).certificates.find(c => c.file === 'kubelet.crt')!.role).toMatchObject({id: 'kubelet-server', nodes: ['node01']});
  });

  it('kubepki issues them as system:node:<name>, O=system:nodes in both layouts, and inspect finds nothing to say about them', async () => {
    for (const layout of ['kubeadm', 'hard-way'] as const) {
      const g = await generated(specWith(c => { c.pki.layout = layout; c.pki.authorities = layout === 'kubeadm' ? 'kubeadm' : 'single'; c.pki.key = 'ecdsa-p256'; }));
      try {
        const servers = g.plan.certificates.filter(c => c.id === 'kubelet-server');
        expect(servers.length).toBeGreaterThan(0);
        for (const s of servers) {
          const subject = run('openssl', ['x509', '-in', join(g.dir, s.cert), '-noout', '-subject', '-nameopt', 'RFC2253']).stdout.trim();
          expect(subject).toBe(`subject=CN=system:node:${s.node},O=system:nodes`);
        }
        const report = inspectPaths([g.dir]);
        expect(report.findings.filter(f => /KEP-4872/.test(f.message))).toEqual([]);
      } finally {
        g.remove();
      }
    }
  }, 60_000);
});
