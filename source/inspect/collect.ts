// Reads every certificate, key and kubeconfig under the given paths, whatever their names. Copies
// of one certificate or key (kubepki's node bundles, a key embedded in a kubeconfig and also on
// disk) become one item that remembers every place it was found.
import {createHash, createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto';
import {lstatSync, readdirSync, statSync, type Stats} from 'node:fs';
import {basename, dirname, extname, isAbsolute, join, relative, resolve} from 'node:path';
import {parse} from 'yaml';
import {fileKind, readBounded} from '../output/read-bounded.js';
import {scanPem} from './pem.js';
import {readCertificate, type CertificateFacts} from './x509.js';

export interface Place {
  /** As shown to the user: relative to the one directory inspected, else as given. */
  file: string;
  /** Absolute path on disk. */
  path: string;
  /** File mode bits, for private material. */
  mode: number;
  /** Set when the item was embedded in a kubeconfig (`client-certificate-data`…). */
  embedded?: string;
}

export interface CertificateItem {
  facts: CertificateFacts;
  places: Place[];
}

export interface KeyItem {
  key: KeyObject;
  publicKey: KeyObject;
  places: Place[];
}

export interface PublicKeyItem {
  key: KeyObject;
  places: Place[];
}

export interface KubeconfigEntry {
  context: string;
  user: string;
  server: string | undefined;
  authority: CertificateItem | undefined;
  authorityFrom: string | undefined;
  /** Whether the cluster entry names a CA at all (one that cannot be read is reported where it is read). */
  authorityGiven: boolean;
  certificate: CertificateItem | undefined;
  key: KeyItem | undefined;
  insecure: boolean;
}

export interface KubeconfigItem {
  place: Place;
  /** Byte-identical copies elsewhere (kubepki's node bundles). */
  copies: Place[];
  entries: KubeconfigEntry[];
}

export interface FileProblem {
  file: string;
  message: string;
  /** Only for what may simply live elsewhere (a kubeconfig's absolute reference): a warning. */
  warning?: boolean;
}

/** A file or folder not read, and why: what is not a regular file, too large, a link to a folder. */
export interface SkippedFile {
  file: string;
  reason: string;
}

export interface Material {
  certificates: CertificateItem[];
  keys: KeyItem[];
  publicKeys: PublicKeyItem[];
  kubeconfigs: KubeconfigItem[];
  problems: FileProblem[];
  skipped: SkippedFile[];
  filesRead: number;
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);
/** Extensions that promise a certificate or key: such a file with neither is a problem. */
const CRYPTO_EXT = new Set(['.crt', '.cer', '.cert', '.pem', '.der', '.key']);
const KUBECONFIG_EXT = new Set(['.conf', '.kubeconfig', '.yaml', '.yml', '']);

const spkiOf = (key: KeyObject) => createHash('sha256').update(key.export({type: 'spki', format: 'der'})).digest('hex');

/** Orders copies so the one shown is the master copy: real files before embedded ones, shallow before deep. */
const placeOrder = (a: Place, b: Place) =>
  Number(Boolean(a.embedded)) - Number(Boolean(b.embedded)) || a.file.split('/').length - b.file.split('/').length || a.file.localeCompare(b.file);

export class MaterialReader {
  private readonly certs = new Map<string, CertificateItem>();
  private readonly keys = new Map<string, KeyItem>();
  private readonly publicKeys = new Map<string, PublicKeyItem>();
  private readonly kubeconfigs: KubeconfigItem[] = [];
  private readonly kubeconfigDigests = new Map<string, KubeconfigItem>();
  private readonly problems: FileProblem[] = [];
  private readonly skipped: SkippedFile[] = [];
  private readonly seenFiles = new Set<string>();
  /** Folders already walked, by device and inode: a bind mount or an overlapping PATH is walked once. */
  private readonly seenDirs = new Map<string, string>();
  private readonly blocks = new Map<string, {places: Place[]}>();
  private filesRead = 0;

  constructor(private readonly display: (path: string) => string) {}

  material(): Material {
    const sorted = <T extends {places: Place[]}>(items: Iterable<T>) => {
      const list = [...items];
      for (const item of list) item.places.sort(placeOrder);
      return list.sort((a, b) => placeOrder(a.places[0]!, b.places[0]!));
    };
    return {
      certificates: sorted(this.certs.values()),
      keys: sorted(this.keys.values()),
      publicKeys: sorted(this.publicKeys.values()),
      kubeconfigs: this.kubeconfigs.map(k => {
        const all = [k.place, ...k.copies].sort(placeOrder);
        return {...k, place: all[0]!, copies: all.slice(1)};
      }).sort((a, b) => placeOrder(a.place, b.place)),
      problems: this.problems,
      skipped: this.skipped,
      filesRead: this.filesRead,
    };
  }

  /**
   * A PATH given on the command line is followed wherever it points; inside it, a link to a file
   * is read (kubelet-client-current.pem is one) but a link to a folder is not followed: it may
   * lead back up (a loop), to / (through /proc/self/task/N/root), or to copies of what is read anyway.
   */
  walk(path: string, explicit: boolean, given = explicit): void {
    let info: Stats;
    try {
      info = given ? statSync(path) : lstatSync(path);
      if (info.isSymbolicLink()) {
        const target = statSync(path);
        if (target.isDirectory()) {
          this.skipped.push({file: this.display(path), reason: 'is a link to a folder: not followed (inspect its target by its own path)'});
          return;
        }
        info = target;
      }
    } catch {
      this.problems.push({file: this.display(path), message: 'cannot be read (a broken link, or permission denied)'});
      return;
    }
    if (info.isDirectory()) {
      const id = `${info.dev}:${info.ino}`;
      const first = this.seenDirs.get(id);
      if (first !== undefined) {
        this.skipped.push({file: this.display(path), reason: `is the folder ${first} again (a bind mount or a loop): read once`});
        return;
      }
      this.seenDirs.set(id, this.display(path));
      let entries: string[];
      try {
        entries = readdirSync(path).sort();
      } catch {
        this.problems.push({file: this.display(path), message: 'this directory cannot be listed (permission denied?)'});
        return;
      }
      for (const entry of entries) {
        if (SKIP_DIRS.has(entry)) continue;
        this.walk(join(path, entry), false);
      }
    } else if (info.isFile()) {
      this.readFile(path, info.mode & 0o777, explicit);
    } else {
      // Never opened: a FIFO would block the read until a writer comes, a device never ends.
      this.skipped.push({file: this.display(path), reason: `is ${fileKind(info)}: not read`});
    }
  }

  private readFile(path: string, mode: number, explicit: boolean): void {
    const real = resolve(path);
    if (this.seenFiles.has(real)) return;
    this.seenFiles.add(real);
    const place: Place = {file: this.display(path), path: real, mode};
    const ext = extname(path).toLowerCase();
    const read = readBounded(path);
    if (!('data' in read)) {
      if (read.code === 'EACCES' || read.code === 'EPERM') this.problems.push({file: place.file, message: 'cannot be read (permission denied?)'});
      else this.skipped.push({file: place.file, reason: read.reason});
      return;
    }
    const data = read.data;
    this.filesRead++;
    const content = data.toString('latin1');
    if (content.includes('-----BEGIN ')) {
      this.readPem(content, place);
      return;
    }
    if (CRYPTO_EXT.has(ext) || explicit) {
      if (this.readDer(data, place)) return;
    }
    if (KUBECONFIG_EXT.has(ext) || basename(path).includes('kubeconfig') || explicit) {
      if (this.readKubeconfig(data.toString('utf8'), place)) return;
    }
    if (CRYPTO_EXT.has(ext) && data.length > 0) {
      this.problems.push({file: place.file, message: `is named like a certificate or key but holds no PEM block ("-----BEGIN …") and is not DER either`});
    } else if (CRYPTO_EXT.has(ext)) {
      this.problems.push({file: place.file, message: 'is empty: the command that should have written it failed'});
    }
  }

  private readDer(data: Buffer, place: Place): boolean {
    try {
      const facts = readCertificate(data);
      this.addCertificate(facts, place);
      this.problems.push({file: place.file, message: 'is a DER (binary) certificate: Kubernetes components read PEM only; convert it with openssl x509 -inform der -in FILE -out FILE.crt'});
      return true;
    } catch {
      return false;
    }
  }

  private readPem(content: string, place: Place): void {
    const scan = scanPem(content);
    for (const {type, endType, whole, body} of scan.blocks) {
      if (type !== endType) {
        this.problems.push({file: place.file, message: `has a PEM block that begins ${type} but ends ${endType}: the file was pasted together wrongly`});
        continue;
      }
      this.readBlock(type, whole, body, place);
    }
    if (scan.unterminated) {
      this.problems.push({file: place.file, message: `has a PEM block with no "-----END" line: the file is cut short (copy it again)`});
    } else if (scan.blocks.length === 0) {
      this.problems.push({file: place.file, message: 'has a "-----BEGIN" line that is not a valid PEM header'});
    }
  }

  private readBlock(type: string, whole: string, body: string, place: Place): void {
    const base64 = body.replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
    // A copy of a block already read (kubepki's node bundles hold two or three of each) is only a new place.
    const seen = this.blocks.get(`${type}\0${base64}`);
    if (seen) {
      if (!seen.places.some(p => p.file === place.file && p.embedded === place.embedded)) seen.places.push(place);
      return;
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
      this.problems.push({file: place.file, message: `its ${type} block holds characters that are not base64: it was damaged by an editor or a copy`});
      return;
    }
    switch (type) {
      case 'CERTIFICATE': case 'X509 CERTIFICATE': {
        try {
          this.blocks.set(`${type}\0${base64}`, this.addCertificate(readCertificate(Buffer.from(base64, 'base64')), place));
        } catch (error) {
          this.problems.push({file: place.file, message: `its CERTIFICATE block does not decode as a certificate (${firstLine(error)}): the file is damaged`});
        }
        return;
      }
      case 'RSA PRIVATE KEY': case 'PRIVATE KEY': case 'EC PRIVATE KEY': {
        if (/Proc-Type:\s*4,ENCRYPTED/.test(body)) {
          this.problems.push({file: place.file, message: 'holds a passphrase-protected key: Kubernetes components cannot read it (remove the passphrase with openssl pkey -in FILE -out FILE)'});
          return;
        }
        try {
          this.blocks.set(`${type}\0${base64}`, this.addKey(createPrivateKey(whole), place));
        } catch (error) {
          this.problems.push({file: place.file, message: `its ${type} block does not decode as a private key (${firstLine(error)})`});
        }
        return;
      }
      case 'ENCRYPTED PRIVATE KEY':
        this.problems.push({file: place.file, message: 'holds a passphrase-protected key: Kubernetes components cannot read it (remove the passphrase with openssl pkey -in FILE -out FILE)'});
        return;
      case 'PUBLIC KEY': case 'RSA PUBLIC KEY': {
        try {
          const key = createPublicKey(whole);
          const id = spkiOf(key);
          const item = this.publicKeys.get(id) ?? {key, places: []};
          item.places.push(place);
          this.publicKeys.set(id, item);
        } catch (error) {
          this.problems.push({file: place.file, message: `its ${type} block does not decode as a public key (${firstLine(error)})`});
        }
        return;
      }
      default:
        // CERTIFICATE REQUEST, EC PARAMETERS…: a learner's folder holds these; they are not problems.
        return;
    }
  }

  private addCertificate(facts: CertificateFacts, place: Place): CertificateItem {
    const id = createHash('sha256').update(facts.der).digest('hex');
    const item = this.certs.get(id) ?? {facts, places: []};
    if (!item.places.some(p => p.file === place.file && p.embedded === place.embedded)) item.places.push(place);
    this.certs.set(id, item);
    return item;
  }

  private addKey(key: KeyObject, place: Place): KeyItem {
    const publicKey = createPublicKey(key);
    const id = spkiOf(publicKey);
    const item = this.keys.get(id) ?? {key, publicKey, places: []};
    if (!item.places.some(p => p.file === place.file && p.embedded === place.embedded)) item.places.push(place);
    this.keys.set(id, item);
    return item;
  }

  private readKubeconfig(text: string, place: Place): boolean {
    // Parsing a large YAML file costs seconds: only one that names both lists can be a kubeconfig.
    if (!text.includes('clusters') || !text.includes('users')) return false;
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      return false;
    }
    if (!isRecord(doc) || !Array.isArray(doc.clusters) || !Array.isArray(doc.users)) return false;
    const digest = createHash('sha256').update(text).digest('hex');
    const same = this.kubeconfigDigests.get(digest);
    if (same) {
      same.copies.push(place);
      return true;
    }
    const clusters = new Map<string, Record<string, unknown>>();
    for (const c of doc.clusters) if (isRecord(c) && isRecord(c.cluster)) clusters.set(String(c.name), c.cluster);
    const users = new Map<string, Record<string, unknown>>();
    for (const u of doc.users) if (isRecord(u) && isRecord(u.user)) users.set(String(u.name), u.user);
    let pairs: {context: string; cluster: string; user: string}[] = [];
    if (Array.isArray(doc.contexts)) {
      for (const c of doc.contexts) {
        if (isRecord(c) && isRecord(c.context)) pairs.push({context: String(c.name), cluster: String(c.context.cluster), user: String(c.context.user)});
      }
    }
    if (pairs.length === 0 && clusters.size && users.size) {
      pairs = [{context: '(none)', cluster: [...clusters.keys()][0]!, user: [...users.keys()][0]!}];
    }
    const item: KubeconfigItem = {place, copies: [], entries: []};
    this.kubeconfigDigests.set(digest, item);
    const here = dirname(place.path);
    for (const pair of pairs) {
      const cluster = clusters.get(pair.cluster);
      const user = users.get(pair.user);
      if (!cluster || !user) {
        this.problems.push({file: place.file, message: `context ${pair.context} names ${cluster ? `user ${pair.user}` : `cluster ${pair.cluster}`}, which the file does not define`});
        continue;
      }
      const authority = this.embedded(cluster, 'certificate-authority', place, here, 'certificate');
      const certificate = this.embedded(user, 'client-certificate', place, here, 'certificate');
      const key = this.embedded(user, 'client-key', place, here, 'key');
      item.entries.push({
        context: pair.context,
        user: pair.user,
        server: typeof cluster.server === 'string' ? cluster.server : undefined,
        authority: authority?.certificate,
        authorityFrom: authority?.from,
        authorityGiven: cluster['certificate-authority'] !== undefined || cluster['certificate-authority-data'] !== undefined,
        certificate: certificate?.certificate,
        key: key?.key,
        insecure: cluster['insecure-skip-tls-verify'] === true,
      });
    }
    this.kubeconfigs.push(item);
    return true;
  }

  /** A kubeconfig field given inline (`X-data`, base64 PEM) or as a file path relative to the kubeconfig. */
  private embedded(section: Record<string, unknown>, field: string, place: Place, here: string, want: 'certificate' | 'key'):
    {certificate?: CertificateItem; key?: KeyItem; from: string} | undefined {
    const data = section[`${field}-data`];
    const file = section[field];
    let pem: string;
    let from: string;
    let source: Place;
    if (typeof data === 'string') {
      pem = Buffer.from(data, 'base64').toString('latin1');
      from = `${field}-data`;
      source = {...place, embedded: from};
    } else if (typeof file === 'string') {
      const path = isAbsolute(file) ? file : join(here, file);
      const read = readBounded(path);
      if (!('data' in read)) {
        this.problems.push(read.code !== 'ENOENT'
          ? {file: place.file, message: `its ${field} is ${file}, which ${read.reason}`}
          : isAbsolute(file)
            // kubeadm's kubelet.conf names /var/lib/kubelet/pki/kubelet-client-current.pem: on another machine it is simply not here.
            ? {file: place.file, message: `its ${field} is ${file}, which is not on this machine: inspect it where it lives`, warning: true}
            : {file: place.file, message: `its ${field} is ${file}, which does not exist (paths are relative to the kubeconfig's directory)`});
        return undefined;
      }
      pem = read.data.toString('latin1');
      from = file;
      source = {file: this.display(path), path: resolve(path), mode: read.stats.mode & 0o777};
      this.seenFiles.add(resolve(path));
    } else {
      return undefined;
    }
    const match = scanPem(pem).blocks.find(b => b.type === b.endType && (want === 'certificate' ? b.type === 'CERTIFICATE' : b.type.endsWith('PRIVATE KEY')));
    if (!match) {
      this.problems.push({file: place.file, message: `its ${from} holds no PEM ${want === 'certificate' ? 'certificate' : 'private key'}`});
      return undefined;
    }
    const type = match.type;
    const body = match.whole.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
    const cacheKey = `${type}\0${body}`;
    const seen = this.blocks.get(cacheKey);
    if (seen) {
      if (!seen.places.some(p => p.file === source.file && p.embedded === source.embedded)) seen.places.push(source);
      return want === 'certificate' ? {certificate: seen as CertificateItem, from} : {key: seen as KeyItem, from};
    }
    try {
      if (want === 'certificate') {
        const certificate = this.addCertificate(readCertificate(Buffer.from(body, 'base64')), source);
        this.blocks.set(cacheKey, certificate);
        return {certificate, from};
      }
      const key = this.addKey(createPrivateKey(match.whole), source);
      this.blocks.set(cacheKey, key);
      return {key, from};
    } catch (error) {
      this.problems.push({file: place.file, message: `its ${from} does not decode (${firstLine(error)})`});
      return undefined;
    }
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const firstLine = (error: unknown) => String((error as Error).message ?? error).split('\n')[0];

/** Reads every PATH; shown names are relative to the directory when exactly one directory is given. */
export function collect(paths: string[]): Material {
  const single = paths.length === 1 && isDirectory(paths[0]!) ? resolve(paths[0]!) : undefined;
  const display = (path: string) => (single ? relative(single, resolve(path)) || '.' : path);
  const reader = new MaterialReader(display);
  for (const path of paths) reader.walk(path, !isDirectory(path), true);
  return reader.material();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
