import {describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT, run} from '../helpers/run.js';

describe('the repository', () => {
  it('ignores the output directories of the README example and the wizard (they hold CA keys)', () => {
    for (const file of ['pki-out/pki/ca.key', 'kubepki-out/pki/ca.key']) {
      const r = run('git', ['-C', ROOT, 'check-ignore', '-q', file]);
      expect(r.status, `${file} is not ignored`).toBe(0);
    }
    expect(run('git', ['-C', ROOT, 'check-ignore', '-q', 'source/ui/App.tsx']).status).toBe(1);
  });

  it('ignores every file the README\'s set-up line writes (issue 20 item 11: cluster.yaml was left to commit)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find(l => l.startsWith('npm ci && npm run build && '))!;
    expect(line).toBeDefined();
    const written = [...line.matchAll(/(?:> |--out )(\S+)/g)].map(m => m[1]!);
    expect(written).toEqual(['cluster.yaml', 'pki-out']);
    for (const file of written) {
      expect(run('git', ['-C', ROOT, 'check-ignore', '-q', file === 'pki-out' ? `${file}/pki/ca.key` : file]).status, `${file} is not ignored`).toBe(0);
    }
  });
});
