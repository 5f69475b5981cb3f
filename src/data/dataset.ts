// Datasets: anything with a length and an item getter, as torch.utils.data.Dataset.
// Datasets of tensors can also hand out whole batches at once (`getBatch`), which the
// DataLoader prefers: one gather per tensor instead of one small tensor per sample.

import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { indexSelect } from '../ops/shape.js';
import { shapeToString } from '../tensor/shape.js';

export interface Dataset<T = Tensor[]> {
  readonly length: number;
  get(index: number): T;
  /** Optional fast path: the collated batch of these indices. */
  getBatch?(indices: Int32Array): T;
}

/** Samples are rows of several tensors that share their first dimension (e.g. inputs, labels). */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: needs at least one tensor');
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new Error(`TensorDataset: tensor ${i} has shape ${shapeToString(t.shape)}, but tensor 0 has ${n} rows`);
      }
    });
    this.tensors = tensors;
    this.length = n;
  }

  get(index: number): Tensor[] {
    return this.getBatch(Int32Array.of(checkIndex(index, this.length))).map((t) => t.reshape(t.shape.slice(1)));
  }

  getBatch(indices: Int32Array): Tensor[] {
    const idx = fromArray(indices, [indices.length]);
    return this.tensors.map((t) => indexSelect(t, 0, idx));
  }
}

/** A view of some indices of another dataset (what randomSplit returns). */
export class Subset<T> implements Dataset<T> {
  readonly length: number;
  constructor(readonly dataset: Dataset<T>, readonly indices: Int32Array) {
    indices.forEach((i) => checkIndex(i, dataset.length));
    this.length = indices.length;
  }
  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex(index, this.length)]);
  }
  getBatch(indices: Int32Array): T {
    const mapped = indices.map((i) => this.indices[checkIndex(i, this.length)]);
    if (this.dataset.getBatch) return this.dataset.getBatch(mapped);
    throw new Error('Subset.getBatch: the underlying dataset has no getBatch');
  }
}

/** Applies a function to every item (e.g. a transform) lazily. */
export class MappedDataset<T, U> implements Dataset<U> {
  readonly length: number;
  constructor(readonly dataset: Dataset<T>, readonly fn: (item: T) => U) {
    this.length = dataset.length;
  }
  get(index: number): U {
    return this.fn(this.dataset.get(index));
  }
}

export function checkIndex(index: number, length: number): number {
  const i = index < 0 ? index + length : index;
  if (!Number.isInteger(i) || i < 0 || i >= length) throw new RangeError(`dataset index ${index} is out of range for length ${length}`);
  return i;
}

/** Stacks a list of samples into a batch: tensors are stacked, numbers become a tensor. */
export function defaultCollate(items: unknown[]): unknown {
  if (items.length === 0) throw new Error('collate: empty batch');
  const first = items[0];
  if (first instanceof Tensor) {
    const parts = items as Tensor[];
    const shape = first.shape;
    parts.forEach((t, i) => {
      if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new Error(`collate: sample ${i} has shape ${shapeToString(t.shape)}, sample 0 has ${shapeToString(shape)}`);
      }
    });
    const size = first.size;
    const host = first.dtype === 'int32' ? new Int32Array(size * parts.length)
      : first.dtype === 'float64' ? new Float64Array(size * parts.length) : new Float32Array(size * parts.length);
    parts.forEach((t, i) => host.set(t.dataSync(), i * size));
    return fromArray(host, [parts.length, ...shape]);
  }
  if (typeof first === 'number') {
    const nums = items as number[];
    return fromArray(nums.every(Number.isInteger) ? Int32Array.from(nums) : Float32Array.from(nums), [nums.length]);
  }
  if (Array.isArray(first)) {
    return first.map((_, k) => defaultCollate(items.map((it) => (it as unknown[])[k])));
  }
  if (first && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(items.map((it) => (it as Record<string, unknown>)[key]));
    return out;
  }
  return items;
}
