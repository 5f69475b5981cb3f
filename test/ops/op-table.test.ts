// Driven by the op table: every sample of every op runs forward, every differentiable op
// passes a finite-difference gradient check that checks something, and forward values and
// gradients match PyTorch's on the same inputs (fixtures from test/fixtures/ops/gen_op_fixtures.py:
// the output, and the gradient of sum(output * upstream) for each differentiable input).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { OP_TABLE } from '../../src/ops/table.js';
import { cast } from '../../src/ops/copy.js';
import { isFloating } from '../../src/dtype/dtype.js';
import { getBackendName } from '../../src/backend/index.js';
import { Generator } from '../../src/tensor/random.js';
import { fromArray, zeros } from '../../src/tensor/creation.js';
import { gradCheck } from '../../src/autograd/gradcheck.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/assert-close.js';
import { fixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';

interface OpFixture {
  op: string;
  label: string;
  inputs: FixtureTensor[];
  output: FixtureTensor;
  /** For differentiable ops: the upstream gradient and PyTorch's gradient of each input (null: not differentiated). */
  upstream?: FixtureTensor;
  grads?: (FixtureTensor | null)[];
}

const fixtures = readFixture<OpFixture[]>('ops/op_fixtures.json');
/** float64 against PyTorch's float64: the same math up to summation order. */
const TOL = { rtol: 1e-7, atol: 1e-9 };
/** float32 kernels against PyTorch's float64: float32 rounding of small samples. */
const TOL32 = { rtol: 1e-4, atol: 1e-5 };

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

  test('every sample has a PyTorch fixture (except ops with their own randomness), with gradients for differentiable ops', () => {
    for (const op of OP_TABLE) {
      if (op.name === 'dropout') continue;
      for (const s of op.samples) {
        const f = fixtures.find((x) => x.op === op.name && x.label === s.label);
        assert.ok(f, `no fixture for ${op.name} (${s.label}); regenerate op_fixtures.json`);
        if (op.differentiable) {
          assert.ok(f.upstream && f.grads?.some((g) => g !== null), `no PyTorch gradients for ${op.name} (${s.label}); regenerate op_fixtures.json`);
        }
      }
    }
  });

  for (const f of fixtures) {
    test(`${f.op} (${f.label}) matches PyTorch: forward${f.grads ? ' and gradients' : ''}`, () => {
      const op = OP_TABLE.find((o) => o.name === f.op);
      assert.ok(op, `fixture for unknown op ${f.op}`);
      const inputs = f.inputs.map((x, i) => fixtureTensor(x, { requiresGrad: (f.grads?.[i] ?? null) !== null }));
      const out: Tensor = op.call(...inputs);
      assertClose(out, fixtureTensor(f.output), { ...TOL, label: `${f.op} (${f.label}) output` });
      if (!f.grads) return;
      out.backward(fixtureTensor(f.upstream!));
      f.grads.forEach((want, i) => {
        if (want === null) return;
        // no gradient at all is a zero gradient (PyTorch's None is written as zeros)
        const got = inputs[i].grad ?? zeros(inputs[i].shape, { dtype: 'float64' });
        assertClose(got, fixtureTensor(want), { ...TOL, label: `${f.op} (${f.label}) gradient of input ${i}` });
      });
    });
  }

  // The same fixtures in float32, on the backend the ops run on (native when it loads): its
  // float32 kernels, forward and backward, against PyTorch's float64 values.
  for (const f of fixtures) {
    test(`${f.op} (${f.label}) in float32 on ${getBackendName()} matches PyTorch: forward${f.grads ? ' and gradients' : ''}`, () => {
      const op = OP_TABLE.find((o) => o.name === f.op)!;
      const inputs = f.inputs.map((x, i) => {
        const t = fixtureTensor(x);
        const t32 = isFloating(t.dtype) ? cast(t, 'float32') : t;
        return (f.grads?.[i] ?? null) !== null ? t32.detach().requiresGrad_() : t32;
      });
      const out: Tensor = op.call(...inputs);
      assertClose(out, fixtureTensor(f.output), { ...TOL32, label: `${f.op} (${f.label}) float32 output` });
      if (!f.grads || !out.requiresGrad) return;
      out.backward(cast(fixtureTensor(f.upstream!), out.dtype));
      f.grads.forEach((want, i) => {
        if (want === null) return;
        const got = inputs[i].grad ?? zeros(inputs[i].shape);
        assertClose(got, fixtureTensor(want), { ...TOL32, label: `${f.op} (${f.label}) float32 gradient of input ${i}` });
      });
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
});
