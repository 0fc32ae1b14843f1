// Reading a file somebody else made (inspect's trees, a certificate handed to `user finish`, the
// files of an OUT): only a regular file, and never more than a cap, counted while reading. stat's
// size proves nothing: /proc files say 0 and stream gigabytes, /dev/zero never ends, a FIFO blocks
// the open until a writer comes. No certificate, key or kubeconfig comes near the cap; a CA bundle
// (every public CA of a distribution is about 200 KB) fits many times.
import {closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats} from 'node:fs';

export const READ_CAP = 8 * 1024 * 1024;

const CHUNK = 64 * 1024;

export type BoundedRead =
  | {data: Buffer; stats: Stats}
  /** `reason` reads after the file's name: "is a FIFO (named pipe), not a regular file". */
  | {reason: string; code?: string; stats?: Stats};

/** What a file that is not a regular file is, in words. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

function failure(error: unknown): {reason: string; code?: string} {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return {reason: 'does not exist', code};
  if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return {reason: 'cannot be read without waiting (a stream, not a file)', code};
  return {reason: `cannot be read (${code ?? (error as Error).message})`, code};
}

/**
 * The bytes of `path` (links followed) when it is a regular file of at most `cap` bytes; else why
 * not. Nothing but a regular file is opened for reading, and the file is opened non-blocking, so a
 * FIFO or a stream swapped in after the first look can neither hang nor flood the reader.
 */
export function readBounded(path: string, cap = READ_CAP): BoundedRead {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    return failure(error);
  }
  if (!stats.isFile()) return {reason: `is ${fileKind(stats)}, not a regular file`, stats};
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return {...failure(error), stats};
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) return {reason: `is ${fileKind(opened)}, not a regular file`, stats: opened};
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      total += n;
      if (total > cap) return {reason: `is larger than ${megabytes(cap)}, more than any certificate, key or kubeconfig: not read`, stats: opened};
      chunks.push(n === CHUNK ? chunk : chunk.subarray(0, n));
    }
    return {data: Buffer.concat(chunks, total), stats: opened};
  } catch (error) {
    return {...failure(error), stats};
  } finally {
    closeSync(fd);
  }
}

/** The bytes of `path`, or an Error whose message names `shown` and why it was not read. */
export function readBoundedOrThrow(path: string, shown = path, cap = READ_CAP): Buffer {
  const read = readBounded(path, cap);
  if ('data' in read) return read.data;
  throw Object.assign(new Error(`${shown} ${read.reason}`), {code: read.code});
}
