// Training checkpoints: one safetensors file holding the model's weights (under their usual
// names, so the file also loads as plain weights), the optimizer's state tensors (under
// `optimizer/`), and JSON metadata (epoch, step, optimizer hyper-parameters, RNG state,
// metrics). One file written atomically means a crash never leaves a half-written checkpoint.

import { readSafetensors, writeSafetensors, type SafetensorsTensor, type TensorToWrite } from './safetensors.js';
import { OPTIMIZER_PREFIX, weightsOf } from './weights.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { flattenOptimizerState, unflattenOptimizerState, type OptimizerStateMeta } from '../optim/state-dict.js';
import { defaultGenerator } from '../tensor/random.js';

const FORMAT = 'myelin.checkpoint.v1';

export interface CheckpointInfo {
  epoch: number;
  step: number;
  metrics?: Record<string, number>;
  /** Anything JSON-serialisable the caller wants back on resume. */
  extra?: unknown;
}

interface CheckpointMeta extends CheckpointInfo {
  format: typeof FORMAT;
  optimizer: OptimizerStateMeta | null;
  rng: (number | null)[];
}

export function saveCheckpoint(path: string, model: Module, optimizer: Optimizer | null, info: CheckpointInfo): void {
  const tensors: [string, TensorToWrite][] = [];
  for (const [name, t] of model.stateDict()) tensors.push([name, { shape: t.shape, data: t.dataSync() }]);
  let optimizerMeta: OptimizerStateMeta | null = null;
  if (optimizer) {
    const { meta, tensors: state } = flattenOptimizerState(optimizer.stateDict(), OPTIMIZER_PREFIX);
    optimizerMeta = meta;
    for (const [name, t] of state) tensors.push([name, { shape: t.shape, data: t.dataSync() }]);
  }
  const meta: CheckpointMeta = { format: FORMAT, ...info, optimizer: optimizerMeta, rng: defaultGenerator.getState() };
  writeSafetensors(path, tensors, { myelin: JSON.stringify(meta) });
}

/**
 * Restores model weights, optimizer state and the default generator's state from a
 * checkpoint; returns the saved epoch/step/metrics.
 */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer | null = null): CheckpointInfo {
  const contents = readSafetensors(path);
  const raw = contents.metadata?.myelin;
  if (!raw) throw new Error(`${path}: not a myelin checkpoint (no 'myelin' metadata); to load plain weights use loadWeights`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(raw) as CheckpointMeta;
  } catch (e) {
    throw new Error(`${path}: corrupt checkpoint metadata (${(e as Error).message})`);
  }
  if (meta.format !== FORMAT) throw new Error(`${path}: unsupported checkpoint format '${String(meta.format)}' (expected ${FORMAT})`);
  try {
    model.loadStateDict(weightsOf(contents));
    if (optimizer) {
      if (!meta.optimizer) throw new Error('the checkpoint has no optimizer state');
      const state = new Map<string, SafetensorsTensor>();
      for (const [name, t] of contents.tensors) if (name.startsWith(OPTIMIZER_PREFIX)) state.set(name, t);
      optimizer.loadStateDict(unflattenOptimizerState(meta.optimizer, state, OPTIMIZER_PREFIX));
    }
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (Array.isArray(meta.rng)) defaultGenerator.setState(meta.rng);
  return { epoch: meta.epoch, step: meta.step, metrics: meta.metrics, extra: meta.extra };
}
