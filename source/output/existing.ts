// The one reader of an existing OUT: manifest.json, checked, and the files it lists, as typed
// material. `--force` reads the CAs from it, `verify` the manifest; update, renew and user
// commands are meant to read what they keep from here. (A tree without a manifest, as `inspect`
// reads, is not kubepki output: it needs no reader of this contract.)
import {existsSync, readFileSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {planRef} from '../plan/paths.js';
import type {AuthorityId} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {printable} from '../spec/quote.js';
import type {Manifest} from './manifest.js';

type Entry<K extends keyof Manifest> = Manifest[K] extends (infer E)[] ? E : never;

/** A file listed in the manifest, read; `pem` is undefined (and `problem` says why) when it cannot be. */
export interface ExistingFile {
  path: string;
  pem?: string;
  problem?: string;
}

export interface ExistingAuthorityFiles {
  entry: Entry<'authorities'>;
  cert: ExistingFile;
  key: ExistingFile;
}

export interface ExistingCertificateFiles {
  entry: Entry<'certificates'>;
  cert: ExistingFile;
  key: ExistingFile;
}

export interface ExistingKubeconfigFile {
  entry: Entry<'kubeconfigs'>;
  file: ExistingFile;
}

export interface ExistingOut {
  /** OUT as given. */
  dir: string;
  manifest: Manifest;
  authorities: Map<AuthorityId, ExistingAuthorityFiles>;
  /** By planRef(id, node), as in the plan: `apiserver`, `kubelet-client/worker1`. */
  certificates: Map<string, ExistingCertificateFiles>;
  /** By planRef(id, node): `admin`, `kubelet/worker1`. */
  kubeconfigs: Map<string, ExistingKubeconfigFile>;
  serviceAccount: {key: ExistingFile; publicKey: ExistingFile};
}

/** manifest.json of OUT, parsed and checked; an InputError names the file and the field. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    if (!existsSync(dir)) throw new InputError([`${printable(dir)} does not exist; kubepki generate --config FILE --out ${printable(dir)} writes it`]);
    throw new InputError([`${printable(dir)}: no manifest.json here; is this a directory written by kubepki generate?`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError([printable(`${path}: not valid JSON (${(error as Error).message})`)]);
  }
  const problems = manifestProblems(raw);
  if (problems.length) throw new InputError(problems.map(p => printable(`${path}: ${p}`)));
  return raw as Manifest;
}

/** OUT's manifest and every file it lists (a file that cannot be read is marked, not fatal). */
export function readExisting(dir: string): ExistingOut {
  const manifest = readManifest(dir);
  const read = (path: string): ExistingFile => {
    try {
      return {path, pem: readFileSync(join(dir, path), 'utf8')};
    } catch (error) {
      return {path, problem: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message};
    }
  };
  return {
    dir,
    manifest,
    authorities: new Map(manifest.authorities.map(a => [a.id as AuthorityId, {entry: a, cert: read(a.cert), key: read(a.key)}])),
    certificates: new Map(manifest.certificates.map(c => [planRef(c.id, c.node), {entry: c, cert: read(c.cert), key: read(c.key)}])),
    kubeconfigs: new Map(manifest.kubeconfigs.map(k => [planRef(k.id, k.node), {entry: k, file: read(k.file)}])),
    serviceAccount: {key: read(manifest.serviceAccount.key), publicKey: read(manifest.serviceAccount.publicKey)},
  };
}

// A manifest is input like any other: it may be old, hand-edited or hostile. Paths must stay
// inside OUT, so that reading (and later replacing) what it lists never reaches elsewhere.
function manifestProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(raw)) return ['expected an object'];
  if (raw.kind !== 'Manifest' || raw.apiVersion !== 'kubepki/v1') problems.push('kind: expected apiVersion kubepki/v1, kind Manifest');
  const inside = (where: string, v: unknown) => {
    if (typeof v !== 'string' || v === '' || isAbsolute(v) || v.split('/').includes('..')) problems.push(`${where}: ${JSON.stringify(v)} is not a relative path inside the directory`);
  };
  const text = (where: string, v: unknown) => { if (typeof v !== 'string') problems.push(`${where}: expected a string`); };
  const node = (where: string, v: unknown) => { if (v !== null && typeof v !== 'string') problems.push(`${where}: expected a node name or null`); };
  const list = (name: string, each: (where: string, e: Record<string, unknown>) => void) => {
    const value = raw[name];
    if (!Array.isArray(value)) return problems.push(`${name}: expected a list`);
    value.forEach((e, i) => (isObject(e) ? each(`${name}[${i}]`, e) : problems.push(`${name}[${i}]: expected an object`)));
  };
  list('authorities', (w, a) => { text(`${w}.id`, a.id); inside(`${w}.cert`, a.cert); inside(`${w}.key`, a.key); });
  list('certificates', (w, c) => {
    text(`${w}.id`, c.id); node(`${w}.node`, c.node); text(`${w}.signer`, c.signer); text(`${w}.cn`, c.cn);
    inside(`${w}.cert`, c.cert); inside(`${w}.key`, c.key);
    for (const field of ['organizations', 'usages', 'dnsNames', 'ipAddresses']) if (!Array.isArray(c[field])) problems.push(`${w}.${field}: expected a list`);
  });
  list('kubeconfigs', (w, k) => { text(`${w}.id`, k.id); node(`${w}.node`, k.node); text(`${w}.user`, k.user); text(`${w}.server`, k.server); inside(`${w}.file`, k.file); });
  if (raw.users !== undefined) {
    list('users', (w, u) => {
      text(`${w}.name`, u.name);
      if (typeof u.name === 'string') inside(`${w}.name`, u.name);
      inside(`${w}.key`, u.key);
      for (const field of ['cert', 'kubeconfig', 'csr', 'request']) if (u[field] !== undefined) inside(`${w}.${field}`, u[field]);
    });
  }
  const sa = raw.serviceAccount;
  if (!isObject(sa)) problems.push('serviceAccount: expected an object');
  else { inside('serviceAccount.key', sa.key); inside('serviceAccount.publicKey', sa.publicKey); }
  if (!isObject(raw.nodes)) problems.push('nodes: expected an object');
  else {
    for (const [name, n] of Object.entries(raw.nodes)) {
      const w = `nodes.${name}`;
      if (!isObject(n)) { problems.push(`${w}: expected an object`); continue; }
      inside(`${w}.bundle`, n.bundle);
      if (!Array.isArray(n.roles)) problems.push(`${w}.roles: expected a list`);
      if (!Array.isArray(n.files)) { problems.push(`${w}.files: expected a list`); continue; }
      n.files.forEach((f: unknown, i: number) => {
        if (!isObject(f)) return problems.push(`${w}.files[${i}]: expected an object`);
        inside(`${w}.files[${i}].source`, f.source);
        if (typeof f.path !== 'string' || !f.path.startsWith('/') || f.path.split('/').includes('..')) problems.push(`${w}.files[${i}].path: expected an absolute path on the node`);
        if (typeof f.secret !== 'boolean') problems.push(`${w}.files[${i}].secret: expected true or false`);
      });
    }
  }
  return problems;
}
