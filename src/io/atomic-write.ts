// Atomic file replacement: a reader (or a crash) sees either the old file or the complete new
// one, never a half-written checkpoint. We write a temp file next to the target (same directory,
// hence same filesystem, so rename(2) is atomic), flush it to disk, rename it over the target and
// flush the directory so the rename itself survives a power loss.
import {
  closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Replace `path` with `data` atomically. On failure `path` is untouched and no temp file remains. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  // pid + random suffix: concurrent writers (threads, processes) never share a temp file.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    // 'wx' fails instead of clobbering if the name somehow exists. Keep the mode of a file we
    // replace, so an atomic save does not silently change permissions.
    fd = openSync(tmp, 'wx', existingMode(path) ?? 0o666);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try { closeSync(fd); } catch { /* already failing; the original error matters */ }
    }
    try { unlinkSync(tmp); } catch { /* temp was never created, or is already gone */ }
    throw new Error(`writeFileAtomic: cannot write '${path}': ${describe(err)}`, { cause: err });
  }
  fsyncDirectory(dir, path);
}

function existingMode(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

// Some platforms cannot open or fsync a directory (Windows: EISDIR/EPERM; some filesystems:
// EINVAL). There the rename is as durable as the OS makes it, so we carry on.
const DIR_FSYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL']);

function fsyncDirectory(dir: string, target: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || !DIR_FSYNC_UNSUPPORTED.has(code)) {
      throw new Error(
        `writeFileAtomic: wrote '${target}' but could not flush directory '${dir}': ${describe(err)}`,
        { cause: err });
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
