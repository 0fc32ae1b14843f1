// Users of a cluster (kubectl access), kept under OUT/users/NAME/ and listed in manifest.json's
// `users`. Written atomically: the user's directory is made beside its final place and renamed
// in, then the manifest is replaced by rename. The engine carries both over when it rebuilds OUT.
import {closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync, readFileSync, cpSync} from 'node:fs';
import {join} from 'node:path';
import {randomBytes} from 'node:crypto';
import {DIR_MODE, keepOwner, PUBLIC_MODE, SECRET_MODE} from './write.js';
import {fileSystemFailure, OutputFailed, processAlive, removeMarkedTree, STAGING_MARKER} from './claim.js';
import {InputError} from '../spec/errors.js';
import {printable} from '../spec/quote.js';

export interface UserEntry {
  name: string;
  groups: string[];
  /** `ca`: signed here with the cluster CA; `csr`: signed by the cluster's CertificateSigningRequest API. */
  signedBy: 'ca' | 'csr';
  /** OUT-relative files; cert and kubeconfig are absent while a CSR awaits its certificate. */
  key: string;
  csr?: string;
  request?: string;
  cert?: string;
  kubeconfig?: string;
}

export const USERS_DIR = 'users';
export const userDir = (name: string) => `${USERS_DIR}/${name}`;

/** The users a manifest lists (none in a manifest written before users existed). */
export function usersOf(manifest: object): UserEntry[] {
  const users = (manifest as {users?: unknown}).users;
  return Array.isArray(users) ? users as UserEntry[] : [];
}

/** A new manifest with the users of the one it replaces (kubepki user add made them; the plan knows none). */
export function withUsers<M extends object>(manifest: M, before: object | undefined): M & {users?: UserEntry[]} {
  const users = before ? usersOf(before) : [];
  return users.length ? {...manifest, users} : manifest;
}

/**
 * Refuses a user whose files are reached through a link: OUT/users and OUT/users/NAME must be
 * directories and every file in it a regular file. A link placed there would have kubepki read a
 * key it did not make (and sign it) or write the user's private key wherever the link points.
 */
export function refuseUserLinks(out: string, name: string): void {
  const odd: string[] = [];
  const kind = (rel: string) => {
    try {
      const info = lstatSync(join(out, rel));
      return info.isSymbolicLink() ? 'a symbolic link' : info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'not a regular file';
    } catch {
      return 'absent';
    }
  };
  for (const rel of [USERS_DIR, userDir(name)]) {
    const what = kind(rel);
    if (what !== 'directory' && what !== 'absent') odd.push(`${rel} is ${what === 'file' ? 'a file' : what}`);
  }
  if (odd.length === 0 && kind(userDir(name)) === 'directory') {
    for (const entry of readdirSync(join(out, userDir(name)))) {
      const what = kind(`${userDir(name)}/${entry}`);
      if (what !== 'file') odd.push(`${userDir(name)}/${entry} is ${what === 'directory' ? 'a directory' : what}`);
    }
  }
  if (odd.length) {
    throw new InputError([`--out: ${printable(odd.join('; '))} in ${printable(out)}: kubepki reads and writes a user's files only as regular files it made, never through a link (it would write ${name}'s private key where the link points). Remove ${odd.length > 1 ? 'them' : 'it'} and run again.`]);
  }
}

/** One of a user's files (OUT-relative), never through a symbolic link. */
export function readUserFile(out: string, rel: string): string {
  const fd = openSync(join(out, rel), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!fstatSync(fd).isFile()) throw new InputError([`--out: ${printable(rel)} in ${printable(out)} is not a regular file`]);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

export interface UserFile {
  /** OUT-relative. */
  path: string;
  content: string;
  secret: boolean;
}

// A change to the users (add, finish, renew, remove) runs under OUT's lock and is one journal
// entry named by its tag (PID-HEX): the new user directory is staged as users/.NAME.kubepki-TAG,
// the new manifest as manifest.json.kubepki-TAG; the old directory is moved aside to
// users/.NAME.kubepki-TAG-previous (or -removed), the new one renamed in carrying a marker, and
// renaming the manifest in is the commit. While manifest.json.kubepki-TAG exists the change did
// not happen: finishUserChange undoes it; once it is gone, finishes it. The same function ends a
// change that ran to the end, one that failed (a full disk) and one whose process was killed
// (sweepUserChanges, under the next run's lock): users and manifest always agree.
const TAG = '(\\d+)-[0-9a-f]{8}';
const MANIFEST_TEMP = new RegExp(`^manifest\\.json\\.kubepki-(${TAG})$`);
const USER_ASIDE = new RegExp(`^\\.(.+)\\.kubepki-(${TAG})(-previous|-removed)?$`);

const newTag = () => `${process.pid}-${randomBytes(4).toString('hex')}`;
const manifestTemp = (out: string, tag: string) => join(out, `manifest.json.kubepki-${tag}`);
const aside = (out: string, name: string, tag: string, kind: '' | '-previous' | '-removed') => join(out, USERS_DIR, `.${name}.kubepki-${tag}${kind}`);

function writeManifestTemp(out: string, tag: string, change: (manifest: {users?: UserEntry[]}) => void): string {
  const manifestPath = join(out, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  change(manifest);
  const temp = manifestTemp(out, tag);
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`, {mode: PUBLIC_MODE, flag: 'wx'});
  return temp;
}

function readTag(dir: string): string | undefined {
  try {
    const mark = JSON.parse(readFileSync(join(dir, STAGING_MARKER), 'utf8')) as {tag?: unknown};
    return typeof mark.tag === 'string' ? mark.tag : undefined;
  } catch {
    return undefined;
  }
}

const listing = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** Ends the user change `tag`: finished when its manifest was renamed in, undone when not. */
function finishUserChange(out: string, tag: string): void {
  const temp = manifestTemp(out, tag);
  const committed = !existsSync(temp);
  const users = join(out, USERS_DIR);
  // The new directory, renamed in (it carries the marker until the change is finished).
  for (const name of listing(users)) {
    if (name.startsWith('.') || readTag(join(users, name)) !== tag) continue;
    if (committed) rmSync(join(users, name, STAGING_MARKER), {force: true});
    else removeMarkedTree(join(users, name));
  }
  for (const entry of listing(users)) {
    const m = USER_ASIDE.exec(entry);
    if (!m || m[2] !== tag) continue;
    const [, name, , , kind] = m;
    // The old directory goes back when the change did not happen, and is deleted when it did.
    if (kind && !committed && !existsSync(join(users, name!))) renameSync(join(users, entry), join(users, name!));
    else rmSync(join(users, entry), {recursive: true, force: true});
  }
  // Last: while it exists, a run killed in here is still undone by the next one.
  rmSync(temp, {force: true});
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  // The last user gone: OUT looks as generate left it.
  if (usersOf(manifest).length === 0 && existsSync(users) && listing(users).length === 0) rmdirSync(users);
}

/** Runs a user change; whatever happens, it is then finished or undone (finishUserChange). */
function userChange(out: string, run: (tag: string) => void): void {
  const tag = newTag();
  try {
    run(tag);
  } catch (error) {
    try {
      finishUserChange(out, tag);
    } catch {
      // The disk refuses even the cleanup: the next run's sweep finishes it.
    }
    throw error;
  }
  finishUserChange(out, tag);
}

/**
 * Finishes or undoes the user changes of dead runs (a kill -9, a power cut): called with OUT's
 * lock held, before OUT is read. Returns what it found.
 */
export function sweepUserChanges(out: string): string[] {
  const tags = new Set<string>();
  for (const entry of listing(out)) {
    const m = MANIFEST_TEMP.exec(entry);
    if (m) tags.add(m[1]!);
  }
  const users = join(out, USERS_DIR);
  for (const entry of listing(users)) {
    const m = USER_ASIDE.exec(entry);
    if (m) tags.add(m[2]!);
    else if (!entry.startsWith('.')) {
      const tag = readTag(join(users, entry));
      if (tag) tags.add(tag);
    }
  }
  const swept: string[] = [];
  for (const tag of tags) {
    if (processAlive(Number(tag.split('-')[0]))) continue;
    try {
      finishUserChange(out, tag);
    } catch (error) {
      throw new OutputFailed(`cannot finish an interrupted user change (${tag}) in ${printable(out)}: ${fileSystemFailure(error) ?? (error as Error).message}`);
    }
    swept.push(tag);
  }
  return swept;
}

/**
 * Writes the files of one user (all under userDir(name)) and the manifest listing `entry`, so
 * that either both are in place or neither is. `replace`: the user's directory may exist (finish).
 */
export function commitUser(out: string, entry: UserEntry, files: UserFile[], replace: boolean): void {
  const dir = join(out, userDir(entry.name));
  refuseUserLinks(out, entry.name);
  // Not recursive: a recursive mkdir on a read-only file system reports ENOENT, not EROFS.
  if (!existsSync(join(out, USERS_DIR))) mkdirSync(join(out, USERS_DIR), {mode: DIR_MODE});
  userChange(out, tag => {
    const staging = aside(out, entry.name, tag, '');
    const had = replace && existsSync(dir);
    if (had) cpSync(dir, staging, {recursive: true, preserveTimestamps: true});
    else mkdirSync(staging, {mode: DIR_MODE});
    writeFileSync(join(staging, STAGING_MARKER), `${JSON.stringify({pid: process.pid, tag})}\n`, {mode: SECRET_MODE});
    for (const f of files) {
      const path = join(out, f.path).replace(dir, staging);
      // A new file every time (O_EXCL): its mode is the one given, and nothing is written through a link.
      rmSync(path, {force: true});
      writeFileSync(path, f.content, {mode: f.secret ? SECRET_MODE : PUBLIC_MODE, flag: 'wx'});
    }
    keepOwner(staging, statSync(out));
    const temp = writeManifestTemp(out, tag, manifest => {
      manifest.users = [...usersOf(manifest).filter(u => u.name !== entry.name), entry].sort((a, b) => a.name.localeCompare(b.name));
    });
    if (had) renameSync(dir, aside(out, entry.name, tag, '-previous'));
    renameSync(staging, dir);
    renameSync(temp, join(out, 'manifest.json'));
  });
}

/** For the engine: copy OUT's users into a staging directory that will replace OUT. */
export function carryUsers(out: string, staging: string): void {
  const from = join(out, USERS_DIR);
  if (existsSync(from)) cpSync(from, join(staging, USERS_DIR), {recursive: true, preserveTimestamps: true, filter: src => !/\/\.[^/]*\.kubepki-[^/]*$/.test(src)});
}

/**
 * Removes one user's directory and its manifest entry, so that either both go or neither does:
 * the directory is moved aside, the new manifest renamed in, and only then the directory deleted.
 */
export function dropUser(out: string, name: string): void {
  const dir = join(out, userDir(name));
  userChange(out, tag => {
    const temp = writeManifestTemp(out, tag, manifest => {
      const users = usersOf(manifest).filter(u => u.name !== name);
      if (users.length) manifest.users = users;
      else delete manifest.users;
    });
    if (existsSync(dir)) renameSync(dir, aside(out, name, tag, '-removed'));
    renameSync(temp, join(out, 'manifest.json'));
  });
}
