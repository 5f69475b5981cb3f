// Shared helpers of the nn tests: fixture loading and the small CNN of the fixtures.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromArray } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';

// Compiled to dist/test/nn/, so the repository root is three levels up.
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/nn/', import.meta.url));

export interface EncodedTensor {
  shape: number[];
  /** null marks a value PyTorch reports as NaN. */
  data: (number | null)[];
  dtype?: 'int32';
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T;
}

/** A fixture tensor: float64 unless marked int32. */
export function decode(e: EncodedTensor, requiresGrad = false): Tensor {
  if (e.data.includes(null)) throw new Error('decode: fixture tensor holds NaN entries');
  const data = e.dtype === 'int32' ? Int32Array.from(e.data as number[]) : Float64Array.from(e.data as number[]);
  return fromArray(data, e.shape, { requiresGrad: requiresGrad && e.dtype !== 'int32' });
}

/** Values of a tensor as a plain number array. */
export function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** The `small_cnn` of gen_nn_fixtures.py. */
export function smallCnn(): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(8, 3), new nn.Dropout(0.5));
}
