// The one reader of the PyTorch fixtures under test/fixtures, in the one encoding their
// generators write (test/fixtures/fixture_json.py): a tensor is
//   { "dtype": "float64", "shape": [2, 3], "data": [...] }
// with torch's dtype name, row-major values widened to float64 and written in full, and the
// strings "nan", "inf", "-inf" for the values JSON cannot hold.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromArray } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export type FixtureDType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export interface FixtureTensor {
  dtype: FixtureDType;
  shape: number[];
  data: (number | 'nan' | 'inf' | '-inf')[];
}

// Compiled to dist/test/helpers/, so the repository root is three levels up.
const ROOT = new URL('../../../test/fixtures/', import.meta.url);

/** The file system path of `path`, relative to test/fixtures (e.g. a .safetensors file under test). */
export function fixturePath(path: string): string {
  return fileURLToPath(new URL(path, ROOT));
}

/** Parses the JSON file at `path`, relative to test/fixtures (e.g. 'nn/layers.json'). */
export function readFixture<T>(path: string): T {
  return JSON.parse(readFileSync(fixturePath(path), 'utf8')) as T;
}

export function isFixtureTensor(v: unknown): v is FixtureTensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;
}

export function isFloatingFixture(f: FixtureTensor): boolean {
  return f.dtype.startsWith('float') || f.dtype === 'bfloat16';
}

const NON_FINITE: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };

/** The values, as float64 (floating dtypes: exact) or int32 (the rest; out of range is an error). */
export function fixtureValues(f: FixtureTensor): Float64Array | Int32Array {
  const values = f.data.map((v) => (typeof v === 'string' ? NON_FINITE[v] ?? NaN : v));
  if (isFloatingFixture(f)) return Float64Array.from(values);
  const bad = values.findIndex((v) => !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31);
  if (bad >= 0) throw new Error(`fixture ${f.dtype} tensor: element ${bad} (${f.data[bad]}) does not fit int32`);
  return Int32Array.from(values);
}

/**
 * The fixture as a tensor: float32 for float32 fixtures, float64 for the other floating ones
 * (or `dtype`; float32 rounds as torch's .to(float32) would), int32 for integer and bool ones.
 */
export function fixtureTensor(f: FixtureTensor, options: { requiresGrad?: boolean; dtype?: 'float32' | 'float64' } = {}): Tensor {
  const values = fixtureValues(f);
  if (values instanceof Int32Array) return fromArray(values, f.shape);
  const dtype = options.dtype ?? (f.dtype === 'float32' ? 'float32' : 'float64');
  const data = dtype === 'float32' ? Float32Array.from(values) : values;
  return fromArray(data, f.shape, { requiresGrad: options.requiresGrad ?? false });
}
