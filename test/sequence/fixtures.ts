// The PyTorch reference cases of test/fixtures/sequence (gen_sequence_fixtures.py), read with
// the shared fixture reader.
import type { Tensor } from '../../src/tensor/tensor.js';
import { add, mul, sum } from '../../src/ops/index.js';
import { fixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';

export interface FixtureCase {
  name: string;
  config: Record<string, unknown>;
  params: Record<string, FixtureTensor>;
  inputs: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureTensor>;
  cotangents: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
}

let cached: FixtureCase[] | null = null;

export function fixtureCase(name: string): FixtureCase {
  cached ??= readFixture<{ cases: FixtureCase[] }>('sequence/sequence_fixtures.json').cases;
  const c = cached.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${name}; regenerate sequence_fixtures.json`);
  return c;
}

export function stateDictOf(c: FixtureCase): Map<string, Tensor> {
  return new Map(Object.entries(c.params).map(([k, v]) => [k, fixtureTensor(v)]));
}

/** sum_i <output_i, cotangent_i>, the scalar whose gradients the fixture holds. */
export function weightedSum(c: FixtureCase, outputs: Record<string, Tensor>): Tensor {
  let total: Tensor | null = null;
  for (const [k, cot] of Object.entries(c.cotangents)) {
    const term = sum(mul(outputs[k], fixtureTensor(cot)));
    total = total ? add(total, term) : term;
  }
  return total!;
}
