// Training checkpoints: one safetensors file holding the model's weights (under their usual
// names, so the file also loads as plain weights), the optimizer's state tensors (under
// `optimizer/`), and JSON metadata (epoch, step, optimizer hyper-parameters, RNG state,
// metrics, the training callbacks' states). One file written atomically means a crash never
// leaves a half-written checkpoint.
//
// Loading is transactional. A checkpoint is untrusted input (a file can be truncated, edited,
// or written by something else), so stageCheckpoint first parses and checks everything (the
// metadata against its schema, every weight against the model, the optimizer state against the
// optimizer, the RNG state) and builds the new state off to the side; only then does commit()
// install it. A checkpoint that fails any check changes nothing: not the model, not the
// optimizer, not the random generator. Errors name the file and the field.

import { readSafetensors, writeSafetensors, type SafetensorsContents, type SafetensorsTensor, type TensorToWrite } from './safetensors.js';
import { OPTIMIZER_PREFIX } from './weights.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import {
  flattenOptimizerState, optimizerTensorName, unflattenOptimizerState, type OptimizerStateMeta,
} from '../optim/state-dict.js';
import { defaultGenerator, generatorStateProblem } from '../tensor/random.js';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { sameShape, shapeToString } from '../tensor/shape.js';

const FORMAT = 'myelin.checkpoint.v1';

export interface CheckpointInfo {
  /** Epochs completed (an integer >= 0): pass it to fit as initialEpoch. */
  epoch: number;
  /** Optimizer steps taken (an integer >= 0). */
  step: number;
  /** Finite metric values (non-finite ones, e.g. a diverged loss, are not saved: JSON has no NaN). */
  metrics?: Record<string, number>;
  /** The training callbacks' states (best scores, schedule positions), by each callback's stateKey. */
  callbacks?: Record<string, unknown>;
  /** Anything JSON-serialisable the caller wants back on resume. */
  extra?: unknown;
}

interface CheckpointMeta extends CheckpointInfo {
  format: typeof FORMAT;
  optimizer: OptimizerStateMeta | null;
  rng: (number | null)[];
}

/** A checkpoint read and checked against a model and optimizer, not yet installed. */
export interface StagedCheckpoint {
  readonly path: string;
  readonly info: CheckpointInfo;
  /** Installs weights, optimizer state and RNG state. Call once; it does not fail. */
  commit(): void;
}

export function saveCheckpoint(path: string, model: Module, optimizer: Optimizer | null, info: CheckpointInfo): void {
  const where = `saveCheckpoint ${path}`;
  checkInfoFields(info, (field, problem) => new Error(`${where}: ${field} ${problem}`), false);
  const tensors: [string, TensorToWrite][] = [];
  for (const [name, t] of model.stateDict()) tensors.push([name, { shape: t.shape, data: t.dataSync() }]);
  let optimizerMeta: OptimizerStateMeta | null = null;
  if (optimizer) {
    const { meta, tensors: state } = flattenOptimizerState(optimizer.stateDict(), OPTIMIZER_PREFIX);
    optimizerMeta = meta;
    for (const [name, t] of state) tensors.push([name, { shape: t.shape, data: t.dataSync() }]);
  }
  const metrics = info.metrics && Object.fromEntries(Object.entries(info.metrics).filter(([, v]) => Number.isFinite(v)));
  const meta: CheckpointMeta = {
    format: FORMAT, epoch: info.epoch, step: info.step,
    ...(metrics ? { metrics } : {}),
    ...(info.callbacks !== undefined ? { callbacks: info.callbacks } : {}),
    ...(info.extra !== undefined ? { extra: info.extra } : {}),
    optimizer: optimizerMeta, rng: defaultGenerator.getState(),
  };
  writeSafetensors(path, tensors, { myelin: JSON.stringify(meta) });
}

/**
 * Restores model weights, optimizer state and the default generator's state from a checkpoint;
 * returns the saved epoch/step/metrics. All or nothing: on any error (named with the file and
 * field) the model, the optimizer and the generator are as they were.
 */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer | null = null): CheckpointInfo {
  const staged = stageCheckpoint(path, model, optimizer);
  staged.commit();
  return staged.info;
}

/** A checkpoint's epoch, step, metrics and callback states, checked, without loading any tensor into anything. */
export function readCheckpointInfo(path: string): CheckpointInfo {
  return stageCheckpoint(path, null, null).info;
}

/**
 * Reads a checkpoint and checks all of it against `model` and `optimizer` (either may be null:
 * then that part is not loaded), building the state to install; throws, changing nothing, on
 * any problem. The returned commit() installs it. Trainer.resume stages the callbacks' states
 * in between, so that they too are restored only when everything fits.
 */
export function stageCheckpoint(path: string, model: Module | null, optimizer: Optimizer | null): StagedCheckpoint {
  const contents = readSafetensors(path); // errors name the file
  const fail = (field: string, problem: string) => new Error(`${path}: checkpoint field '${field}' ${problem}`);
  const meta = parseMeta(path, contents);
  checkInfoFields(meta, fail, true);
  const rngProblem = generatorStateProblem(meta.rng);
  if (rngProblem) throw fail('rng', `is not a random generator state: ${rngProblem}`);
  if (meta.optimizer !== null && (typeof meta.optimizer !== 'object' || Array.isArray(meta.optimizer))) {
    throw fail('optimizer', `must be an object { state, paramGroups } or null, got ${describe(meta.optimizer)}`);
  }

  const commits: (() => void)[] = [];
  if (model) {
    const weights = stageWeights(path, contents, model);
    commits.push(() => { model.loadStateDict(weights); });
  }
  if (optimizer) commits.push(stageOptimizer(path, contents, meta.optimizer, optimizer, fail));
  const rng = meta.rng.slice();
  commits.push(() => { defaultGenerator.setState(rng); });

  const info: CheckpointInfo = {
    epoch: meta.epoch, step: meta.step,
    ...(meta.metrics !== undefined ? { metrics: { ...meta.metrics } } : {}),
    ...(meta.callbacks !== undefined ? { callbacks: structuredClone(meta.callbacks) } : {}),
    ...(meta.extra !== undefined ? { extra: structuredClone(meta.extra) } : {}),
  };
  let done = false;
  return {
    path, info,
    commit: () => {
      if (done) throw new Error(`${path}: this staged checkpoint was committed already`);
      done = true;
      // the model first: Module.loadStateDict checks again and changes nothing if it throws,
      // and nothing else has been changed by then; the other steps cannot fail
      for (const c of commits) c();
    },
  };
}

function parseMeta(path: string, contents: SafetensorsContents): CheckpointMeta {
  const raw = contents.metadata?.myelin;
  if (typeof raw !== 'string') {
    throw new Error(`${path}: not a myelin checkpoint (no 'myelin' metadata); to load plain weights use loadWeights`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${path}: corrupt checkpoint metadata (${(e as Error).message})`);
  }
  if (!isPlainObject(meta)) throw new Error(`${path}: checkpoint metadata must be a JSON object, got ${describe(meta)}`);
  if (meta.format !== FORMAT) {
    throw new Error(`${path}: checkpoint field 'format' is ${describe(meta.format)}; expected '${FORMAT}'`);
  }
  return meta as unknown as CheckpointMeta;
}

/** The schema of epoch, step, metrics, callbacks (and, when loading, rng and optimizer presence). */
function checkInfoFields(info: CheckpointInfo, fail: (field: string, problem: string) => Error, loading: boolean): void {
  if (!isPlainObject(info)) throw fail('info', `must be an object, got ${describe(info)}`);
  for (const field of ['epoch', 'step'] as const) {
    const v: unknown = info[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw fail(field, `must be an integer >= 0, got ${describe(v)}`);
  }
  if (info.metrics !== undefined) {
    if (!isPlainObject(info.metrics)) throw fail('metrics', `must be an object of numbers, got ${describe(info.metrics)}`);
    if (loading) {
      for (const [k, v] of Object.entries(info.metrics)) {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(`metrics.${k}`, `must be a finite number, got ${describe(v)}`);
      }
    }
  }
  if (info.callbacks !== undefined && !isPlainObject(info.callbacks)) {
    throw fail('callbacks', `must be an object (callback states by key), got ${describe(info.callbacks)}`);
  }
  if (loading) {
    const meta = info as unknown as CheckpointMeta;
    if (!('rng' in meta)) throw fail('rng', 'is missing');
    if (!('optimizer' in meta)) throw fail('optimizer', 'is missing (null when saved without optimizer state)');
  }
}

/** The model tensors of the file, checked against the model's state dict: names, shapes, dtypes. */
function stageWeights(path: string, contents: SafetensorsContents, model: Module): Map<string, Tensor> {
  const expected = model.stateDict();
  const weights = new Map<string, Tensor>();
  const problems: string[] = [];
  for (const [name, t] of contents.tensors) {
    if (name.startsWith(OPTIMIZER_PREFIX)) continue;
    const target = expected.get(name);
    if (!target) { problems.push(`unexpected tensor '${name}'`); continue; }
    const incoming = fromArray(t.data, t.shape);
    if (!sameShape(incoming.shape, target.shape)) {
      problems.push(`'${name}' has shape ${shapeToString(incoming.shape)} in the checkpoint but ${shapeToString(target.shape)} in the model`);
    } else if (incoming.dtype !== target.dtype) {
      problems.push(`'${name}' is ${t.dtype} in the checkpoint but ${target.dtype} in the model`);
    } else {
      // as Module.loadStateDict refuses them: checked here so that commit() cannot fail
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) problems.push(`'${name}' element ${bad} is ${t.data[bad]} (a non-finite weight)`);
    }
    weights.set(name, incoming);
  }
  const missing = [...expected.keys()].filter((k) => !weights.has(k));
  if (missing.length) problems.unshift(`missing tensor(s) ${missing.map((k) => `'${k}'`).join(', ')}`);
  if (problems.length) {
    throw new Error(`${path}: the checkpoint does not fit ${model.constructor.name}: ${problems.slice(0, 8).join('; ')}` +
      `${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}`);
  }
  return weights;
}

/** The optimizer state of the file, checked against `optimizer` and built; returns its commit. */
function stageOptimizer(path: string, contents: SafetensorsContents, meta: OptimizerStateMeta | null, optimizer: Optimizer,
  fail: (field: string, problem: string) => Error): () => void {
  if (meta === null) {
    throw fail('optimizer', 'is null: the checkpoint was saved without optimizer state (ModelCheckpoint saveOptimizer: false); ' +
      'load it without an optimizer, or as plain weights with loadWeights');
  }
  if (!isPlainObject(meta.state)) throw fail('optimizer.state', `must be an object, got ${describe(meta.state)}`);
  if (!Array.isArray(meta.paramGroups)) throw fail('optimizer.paramGroups', `must be an array, got ${describe(meta.paramGroups)}`);
  const listed = new Set<string>();
  for (const [index, entry] of Object.entries(meta.state)) {
    if (!isPlainObject(entry) || !Array.isArray(entry.buffers) || !entry.buffers.every((b) => typeof b === 'string')) {
      throw fail(`optimizer.state.${index}`, `must be { step, buffers: [names] }, got ${describe(entry)}`);
    }
    for (const b of entry.buffers) listed.add(optimizerTensorName(index, b, OPTIMIZER_PREFIX));
  }
  const state = new Map<string, SafetensorsTensor>();
  for (const [name, t] of contents.tensors) {
    if (!name.startsWith(OPTIMIZER_PREFIX)) continue;
    if (!listed.has(name)) throw fail('optimizer', `does not list the file's tensor '${name}'`);
    state.set(name, t);
  }
  try {
    return optimizer.stageStateDict(unflattenOptimizerState(meta, state, OPTIMIZER_PREFIX));
  } catch (e) {
    throw new Error(`${path}: checkpoint field 'optimizer' does not fit the optimizer: ${(e as Error).message}`, { cause: e });
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return String(v);
}
