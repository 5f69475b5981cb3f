// Storage reuse for the CPU backends. JavaScript frees memory only when the garbage collector
// runs, and a training step of the seed CNN allocates tens of megabytes of activations and
// gradients: V8 answers that "external memory pressure" with a collection every step or so,
// and each fresh buffer is faulted in page by page. Storages that myelin can prove dead come
// back here instead (the gradients a backward pass consumed: autograd/grad-buffers.ts; a
// convolution's output once max pooling read it: nn/containers.ts), and the next allocation
// of the same dtype and size - the same layer in the next step - takes one of them.

import type { Storage } from './backend.js';
import { dtypeOfArray, type DType } from '../dtype/dtype.js';

/** Storages below this size are cheap for V8 to collect: neither recorded nor pooled. */
export const POOL_MIN_BYTES = 16384;

/**
 * At most this many bytes wait in the pool. A training loop needs about one step's worth of
 * gradients; the cap bounds what a workload that changes shapes could leave behind.
 */
const DEFAULT_CAPACITY_BYTES = 256 * 1024 * 1024;

/** The allocation functions of a backend, with reuse. */
export interface PooledStorage {
  alloc(dtype: DType, size: number): Storage;
  allocUninit(dtype: DType, size: number): Storage;
  recordAllocations(into: Storage[] | null): Storage[] | null;
  release(storages: readonly Storage[]): void;
}

/**
 * Wraps a backend's fresh allocations (`fresh(dtype, size, zeroed)`) with a pool of released
 * storages, keyed by dtype and exact length. `fill` zeroes a reused storage for `alloc`.
 * MYELIN_STORAGE_POOL=0 turns reuse off (allocations are then recorded but never reused).
 */
export function pooledStorage(
  fresh: (dtype: DType, size: number, zeroed: boolean) => Storage,
  fill: (s: Storage, value: number) => void,
  capacityBytes = process.env.MYELIN_STORAGE_POOL === '0' ? 0 : DEFAULT_CAPACITY_BYTES,
): PooledStorage {
  const free = new Map<string, Storage[]>();
  let pooledBytes = 0;
  let sink: Storage[] | null = null;
  const key = (dtype: DType, size: number): string => `${dtype}:${size}`;

  const take = (dtype: DType, size: number): Storage | undefined => {
    const list = free.get(key(dtype, size));
    const s = list?.pop();
    if (s) pooledBytes -= s.byteLength;
    return s;
  };
  const record = (s: Storage): Storage => {
    if (sink && s.byteLength >= POOL_MIN_BYTES) sink.push(s);
    return s;
  };

  return {
    alloc(dtype, size) {
      const s = take(dtype, size);
      if (s) fill(s, 0);
      return record(s ?? fresh(dtype, size, true));
    },
    allocUninit(dtype, size) {
      return record(take(dtype, size) ?? fresh(dtype, size, false));
    },
    recordAllocations(into) {
      const previous = sink;
      sink = into;
      return previous;
    },
    release(storages) {
      for (const s of storages) {
        // only whole buffers: a view would hand out memory that its buffer's other views share
        if (s.byteLength < POOL_MIN_BYTES || s.byteOffset !== 0 || s.byteLength !== s.buffer.byteLength) continue;
        if (s.byteLength > capacityBytes) continue; // left to the garbage collector
        // full: start afresh rather than keep sizes that a changing workload (a model whose
        // batches vary in length) may never ask for again; the sizes in use return within a step
        if (pooledBytes + s.byteLength > capacityBytes) { free.clear(); pooledBytes = 0; }
        const k = key(dtypeOfArray(s), s.length);
        const list = free.get(k);
        if (list) list.push(s); else free.set(k, [s]);
        pooledBytes += s.byteLength;
      }
    },
  };
}
