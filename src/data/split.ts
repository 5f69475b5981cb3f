// Splitting data: random split, stratified train/test split, and k-fold cross-validation.
// All return indices (or Subsets) from a seeded generator, so splits are reproducible.

import { Generator } from '../tensor/random.js';
import { Subset, type Dataset } from './dataset.js';

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths, or of the given
 * fractions (summing to 1; remainders go to the first subsets, as PyTorch).
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], seed = 0): Subset<T>[] {
  const n = dataset.length;
  let sizes = lengths.slice();
  const fractional = sizes.every((v) => v >= 0 && v <= 1) && Math.abs(sizes.reduce((a, b) => a + b, 0) - 1) < 1e-9 && n > 1;
  if (fractional) {
    sizes = sizes.map((f) => Math.floor(f * n));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]++;
  }
  if (sizes.some((v) => !Number.isInteger(v) || v < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new Error(`randomSplit: lengths [${lengths.join(', ')}] must be non-negative integers summing to ${n}, or fractions summing to 1`);
  }
  const perm = new Generator(seed).permutation(n);
  let start = 0;
  return sizes.map((len) => { const s = new Subset(dataset, perm.slice(start, start + len)); start += len; return s; });
}

export interface IndexSplit {
  train: Int32Array;
  test: Int32Array;
}

/** Groups sample indices by label. */
function byClass(labels: ArrayLike<number>): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const g = groups.get(labels[i]);
    if (g) g.push(i); else groups.set(labels[i], [i]);
  }
  return new Map([...groups].sort((a, b) => a[0] - b[0]));
}

function shuffled(items: number[], g: Generator): number[] {
  const p = g.permutation(items.length);
  return Array.from(p, (i) => items[i]);
}

/**
 * Train/test split that keeps class proportions: from each class, round(testFraction * count)
 * randomly chosen samples go to the test set. Indices come back in ascending order.
 */
export function stratifiedSplit(labels: ArrayLike<number>, testFraction: number, seed = 0): IndexSplit {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`stratifiedSplit: testFraction must be in (0, 1), got ${testFraction}`);
  const g = new Generator(seed);
  const test: number[] = [], train: number[] = [];
  for (const members of byClass(labels).values()) {
    const order = shuffled(members, g);
    const k = Math.round(testFraction * order.length);
    test.push(...order.slice(0, k));
    train.push(...order.slice(k));
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { train: sorted(train), test: sorted(test) };
}

export interface KFoldOptions {
  shuffle?: boolean;
  seed?: number;
  /** Labels to stratify on: each fold then keeps the class proportions. */
  labels?: ArrayLike<number>;
}

/**
 * k folds for cross-validation: fold i tests on its part and trains on the rest. Without
 * labels the parts are contiguous (after an optional shuffle), as sklearn's KFold; with labels,
 * each class is dealt round-robin over the folds, as StratifiedKFold.
 */
export function kFold(n: number, k: number, options: KFoldOptions = {}): IndexSplit[] {
  if (!Number.isInteger(k) || k < 2 || k > n) throw new Error(`kFold: k must be an integer in [2, ${n}], got ${k}`);
  const g = new Generator(options.seed ?? 0);
  const foldOf = new Int32Array(n);
  if (options.labels) {
    if (options.labels.length !== n) throw new Error(`kFold: ${options.labels.length} labels for ${n} samples`);
    let offset = 0;
    for (const members of byClass(options.labels).values()) {
      const order = options.shuffle ? shuffled(members, g) : members;
      order.forEach((idx, j) => { foldOf[idx] = (offset + j) % k; });
      offset += order.length;
    }
  } else {
    const order = options.shuffle ? Array.from(g.permutation(n)) : Array.from({ length: n }, (_, i) => i);
    // the first n % k folds get one extra sample
    let pos = 0;
    for (let f = 0; f < k; f++) {
      const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
      for (let j = 0; j < size; j++) foldOf[order[pos++]] = f;
    }
  }
  return Array.from({ length: k }, (_, f) => {
    const test: number[] = [], train: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}
