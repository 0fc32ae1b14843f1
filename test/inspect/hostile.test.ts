// kubepki inspect on a folder that attacks the reader (trees/hostile.sh): it must finish quickly,
// in bounded memory, read what is real (a 1.1 MB CA), and say what it did not read and why.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {InspectReport} from '../../source/inspect/types.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {generated, specWith, tempDir} from '../helpers/cluster.js';
import {CLI, ROOT, run} from '../helpers/run.js';

const tmp = tempDir('kubepki-hostile-');
afterAll(() => tmp.remove());
let dir: string;

/** The CLI in a child with a deadline; its peak memory (KB) as the kernel counted it. */
function inspect(args: string[], command = 'inspect'): {status: number | null; stdout: string; stderr: string; seconds: number; maxRssKb: number} {
  const rss = join(tmp.path, 'rss');
  const preload = join(tmp.path, 'rss.cjs');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(rss)}, String(process.resourceUsage().maxRSS)));\n`);
  writeFileSync(rss, '');
  const env = {...process.env};
  delete env.COLUMNS;
  const started = Date.now();
  // A reader that waits on the FIFO or streams /dev/zero is killed here, not left to hang the run.
  const r = run(process.execPath, ['--require', preload, CLI, command, ...args], {timeout: 60_000, env});
  return {...r, seconds: (Date.now() - started) / 1000, maxRssKb: Number(readFileSync(rss, 'utf8')) || Infinity};
}

beforeAll(() => {
  dir = join(tmp.path, 'tree');
  const made = run('bash', [join(ROOT, 'test/inspect/trees/hostile.sh'), dir]);
  expect(made.status, made.stderr).toBe(0);
});

describe('inspect on a hostile tree', () => {
  it('finishes within seconds and 300 MB, reads the 1.1 MB CA, and lists each file it did not read with the reason', () => {
    const r = inspect([dir]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.seconds).toBeLessThan(20);
    expect(r.maxRssKb).toBeLessThan(300 * 1024);
    expect(r.stdout).toMatch(/^cluster CA +big-ca\.crt \(\+1\) +CN=kubernetes +self-signed/m);
    const notRead = r.stdout.slice(r.stdout.indexOf('Not read'), r.stdout.indexOf('\n\n', r.stdout.indexOf('Not read')));
    expect(notRead.split('\n')).toEqual([
      'Not read (6):',
      '  - ca.fifo is a FIFO (named pipe): not read',
      '  - huge.crt is larger than 8 MB, more than any certificate, key or kubeconfig: not read',
      '  - pagemap.pem is larger than 8 MB, more than any certificate, key or kubeconfig: not read',
      '  - task is a link to a folder: not followed (inspect its target by its own path)',
      '  - up1 is a link to a folder: not followed (inspect its target by its own path)',
      '  - up2 is a link to a folder: not followed (inspect its target by its own path)',
    ]);
    // The kubeconfigs name a CA that is not a file: that, and only that, is their problem.
    expect(r.stdout).toContain('  zero.kubeconfig — file\n    - its certificate-authority is /dev/zero, which is a character device, not a regular file\n');
    expect(r.stdout).toContain('  fifo.kubeconfig — file\n    - its certificate-authority is ca.fifo, which is a FIFO (named pipe), not a regular file\n');
    expect(r.stdout).toContain('  begins.pem — file\n    - has a PEM block with no "-----END" line');
    expect(r.stdout).toMatch(/^3 problems and 0 warnings in 1 certificates\.$/m);
  });

  it('--json carries the same list, and a link to .. adds no copies', () => {
    const r = inspect([dir, '--json']);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.skipped.map(s => s.file)).toEqual(['ca.fifo', 'huge.crt', 'pagemap.pem', 'task', 'up1', 'up2']);
    expect(report.certificates.map(c => [c.file, c.copies])).toEqual([['big-ca.crt', ['ca/ca.crt']]]);
    expect(report.kubeconfigs.map(k => [k.file, k.copies])).toEqual([['fifo.kubeconfig', []], ['zero.kubeconfig', []]]);
  });

  it('PEM is scanned in one pass: 8 MB of BEGIN lines with no END is one problem, found in seconds', () => {
    const file = join(tmp.path, 'begins-8mb.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\n'.repeat(Math.floor((8 * 1024 * 1024 - 1) / 28)));
    const r = inspect([file]);
    expect(r.seconds).toBeLessThan(10);
    expect(r.stdout).toMatch(/begins-8mb\.pem — file\n {4}- has a PEM block with no "-----END" line/);
  });

  it('a PATH that is the FIFO, /dev/zero or a link to .. given by hand: read as asked, or said why not, at once', () => {
    const fifo = inspect([join(dir, 'ca.fifo'), '/dev/zero', join(dir, 'up1', 'tree', 'ca')]);
    expect(fifo.seconds).toBeLessThan(20);
    expect(fifo.status, fifo.stderr).toBe(0);
    expect(fifo.stdout).toContain(`  - ${join(dir, 'ca.fifo')} is a FIFO (named pipe): not read\n`);
    expect(fifo.stdout).toContain('  - /dev/zero is a character device: not read\n');
    expect(fifo.stdout).toMatch(/^cluster CA +.*tree\/up1\/tree\/ca\/ca\.crt/m);
    // The same folder twice (through the link, and by its own path): recognised by device and inode, read once.
    const twice = inspect([join(dir, 'ca'), join(dir, 'up1', 'tree', 'ca')]);
    expect(twice.stdout).toContain(`  - ${join(dir, 'up1', 'tree', 'ca')} is the folder ${join(dir, 'ca')} again (a bind mount or a loop): read once\n`);
    expect(twice.stdout).toMatch(/^cluster CA +\S+\/ca\/ca\.crt +CN=kubernetes/m);
  });
});

describe('verify\'s reader of OUT', () => {
  it('a certificate replaced by a link to /dev/zero and a key by a FIFO: FAIL rows naming them, at once', async () => {
    const out = await generated(specWith(c => { c.pki.authorities = 'single'; c.pki.key = 'ecdsa-p256'; c.nodes = [EXAMPLE_CONFIG.nodes[0], EXAMPLE_CONFIG.nodes[2]]; }));
    try {
      rmSync(join(out.dir, 'pki/apiserver.crt'));
      symlinkSync('/dev/zero', join(out.dir, 'pki/apiserver.crt'));
      rmSync(join(out.dir, 'pki/apiserver-kubelet-client.key'));
      expect(run('mkfifo', ['-m', '600', join(out.dir, 'pki/apiserver-kubelet-client.key')]).status).toBe(0);
      const r = inspect([out.dir], 'verify');
      expect(r.seconds).toBeLessThan(20);
      expect(r.maxRssKb).toBeLessThan(300 * 1024);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/pki\/apiserver\.crt +apiserver +FAIL +pki\/apiserver\.crt is a character device, not a regular file/);
      expect(r.stdout).toMatch(/pki\/apiserver-kubelet-client\.crt +apiserver-kubelet-client +FAIL +pki\/apiserver-kubelet-client\.key is a FIFO \(named pipe\), not a regular file/);
    } finally {
      out.remove();
    }
  }, 120_000);
});
