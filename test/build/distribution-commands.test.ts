// The per-node lines the wizard, plain mode and `generate --verbose` print: pasted into a shell,
// they do what distribute.sh does for that node, backing up a file they replace (issue 20, item 3).
import {afterAll, describe, expect, it} from 'vitest';
import {chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {finalReport} from '../../source/build/report.js';
import {generated, specWith, tempDir} from '../helpers/cluster.js';
import {run} from '../helpers/run.js';

const tmp = tempDir('kubepki-by-hand-');
afterAll(() => tmp.remove());

describe('the printed distribution lines', () => {
  it('pasted for one node: a private copy, each file with its mode, a replaced file backed up, the copy removed', async () => {
    const out = await generated(specWith(c => { c.pki.key = 'ecdsa-p256'; }));
    try {
      const report = finalReport(out);
      const lines = report.split('\n');
      const start = lines.indexOf('## worker1');
      const block = lines.slice(start + 1, lines.indexOf('STEPS', start) + 1);
      expect(block.join('\n')).not.toMatch(/^ssh .*install /m);
      // Stand-ins: ssh runs the remote command here, under ROOT instead of / (the '' root argument),
      // and scp copies locally; mktemp's private directory is a real one.
      const root = join(tmp.path, 'root');
      const bin = join(tmp.path, 'bin');
      mkdirSync(bin, {recursive: true});
      const tool = (name: string, body: string) => { writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`); chmodSync(join(bin, name), 0o755); };
      tool('ssh', `shift; cmd="$*"; cmd=\${cmd//"''"/"${root}"}; exec bash -c "$cmd"`);
      tool('scp', 'dest=${@: -1}; exec cp -rp "${@: -2:1}" "${dest#*:}"');
      // worker1 already has a different kubelet.crt: it must be kept as a .bak.
      const kubelet = join(root, 'var/lib/kubelet/pki/kubelet.crt');
      mkdirSync(join(root, 'var/lib/kubelet/pki'), {recursive: true});
      writeFileSync(kubelet, 'the old certificate\n');
      const remoteTmp = join(tmp.path, 'remote-tmp');
      mkdirSync(remoteTmp);
      const r = run('bash', ['-euc', block.join('\n')], {cwd: out.dir, env: {...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: remoteTmp}});
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/backed up .*kubelet\.crt to .*kubelet\.crt\.kubepki-\d{8}T\d{6}Z\.bak/);
      const backup = readdirSync(join(root, 'var/lib/kubelet/pki')).find(f => f.startsWith('kubelet.crt.kubepki-'))!;
      expect(readFileSync(join(root, 'var/lib/kubelet/pki', backup), 'utf8')).toBe('the old certificate\n');
      expect(readFileSync(kubelet, 'utf8')).toBe(readFileSync(join(out.dir, 'pki/nodes/worker1/kubelet.crt'), 'utf8'));
      expect(statSync(join(root, 'var/lib/kubelet/pki/kubelet.key')).mode & 0o777).toBe(0o600);
      expect(statSync(kubelet).mode & 0o777).toBe(0o644);
      // The private copy is gone.
      expect(readdirSync(remoteTmp)).toEqual([]);
    } finally {
      out.remove();
    }
  });
});
