// Reading run directories for the dashboard: which runs there are under a root (any folder
// holding config.json or metrics.jsonl, up to three levels down, as TensorBoard's --logdir),
// their config, final metrics and status, their scalar records, pictures and ROC curves.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

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
}

export interface ScalarRecord {
  kind: string;
  step?: number;
  epoch?: number;
  [key: string]: unknown;
}

const SKIP_DIRS = new Set(['checkpoints', 'node_modules', '.git']);

function readJson(path: string): unknown {
  try { return JSON.parse(readFileSync(path, 'utf8')); } catch { return undefined; }
}

function mtime(path: string): number {
  try { return statSync(path).mtimeMs; } catch { return 0; }
}

/** Run directories under root (root itself may be a run). */
export function findRuns(root: string, depth = 3): string[] {
  const out: string[] = [];
  const walk = (dir: string, d: number) => {
    if (existsSync(join(dir, 'config.json')) || existsSync(join(dir, 'metrics.jsonl'))) { out.push(dir); return; }
    if (d === 0) return;
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names) {
      if (n.startsWith('.') || SKIP_DIRS.has(n)) continue;
      const p = join(dir, n);
      try { if (statSync(p).isDirectory()) walk(p, d - 1); } catch { /* vanished */ }
    }
  };
  walk(resolve(root), depth);
  return out;
}

/** The records of metrics.jsonl; a half-written last line (a run being written) is skipped. */
export function readScalars(runDir: string): ScalarRecord[] {
  let text: string;
  try { text = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'); } catch { return []; }
  const out: ScalarRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as ScalarRecord;
      if (r && typeof r === 'object') out.push(r);
    } catch { /* partial line */ }
  }
  return out;
}

/** PNG files of a run (and of its subfolders but checkpoints/), relative paths, sorted. */
export function runImages(runDir: string, depth = 2): string[] {
  const out: string[] = [];
  const walk = (dir: string, d: number) => {
    let names: string[];
    try { names = readdirSync(dir); } catch { return; }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      let st;
      try { st = statSync(p); } catch { continue; }
      if (st.isDirectory()) { if (d > 0 && !SKIP_DIRS.has(n)) walk(p, d - 1); } else if (n.toLowerCase().endsWith('.png')) out.push(relative(runDir, p).split(sep).join('/'));
    }
  };
  walk(runDir, depth);
  return out.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

export function runConfig(runDir: string): Record<string, unknown> | undefined {
  const c = readJson(join(runDir, 'config.json'));
  return c && typeof c === 'object' ? c as Record<string, unknown> : undefined;
}

export function runRoc(runDir: string): unknown {
  return readJson(join(runDir, 'roc.json'));
}

function numbers(o: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

export function summarizeRun(root: string, runDir: string): RunSummary {
  const config = runConfig(runDir);
  const scalars = readScalars(runDir);
  const epochs = scalars.filter((r) => r.kind === 'epoch');
  const last = epochs[epochs.length - 1];
  const metricsFile = join(runDir, 'metrics.jsonl');
  let metricsVersion = '0';
  try { const st = statSync(metricsFile); metricsVersion = `${st.size}-${st.mtimeMs}`; } catch { /* none yet */ }
  const status = config?.status === 'training' ? 'training' : config?.metrics || existsSync(join(runDir, 'model.safetensors')) ? 'finished' : 'unknown';
  const final = status === 'finished' && config?.metrics
    ? numbers(config.metrics as Record<string, unknown>)
    : numbers(last as Record<string, unknown> | undefined);
  delete final.step; delete final.epoch;
  const id = relative(resolve(root), runDir).split(sep).join('/') || '.';
  const cm = (config?.metrics as Record<string, unknown> | undefined)?.confusion_matrix;
  return {
    id, name: id === '.' ? resolve(runDir).split(sep).pop()! : id,
    model: typeof config?.model === 'string' ? config.model : undefined,
    dataset: typeof config?.dataset === 'string' ? config.dataset : undefined,
    status, updated: Math.max(mtime(metricsFile), mtime(join(runDir, 'config.json'))), metricsVersion,
    epochs: typeof last?.epoch === 'number' ? last.epoch : undefined,
    final, images: runImages(runDir), hasRoc: existsSync(join(runDir, 'roc.json')), hasConfusion: Array.isArray(cm),
  };
}

/** Resolves a run id from a URL to its directory, refusing anything outside root. */
export function runDirOf(root: string, id: string): string | undefined {
  const base = resolve(root);
  const dir = resolve(base, id);
  if (dir !== base && !dir.startsWith(base + sep)) return undefined;
  if (!existsSync(join(dir, 'config.json')) && !existsSync(join(dir, 'metrics.jsonl'))) return undefined;
  return dir;
}
