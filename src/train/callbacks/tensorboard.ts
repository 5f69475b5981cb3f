// Writes a run's scalars and pictures as a TensorBoard event file in the run directory, so
// `tensorboard --logdir runs` shows myelin's runs next to everything else it knows.
//
// Scalars: the epoch logs (loss, accuracy, val_*, lr, ...) at the global step when each epoch
// ends, and every `everySteps` optimizer steps the running training averages as `batch/<name>`.
// Images: PNG files that appear in the run directory (prediction grids, samples, confusion
// matrices) are logged at the step at which they were first seen changed, tagged by their path.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EventFileWriter, eventFiles, readEventFile } from '../../io/tensorboard/index.js';
import type { Callback, Logs } from '../callback.js';
import type { Trainer } from '../trainer.js';

export interface TensorBoardLoggerOptions {
  /** Log running training metrics every N optimizer steps (0: epochs only; default 50). */
  everySteps?: number;
  /** Log PNG files of the run directory as image summaries (default true). */
  images?: boolean;
}

/** PNGs under dir (its subfolders too, except checkpoints/), with their modification times. */
function pngFiles(dir: string, depth = 2): { path: string; mtimeMs: number }[] {
  const out: { path: string; mtimeMs: number }[] = [];
  let names: string[];
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    let st;
    try { st = statSync(p); } catch { continue; }
    if (st.isDirectory()) {
      if (depth > 0 && name !== 'checkpoints' && name !== 'node_modules') out.push(...pngFiles(p, depth - 1));
    } else if (name.toLowerCase().endsWith('.png')) {
      out.push({ path: p, mtimeMs: st.mtimeMs });
    }
  }
  return out;
}

function imageTag(runDir: string, path: string): string {
  return relative(runDir, path).replace(/\\/g, '/').replace(/\.png$/i, '');
}

/**
 * Logs at `step` the PNGs of `runDir` that `isNew` accepts; returns how many. (File times are
 * compared with file times, never with the wall clock: the file system's clock ticks coarser.)
 */
function logImages(writer: EventFileWriter, runDir: string, step: number,
  isNew: (f: { path: string; mtimeMs: number }) => boolean): number {
  let n = 0;
  for (const f of pngFiles(runDir)) {
    if (!isNew(f)) continue;
    try {
      writer.image(imageTag(runDir, f.path), step, readFileSync(f.path));
      n++;
    } catch {
      // a half-written or foreign file: skip it, the next scan sees it again if it changes
    }
  }
  return n;
}

export class TensorBoardLogger implements Callback {
  private writer: EventFileWriter | null = null;
  /** Modification time of each PNG of the run directory when last looked at. */
  private readonly seen = new Map<string, number>();
  readonly everySteps: number;

  constructor(readonly dir: string, private readonly options: TensorBoardLoggerOptions = {}) {
    this.everySteps = options.everySteps ?? 50;
  }

  /** The event file being written (after training began). */
  get path(): string | undefined {
    return this.writer?.path;
  }

  onTrainBegin(): void {
    // PNGs already in the directory (a resumed run) are not new pictures of this run.
    for (const f of pngFiles(this.dir)) this.seen.set(f.path, f.mtimeMs);
    this.writer ??= new EventFileWriter(this.dir);
  }

  onBatchEnd(_trainer: Trainer, step: number, logs: Logs): void {
    if (!this.writer || !this.everySteps || step % this.everySteps !== 0) return;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(logs)) values[`batch/${k}`] = v;
    this.writer.scalars(step, values);
  }

  onEpochEnd(trainer: Trainer, epoch: number, logs: Logs): void {
    if (!this.writer) return;
    this.writer.scalars(trainer.globalStep, { ...logs, epoch: epoch + 1 });
    this.scanImages(trainer.globalStep);
  }

  onTrainEnd(trainer: Trainer): void {
    this.scanImages(trainer.globalStep);
    this.close();
  }

  private scanImages(step: number): void {
    if (!this.writer || this.options.images === false) return;
    logImages(this.writer, this.dir, step, (f) => {
      if (this.seen.get(f.path) === f.mtimeMs) return false;
      this.seen.set(f.path, f.mtimeMs);
      return true;
    });
  }

  close(): void {
    this.writer?.close();
    this.writer = null;
  }
}

/**
 * An event file for a run trained by a custom loop (no TensorBoardLogger): the epoch records of
 * its metrics.jsonl as scalars, and its pictures, a picture named like `samples_epoch_3.png`
 * at the step where epoch 3 ended.
 */
function eventFileFromRun(runDir: string): number {
  let records: Record<string, unknown>[] = [];
  try {
    records = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim())
      .flatMap((l) => { try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; } });
  } catch { /* no metrics */ }
  const pictures = pngFiles(runDir);
  if (records.length === 0 && pictures.length === 0) return 0;
  const writer = new EventFileWriter(runDir);
  const stepOfEpoch = new Map<number, number>();
  let lastStep = 0;
  try {
    for (const r of records) {
      const step = typeof r.step === 'number' ? r.step : typeof r.epoch === 'number' ? r.epoch : lastStep + 1;
      if (typeof r.epoch === 'number') stepOfEpoch.set(r.epoch, step);
      lastStep = Math.max(lastStep, step);
      const values: Record<string, number> = {};
      for (const [k, v] of Object.entries(r)) if (typeof v === 'number' && k !== 'step') values[r.kind === 'step' ? `batch/${k}` : k] = v;
      const t = typeof r.time === 'string' ? Date.parse(r.time) / 1000 : NaN;
      writer.scalars(step, values, Number.isFinite(t) ? t : undefined);
    }
    let n = 0;
    for (const f of pictures) {
      const m = /(\d+)\.png$/i.exec(f.path);
      const epoch = m ? Number(m[1]) : undefined;
      const step = epoch !== undefined ? stepOfEpoch.get(epoch) ?? epoch : lastStep;
      try { writer.image(imageTag(runDir, f.path), step, readFileSync(f.path), f.mtimeMs / 1000); n++; } catch { /* not a PNG */ }
    }
    return n;
  } finally {
    writer.close();
  }
}

/**
 * After training: appends the run's pictures written since its event file's last event
 * (prediction grids, confusion matrices saved once fit returned) to that file, at its last
 * step. A run without an event file (a custom training loop) gets one made from its
 * metrics.jsonl and pictures.
 */
export function logFinalImages(runDir: string): number {
  const files = eventFiles(runDir);
  const path = files[files.length - 1];
  if (!path) return eventFileFromRun(runDir);
  let events;
  try { events = readEventFile(path, { allowPartialTail: true }); } catch { return 0; }
  let step = 0, lastMs = 0;
  const logged = new Set<string>();
  for (const e of events) {
    step = Math.max(step, e.step);
    lastMs = Math.max(lastMs, e.wallTime * 1000);
    for (const v of e.summary?.values ?? []) if (v.image) logged.add(v.tag);
  }
  const writer = EventFileWriter.append(path);
  try {
    // new pictures, and logged ones rewritten after the last event
    return logImages(writer, runDir, step, (f) => !logged.has(imageTag(runDir, f.path)) || f.mtimeMs > lastMs);
  } finally {
    writer.close();
  }
}
