// The SVG drawn by a real browser (Debian's chromium, headless): the screenshot is not blank, and
// a map with a broken connection shows red where the broken arrow is.
import {afterAll, describe, expect, it} from 'vitest';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {inflateSync} from 'node:zlib';
import {buildTrustMap} from '../../source/map/build.js';
import {foldMap} from '../../source/map/fold.js';
import {renderMapSvg} from '../../source/map/render.js';
import {sourceFromPlan} from '../../source/map/sources.js';
import {buildPlan} from '../../source/plan/plan.js';
import {specWith, tempDir} from '../helpers/cluster.js';
import {runAsync} from '../helpers/run.js';

const tmp = tempDir('kubepki-map-browser-');
afterAll(() => tmp.remove());

/** RGB(A) pixels of an 8-bit, non-interlaced PNG (what chromium writes). */
function decodePng(png: Buffer): {width: number; height: number; pixel: (x: number, y: number) => [number, number, number]} {
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  let at = 8;
  let width = 0, height = 0, channels = 0;
  const data: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString();
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      expect(body[8]).toBe(8);
      channels = ({2: 3, 6: 4} as Record<number, number>)[body[9]!]!;
      expect(body[12]).toBe(0);
    }
    if (type === 'IDAT') data.push(body);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? out[y * stride + i - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      out[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return {width, height, pixel: (x, y) => [out[y * stride + x * channels]!, out[y * stride + x * channels + 1]!, out[y * stride + x * channels + 2]!]};
}

async function screenshot(svgFile: string, png: string): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'kubepki-chromium-'));
  try {
    const r = await runAsync('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--window-size=1600,1200',
      `--screenshot=${png}`, `file://${svgFile}`,
    ], {timeout: 60_000});
    expect(r.status, r.stderr).toBe(0);
  } finally {
    rmSync(profile, {recursive: true, force: true});
  }
}

describe('the SVG in a real browser', () => {
  it('chromium draws the example\'s map: boxes, text and coloured arrows, and a broken arrow in red', async () => {
    const map = buildTrustMap(sourceFromPlan(buildPlan(specWith())));
    // Break one connection the way an inspected tree would, to see it drawn red.
    const etcd = map.edges.find(e => e.service === 'etcd' && e.client === 'kube-apiserver')!;
    etcd.problems = ['apiserver-etcd-client.crt is signed by ca.crt but must come from etcd/ca.crt'];
    const svgFile = join(tmp.path, 'map.svg');
    writeFileSync(svgFile, await renderMapSvg(foldMap(map)));
    const png = join(tmp.path, 'map.png');
    await screenshot(svgFile, png);
    const image = decodePng(readFileSync(png));
    expect([image.width, image.height]).toEqual([1600, 1200]);
    let ink = 0, red = 0, blue = 0;
    for (let y = 0; y < image.height; y += 2) {
      for (let x = 0; x < image.width; x += 2) {
        const [r, g, b] = image.pixel(x, y);
        if (r + g + b < 600) ink++;
        if (r > 180 && g < 90 && b < 90) red++;
        if (b > 150 && r < 80 && g < 130) blue++;
      }
    }
    const samples = (image.width / 2) * (image.height / 2);
    // Not blank: a drawing covers a few percent of the page; a blank or error page almost none.
    expect(ink / samples).toBeGreaterThan(0.01);
    expect(red, 'the broken arrow in red').toBeGreaterThan(30);
    expect(blue, 'cluster-CA arrows in blue').toBeGreaterThan(100);
  });
});
