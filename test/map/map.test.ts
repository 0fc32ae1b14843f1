// The trust map: drawn from the catalog's readers and trust slots (walked here against the plan),
// well-formed in every rendering, folded at 3+500, and on an inspected tree with a planted mistake
// the broken connection, and only that one, carries inspect's reason.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {XMLParser, XMLValidator} from 'fast-xml-parser';
import {CERTIFICATES, KUBECONFIGS, TRUST_READERS, forLayout} from '../../source/plan/catalog.js';
import {describeReader} from '../../source/plan/components.js';
import {buildPlan} from '../../source/plan/plan.js';
import type {Plan} from '../../source/plan/types.js';
import {inspectPaths} from '../../source/inspect/inspect.js';
import {buildTrustMap} from '../../source/map/build.js';
import {KUBECONFIG_PEOPLE, HELD_BY_PEOPLE, PRESENTED_BY, SERVICES} from '../../source/map/connections.js';
import {foldMap} from '../../source/map/fold.js';
import {renderBrokenConnections, renderMapDot, renderMapMermaid, renderMapSvg, renderMapText} from '../../source/map/render.js';
import {sourceFromInspect, sourceFromPlan} from '../../source/map/sources.js';
import type {MapEdge, TrustMap} from '../../source/map/types.js';
import {specFromText} from '../../source/spec/load.js';
import {LAYOUTS, TOPOLOGIES, specFor, specWith, tempDir} from '../helpers/cluster.js';
import {ROOT, kubepki, runAsync} from '../helpers/run.js';

const tmp = tempDir('kubepki-map-');
afterAll(() => tmp.remove());

const mapOf = (plan: Plan) => buildTrustMap(sourceFromPlan(plan));
const groupOf = (map: TrustMap, id: string) => map.nodes.find(n => n.id === id)!.group;
/** Every certificate an edge carries, with the node presenting it. */
function presentedOn(map: TrustMap): {ref: string; node: string; edge: MapEdge}[] {
  return map.edges.flatMap(edge => [
    ...(edge.clientPresents.certificate ? [{ref: edge.clientPresents.certificate, node: edge.client, edge}] : []),
    ...(edge.serverPresents.certificate ? [{ref: edge.serverPresents.certificate, node: edge.server, edge}] : []),
  ]);
}

describe('the map of a plan follows the catalog', () => {
  for (const layout of LAYOUTS) {
    for (const topology of TOPOLOGIES) {
      it(`${layout}, ${topology}: every certificate is on a connection, presented by the component that reads it`, () => {
        const plan = buildPlan(specFor(topology, layout));
        const map = mapOf(plan);
        const on = presentedOn(map);
        const pods = map.edges.find(e => e.client === 'pods')!;
        for (const cert of plan.certificates) {
          const kind = CERTIFICATES.find(k => k.id === cert.id)!;
          const readers = forLayout(kind.readers, layout).filter(r => r.part === 'cert');
          if (cert.id === 'service-accounts') {
            // Not presented: the token check names it.
            expect(pods.clientPresents.note).toContain(cert.cert);
            continue;
          }
          expect(on.some(p => p.ref === cert.ref), `${cert.ref} on no connection`).toBe(true);
          // Catalog → map: each reader that presents the certificate is an end of a connection of its service.
          for (const reader of readers) {
            const use = PRESENTED_BY[describeReader(reader)]!;
            expect(use, describeReader(reader)).toBeDefined();
            if ('token' in use) continue;
            const hit = on.find(p => p.ref === cert.ref && groupOf(map, p.node) === reader.component && p.edge.service === use.service);
            expect(hit, `${cert.ref}: ${describeReader(reader)} presents it on ${use.service}`).toBeDefined();
          }
          for (const k of KUBECONFIGS.filter(x => x.certificate === cert.id)) {
            const who = k.readers[0]?.component;
            const hit = on.find(p => p.ref === cert.ref && p.edge.service === 'kube-apiserver' && p.edge.client === p.node
              && (who ? groupOf(map, p.node) === who : p.node === `person:${k.id}`));
            expect(hit, `${cert.ref}: its kubeconfig's ${who ?? 'person'} presents it to kube-apiserver`).toBeDefined();
          }
        }
        // Map → catalog: whoever presents a certificate reads it (a flag, or a kubeconfig), or is the person who holds it.
        for (const p of on) {
          const cert = plan.certificates.find(c => c.ref === p.ref)!;
          expect(cert, p.ref).toBeDefined();
          const kind = CERTIFICATES.find(k => k.id === cert.id)!;
          const node = map.nodes.find(n => n.id === p.node)!;
          const byFlag = forLayout(kind.readers, layout).some(r => r.part === 'cert' && r.component === node.group);
          const byKubeconfig = KUBECONFIGS.some(k => k.certificate === cert.id && (k.readers.some(r => r.component === node.group)
            || (k.readers.length === 0 && node.label === KUBECONFIG_PEOPLE[k.id])));
          const byPerson = HELD_BY_PEOPLE[cert.id]?.person === node.label;
          expect(byFlag || byKubeconfig || byPerson, `${node.label} presents ${p.ref} but does not read it`).toBe(true);
          // The CA that checks it is the one that signed it.
          const checkedWith = p.node === p.edge.client ? p.edge.clientPresents.checkedWith : p.edge.serverPresents.checkedWith;
          if (p.edge.service !== 'kube-apiserver' || p.node === p.edge.client) expect(checkedWith.authority, `${p.ref} checked with`).toBe(cert.signer);
        }
        // Every check a server makes is a trust reader of the catalog.
        for (const s of Object.values(SERVICES)) expect(TRUST_READERS[s.clientCheck.slot].cert).toContainEqual(s.clientCheck.reader);
        expect(map.edges.every(e => e.problems.length === 0)).toBe(true);
      });
    }
  }
});

async function mermaidParse(text: string): Promise<unknown> {
  const {JSDOM} = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, {window: dom.window, document: dom.window.document});
  const {default: mermaid} = await import('mermaid');
  return mermaid.parse(text);
}

describe('renderings', () => {
  const plan = buildPlan(specWith());
  const map = foldMap(mapOf(plan));

  it('the SVG (Graphviz WebAssembly) is well-formed XML and names every certificate of the plan', async () => {
    const svg = await renderMapSvg(map);
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = new XMLParser({ignoreAttributes: false}).parse(svg);
    expect(doc.svg).toBeDefined();
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(m => m[1]!.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))).join('\n');
    for (const cert of plan.certificates) expect(texts, cert.ref).toContain(cert.ref);
    // The arrows are drawn: one <g class="edge"> per connection.
    expect((svg.match(/class="edge"/g) ?? []).length).toBe(map.edges.length);
  });

  it('the Mermaid flowchart parses with mermaid\'s own parser (and the parser does reject a broken one)', async () => {
    await expect(mermaidParse(renderMapMermaid(map))).resolves.toMatchObject({diagramType: 'flowchart-v2'});
    await expect(mermaidParse('flowchart LR\n  n0["a"] -->|"x| n1')).rejects.toThrow(/Parse error/);
  });

  it('DOT names each connection once and text says who checks what with which file', () => {
    const dot = renderMapDot(map);
    expect((dot.match(/ -> /g) ?? []).length).toBe(map.edges.length);
    const text = renderMapText(map);
    expect(text).toContain('kube-apiserver presents apiserver-etcd-client (pki/apiserver-etcd-client.crt)');
    expect(text).toContain('etcd@cp1 checks it with pki/etcd/ca.crt (etcd --trusted-ca-file)');
    expect(text).toMatch(/^19 connections, none broken/m);
  });
});

describe('3 control-plane nodes and 500 workers', () => {
  const spec = specWith(c => {
    c.nodes = [
      ...[1, 2, 3].map(i => ({name: `cp${i}`, ip: `10.0.0.${i}`, roles: ['control-plane', 'etcd']})),
      ...Array.from({length: 500}, (_, i) => ({name: `worker${i + 1}`, ip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, roles: ['worker']})),
    ];
    c.pki.layout = 'hard-way';
  });
  const whole = mapOf(buildPlan(spec));

  it('folds the kubelets and kube-proxies into one box each, with their count; --node unfolds one host', async () => {
    const folded = foldMap(whole);
    expect(whole.edges.length).toBeGreaterThan(1000);
    expect(folded.nodes.find(n => n.id === 'kubelet:*')).toMatchObject({count: 503, label: 'kubelet ×503 (cp1, cp2 … worker500)'});
    expect(folded.edges.length).toBeLessThan(25);
    const toKubelets = folded.edges.find(e => e.service === 'kubelet' && e.server === 'kubelet:*')!;
    expect(toKubelets).toMatchObject({count: 503, broken: 0});
    const svg = await renderMapSvg(folded);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.length).toBeLessThan(100_000);

    const one = foldMap(whole, {expand: ['worker17']});
    expect(one.nodes.map(n => n.id)).toContain('kubelet@worker17');
    expect(one.nodes.find(n => n.id === 'kubelet:*')!.count).toBe(502);
    expect(one.edges.find(e => e.server === 'kubelet@worker17')!.serverPresents.certificate).toBe('kubelet-server/worker17');
  });
});

const TREES = join(ROOT, 'test/inspect/trees');
const LEARNER_CONFIG = `apiVersion: kubepki/v1
kind: Cluster
name: kubernetes
endpoint: { host: 172.17.0.87, port: 6443 }
network: { serviceCIDR: 10.96.0.0/12, clusterDomain: cluster.local }
nodes:
  - { name: master, ip: 172.17.0.87, roles: [control-plane, etcd] }
  - { name: node01, ip: 172.17.0.88, roles: [worker] }
pki: { authorities: kubeadm, key: rsa-2048, validity: { ca: 87600h, certificate: 8760h }, layout: kubeadm }
`;

describe('a tree made by hand, with planted mistakes', () => {
  // Two trees, made at once: right, and with two mistakes that break different connections.
  const tree = async (name: string, mistakes: string[]) => {
    const dir = join(tmp.path, name);
    const r = await runAsync('bash', [join(TREES, 'learner-openssl.sh'), dir, ...mistakes], {timeout: 120_000});
    if (r.status !== 0) throw new Error(r.stderr);
    return dir;
  };
  const spec = specFromText(LEARNER_CONFIG, 'learner.yaml');
  let clean: string;
  let mistaken: string;
  beforeAll(async () => {
    [clean, mistaken] = await Promise.all([tree('clean', []), tree('mistaken', ['wrong-ca', 'no-service-ip'])]);
  });
  const mapFor = (dir: string) => buildTrustMap(sourceFromInspect(inspectPaths([dir], {spec})));

  it('made right: no connection is broken', () => {
    const map = mapFor(clean);
    expect(map.edges.length).toBe(10);
    expect(map.edges.filter(e => e.problems.length).map(e => e.id)).toEqual([]);
  });

  it('each mistake breaks the connection it concerns, with inspect\'s reason, and nothing else', () => {
    const map = mapFor(mistaken);
    expect(map.edges.length).toBe(10);
    const broken = Object.fromEntries(map.edges.filter(e => e.problems.length).map(e => [e.id, e.problems]));
    expect(Object.keys(broken).sort()).toEqual(['etcd:kube-apiserver->etcd@master', 'kube-apiserver:pods->kube-apiserver']);
    // apiserver-etcd-client signed by the cluster CA: etcd refuses kube-apiserver.
    expect(broken['etcd:kube-apiserver->etcd@master']).toHaveLength(1);
    expect(broken['etcd:kube-apiserver->etcd@master']![0]).toMatch(/^apiserver-etcd-client\.crt is signed by ca\.crt .*must come from etcd\/ca\.crt.*unknown authority/);
    // apiserver.crt without the kubernetes Service's IP: only pods dial it; kubelets and kubectl dial the node's address.
    expect(broken['kube-apiserver:pods->kube-apiserver']).toHaveLength(1);
    expect(broken['kube-apiserver:pods->kube-apiserver']![0]).toMatch(/^apiserver\.crt lacks IP 10\.96\.0\.1 \(the ClusterIP of the kubernetes Service/);
  });

  it('kubepki map --inspect lists the broken ones first and exits 1; DOT and Mermaid draw exactly those arrows red', () => {
    const config = join(tmp.path, 'learner.yaml');
    writeFileSync(config, LEARNER_CONFIG);
    const text = kubepki(['map', '--inspect', mistaken, '--config', config]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^10 connections, 2 broken/m);
    expect(text.stdout).toContain('\n\nkube-apiserver → etcd@master  [etcd client]  BROKEN\n');
    const dot = kubepki(['map', '--inspect', mistaken, '--config', config, '--format', 'dot']).stdout;
    const red = dot.split('\n').filter(l => l.includes('#d1242f') && l.includes(' -> '));
    expect(red).toHaveLength(2);
    expect(red.join('\n')).toMatch(/^ {2}"kube-apiserver" -> "etcd@master" .*✗ apiserver-etcd-client\.crt is signed by/m);
    const mermaid = kubepki(['map', '--inspect', mistaken, '--config', config, '--format', 'mermaid']).stdout;
    expect(mermaid.match(/stroke:#d1242f/g)).toHaveLength(2);
  });
  it('the wizard\'s check path prints the broken connections before inspect\'s report (without a config, the Service IP goes unchecked)', () => {
    const report = inspectPaths([mistaken]);
    const text = renderBrokenConnections(buildTrustMap(sourceFromInspect(report)), [mistaken], 80);
    expect(text.split('\n').every(l => l.length <= 80)).toBe(true);
    expect(text.replace(/\s+/g, ' ')).toMatch(/^1 of 10 connections broken \(the trust map's red arrows; draw it: kubepki map --inspect \S+mistaken --out trust-map\.svg\) /);
    expect(text).toContain('\n\nkube-apiserver → etcd@master  [etcd client]  BROKEN\n');
    expect(text.match(/BROKEN/g)).toHaveLength(1);
    expect(renderBrokenConnections(mapFor(clean), [clean], 80)).toBe('');
  });
});

describe('kubepki map on the command line', () => {
  let config: string;
  beforeAll(() => {
    config = join(tmp.path, 'cluster.yaml');
    writeFileSync(config, kubepki(['example']).stdout);
  });

  it('writes the format --out names, and refuses a bad format or an unknown --node with exit 2', () => {
    const out = join(tmp.path, 'map.svg');
    const r = kubepki(['map', '--config', config, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`wrote ${out} (svg, 19 connections, 0 broken)\n`);
    expect(XMLValidator.validate(readFileSync(out, 'utf8'))).toBe(true);
    const bad = kubepki(['map', '--config', config, '--format', 'png']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format: "png" is not one of text, dot, mermaid, svg');
    const unknown = kubepki(['map', '--config', config, '--node', 'worker9']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('--node: "worker9" is no node, component or kind on this map');
    const none = kubepki(['map']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('map needs exactly one of --config FILE, OUT');
  });

  it('generate writes OUT/trust-map.svg, listed in the manifest; verify accepts OUT, and --force over it is not refused', () => {
    const fast = join(tmp.path, 'fast.yaml');
    writeFileSync(fast, readFileSync(config, 'utf8').replace('key: rsa-2048', 'key: ecdsa-p256'));
    const out = join(tmp.path, 'out');
    const r = kubepki(['generate', '--config', fast, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const svg = readFileSync(join(out, 'trust-map.svg'), 'utf8');
    expect(svg).toBe(kubepki(['map', '--config', join(out, 'cluster.yaml'), '--format', 'svg']).stdout);
    expect(svg).toBe(readFileSync(join(ROOT, 'docs/trust-map.svg'), 'utf8')); // the key type draws no arrow
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.documents).toContainEqual({path: 'trust-map.svg', node: null, kind: 'trust map', secret: false});
    expect((statSync(join(out, 'trust-map.svg')).mode & 0o777).toString(8)).toBe('644');
    const verify = kubepki(['verify', out]);
    expect(verify.status, verify.stdout).toBe(0);
    const again = kubepki(['generate', '--config', fast, '--out', out, '--force']);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'trust-map.svg'), 'utf8')).toBe(svg);
    // kubepki map OUT: the same map, from OUT's own cluster.yaml.
    expect(kubepki(['map', out]).stdout).toMatch(/^kubernetes: trust map of \S*out\n19 connections, none broken/);
  });

  it('docs/trust-map.svg is the example\'s map as kubepki draws it today', () => {
    const r = kubepki(['map', '--config', config, '--format', 'svg']);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'docs/trust-map.svg'), 'utf8'));
  });
});

