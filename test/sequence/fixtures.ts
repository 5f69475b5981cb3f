// Loads the PyTorch reference cases of test/fixtures/sequence (gen_sequence_fixtures.py).
import { readFileSync } from 'node:fs';
import { fromArray } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { add, mul, sum } from '../../src/ops/index.js';

export interface TensorJson { shape: number[]; dtype: 'float64' | 'int32'; data: (number | string)[] }
export interface FixtureCase {
  name: string;
  config: Record<string, unknown>;
  params: Record<string, TensorJson>;
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  cotangents: Record<string, TensorJson>;
  grads: Record<string, TensorJson>;
}

const file = new URL('../../../test/fixtures/sequence/sequence_fixtures.json', import.meta.url);
let cached: FixtureCase[] | null = null;

export function fixtureCase(name: string): FixtureCase {
  cached ??= (JSON.parse(readFileSync(file, 'utf8')) as { cases: FixtureCase[] }).cases;
  const c = cached.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${name}; regenerate sequence_fixtures.json`);
  return c;
}

export function toTensor(j: TensorJson, requiresGrad = false): Tensor {
  const values = j.data.map((v) => (typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v));
  return j.dtype === 'int32' ? fromArray(Int32Array.from(values), j.shape) : fromArray(Float64Array.from(values), j.shape, { requiresGrad });
}

export function stateDictOf(c: FixtureCase): Map<string, Tensor> {
  return new Map(Object.entries(c.params).map(([k, v]) => [k, toTensor(v)]));
}

/** sum_i <output_i, cotangent_i>, the scalar whose gradients the fixture holds. */
export function weightedSum(c: FixtureCase, outputs: Record<string, Tensor>): Tensor {
  let total: Tensor | null = null;
  for (const [k, cot] of Object.entries(c.cotangents)) {
    const term = sum(mul(outputs[k], toTensor(cot)));
    total = total ? add(total, term) : term;
  }
  return total!;
}
