// Model weights as safetensors: save a module's state dict, and load one (myelin's own files,
// checkpoints, or files saved from the equivalent PyTorch model) into a module.

import { readSafetensors, writeSafetensors, type SafetensorsContents } from './safetensors.js';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Module, LoadStateDictResult } from '../nn/module.js';

/** Checkpoints store optimizer tensors under this prefix next to the weights. */
export const OPTIMIZER_PREFIX = 'optimizer/';

/** Writes the module's state dict (atomically) with optional string metadata. */
export function saveWeights(model: Module, path: string, metadata?: Record<string, string>): void {
  writeSafetensors(path, [...model.stateDict()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() }] as const), metadata);
}

/** The model tensors of a decoded file (optimizer state of checkpoints left out). */
export function weightsOf(contents: SafetensorsContents): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of contents.tensors) {
    if (!name.startsWith(OPTIMIZER_PREFIX)) out.set(name, fromArray(t.data, t.shape));
  }
  return out;
}

/**
 * Loads weights from a safetensors file into `model` (float dtypes converted; shapes, dtype kinds,
 * checksums and finiteness checked). Errors name the file and list missing, unexpected and
 * mismatched tensors; on any error the model is unchanged.
 */
export function loadWeights(model: Module, path: string, options: { strict?: boolean; allowNonFinite?: boolean } = {}): LoadStateDictResult {
  const weights = weightsOf(readSafetensors(path));
  try {
    return model.loadStateDict(weights, { strict: options.strict ?? true, allowNonFinite: options.allowNonFinite ?? false });
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
