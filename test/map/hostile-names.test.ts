// The trust map of an inspected tree whose names attack the renderings: a user certificate whose CN
// holds a quote, <, ], | and ESC, in files whose names hold a quote, <, ], |, a newline and ESC, its
// key readable by others (a problem, so the file's name is also in the red arrow's reason). Every
// format must stay well-formed and print names escaped, as inspect's own report does.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {execFileSync} from 'node:child_process';
import {chmodSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {XMLValidator} from 'fast-xml-parser';
import {inspectPaths} from '../../source/inspect/inspect.js';
import {buildTrustMap} from '../../source/map/build.js';
import {renderMapDot, renderMapMermaid, renderMapSvg, renderMapText} from '../../source/map/render.js';
import {sourceFromInspect} from '../../source/map/sources.js';
import type {TrustMap} from '../../source/map/types.js';
import {tempDir} from '../helpers/cluster.js';
import {kubepki} from '../helpers/run.js';

const tmp = tempDir('kubepki-map-hostile-');
afterAll(() => tmp.remove());

const HOSTILE_FILE = 'ev"il<b>]x|y\n}z\u001b[31m';
const HOSTILE_CN = 'j"o<e]|\u001b[2J';

let map: TrustMap;
beforeAll(() => {
  const dir = tmp.path;
  const ssl = (...args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']});
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '300', '-subj', '/CN=ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', '-new', ...ec, '-keyout', 'u.key', '-out', 'u.csr', '-subj', `/CN=${HOSTILE_CN}/O=dev`);
  ssl('x509', '-req', '-in', 'u.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-days', '200', '-out', 'u.crt');
  renameSync(join(dir, 'u.crt'), join(dir, `${HOSTILE_FILE}.crt`));
  renameSync(join(dir, 'u.key'), join(dir, `${HOSTILE_FILE}.key`));
  chmodSync(join(dir, `${HOSTILE_FILE}.key`), 0o644);
  map = buildTrustMap(sourceFromInspect(inspectPaths([dir])));
});

async function mermaidParse(text: string): Promise<unknown> {
  const {JSDOM} = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, {window: dom.window, document: dom.window.document});
  const {default: mermaid} = await import('mermaid');
  return mermaid.parse(text);
}

describe('a map of names taken from files', () => {
  it('the user\'s arrow is broken by its key, and names its file escaped', () => {
    const broken = map.edges.filter(e => e.problems.length);
    expect(broken).toHaveLength(1);
    expect(broken[0]!.problems.join('\n')).toContain('ev"il<b>]x|y\\u000a}z\\u001b[31m.key');
  });

  it('text: no control character reaches the terminal; the names are escaped as inspect prints them', () => {
    const text = renderMapText(map);
    expect(text).not.toMatch(/[\u001b]/);
    expect(text).toContain('user j"o<e]|\\u001b[2J (kubectl)');
    expect(text).toContain('(ev"il<b>]x|y\\u000a}z\\u001b[31m.crt)');
  });

  it('SVG is well-formed XML: no character XML 1.0 forbids (a raw ESC is one)', async () => {
    const svg = await renderMapSvg(map);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('DOT: every statement is on its own line, with no control character', () => {
    const dot = renderMapDot(map);
    expect(dot).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    for (const line of dot.split('\n').slice(1, -2)) expect(line, line).toMatch(/^ {2}(?:\S.*[;{]|})$|^ {4}\S.*;$/);
  });

  it('Mermaid parses with mermaid\'s own parser', async () => {
    const mermaid = renderMapMermaid(map);
    expect(mermaid).not.toMatch(/[\u001b]/);
    await expect(mermaidParse(mermaid)).resolves.toMatchObject({diagramType: 'flowchart-v2'});
  });
});

describe('kubepki map on a directory with a hostile name', () => {
  it('the title, the file --out names and the refusals print the names escaped; the SVG stays XML', () => {
    const config = join(tmp.path, 'cluster.yaml');
    writeFileSync(config, kubepki(['example']).stdout.replace('rsa-2048', 'ecdsa-p256'));
    const out = join(tmp.path, 'o"<]\u001b[31m\nx');
    expect(kubepki(['generate', '--config', config, '--out', out]).status).toBe(0);
    const text = kubepki(['map', out]);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(`kubernetes: trust map of ${tmp.path}/o"<]\\u001b[31m\\u000ax`);
    const svgFile = join(tmp.path, 'map\u001b.svg');
    const wrote = kubepki(['map', out, '--out', svgFile]);
    expect(wrote.stdout).toBe(`wrote ${tmp.path}/map\\u001b.svg (svg, 19 connections, 0 broken)\n`);
    const svg = readFileSync(svgFile, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const refused = [
      kubepki(['map', `${out}y`]),
      kubepki(['map', out, '--node', 'a\u001b[2Jb']),
      kubepki(['map', out, '--format', 'a\u001b[2Jb']),
    ];
    for (const r of refused) {
      expect(r.status).toBe(2);
      expect(r.stderr).not.toMatch(/\u001b/);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
  }, 60_000);
});
