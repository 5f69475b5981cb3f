// Driven by the op table: every sample of every op runs forward, every differentiable op
// passes a finite-difference gradient check that checks something, and forward values match PyTorch's on the same
// inputs (fixtures from test/fixtures/ops/gen_op_fixtures.py).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OP_TABLE, backendCovers } from '../../src/ops/table.js';
import { Generator } from '../../src/tensor/random.js';
import { fromArray } from '../../src/tensor/creation.js';
import { gradCheck } from '../../src/autograd/gradcheck.js';
import { jsBackendInstance } from '../../src/backend/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/assert-close.js';

const fixtures: { op: string; label: string; inputs: { shape: number[]; dtype: string; data: number[] }[]; output: { shape: number[]; data: number[] } }[] =
  JSON.parse(readFileSync(new URL('../../../test/fixtures/ops/op_fixtures.json', import.meta.url), 'utf8'));

describe('op table', () => {
  for (const op of OP_TABLE) {
    for (const s of op.samples) {
      test(`${op.name} (${s.label}): forward${op.differentiable ? ' and gradient check' : ''}`, () => {
        const inputs = s.inputs(new Generator(42));
        const out = op.call(...inputs);
        const values = Array.from(out.dataSync());
        assert.ok(values.every(Number.isFinite), `${op.name} produced a non-finite value`);
        if (!op.differentiable) return;
        const result = gradCheck(op.call, inputs, op.gradCheck);
        assert.ok(result.checked > 0, `${op.name} (${s.label}): the gradient check checks no element`);
        assert.ok(result.passed, `${op.name} (${s.label}) gradient check failed: ${JSON.stringify(result.failures.slice(0, 3))}`);
      });
    }
  }

  test('every sample has a PyTorch fixture (except ops with their own randomness)', () => {
    for (const op of OP_TABLE) {
      if (op.name === 'dropout') continue;
      for (const s of op.samples) {
        assert.ok(fixtures.some((f) => f.op === op.name && f.label === s.label), `no fixture for ${op.name} (${s.label}); regenerate op_fixtures.json`);
      }
    }
  });

  for (const f of fixtures) {
    test(`${f.op} (${f.label}) matches PyTorch`, () => {
      const op = OP_TABLE.find((o) => o.name === f.op);
      assert.ok(op, `fixture for unknown op ${f.op}`);
      const inputs = f.inputs.map((i) => fromArray(i.dtype === 'int32' ? Int32Array.from(i.data) : Float64Array.from(i.data), i.shape));
      const out: Tensor = op.call(...inputs);
      assertClose(out, fromArray(Float64Array.from(f.output.data), f.output.shape), { rtol: 1e-7, atol: 1e-9, label: `${f.op} (${f.label})` });
    });
  }

  test('embedding\'s sample looks up its padding row, so that its zero gradient is tested', () => {
    const op = OP_TABLE.find((o) => o.name === 'embedding')!;
    for (const s of op.samples) assert.ok(Array.from(s.inputs(new Generator(42))[0].dataSync()).includes(0), s.label);
  });

  test('dropout zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    const op = OP_TABLE.find((o) => o.name === 'dropout')!;
    const x = fromArray(new Float64Array(10000).fill(1), [100, 100]);
    const y = op.call(x).dataSync();
    const zeros = y.filter((v) => v === 0).length;
    assert.ok(Math.abs(zeros / 10000 - 0.4) < 0.03, `dropped ${zeros / 100}%`);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.6) < 1e-12));
  });

  test('the js backend implements every kernel of every op', () => {
    const js = jsBackendInstance();
    for (const op of OP_TABLE) assert.ok(backendCovers(js, op), `js lacks a kernel of ${op.name}`);
  });
});
