// DataLoader: iterates a dataset in (optionally shuffled) batches, as
// torch.utils.data.DataLoader. Shuffling is seeded: epoch e of a loader with seed s always
// visits the same order, so runs are reproducible and a resumed run sees the same batches.

import { Generator } from '../tensor/random.js';
import { defaultCollate, type Dataset } from './dataset.js';

export interface DataLoaderOptions<T, B> {
  batchSize?: number;
  shuffle?: boolean;
  /** Drop the last incomplete batch. */
  dropLast?: boolean;
  /** Seed of the shuffling order (default 0). */
  seed?: number;
  /** Builds a batch from samples when the dataset has no getBatch (default: stack tensors). */
  collate?: (items: T[]) => B;
  /** Applied to every batch (e.g. random augmentation), with the loader's generator. */
  transform?: (batch: B, generator: Generator) => B;
}

export class DataLoader<T = unknown, B = T> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;
  /** The epoch the next iteration will use for its order (advanced by each full iteration). */
  epoch = 0;
  private readonly collate: (items: T[]) => B;
  private readonly transform?: (batch: B, generator: Generator) => B;

  constructor(readonly dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.seed = options.seed ?? 0;
    this.collate = options.collate ?? ((items: T[]) => defaultCollate(items) as B);
    this.transform = options.transform;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of an epoch. */
  order(epoch: number): Int32Array {
    const n = this.dataset.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    // mix the epoch into the seed so that every epoch has its own permutation
    return new Generator(this.seed * 1000003 + epoch).permutation(n);
  }

  /** Batches of one epoch; iterating the loader itself uses (and then advances) `epoch`. */
  *batches(epoch: number): BatchIterator<B> {
    const order = this.order(epoch);
    const aug = new Generator(this.seed * 7919 + epoch + 1);
    for (let b = 0; b < this.length; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      let batch = this.dataset.getBatch ? this.dataset.getBatch(idx) as unknown as B
        : this.collate(Array.from(idx, (i) => this.dataset.get(i)));
      if (this.transform) batch = this.transform(batch, aug);
      yield batch;
    }
  }

  [Symbol.iterator](): Iterator<B> {
    const it = this.batches(this.epoch);
    this.epoch++;
    return it;
  }
}

// (a JavaScript generator function; not to be confused with the random Generator)
type BatchIterator<T> = globalThis.Generator<T, void, undefined>;
