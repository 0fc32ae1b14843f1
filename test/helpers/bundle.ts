import {join} from 'node:path';
import type {Manifest} from '../../source/output/manifest.js';

/** Where a node keeps a certificate or key, as a path inside OUT/nodes/<node>/ (its bundle). */
export function bundled(dir: string, manifest: Manifest, id: string, node: string, holder = node) {
  const cert = manifest.certificates.find(c => c.id === id && (c.node === node || c.node === null));
  if (!cert) throw new Error(`no certificate ${id} for ${node}`);
  const certAt = cert.installs.find(i => i.node === holder && i.path.endsWith('.crt'));
  const keyAt = cert.installs.find(i => i.node === holder && i.path.endsWith('.key'));
  if (!certAt || !keyAt) throw new Error(`${holder} does not receive ${id}`);
  return {cert: join(dir, 'nodes', holder, certAt.path), key: join(dir, 'nodes', holder, keyAt.path), signer: cert.signer};
}

/** The node's copy of an authority's certificate. */
export function bundledCa(dir: string, manifest: Manifest, authority: string, holder: string) {
  const a = manifest.authorities.find(x => x.id === authority)!;
  const file = manifest.nodes[holder]!.files.find(f => f.source === a.cert);
  if (!file) throw new Error(`${holder} does not receive ${authority}'s certificate`);
  return join(dir, 'nodes', holder, file.path);
}
