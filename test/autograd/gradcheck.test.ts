// gradCheck must be able to fail: ops built here with `record` and a deliberately wrong
// backward are caught, correct ones pass.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck } from '../../src/autograd/gradcheck.js';
import { record } from '../../src/autograd/graph.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { fromArray, tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { embedding } from '../../src/ops/embedding.js';
import { assertClose } from '../helpers/assert-close.js';

const f64 = (data: number[], shape = [data.length]) => fromArray(Float64Array.from(data), shape);

/** y = x^2 elementwise, with a backward scaled by `factor` (1 is correct). */
function squareWithBackward(factor: number) {
  return (x: Tensor): Tensor => {
    const out = noGrad(() => x.mul(x)).detach();
    return record('fakeSquare', out, [x], (g) => [g.mul(x).mul(2 * factor)]);
  };
}

/** y = a * b with the gradient of b wrong (uses a + 1 instead of a). */
function productWrongInB(a: Tensor, b: Tensor): Tensor {
  const out = noGrad(() => a.mul(b)).detach();
  return record('fakeProduct', out, [a, b], (g) => [g.mul(b), g.mul(a.add(1))]);
}

describe('gradCheck', () => {
  const x = f64([0.3, -1.2, 2.5, 0.7, -0.4, 1.1], [2, 3]);

  test('a correct backward passes', () => {
    const r = gradCheck(squareWithBackward(1), [x]);
    assert.equal(r.passed, true, JSON.stringify(r.failures));
    assert.equal(r.failures.length, 0);
    assert.ok(r.maxAbsError < 1e-6, `maxAbsError ${r.maxAbsError}`);
  });

  test('a backward off by a factor of 2 fails, on every element', () => {
    const r = gradCheck(squareWithBackward(2), [x]);
    assert.equal(r.passed, false);
    assert.equal(r.failures.length, 6);
    for (const f of r.failures) {
      assert.equal(f.input, 0);
      assertClose(f.analytic, 2 * f.numeric, { rtol: 1e-5, atol: 1e-5, label: JSON.stringify(f) });
    }
    assert.ok(r.maxAbsError > 0.1);
  });

  test('a small relative error (1%) is still caught with the default tolerances', () => {
    const r = gradCheck(squareWithBackward(1.01), [x]);
    assert.equal(r.passed, false);
  });

  test('a backward with the wrong sign fails', () => {
    assert.equal(gradCheck(squareWithBackward(-1), [x]).passed, false);
  });

  test('the failure names the input whose gradient is wrong', () => {
    const a = f64([1, 2, 3]), b = f64([0.5, -1, 4]);
    const r = gradCheck(productWrongInB, [a, b]);
    assert.equal(r.passed, false);
    assert.ok(r.failures.length > 0);
    assert.ok(r.failures.every((f) => f.input === 1), JSON.stringify(r.failures));
    assert.deepEqual(r.failures.map((f) => f.index), [0, 1, 2]);
  });

  test('checkInputs skips the inputs not listed', () => {
    const a = f64([1, 2, 3]), b = f64([0.5, -1, 4]);
    assert.equal(gradCheck(productWrongInB, [a, b], { checkInputs: [0] }).passed, true);
    assert.equal(gradCheck(productWrongInB, [a, b], { checkInputs: [1] }).passed, false);
  });

  test('a backward that returns no gradient fails when the function depends on the input', () => {
    const noBackward = (t: Tensor) => record('fakeNone', noGrad(() => t.exp()).detach(), [t], () => [null]);
    assert.equal(gradCheck(noBackward, [f64([0.1, 0.2])]).passed, false);
  });

  test('an output that does not depend on the input passes with zero gradient', () => {
    const constant = (t: Tensor) => t.mul(0).add(3);
    assert.equal(gradCheck(constant, [f64([0.1, 0.2])]).passed, true);
  });

  test('checked counts the elements compared; checkInputs [] checks none', () => {
    const a = f64([1, 2, 3]), b = f64([0.5, -1, 4]);
    assert.equal(gradCheck(productWrongInB, [a, b], { checkInputs: [0] }).checked, 3);
    assert.equal(gradCheck(productWrongInB, [a, b]).checked, 6);
    const none = gradCheck(productWrongInB, [a, b], { checkInputs: [] });
    assert.equal(none.passed, true);
    assert.equal(none.checked, 0, 'a check of nothing passes: callers must look at checked');
  });

  test('zeroGradient elements need an exactly zero gradient; the others are checked by finite differences', () => {
    // embedding with padding row 0: the output reads row 0, but its gradient is 0 by definition
    const idx = tensor([0, 2, 2, 1], { dtype: 'int32' });
    const w = f64([0.3, -1.2, 2.5, 0.7, -0.4, 1.1], [3, 2]);
    const padded = (i: Tensor, t: Tensor) => embedding(i, t, 0).square();
    assert.equal(gradCheck(padded, [idx, w]).passed, false, 'plain finite differences see row 0');
    const r = gradCheck(padded, [idx, w], { zeroGradient: { 1: [0, 1] } });
    assert.equal(r.passed, true, JSON.stringify(r.failures));
    assert.equal(r.checked, 6);
    // without padding the gradient of row 0 is not zero: claiming it is fails, on those elements
    const plain = (i: Tensor, t: Tensor) => embedding(i, t).square();
    const wrong = gradCheck(plain, [idx, w], { zeroGradient: { 1: [0, 1] } });
    assert.deepEqual(wrong.failures.map((f) => [f.input, f.index, f.numeric]), [[1, 0, 0], [1, 1, 0]]);
    // a wrong gradient of the other rows is still caught, there only
    const doubled = (i: Tensor, t: Tensor) => squareWithBackward(2)(embedding(i, t, 0));
    const caught = gradCheck(doubled, [idx, w], { zeroGradient: { 1: [0, 1] } });
    assert.deepEqual(caught.failures.map((f) => f.index), [2, 3, 4, 5]);
    assert.throws(() => gradCheck(padded, [idx, w], { zeroGradient: { 1: [6] } }), /zeroGradient element 6 of input 1 is outside its 6 elements/);
  });

  test('int32 inputs are passed through unchanged and not checked', () => {
    const idx = tensor([2, 0], { dtype: 'int32' });
    const pick = (t: Tensor, i: Tensor) => t.indexSelect(0, i).mul(t.indexSelect(0, i));
    const r = gradCheck(pick, [f64([1, 2, 3]), idx]);
    assert.equal(r.passed, true, JSON.stringify(r.failures));
  });

  test('float32 inputs are checked in float64 by default', () => {
    const x32 = tensor([0.3, -1.2, 2.5]);
    assert.equal(gradCheck(squareWithBackward(1), [x32]).passed, true);
    assert.equal(gradCheck(squareWithBackward(3), [x32]).passed, false);
  });

  test('the inputs given are not modified', () => {
    const before = Array.from(x.dataSync());
    gradCheck(squareWithBackward(1), [x]);
    assert.deepEqual(Array.from(x.dataSync()), before);
    assert.equal(x.grad, null);
  });
});
