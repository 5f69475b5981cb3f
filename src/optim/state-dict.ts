// Optimizer state dicts for checkpoints: split into a JSON part (hyper-parameters, step counts,
// which buffers exist) and named tensors that a safetensors file stores, and back.
//
//   const { meta, tensors } = flattenOptimizerState(opt.stateDict(), 'optimizer.');
//   // meta -> JSON; tensors ('optimizer.state.0.exp_avg', ...) -> safetensors
//   opt.loadStateDict(unflattenOptimizerState(meta, readTensors, 'optimizer.'));

import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import type { TypedArray } from '../dtype/dtype.js';
import type { OptimizerStateDict, ParamGroupState, ParamState } from './optimizer.js';
import { show } from './check.js';

/** The JSON part of a flattened optimizer state dict. */
export interface OptimizerStateMeta {
  /** Per parameter index: its step count and the names of its buffers (stored as tensors). */
  state: Record<string, { step: number; buffers: string[] }>;
  paramGroups: ParamGroupState[];
}

/** Tensor data as a safetensors reader returns it. */
export interface HostTensor {
  shape: readonly number[];
  data: TypedArray;
}

export type NamedTensors = ReadonlyMap<string, Tensor | HostTensor> | Readonly<Record<string, Tensor | HostTensor>>;

/** The name under which a state buffer is stored: `${prefix}state.${index}.${buffer}`. */
export function optimizerTensorName(index: number | string, buffer: string, prefix = ''): string {
  return `${prefix}state.${index}.${buffer}`;
}

/** Splits a state dict into JSON-serialisable metadata and named tensors. */
export function flattenOptimizerState(stateDict: OptimizerStateDict, prefix = ''): { meta: OptimizerStateMeta; tensors: Map<string, Tensor> } {
  const tensors = new Map<string, Tensor>();
  const state: OptimizerStateMeta['state'] = {};
  for (const [index, entry] of Object.entries(stateDict.state)) {
    const names = Object.keys(entry.buffers);
    for (const name of names) tensors.set(optimizerTensorName(index, name, prefix), entry.buffers[name]);
    state[index] = { step: entry.step, buffers: names };
  }
  return { meta: { state, paramGroups: structuredClone(stateDict.paramGroups) }, tensors };
}

/** Rebuilds a state dict from flattenOptimizerState's metadata and the named tensors. */
export function unflattenOptimizerState(meta: OptimizerStateMeta, tensors: NamedTensors, prefix = ''): OptimizerStateDict {
  const where = 'unflattenOptimizerState';
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.paramGroups) || meta.state === null || typeof meta.state !== 'object') {
    throw new TypeError(`${where}: expected metadata { state, paramGroups }, got ${show(meta)}`);
  }
  const lookup = (name: string): Tensor | HostTensor | undefined =>
    tensors instanceof Map ? tensors.get(name) : (tensors as Record<string, Tensor | HostTensor>)[name];
  const state: Record<string, ParamState> = {};
  for (const [index, entry] of Object.entries(meta.state)) {
    if (entry === null || typeof entry !== 'object' || !Array.isArray(entry.buffers)) {
      throw new TypeError(`${where}: state.${index} must be { step, buffers: [names] }, got ${show(entry)}`);
    }
    const buffers: Record<string, Tensor> = {};
    for (const name of entry.buffers) {
      const key = optimizerTensorName(index, name, prefix);
      const t = lookup(key);
      if (t === undefined) throw new Error(`${where}: missing tensor '${key}'`);
      buffers[name] = t instanceof Tensor ? t : fromArray(t.data, t.shape);
    }
    state[index] = { step: entry.step, buffers };
  }
  return { state, paramGroups: structuredClone(meta.paramGroups) };
}
