// Reading a file that someone else controls (a run directory, a downloaded model, a token
// file): only a regular file, and only up to a size limit. A named pipe opened for reading
// blocks until a writer comes, which would freeze a server's event loop; a device can be
// endless. The file is opened non-blocking and checked on its descriptor (fstat), so what is
// checked is what is read.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export interface ReadRegularFileOptions {
  /** Refuse a symlink as the last component of the path (O_NOFOLLOW, where the system has it). */
  noFollow?: boolean;
}

/** An error of readRegularFile: `code` says why (ENOENT, ENOTREG, EFBIG, or the system's code). */
export class FileReadError extends Error {
  constructor(readonly path: string, readonly code: string, message: string) {
    super(`${path}: ${message}`);
  }
}

export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * The bytes of a regular file of at most maxBytes. A file that grows while it is read (a log
 * being appended to) is read up to the size it had when opened.
 */
export function readRegularFile(path: string, maxBytes: number, options: ReadRegularFileOptions = {}): Buffer {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.noFollow ? constants.O_NOFOLLOW ?? 0 : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const why: Record<string, string> = {
      ENOENT: 'not found', EACCES: 'permission denied', EISDIR: 'is a directory, not a regular file',
      ELOOP: 'is a symbolic link (not followed here)', ENXIO: 'is a socket or device, not a regular file',
    };
    throw new FileReadError(path, code, why[code] ?? `cannot open (${code})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(path, 'ENOTREG', `is ${fileKind(st)}, not a regular file`);
    if (st.size > maxBytes) throw new FileReadError(path, 'EFBIG', `is ${formatBytes(st.size)}, larger than the limit of ${formatBytes(maxBytes)}`);
    const buf = Buffer.allocUnsafe(st.size);
    let done = 0;
    while (done < st.size) {
      const n = readSync(fd, buf, done, st.size - done, done);
      if (n === 0) break; // truncated meanwhile
      done += n;
    }
    return done === st.size ? buf : buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** readRegularFile as UTF-8 text. */
export function readRegularTextFile(path: string, maxBytes: number, options: ReadRegularFileOptions = {}): string {
  return readRegularFile(path, maxBytes, options).toString('utf8');
}
