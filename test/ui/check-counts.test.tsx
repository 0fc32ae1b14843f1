// One number for each count the user reads (issue 20 item 9): the final screen and the reports
// quote verify.sh's own count, and `kubepki verify` says what its number counts.
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {render} from 'ink-testing-library';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {buildCluster, finalReport, type BuildReport} from '../../source/build/index.js';
import {buildPlan} from '../../source/plan/plan.js';
import {DoneStep} from '../../source/ui/DoneStep.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {kubepki, run} from '../helpers/run.js';
import {settle} from '../helpers/ink.js';

const tmp = tempDir('kubepki-counts-');
afterAll(() => tmp.remove());

describe('the numbers of checks agree with what verify.sh and kubepki verify print', () => {
  for (const layout of ['kubeadm', 'hard-way'] as const) {
    let report: BuildReport;
    beforeAll(async () => {
      // ECDSA: quick keys; the counts do not depend on the key type.
      report = await buildCluster(buildPlan(specWith(c => { c.pki.key = 'ecdsa-p256'; c.pki.layout = layout; c.pki.authorities = layout === 'hard-way' ? 'single' : 'kubeadm'; })), join(tmp.path, layout));
    });

    it(`${layout}: the final screen's "all N checks" and both reports' are the N verify.sh prints`, async () => {
      // The number verify.sh prints at its end (run once: slow; for the other layout, read from the script).
      const ran = Number(/verify\.sh: all (\d+) checks passed/.exec(readFileSync(join(report.out, 'verify.sh'), 'utf8'))![1]);
      if (layout === 'kubeadm') {
        const script = run('bash', [join(report.out, 'verify.sh')]);
        expect(script.status, script.stderr).toBe(0);
        expect(script.stdout).toContain(`verify.sh: all ${ran} checks passed (${ran} run)`);
      }

      const ui = render(<DoneStep result={report} onExit={() => {}} />);
      const frame = await settle(ui, 'checks: bash verify.sh');
      expect(Number(/all (\d+) checks: bash verify\.sh/.exec(frame)![1])).toBe(ran);
      ui.unmount();

      const summary = finalReport(report, 'summary');
      expect(Number(/\(all (\d+): bash \S+\/verify\.sh\)/.exec(summary)![1])).toBe(ran);
      // The full report prints the openssl checks one by one, and says what verify.sh adds to them.
      const full = finalReport(report, 'full');
      const [, openssl, bundles, all] = /# Verify: the (\d+) openssl checks below \(bash \S+ runs them and (\d+) more on the node bundles and file modes: all (\d+)\)/.exec(full)!.map(Number);
      expect(all).toBe(ran);
      expect(openssl! + bundles!).toBe(ran);
      const printed = full.split('\n# Distribute')[0]!.split('\n').filter(l => /^(openssl |diff <\()/.test(l));
      expect(printed.length).toBe(openssl);
    });
  }

  it('kubepki verify counts files and bundles, one row each, and says so', () => {
    const r = kubepki(['verify', join(tmp.path, 'kubeadm')]);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter(l => / ok /.test(l)).length;
    expect(r.stdout).toContain(`All ${rows} files and bundles above passed.`);
  });
});
