// What every zoo model's `train` and `eval` share: options from the command line, the run
// directory, the report, and the summary the CLI prints.

import { getBackendName } from '../backend/index.js';
import { manualSeed } from '../tensor/random.js';
import { RunDir } from '../train/run-dir.js';
import { JsonlLogger } from '../train/callbacks/jsonl-logger.js';
import { ModelCheckpoint } from '../train/callbacks/checkpoint.js';
import type { Callback } from '../train/callback.js';
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
}

export function round(v: number, digits = 4): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : v;
}

/** Seeds the default generator and creates the run directory with its standard callbacks. */
export function startRun(model: string, options: TrainOptions, config: Record<string, unknown>): { run: RunDir; callbacks: Callback[]; checkpoint: ModelCheckpoint } {
  manualSeed(options.seed ?? 0);
  const run = RunDir.create(model, 'runs', options.out);
  run.writeJson('config.json', { model, backend: getBackendName(), ...config, status: 'training' });
  const checkpoint = new ModelCheckpoint(run.checkpoints, { monitor: 'val_loss' });
  return { run, callbacks: [new JsonlLogger(run.metricsFile), new TensorBoardLogger(run.path), checkpoint], checkpoint };
}

/**
 * Makes the run directory a saved model: model.safetensors, and config.json extended with
 * what it takes to rebuild and feed the model (input shape, preprocessing, label names) and
 * the final metrics.
 */
export function saveModel(run: RunDir, model: Module, config: Record<string, unknown>): void {
  saveWeights(model, run.file('model.safetensors'));
  run.writeJson('config.json', { backend: getBackendName(), ...config });
  // ROC curves of the test set (see roc-data.ts) for the dashboard
  const roc = (config.metrics as { [ROC_CURVES]?: RocData } | undefined)?.[ROC_CURVES];
  if (roc) run.writeJson('roc.json', roc);
  // pictures written after fit (prediction grid, confusion matrix) into the TensorBoard event file
  logFinalImages(run.path);
}

export function baseSummary(model: string, dataset: string): Summary {
  return { model, dataset, backend: getBackendName() };
}
