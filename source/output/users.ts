// Users of a cluster (kubectl access), kept under OUT/users/NAME/ and listed in manifest.json's
// `users`. Written atomically: the user's directory is made beside its final place and renamed
// in, then the manifest is replaced by rename. The engine carries both over when it rebuilds OUT.
import {closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync, readFileSync, cpSync} from 'node:fs';
import {join} from 'node:path';
import {randomBytes} from 'node:crypto';
import {DIR_MODE, PUBLIC_MODE, SECRET_MODE} from './write.js';
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

/**
 * Writes the files of one user (all under userDir(name)) and the manifest listing `entry`, so
 * that either both are in place or neither is. `replace`: the user's directory may exist (finish).
 */
export function commitUser(out: string, entry: UserEntry, files: UserFile[], replace: boolean): void {
  const dir = join(out, userDir(entry.name));
  refuseUserLinks(out, entry.name);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = join(out, USERS_DIR, `.${entry.name}.kubepki-${tag}`);
  mkdirSync(join(out, USERS_DIR), {recursive: true, mode: DIR_MODE});
  try {
    if (replace && existsSync(dir)) cpSync(dir, staging, {recursive: true, preserveTimestamps: true});
    else mkdirSync(staging, {mode: DIR_MODE});
    for (const f of files) {
      const path = join(out, f.path).replace(dir, staging);
      // A new file every time (O_EXCL): its mode is the one given, and nothing is written through a link.
      rmSync(path, {force: true});
      writeFileSync(path, f.content, {mode: f.secret ? SECRET_MODE : PUBLIC_MODE, flag: 'wx'});
    }
    const manifestPath = join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.users = [...usersOf(manifest).filter(u => u.name !== entry.name), entry].sort((a, b) => a.name.localeCompare(b.name));
    const manifestTmp = `${manifestPath}.kubepki-${tag}`;
    writeFileSync(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`, {mode: PUBLIC_MODE});
    try {
      const aside = `${dir}.kubepki-${tag}-previous`;
      if (replace && existsSync(dir)) renameSync(dir, aside);
      renameSync(staging, dir);
      try {
        renameSync(manifestTmp, manifestPath);
      } catch (error) {
        rmSync(dir, {recursive: true, force: true});
        if (existsSync(aside)) renameSync(aside, dir);
        throw error;
      }
      rmSync(aside, {recursive: true, force: true});
    } finally {
      rmSync(manifestTmp, {force: true});
    }
  } finally {
    rmSync(staging, {recursive: true, force: true});
  }
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
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const manifestPath = join(out, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const users = usersOf(manifest).filter(u => u.name !== name);
  if (users.length) manifest.users = users;
  else delete manifest.users;
  const manifestTmp = `${manifestPath}.kubepki-${tag}`;
  const aside = join(out, USERS_DIR, `.${name}.kubepki-${tag}-removed`);
  writeFileSync(manifestTmp, `${JSON.stringify(manifest, null, 2)}\n`, {mode: PUBLIC_MODE});
  try {
    const had = existsSync(dir);
    if (had) renameSync(dir, aside);
    try {
      renameSync(manifestTmp, manifestPath);
    } catch (error) {
      if (had) renameSync(aside, dir);
      throw error;
    }
    rmSync(aside, {recursive: true, force: true});
    // The last user gone: OUT looks as generate left it.
    if (readdirSync(join(out, USERS_DIR)).length === 0) rmdirSync(join(out, USERS_DIR));
  } finally {
    rmSync(manifestTmp, {force: true});
  }
}
