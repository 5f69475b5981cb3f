// Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipGradNorm, clipGradValue } from '../../src/optim/index.js';
import { tensor, zeros } from '../../src/tensor/creation.js';
import { fixtures, makeTensor, TOLERANCE, type FloatDType } from './fixtures.js';
import { assertClose } from '../helpers/assert-close.js';
import { fixtureTensor } from '../helpers/fixtures.js';

for (const c of fixtures.clip) {
  for (const dtype of ['float64', 'float32'] as FloatDType[]) {
    test(`clip ${c.name} (${dtype}) equals torch ${fixtures.torch}`, () => {
      const params = c.shapes.map((s) => zeros(s, { dtype, requiresGrad: true }));
      params.forEach((p, i) => { const g = c.grads[i]; p.grad = g === null ? null : makeTensor(g, dtype); });
      const expected = c.expected[dtype];
      const { rtol, atol } = TOLERANCE[dtype];
      if (c.kind === 'norm') {
        const normType = c.args.normType === 'inf' ? Infinity : c.args.normType!;
        const total = clipGradNorm(params, c.args.maxNorm!, normType);
        assertClose(total, expected.total!, { rtol, atol, label: 'total norm' });
      } else {
        assert.equal(clipGradValue(params, c.args.clipValue!), undefined);
      }
      params.forEach((p, i) => {
        const e = expected.grads[i];
        if (e === null) assert.equal(p.grad, null);
        else {
          assert.equal(p.grad!.dtype, dtype);
          assertClose(p.grad, fixtureTensor(e), { rtol, atol, label: `grad ${i}` });
        }
      });
    });
  }
}

test('clipGradNorm with no gradients returns 0; a single tensor is accepted', () => {
  assert.equal(clipGradNorm([zeros([2], { requiresGrad: true })], 1), 0);
  const p = zeros([2], { dtype: 'float64', requiresGrad: true });
  p.grad = tensor([3, 4], { dtype: 'float64' });
  assert.equal(clipGradNorm(p, 1), 5);
  assertClose(p.grad.dataSync(), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], { rtol: 1e-15, atol: 0, label: 'clipped' });
});

test('gradients that share storage (one add feeding two leaves) are each scaled once', () => {
  const a = zeros([2], { dtype: 'float64', requiresGrad: true });
  const b = zeros([2], { dtype: 'float64', requiresGrad: true });
  a.add(b).mul(tensor([3, 4], { dtype: 'float64' })).sum().backward();
  const total = clipGradNorm([a, b], 1);
  assertClose(total, Math.sqrt(50), { rtol: 0, atol: 1e-12 });
  const s = 1 / (Math.sqrt(50) + 1e-6);
  assertClose(a.grad!.dataSync(), [3 * s, 4 * s], { rtol: 1e-14, atol: 0, label: 'a.grad' });
  assertClose(b.grad!.dataSync(), [3 * s, 4 * s], { rtol: 1e-14, atol: 0, label: 'b.grad' });
});

test('clipGradNorm: a non-finite norm throws only with errorIfNonfinite', () => {
  const p = zeros([2], { dtype: 'float64', requiresGrad: true });
  p.grad = tensor([Infinity, 1], { dtype: 'float64' });
  assert.throws(() => clipGradNorm([p], 1, 2, { errorIfNonfinite: true }),
    /clipGradNorm: the total norm of order 2 of the gradients is Infinity/);
  assert.equal(clipGradNorm([p], 1), Infinity);
});

test('clipping arguments are checked', () => {
  const p = zeros([2], { requiresGrad: true });
  assert.throws(() => clipGradNorm([p], -1), { message: 'clipGradNorm: maxNorm must be a non-negative number, got -1' });
  assert.throws(() => clipGradNorm([p], 1, 0), /clipGradNorm: normType must be a positive number or Infinity, got 0/);
  assert.throws(() => clipGradNorm([p, 3 as never], 1), /clipGradNorm: parameter 1 is not a Tensor/);
  assert.throws(() => clipGradValue([p], -0.5), /clipGradValue: clipValue must be a non-negative number, got -0.5/);
});
