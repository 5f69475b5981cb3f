// Reading run directories for the dashboard: which runs there are under a root (any folder
// holding config.json or metrics.jsonl, up to three levels down, as TensorBoard's --logdir),
// their config, final metrics and status, their scalar records, pictures and ROC curves.
//
// Only regular files under the runs root are read: every path is resolved with realpath and
// must lie under the root's real path (a symlink that leads out of the folder, `leak.png ->
// /etc/passwd` or a run directory linked elsewhere, is not followed), named pipes and devices
// are skipped (opening a pipe would block the server), and every file is read with a size limit.

import { realpathSync, statSync, readdirSync, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { FileReadError, readRegularFile } from '../io/read-file.js';

export interface RunSummary {
  /** Path relative to the runs root, with '/' separators: the run's id in URLs. */
  id: string;
  name: string;
  model?: string;
  dataset?: string;
  status: 'training' | 'finished' | 'unknown';
  /** Last modification of the run's files (ms since the epoch). */
  updated: number;
  /** Size + mtime of metrics.jsonl, so that the page refetches scalars only when they changed. */
  metricsVersion: string;
  epochs?: number;
  /** Final metrics: config.json's metrics (test set) when finished, else the last epoch's. */
  final: Record<string, number>;
  images: string[];
  hasRoc: boolean;
  hasConfusion: boolean;
  /** A file of the run that could not be read (too large), said in a line. */
  problem?: string;
}

export interface ScalarRecord {
  kind: string;
  step?: number;
  epoch?: number;
  [key: string]: unknown;
}

/** Size limits of the files the dashboard reads. */
export const RUN_FILE_LIMITS = {
  config: 16 * 1024 * 1024,
  metrics: 64 * 1024 * 1024,
  roc: 16 * 1024 * 1024,
  image: 32 * 1024 * 1024,
};

const SKIP_DIRS = new Set(['checkpoints', 'node_modules', '.git']);

/** The folder the dashboard may read: paths are checked against its real path. */
export class RunsFolder {
  readonly root: string;
  private real: string | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The root's real path (undefined while the root does not exist). */
  get realRoot(): string | undefined {
    if (this.real === undefined) {
      try { this.real = realpathSync(this.root); } catch { return undefined; }
    }
    return this.real;
  }

  /** The real path of `path` if it exists and lies under the root (or is the root), else undefined. */
  inside(path: string): string | undefined {
    const root = this.realRoot;
    if (root === undefined) return undefined;
    let real: string;
    try { real = realpathSync(path); } catch { return undefined; }
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep) ? real : undefined;
  }

  /** stat of `path` when it lies under the root, else undefined. */
  stat(path: string): { real: string; st: Stats } | undefined {
    const real = this.inside(path);
    if (real === undefined) return undefined;
    try { return { real, st: statSync(real) }; } catch { return undefined; }
  }

  /** A regular file under the root. */
  isFile(path: string): boolean {
    return this.stat(path)?.st.isFile() === true;
  }

  /**
   * The bytes of a regular file under the root, undefined when there is none (missing, outside
   * the root, a pipe or a device); a file over maxBytes throws FileReadError (code EFBIG).
   */
  read(path: string, maxBytes: number): Buffer | undefined {
    const real = this.inside(path);
    if (real === undefined) return undefined;
    try {
      // the real path has no symlink left; O_NOFOLLOW refuses one put in its place meanwhile
      return readRegularFile(real, maxBytes, { noFollow: true });
    } catch (e) {
      if (e instanceof FileReadError && e.code === 'EFBIG') throw e;
      return undefined;
    }
  }
}

const folderOf = (folder: RunsFolder | undefined, runDir: string) => folder ?? new RunsFolder(runDir);

function readJson(folder: RunsFolder, path: string, maxBytes: number): unknown {
  const bytes = folder.read(path, maxBytes);
  if (!bytes) return undefined;
  try { return JSON.parse(bytes.toString('utf8')); } catch { return undefined; }
}

function mtime(folder: RunsFolder, path: string): number {
  return folder.stat(path)?.st.mtimeMs ?? 0;
}

function isRun(folder: RunsFolder, dir: string): boolean {
  return folder.isFile(join(dir, 'config.json')) || folder.isFile(join(dir, 'metrics.jsonl'));
}

/** Run directories under root (root itself may be a run); none outside the root's real path. */
export function findRuns(root: string | RunsFolder, depth = 3): string[] {
  const folder = typeof root === 'string' ? new RunsFolder(root) : root;
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, d: number) => {
    const real = folder.inside(dir);
    if (real === undefined || seen.has(real)) return;
    seen.add(real);
    if (isRun(folder, dir)) { out.push(dir); return; }
    if (d === 0) return;
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names) {
      if (n.startsWith('.') || SKIP_DIRS.has(n)) continue;
      const p = join(dir, n);
      if (folder.stat(p)?.st.isDirectory()) walk(p, d - 1);
    }
  };
  walk(folder.root, depth);
  return out;
}

/**
 * The records of metrics.jsonl; a half-written last line (a run being written) is skipped.
 * A file over the size limit throws FileReadError.
 */
export function readScalars(runDir: string, folder?: RunsFolder): ScalarRecord[] {
  const bytes = folderOf(folder, runDir).read(join(runDir, 'metrics.jsonl'), RUN_FILE_LIMITS.metrics);
  if (!bytes) return [];
  const out: ScalarRecord[] = [];
  for (const line of bytes.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as ScalarRecord;
      if (r && typeof r === 'object') out.push(r);
    } catch { /* partial line */ }
  }
  return out;
}

/** PNG files of a run (and of its subfolders but checkpoints/), relative paths, sorted: regular files under the root only. */
export function runImages(runDir: string, depth = 2, folder?: RunsFolder): string[] {
  const f = folderOf(folder, runDir);
  const out: string[] = [];
  const walk = (dir: string, d: number) => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      const st = f.stat(p)?.st;
      if (!st) continue;
      if (st.isDirectory()) { if (d > 0 && !SKIP_DIRS.has(n)) walk(p, d - 1); } else if (st.isFile() && n.toLowerCase().endsWith('.png')) out.push(relative(runDir, p).split(sep).join('/'));
    }
  };
  walk(runDir, depth);
  return out.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

export function runConfig(runDir: string, folder?: RunsFolder): Record<string, unknown> | undefined {
  const c = readJson(folderOf(folder, runDir), join(runDir, 'config.json'), RUN_FILE_LIMITS.config);
  return c && typeof c === 'object' && !Array.isArray(c) ? c as Record<string, unknown> : undefined;
}

export function runRoc(runDir: string, folder?: RunsFolder): unknown {
  return readJson(folderOf(folder, runDir), join(runDir, 'roc.json'), RUN_FILE_LIMITS.roc);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG of a run by its relative name (as runImages lists it), or undefined. */
export function runImage(runDir: string, file: string, folder?: RunsFolder): Buffer | undefined {
  if (!file.toLowerCase().endsWith('.png') || file.includes('\0')) return undefined;
  const path = resolve(runDir, file);
  if (!path.startsWith(runDir + sep)) return undefined;
  const bytes = folderOf(folder, runDir).read(path, RUN_FILE_LIMITS.image);
  return bytes && bytes.subarray(0, 8).equals(PNG_SIGNATURE) ? bytes : undefined;
}

function numbers(o: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

export function summarizeRun(root: string | RunsFolder, runDir: string): RunSummary {
  const folder = typeof root === 'string' ? new RunsFolder(root) : root;
  let problem: string | undefined;
  const config = runConfig(runDir, folder);
  let scalars: ScalarRecord[] = [];
  try { scalars = readScalars(runDir, folder); } catch (e) { problem = (e as Error).message; }
  const epochs = scalars.filter((r) => r.kind === 'epoch');
  const last = epochs[epochs.length - 1];
  const metricsFile = join(runDir, 'metrics.jsonl');
  const st = folder.stat(metricsFile)?.st;
  const metricsVersion = st?.isFile() ? `${st.size}-${st.mtimeMs}` : '0';
  const status = config?.status === 'training' ? 'training' : config?.metrics || folder.isFile(join(runDir, 'model.safetensors')) ? 'finished' : 'unknown';
  const final = status === 'finished' && config?.metrics
    ? numbers(config.metrics as Record<string, unknown>)
    : numbers(last as Record<string, unknown> | undefined);
  delete final.step; delete final.epoch;
  const id = relative(folder.root, runDir).split(sep).join('/') || '.';
  const cm = (config?.metrics as Record<string, unknown> | undefined)?.confusion_matrix;
  return {
    id, name: id === '.' ? resolve(runDir).split(sep).pop()! : id,
    model: typeof config?.model === 'string' ? config.model : undefined,
    dataset: typeof config?.dataset === 'string' ? config.dataset : undefined,
    status, updated: Math.max(mtime(folder, metricsFile), mtime(folder, join(runDir, 'config.json'))), metricsVersion,
    epochs: typeof last?.epoch === 'number' ? last.epoch : undefined,
    final, images: runImages(runDir, 2, folder), hasRoc: folder.isFile(join(runDir, 'roc.json')), hasConfusion: Array.isArray(cm),
    ...(problem ? { problem } : {}),
  };
}

/** Resolves a run id from a URL to its directory, refusing anything outside root (real paths compared). */
export function runDirOf(root: string | RunsFolder, id: string): string | undefined {
  const folder = typeof root === 'string' ? new RunsFolder(root) : root;
  if (id.includes('\0')) return undefined;
  const base = folder.root;
  const dir = resolve(base, id);
  if (dir !== base && !dir.startsWith(base + sep)) return undefined;
  if (!folder.stat(dir)?.st.isDirectory() || !isRun(folder, dir)) return undefined;
  return dir;
}
