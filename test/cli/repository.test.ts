import {describe, expect, it} from 'vitest';
import {ROOT, run} from '../helpers/run.js';

describe('the repository', () => {
  it('ignores the output directories of the README example and the wizard (they hold CA keys)', () => {
    for (const file of ['pki-out/pki/ca.key', 'kubepki-out/pki/ca.key']) {
      const r = run('git', ['-C', ROOT, 'check-ignore', '-q', file]);
      expect(r.status, `${file} is not ignored`).toBe(0);
    }
    expect(run('git', ['-C', ROOT, 'check-ignore', '-q', 'source/ui/App.tsx']).status).toBe(1);
  });
});
