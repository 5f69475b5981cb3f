// Shared helpers of the nn tests: fixture loading and tolerant tensor comparison.

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
  /** null marks a value PyTorch reports as NaN (skipped by assertClose). */
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

/** Same shape and every value within atol + rtol * |expected|. */
export function assertClose(actual: Tensor | null | undefined, expected: EncodedTensor, what: string, atol = 1e-6, rtol = 1e-6): void {
  assert.ok(actual, `${what}: missing (expected shape [${expected.shape}])`);
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const a = actual.dataSync();
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    if (e === null) continue;
    if (!(Math.abs(a[i] - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e} (|diff| ${Math.abs(a[i] - e)})`);
    }
  }
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
