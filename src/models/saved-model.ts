// A saved model is a directory: config.json (the zoo model's name and architecture, the
// input's shape and dtype, preprocessing, label names, metrics) plus model.safetensors.
// `myelin train` leaves one per run, `myelin export` writes one from a checkpoint, and
// `myelin serve` loads one. This module rebuilds the model from config.json and turns
// request values into the tensors the model was trained on.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Module } from '../nn/module.js';
import { loadWeights } from '../io/weights.js';
import { buildMlp } from './mlp.js';
import { buildCnn } from './cnn.js';

export interface SavedModelInput {
  /** Shape of one instance (no batch dimension), e.g. [1, 28, 28] or [30]. */
  shape: number[];
  dtype: 'float32';
}

export interface SavedModelPreprocessing {
  /** Tabular models: (x - mean) / std per feature, applied to every request (clients send raw features). */
  standardize?: { mean: number[]; std: number[] };
  /** Image models: raw UINT8 pixels are multiplied by this (1/255); FP32 requests are already scaled. */
  scale?: number;
  [key: string]: unknown;
}

export interface SavedModelConfig {
  model: string;
  input: SavedModelInput;
  preprocessing?: SavedModelPreprocessing;
  labels?: string[];
  architecture?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Rebuilds a zoo model's (untrained) architecture from its saved config. */
export type SavedModelBuilder = (config: SavedModelConfig) => Module;

const BUILDERS = new Map<string, SavedModelBuilder>([
  ['mlp', (c) => {
    const a = c.architecture ?? {};
    const inFeatures = Number(a.inFeatures ?? c.input.shape[0]);
    const numClasses = Number(a.numClasses ?? c.labels?.length);
    if (!Number.isInteger(inFeatures) || !Number.isInteger(numClasses)) {
      throw new Error('mlp: config.json needs architecture.inFeatures and architecture.numClasses');
    }
    return buildMlp(inFeatures, numClasses);
  }],
  ['cnn', () => buildCnn()],
]);

/** Lets a zoo model (or a user's own) be loaded from a saved-model directory. */
export function registerSavedModelBuilder(model: string, build: SavedModelBuilder): void {
  BUILDERS.set(model, build);
}

export function savedModelNames(): string[] {
  return [...BUILDERS.keys()];
}

function fail(path: string, message: string): never {
  throw new Error(`${path}: ${message}`);
}

/** Reads and checks a saved model's config.json (dir may also be the config file itself). */
export function readSavedModelConfig(dirOrFile: string): SavedModelConfig {
  const path = dirOrFile.endsWith('.json') ? resolve(dirOrFile) : join(resolve(dirOrFile), 'config.json');
  if (!existsSync(path)) fail(path, 'not found (a saved model directory holds config.json and model.safetensors)');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(path, `invalid JSON (${(e as Error).message})`);
  }
  return checkSavedModelConfig(raw, path);
}

export function checkSavedModelConfig(raw: unknown, path = 'config.json'): SavedModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(path, 'expected a JSON object');
  const c = raw as Record<string, unknown>;
  if (typeof c.model !== 'string') fail(path, "missing 'model' (the zoo model's name)");
  if (!BUILDERS.has(c.model)) fail(path, `model '${c.model}' cannot be rebuilt (known: ${savedModelNames().join(', ')})`);
  const input = c.input as Record<string, unknown> | undefined;
  if (!input || !Array.isArray(input.shape) || !input.shape.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    fail(path, "missing 'input.shape' (the shape of one instance, e.g. [1, 28, 28]); was the run finished? " +
      'A run writes it with model.safetensors at the end of training');
  }
  if (input.dtype !== undefined && input.dtype !== 'float32') fail(path, `input.dtype '${String(input.dtype)}' is not supported (float32)`);
  if (c.labels !== undefined && (!Array.isArray(c.labels) || !c.labels.every((l) => typeof l === 'string'))) {
    fail(path, "'labels' must be an array of strings");
  }
  const pre = c.preprocessing as SavedModelPreprocessing | undefined;
  if (pre?.standardize) {
    const { mean, std } = pre.standardize;
    const n = (input.shape as number[]).reduce((a, b) => a * b, 1);
    if (!Array.isArray(mean) || !Array.isArray(std) || mean.length !== n || std.length !== n) {
      fail(path, `preprocessing.standardize needs mean and std of ${n} values each`);
    }
  }
  if (pre?.scale !== undefined && !(typeof pre.scale === 'number' && pre.scale > 0)) fail(path, 'preprocessing.scale must be a positive number');
  return { ...c, input: { shape: input.shape as number[], dtype: 'float32' } } as SavedModelConfig;
}

/** Builds the model of a config (weights not loaded). */
export function buildFromConfig(config: SavedModelConfig): Module {
  const build = BUILDERS.get(config.model);
  if (!build) throw new Error(`model '${config.model}' cannot be rebuilt (known: ${savedModelNames().join(', ')})`);
  return build(config);
}

export interface SavedModel {
  dir: string;
  config: SavedModelConfig;
  /** In eval mode, weights loaded. */
  model: Module;
}

/** Loads a saved-model directory: config.json, the architecture it names, and model.safetensors. */
export function loadSavedModel(dir: string): SavedModel {
  const abs = resolve(dir);
  const config = readSavedModelConfig(abs);
  const model = buildFromConfig(config);
  const weights = join(abs, 'model.safetensors');
  if (!existsSync(weights)) fail(weights, 'not found (a saved model directory holds config.json and model.safetensors)');
  loadWeights(model, weights);
  model.eval();
  return { dir: abs, config, model };
}

/** Number of values in one instance. */
export function instanceSize(config: SavedModelConfig): number {
  return config.input.shape.reduce((a, b) => a * b, 1);
}

/**
 * Turns raw request values (row-major, n instances) into the model's float32 input, as the
 * training data was prepared: UINT8 pixels are scaled (x / 255, exactly as the dataset
 * readers compute it), tabular features standardised with the training statistics.
 */
export function preprocess(config: SavedModelConfig, values: ArrayLike<number>, raw: 'float' | 'uint8'): Float32Array {
  const out = Float32Array.from(values);
  const pre = config.preprocessing ?? {};
  if (raw === 'uint8' && pre.scale !== undefined) {
    // Divide by the integer 1/scale when there is one (255), so that pixels match x / 255 bit for bit.
    const inv = 1 / pre.scale;
    const divisor = Math.abs(inv - Math.round(inv)) < 1e-9 ? Math.round(inv) : 0;
    for (let i = 0; i < out.length; i++) out[i] = divisor ? values[i] / divisor : values[i] * pre.scale;
  }
  if (pre.standardize) {
    const mean = Float32Array.from(pre.standardize.mean), std = Float32Array.from(pre.standardize.std);
    const f = mean.length;
    // Float32 arithmetic, as Standardizer.transform's tensor ops: fround(fround(x - m) / s).
    for (let i = 0; i < out.length; i++) out[i] = Math.fround(out[i] - mean[i % f]) / std[i % f];
  }
  return out;
}
