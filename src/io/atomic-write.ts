// Atomic file replacement: a reader (or a crash) sees either the old file or the complete new
// one, never a half-written checkpoint. We write a temp file next to the target (same directory,
// hence same filesystem, so rename(2) is atomic), flush it to disk, rename it over the target and
// flush the directory so the rename itself survives a power loss.
//
// A writer killed mid-write (kill -9, OOM, power loss) leaves its temp file behind. Each temp
// file's name says who wrote it, `.<target>.<pid>-<start>.<random>.tmp` (<start>: the process's
// start time, so that a later process given the same pid, as happens in containers, is not
// taken for the dead writer), and every save first removes the temp files in its directory
// whose writer is gone or that are older than STALE_TEMP_MS. Live writers are never disturbed:
// each has its own names, and their temp files are left alone.
import {
  closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** A temp file older than this is removed on the next save even if its writer seems alive. */
export const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

/** Replace `path` with `data` atomically. On failure `path` is untouched and no temp file remains. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  removeStaleTempFiles(dir);
  // writer id + random suffix: concurrent writers (threads, processes) never share a temp file.
  const tmp = join(dir, `.${basename(path)}.${writerId()}.${randomBytes(6).toString('hex')}.tmp`);
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

// ---------------------------------------------------------------------------------------------
// temp files of dead writers

// `.<target>.<pid>-<start>.<12 hex>.tmp`, and the older `.<target>.<pid>.<12 hex>.tmp`
const TEMP_NAME = /^\..+\.(\d+)-(\d+)\.[0-9a-f]{12}\.tmp$/;
const OLD_TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

let selfId: string | undefined;

/** `<pid>-<start>`: this process's pid and start time (0 where the platform does not tell). */
function writerId(): string {
  return selfId ??= `${process.pid}-${processStart(process.pid) ?? 0}`;
}

const HAVE_PROC = (() => {
  try { return statSync('/proc/self/stat').isFile(); } catch { return false; }
})();

/**
 * A process's start time in clock ticks since boot (Linux, field 22 of /proc/<pid>/stat), as a
 * decimal string; null when no such process exists; undefined when the platform cannot tell.
 */
function processStart(pid: number): string | null | undefined {
  if (!HAVE_PROC) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name (field 2) is in parentheses and may itself hold spaces and parentheses
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19]; // field 22 overall; fields[0] is field 3
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** Whether the process that named a temp file `pid-start` (start undefined: old names) still runs. */
function writerAlive(pid: number, start: string | undefined): boolean {
  if (pid === process.pid && (start === undefined || `${pid}-${start}` === writerId())) return true;
  const actual = processStart(pid);
  if (actual === null) return false;
  if (actual !== undefined && start !== undefined && start !== '0') return actual === start;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes the temp files left in `dir` by writers that died mid-write (or that are older than
 * STALE_TEMP_MS); returns their names. Files that are not writeFileAtomic temp files, and those
 * of live writers, are left alone. Errors (a file removed meanwhile by another process, a
 * directory we cannot list) are ignored: cleaning up is a courtesy, never a reason to fail a save.
 */
export function removeStaleTempFiles(dir: string, now = Date.now()): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name) ?? OLD_TEMP_NAME.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (!st.isFile()) continue;
      const stale = now - st.mtimeMs > STALE_TEMP_MS || !writerAlive(Number(m[1]), m[2]);
      if (!stale) continue;
      unlinkSync(path);
      removed.push(name);
    } catch { /* gone already, or not ours to remove */ }
  }
  return removed;
}
