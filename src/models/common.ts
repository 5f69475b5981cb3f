// What every zoo model's `train` and `eval` share: options from the command line, the run
// directory, the report, and the summary the CLI prints.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { getBackendName } from '../backend/index.js';
import { manualSeed } from '../tensor/random.js';
import { RunDir } from '../train/run-dir.js';
import { JsonlLogger } from '../train/callbacks/jsonl-logger.js';
import { ModelCheckpoint } from '../train/callbacks/checkpoint.js';
import type { Callback } from '../train/callback.js';
import type { Trainer } from '../train/trainer.js';
import { RunRecord } from '../train/run-record.js';
import { saveWeights } from '../io/weights.js';
import type { Module } from '../nn/module.js';
import { TensorBoardLogger, logFinalImages } from '../train/callbacks/tensorboard.js';
import { ROC_CURVES, type RocData } from './roc-data.js';

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Run directory (default runs/<model>-<timestamp>). */
  out?: string;
  /** Dataset name or directory (model-specific). */
  dataset?: string;
  /** CSV file and label column (mlp). */
  csv?: string;
  label?: string;
  /** Use only the first N training and N test samples (smoke runs). */
  limit?: number;
  /** Latent dimensions of the generative models (vae, dvae). */
  latent?: number;
  /** Show progress bars (default true). */
  progress?: boolean;
  /** Where human-readable lines go (default stderr). */
  log?: (line: string) => void;
  /** Continue the run in this directory from its last checkpoint (see resumeOptions). */
  resume?: string;
}

export interface EvalOptions {
  weights: string;
  dataset?: string;
  csv?: string;
  label?: string;
  seed?: number;
  limit?: number;
  log?: (line: string) => void;
}

/** The final report: printed as one JSON object with --json. */
export type Summary = Record<string, unknown> & { model: string; dataset: string; backend: string };

export interface ZooModel {
  name: string;
  description: string;
  train(options: TrainOptions): Promise<Summary>;
  evaluate(options: EvalOptions): Promise<Summary>;
  /** Whether `train` can continue a run from its last checkpoint (options.resume). */
  resumable?: boolean;
}

export function round(v: number, digits = 4): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : v;
}

/** What startRun gives a model's train(). */
export interface StartedRun {
  run: RunDir;
  callbacks: Callback[];
  checkpoint: ModelCheckpoint;
  /**
   * For a resumed run (options.resume): restores the trainer (model, optimizer, RNG, step) and
   * the callbacks from the run's last checkpoint, all or nothing, then drops the records of the
   * epochs after it from metrics.jsonl and marks the run as training again; returns the epochs
   * completed (fit's initialEpoch). For a new run: 0. Call it after building the trainer, just
   * before fit, with the callbacks given to fit.
   */
  resume(trainer: Trainer): number;
}

/**
 * Seeds the default generator and creates the run directory (or, resuming, opens it) with its
 * standard callbacks. config.json records the options the run was started with (trainOptions),
 * which a resumed run reuses.
 */
export function startRun(model: string, options: TrainOptions, config: Record<string, unknown>): StartedRun {
  manualSeed(options.seed ?? 0);
  const resuming = options.resume !== undefined;
  const run = resuming ? new RunDir(options.resume!) : RunDir.create(model, 'runs', options.out);
  const runConfig = { model, backend: getBackendName(), ...config, trainOptions: trainOptionsOf(options), status: 'training' };
  // a resumed run changes its directory only once the checkpoint has loaded
  if (!resuming) run.writeJson('config.json', runConfig);
  const checkpoint = new ModelCheckpoint(run.checkpoints, { monitor: 'val_loss' });
  const callbacks: Callback[] = [new JsonlLogger(run.metricsFile), new TensorBoardLogger(run.path), checkpoint];
  const resume = (trainer: Trainer): number => {
    if (!resuming) return 0;
    const path = checkpoint.lastPath;
    if (!existsSync(path)) throw new Error(`--resume ${run.path}: no checkpoint to resume from (${path} does not exist)`);
    const epoch = trainer.resume(path, { callbacks });
    new RunRecord(run.metricsFile).truncateAfter(trainer.globalStep);
    run.writeJson('config.json', runConfig);
    (options.log ?? ((l: string) => process.stderr.write(l + '\n')))(
      `${model}: resuming ${run.path} after epoch ${epoch} (step ${trainer.globalStep}) from ${path}`);
    return epoch;
  };
  return { run, callbacks, checkpoint, resume };
}

// --- resuming a run ---------------------------------------------------------------------------

/** The options config.json keeps, with their flags; `path`: a file or directory, kept absolute. */
const RUN_OPTIONS: { key: keyof TrainOptions | 'data' | 'cell' | 'maxIters' | 'evalEvery' | 'init'; flag: string; type: 'number' | 'string' | 'path' }[] = [
  { key: 'epochs', flag: '--epochs', type: 'number' },
  { key: 'batchSize', flag: '--batch-size', type: 'number' },
  { key: 'lr', flag: '--lr', type: 'number' },
  { key: 'seed', flag: '--seed', type: 'number' },
  { key: 'dataset', flag: '--dataset', type: 'path' },
  { key: 'csv', flag: '--csv', type: 'path' },
  { key: 'label', flag: '--label', type: 'string' },
  { key: 'limit', flag: '--limit', type: 'number' },
  { key: 'latent', flag: '--latent', type: 'number' },
  { key: 'data', flag: '--data', type: 'path' },
  { key: 'cell', flag: '--cell', type: 'string' },
  { key: 'maxIters', flag: '--max-iters', type: 'number' },
  { key: 'evalEvery', flag: '--eval-every', type: 'number' },
  { key: 'init', flag: '--init', type: 'path' },
];

/** A path option as the run keeps it: absolute when it names an existing file or directory (a dataset name stays a name). */
function normalised(type: string, v: unknown): unknown {
  return type === 'path' && typeof v === 'string' && existsSync(v) ? resolve(v) : v;
}

/** The options that shape a run (not where it goes or how it reports), as config.json's trainOptions. */
function trainOptionsOf(options: TrainOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given = options as Record<string, unknown>;
  for (const { key, type } of RUN_OPTIONS) if (given[key] !== undefined) out[key] = normalised(type, given[key]);
  return out;
}

/**
 * The options to resume the run in `options.resume` with: those the run was started with (its
 * config.json), and the ones given now, which must agree with them, apart from --epochs (the
 * new total, e.g. to train on). Checks that the directory is a run of this model that can be
 * resumed; nothing is changed here.
 */
export function resumeOptions(zoo: ZooModel, options: TrainOptions): TrainOptions {
  const dir = resolve(options.resume!);
  const where = `--resume ${dir}`;
  if (!zoo.resumable) {
    throw new Error(`${where}: ${zoo.name} runs cannot be resumed yet (its training loop keeps no resumable checkpoint); resumable: mlp, cnn`);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${where}: not a run directory (it does not exist)`);
  if (options.out !== undefined && resolve(options.out) !== dir) {
    throw new Error(`${where}: --out ${options.out} differs; a resumed run goes on in its own directory (leave --out out)`);
  }
  const configPath = resolve(dir, 'config.json');
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`${where}: cannot read the run's config.json: ${(e as Error).message}`);
  }
  const c = config as Record<string, unknown> | null;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new Error(`${configPath}: must be a JSON object`);
  if (c.model !== zoo.name) throw new Error(`${where}: this is a run of ${JSON.stringify(c.model)}, not of '${zoo.name}'`);
  const saved = c.trainOptions;
  if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) {
    throw new Error(`${configPath}: field 'trainOptions' is missing (a run made before myelin could resume runs): cannot resume it`);
  }
  const merged: Record<string, unknown> = { ...options, resume: dir, out: undefined };
  for (const { key, flag, type } of RUN_OPTIONS) {
    const was = (saved as Record<string, unknown>)[key];
    if (was !== undefined && (type === 'number' ? typeof was !== 'number' || !Number.isFinite(was) : typeof was !== 'string')) {
      throw new Error(`${configPath}: field 'trainOptions.${key}' must be a ${type === 'number' ? 'number' : 'string'}, got ${JSON.stringify(was)}`);
    }
    const now = normalised(type, (options as Record<string, unknown>)[key]);
    if (key === 'epochs') { merged[key] = now ?? was; continue; }
    if (now !== undefined && now !== was) {
      throw new Error(`${where}: ${flag} ${String(now)} differs from the run's ${was === undefined ? 'default (the flag was not given)' : String(was)}; ` +
        'a resumed run keeps its settings (only --epochs may change)');
    }
    merged[key] = was;
  }
  return merged as TrainOptions;
}

/**
 * Makes the run directory a saved model: model.safetensors, and config.json extended with
 * what it takes to rebuild and feed the model (input shape, preprocessing, label names) and
 * the final metrics.
 */
export function saveModel(run: RunDir, model: Module, config: Record<string, unknown>): void {
  saveWeights(model, run.file('model.safetensors'));
  // the options the run was started with stay, so that it can be resumed to train on
  const trainOptions = readTrainOptions(run);
  run.writeJson('config.json', { backend: getBackendName(), ...config, ...(trainOptions ? { trainOptions } : {}) });
  // ROC curves of the test set (see roc-data.ts) for the dashboard
  const roc = (config.metrics as { [ROC_CURVES]?: RocData } | undefined)?.[ROC_CURVES];
  if (roc) run.writeJson('roc.json', roc);
  // pictures written after fit (prediction grid, confusion matrix) into the TensorBoard event file
  logFinalImages(run.path);
}

export function baseSummary(model: string, dataset: string): Summary {
  return { model, dataset, backend: getBackendName() };
}

function readTrainOptions(run: RunDir): unknown {
  try {
    return (JSON.parse(readFileSync(run.file('config.json'), 'utf8')) as { trainOptions?: unknown })?.trainOptions;
  } catch {
    return undefined;
  }
}
