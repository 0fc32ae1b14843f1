// Printed tables sized to the terminal: cells wrap inside their columns, nothing is cut.
import {afterAll, describe, expect, it} from 'vitest';
import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {wrapText} from '../../source/text/wrap.js';
import {columnWidths, tableLines, type Column} from '../../source/text/table.js';
import {planRows, planSummary, renderPlanTable} from '../../source/text/plan-table.js';
import {buildPlan} from '../../source/plan/plan.js';
import {runPlan} from '../../source/commands/plan.js';
import {runVerify} from '../../source/commands/verify.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {generated, specWith, tempDir} from '../helpers/cluster.js';
import {hardWaySpec} from '../helpers/hard-way-cluster.js';

const tmp = tempDir('kubepki-table-');
afterAll(() => tmp.remove());

/** What a printed command wrote, with a fake terminal of `columns`. */
function printed(run: (io: Parameters<typeof runPlan>[0]) => number, columns?: number) {
  let out = '';
  const code = run({out: text => { out += text; }, err: text => { out += text; }, columns});
  return {code, out};
}

const noLineWider = (text: string, columns: number) => expect(text.split('\n').filter(l => l.length > columns), text).toEqual([]);

describe('wrapText', () => {
  it('keeps every character but the spaces it breaks at, each line within the width', () => {
    const text = 'cp1,cp2,cp3,kubernetes,kubernetes.default,kubernetes.default.svc.cluster.local,server.kubernetes.local CN=system:kube-controller-manager';
    for (let width = 3; width <= 50; width++) {
      const lines = wrapText(text, width);
      expect(lines.every(l => l.length <= width), `${width}: ${lines.join('|')}`).toBe(true);
      expect(lines.join('').replaceAll(' ', '')).toBe(text.replaceAll(' ', ''));
    }
    expect(wrapText('cp1,cp2,worker1,worker2', 12)).toEqual(['cp1,cp2,', 'worker1,', 'worker2']);
  });
});

describe('a table narrower than its rows', () => {
  it('wraps each cell inside its column: every line fits, every cell reads whole from its column', () => {
    type Row = {a: string; b: string; c: string};
    const columns: Column<Row>[] = [
      {header: 'A', value: r => r.a, shrink: 1, min: 8},
      {header: 'B', value: r => r.b, shrink: 2, min: 8},
      {header: 'C', value: r => r.c},
    ];
    const rows: Row[] = [
      {a: 'nodes/worker1/kubelet-client.crt', b: 'system:node:worker1,system:nodes', c: 'x'},
      {a: 'ca.crt', b: '', c: 'cp1,cp2,cp3,worker1,worker2,worker3,worker4'},
    ];
    const widths = columnWidths(columns, rows, 40);
    const table = tableLines(columns, rows, 40);
    table.rows.forEach((lines, r) => {
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
      let at = 0;
      columns.forEach((c, i) => {
        const cell = lines.map(l => l.slice(at, at + widths[i]!).trim()).join('');
        expect(cell).toBe(c.value(rows[r]!).replaceAll(' ', ''));
        at += widths[i]! + 2;
      });
    });
  });
});

describe('kubepki plan sized to the terminal', () => {
  it('at 80 columns: every line fits, nothing is cut, each row its file, subject and SANs', () => {
    const plan = buildPlan(hardWaySpec());
    const text = renderPlanTable(plan, 80);
    noLineWider(text, 80);
    expect(text).not.toMatch(/…/);
    expect(text).toMatch(/^nodes\/worker4\/worker4\.crt +ca +worker4 \(in kubeconfig\)\n {2}CN=system:node:worker4 O=system:nodes$/m);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('SANs cp1, cp2, cp3, kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local, server.kubernetes.local, 192.168.56.21, 192.168.56.22, 192.168.56.23, 10.32.0.1, 127.0.0.1');
    expect(flat.replaceAll(' ', '')).toContain('cp1,cp2,cp3,worker1,worker2,worker3,worker4(inkubeconfig)');
  });

  it('piped (no terminal): one line per row, full width', () => {
    const plan = buildPlan(hardWaySpec());
    const lines = renderPlanTable(plan).split('\n');
    expect(lines).toHaveLength(planRows(plan).length + 2);
    expect(lines[0]).toMatch(/^FILE\s+CN\s+O\s+SIGNER\s+SANS\s+NODES$/);
  });

  it('the summary names every node, never "and N more"', () => {
    const plan = buildPlan(hardWaySpec());
    const summary = planSummary(plan).join('\n');
    expect(summary).not.toMatch(/more/);
    expect(summary).toContain(`worker4 ${plan.bundles.worker4!.length}.`);
  });

  it('the command: sized to a terminal of 80 and of 60, full lines into a pipe', () => {
    const config = join(tmp.path, 'hw.yaml');
    writeFileSync(config, stringify({...EXAMPLE_CONFIG, endpoint: {host: 'server.kubernetes.local', port: 6443},
      nodes: hardWaySpec().nodes, pki: {...EXAMPLE_CONFIG.pki, layout: 'hard-way', authorities: 'single'}}));
    for (const columns of [80, 60]) {
      const {code, out} = printed(io => runPlan(io, config, false), columns);
      expect(code).toBe(0);
      noLineWider(out, columns);
      expect(out).not.toMatch(/…|more\b/);
      expect(out.replace(/\s+/g, ' ')).toContain(`warning: ${buildPlan(hardWaySpec()).warnings[0]!.replace(/\s+/g, ' ')}`);
    }
    const piped = printed(io => runPlan(io, config, false)).out;
    expect(piped.split('\n').some(l => l.length > 200)).toBe(true);
  });
});

describe('kubepki verify sized to the terminal', () => {
  it('at 80 columns every line fits and a failing check lists every file, not "+N more"', async () => {
    const dir = await generated(specWith(c => { c.pki.key = 'ecdsa-p256'; }));
    try {
      const keys = ['pki/ca.key', 'pki/apiserver.key', 'pki/apiserver-kubelet-client.key', 'pki/front-proxy-client.key', 'pki/sa.key'];
      for (const key of keys) chmodSync(join(dir.dir, key), 0o644);
      const {code, out} = printed(io => runVerify(io, dir.dir), 80);
      expect(code).toBe(1);
      noLineWider(out, 80);
      expect(out).not.toMatch(/…|more\)/);
      const flat = out.replace(/\s+/g, '');
      for (const key of keys) expect(flat).toContain(`${key}is644,expected600`);
    } finally {
      dir.remove();
    }
  });
});
