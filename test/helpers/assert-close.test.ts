// assertClose must be able to fail: every other test's verdict rests on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray } from '../../src/tensor/creation.js';
import { assertClose } from './assert-close.js';

const f64 = (v: number[], shape = [v.length]) => fromArray(Float64Array.from(v), shape);
const f32 = (v: number[], shape = [v.length]) => fromArray(Float32Array.from(v), shape);

test('assertClose passes on equal values and on differences within the tolerances', () => {
  assertClose(f64([1, 2, 3]), f64([1, 2, 3]));
  assertClose([1, 2, 3], Float64Array.from([1, 2, 3]));
  assertClose(0.5, 0.5);
  assertClose([1 + 5e-8], [1]); // float64 defaults: atol 1e-7 + rtol 1e-7
  assertClose(Float32Array.from([1 + 1e-5]), [1]); // float32 defaults: atol 1e-5 + rtol 1.3e-6
  assertClose([1.1], [1], { atol: 0.2 });
  assertClose([110], [100], { rtol: 0.1, atol: 0 });
  assertClose([1, 2], [1.5, 2], { atol: [0.5, 0] });
  assertClose([Infinity, -Infinity], [Infinity, -Infinity]);
});

test('assertClose throws on a mismatch, naming the count, the greatest differences and the label', () => {
  assert.throws(() => assertClose([1 + 1e-6], [1]), /Mismatched elements: 1 \/ 1/);
  assert.throws(() => assertClose(Float32Array.from([1.1]), [1]), /not close/);
  assert.throws(() => assertClose([110.1], [100], { rtol: 0.1, atol: 0 }), /not close/);
  assert.throws(() => assertClose([1, 2.01], [1.5, 2], { atol: [0.5, 0] }), /Mismatched elements: 1 \/ 2/);
  assert.throws(() => assertClose(Int32Array.from([3]), Int32Array.from([4])), /Greatest absolute difference: 1 at index 0/);
  assert.throws(() => assertClose([Infinity], [-Infinity]), /Mismatched elements: 1/);
  assert.throws(() => assertClose([Infinity], [1e308]), /Mismatched elements: 1/);
  let message = '';
  try {
    assertClose(f64([1, 2, 3, 4, 5, 6], [2, 3]), f64([1, 2.5, 3, 4, 5, 0], [2, 3]), { label: 'my tensor' });
  } catch (e) { message = (e as Error).message; }
  assert.match(message, /^my tensor: /);
  assert.match(message, /Mismatched elements: 2 \/ 6 \(33\.3%\)/);
  assert.match(message, /Greatest absolute difference: 6 at index 5 \(\[1, 2\]\)/);
  assert.match(message, /Greatest relative difference: Infinity at index 5 \(\[1, 2\]\)/);
  assert.match(message, /First mismatch at index 1 \(\[0, 1\]\): actual 2, expected 2\.5/);
});

test('assertClose treats NaN as unequal unless equalNan, and then only NaN against NaN', () => {
  assert.throws(() => assertClose([NaN], [NaN]), /Mismatched elements: 1 \/ 1/);
  assertClose([1, NaN], [1, NaN], { equalNan: true });
  assert.throws(() => assertClose([NaN], [1], { equalNan: true }), /not close/);
  assert.throws(() => assertClose([1], [NaN], { equalNan: true }), /not close/);
});

test('assertClose checks shapes of tensors and lengths of arrays', () => {
  assert.throws(() => assertClose(f64([1, 2, 3, 4], [2, 2]), f64([1, 2, 3, 4], [4])), /shapes differ: actual \[2, 2\], expected \[4\]/);
  assert.throws(() => assertClose([1, 2], [1, 2, 3]), /lengths differ/);
  assert.throws(() => assertClose(f64([1, 2]), [1]), /lengths differ/);
  assertClose(f64([1, 2, 3, 4], [2, 2]), [1, 2, 3, 4]); // against a flat array: values only
  assert.throws(() => assertClose(null, [1], { label: 'x.grad' }), /^AssertionError.*x\.grad: actual is null/);
});

test('assertClose takes the looser default of the two dtypes', () => {
  assertClose(f32([1 + 2e-6]), f64([1])); // float32 against float64: float32 tolerances
  assert.throws(() => assertClose(f64([1 + 2e-6]), f64([1])), /not close/);
});
