// A saved model is a directory: config.json (the zoo model's name and architecture, the
// input's shape and dtype, preprocessing, label names, metrics) plus model.safetensors.
// `myelin train` leaves one per run, `myelin export` writes one from a checkpoint, and
// `myelin serve` loads one. This module rebuilds the model from config.json and turns
// request values into the tensors the model was trained on.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Module } from '../nn/module.js';
import { loadWeights } from '../io/weights.js';
import { FileReadError, readRegularTextFile } from '../io/read-file.js';
import { JSON_CHECKSUM_FIELD, jsonChecksumProblem } from '../io/json-checksum.js';
import { describeJsonError } from '../io/json-error.js';
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
    if (!Number.isInteger(inFeatures) || !Number.isInteger(numClasses) || inFeatures <= 0 || numClasses <= 0) {
      throw new Error('mlp: config.json needs architecture.inFeatures and architecture.numClasses (positive integers)');
    }
    const size = instanceSize(c);
    if (inFeatures !== size) throw new Error(`mlp: config.json: architecture.inFeatures (${inFeatures}) differs from the size of input.shape (${size})`);
    return buildMlp(inFeatures, numClasses);
  }],
  ['cnn', (c) => {
    if (c.input.shape.join(',') !== '1,28,28') throw new Error(`cnn: config.json: input.shape must be [1, 28, 28] (the cnn's input), got [${c.input.shape.join(', ')}]`);
    return buildCnn();
  }],
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

/** Largest config.json read (it holds label names and per-feature statistics, not weights). */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Most values in one instance (input.shape's product): 64 Mi floats, 256 MiB per instance. */
export const MAX_INSTANCE_SIZE = 64 * 1024 * 1024;

/** Reads and checks a saved model's config.json (dir may also be the config file itself). */
export function readSavedModelConfig(dirOrFile: string): SavedModelConfig {
  const path = dirOrFile.endsWith('.json') ? resolve(dirOrFile) : join(resolve(dirOrFile), 'config.json');
  let text: string;
  try {
    text = readRegularTextFile(path, MAX_CONFIG_BYTES);
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT') fail(path, 'not found (a saved model directory holds config.json and model.safetensors)');
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // by position only: the file might not be a config at all, and its text stays out of messages
    fail(path, `invalid JSON (${describeJsonError(e, text)})`);
  }
  const changed = jsonChecksumProblem(raw);
  if (changed !== null) fail(path, changed);
  const { [JSON_CHECKSUM_FIELD]: _checksum, ...config } = raw as Record<string, unknown>;
  return checkSavedModelConfig(config, path);
}

/** Sizes the zoo's architecture records hold (layer widths, class counts): positive integers. */
const ARCHITECTURE_SIZES = ['inFeatures', 'hidden', 'numClasses', 'vocabSize', 'embedDim', 'latent', 'pixels'];

/** A number that float32 holds as a finite value (what the model computes with). */
function finite32(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(Math.fround(v));
}

function shortValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  if (typeof v === 'string') return `a string`;
  return Array.isArray(v) ? 'an array' : typeof v;
}

export function checkSavedModelConfig(raw: unknown, path = 'config.json'): SavedModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(path, 'expected a JSON object');
  const c = raw as Record<string, unknown>;
  if (typeof c.model !== 'string') fail(path, "missing 'model' (the zoo model's name)");
  if (!BUILDERS.has(c.model)) fail(path, `model '${c.model.slice(0, 40)}' cannot be rebuilt (known: ${savedModelNames().join(', ')})`);
  const input = c.input as Record<string, unknown> | undefined;
  if (!input || !Array.isArray(input.shape) || !input.shape.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    fail(path, "missing 'input.shape' (the shape of one instance, e.g. [1, 28, 28], positive integers); was the run finished? " +
      'A run writes it with model.safetensors at the end of training');
  }
  const shape = input.shape as number[];
  const n = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 0 || shape.length > 8 || n > MAX_INSTANCE_SIZE) {
    fail(path, `input.shape: [${shape.join(', ')}] must have 1 to 8 dimensions and at most ${MAX_INSTANCE_SIZE} values`);
  }
  if (input.dtype !== undefined && input.dtype !== 'float32') fail(path, `input.dtype '${String(input.dtype).slice(0, 20)}' is not supported (float32)`);
  if (c.labels !== undefined && (!Array.isArray(c.labels) || !c.labels.every((l) => typeof l === 'string'))) {
    fail(path, "'labels' must be an array of strings");
  }
  const arch = c.architecture;
  if (arch !== undefined && (typeof arch !== 'object' || arch === null || Array.isArray(arch))) fail(path, "'architecture' must be an object");
  for (const k of ARCHITECTURE_SIZES) {
    const v = (arch as Record<string, unknown> | undefined)?.[k];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0)) fail(path, `architecture.${k}: must be a positive integer, got ${shortValue(v)}`);
  }
  const numClasses = (arch as Record<string, unknown> | undefined)?.numClasses;
  if (typeof numClasses === 'number' && Array.isArray(c.labels) && c.labels.length !== numClasses) {
    fail(path, `labels: ${c.labels.length} names for architecture.numClasses ${numClasses} classes`);
  }
  const pre = c.preprocessing as SavedModelPreprocessing | undefined;
  if (pre !== undefined && (typeof pre !== 'object' || pre === null || Array.isArray(pre))) fail(path, "'preprocessing' must be an object");
  if (pre?.standardize !== undefined) {
    const { mean, std } = pre.standardize as { mean?: unknown; std?: unknown };
    if (!Array.isArray(mean) || !Array.isArray(std) || mean.length !== n || std.length !== n) {
      fail(path, `preprocessing.standardize needs mean and std of ${n} values each`);
    }
    // In float32, as preprocess() computes: a std that rounds to 0 (or 1e-50) divides by zero.
    mean.forEach((m, i) => {
      if (!finite32(m)) fail(path, `preprocessing.standardize.mean[${i}]: must be a finite number (in float32 range), got ${shortValue(m)}`);
    });
    std.forEach((s, i) => {
      if (!finite32(s) || !(Math.fround(s) > 0)) {
        fail(path, `preprocessing.standardize.std[${i}]: must be a finite number > 0 (in float32), got ${shortValue(s)}; ` +
          'a zero standard deviation would map every input to the same value');
      }
    });
  }
  if (pre?.scale !== undefined && !(finite32(pre.scale) && Math.fround(pre.scale) > 0)) {
    fail(path, `preprocessing.scale: must be a finite positive number, got ${shortValue(pre.scale)}`);
  }
  return { ...c, input: { shape, dtype: 'float32' } } as SavedModelConfig;
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
