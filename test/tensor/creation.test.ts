// Tensor creation: from nested arrays and typed arrays, constants, ranges, eye, and the
// accessors (item, toArray, dataSync). Expected values are written by hand from PyTorch's
// semantics.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor, fromArray, scalar, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye,
} from '../../src/tensor/creation.js';
import { assertClose } from '../helpers/assert-close.js';

const f32 = (v: number) => Math.fround(v);

describe('tensor() from nested arrays', () => {
  test('infers the shape of a rectangular nested array, row-major values, float32 by default', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.equal(t.ndim, 2);
    assert.equal(t.size, 6);
    assert.deepEqual(Array.from(t.dataSync()), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  });

  test('3-D nested arrays', () => {
    const t = tensor([[[1], [2]], [[3], [4]], [[5], [6]]]);
    assert.deepEqual(t.shape, [3, 2, 1]);
    assert.deepEqual(Array.from(t.dataSync()), [1, 2, 3, 4, 5, 6]);
  });

  test('a number gives a 0-d tensor', () => {
    const t = tensor(2.5);
    assert.deepEqual(t.shape, []);
    assert.equal(t.ndim, 0);
    assert.equal(t.size, 1);
    assert.equal(t.item(), 2.5);
    assert.equal(t.toArray(), 2.5);
  });

  test('empty arrays give zero-size shapes', () => {
    assert.deepEqual(tensor([]).shape, [0]);
    assert.deepEqual(tensor([[], []]).shape, [2, 0]);
    assert.equal(tensor([[], []]).size, 0);
    assert.deepEqual(tensor([]).toArray(), []);
    assert.deepEqual(tensor([[], []]).toArray(), [[], []]);
  });

  test('booleans become 0/1', () => {
    assert.deepEqual(Array.from(tensor([true, false, true]).dataSync()), [1, 0, 1]);
  });

  test('values are rounded to float32', () => {
    const t = tensor([0.1, 1 / 3]);
    assert.deepEqual(Array.from(t.dataSync()), [f32(0.1), f32(1 / 3)]);
  });

  test('dtype option: int32 truncates toward zero, float64 keeps doubles', () => {
    const i = tensor([1.7, -1.7, 3], { dtype: 'int32' });
    assert.equal(i.dtype, 'int32');
    assert.ok(i.dataSync() instanceof Int32Array);
    assert.deepEqual(Array.from(i.dataSync()), [1, -1, 3]);
    const d = tensor([[0.1, 0.2]], { dtype: 'float64' });
    assert.equal(d.dtype, 'float64');
    assert.deepEqual(Array.from(d.dataSync()), [0.1, 0.2]);
  });

  test('requiresGrad option', () => {
    assert.equal(tensor([1, 2], { requiresGrad: true }).requiresGrad, true);
    assert.equal(tensor([1, 2]).requiresGrad, false);
    assert.throws(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /floating/);
  });

  const ragged: [unknown, string][] = [
    [[[1, 2], [3]], '[1]'],
    [[[1, 2], 3], '[1]'],
    [[1, [2]], '[1]'],
    [[[[1], [2]], [[3], [4, 5]]], '[1][1]'],
    [[[1, 2], [3, 4], [5, 6, 7]], '[2]'],
    [[[[1, 2]], [[3, 4]], [[5, 6], [7, 8]]], '[2]'],
  ];
  for (const [data, path] of ragged) {
    test(`ragged ${JSON.stringify(data)} -> error naming ${path}`, () => {
      assert.throws(() => tensor(data as number[]), (e: Error) => {
        assert.match(e.message, /ragged/);
        assert.ok(e.message.includes(`at ${path} `) || e.message.endsWith(`at ${path}`), `message '${e.message}' should name ${path}`);
        return true;
      });
    });
  }

  test('non-numeric elements are rejected', () => {
    assert.throws(() => tensor(['a'] as unknown as number[]), /tensor/);
    assert.throws(() => tensor([[1, 2], [null, 3]] as unknown as number[][]), /tensor/);
  });
});

describe('tensor() / fromArray from typed arrays', () => {
  test('the dtype follows the typed array', () => {
    assert.equal(tensor(new Float32Array([1, 2])).dtype, 'float32');
    assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.deepEqual(tensor(new Int32Array([1, 2, 3])).shape, [3]);
  });

  test('the data is copied', () => {
    const src = new Float32Array([1, 2, 3, 4]);
    const t = fromArray(src, [2, 2]);
    src[0] = 99;
    assert.deepEqual(t.toArray(), [[1, 2], [3, 4]]);
  });

  test('dtype conversion: float -> int32 truncates toward zero; int -> float64 exact', () => {
    const t = fromArray(new Float64Array([2.9, -2.9, 0.5, -0.5]), [4], { dtype: 'int32' });
    assert.deepEqual(Array.from(t.dataSync()), [2, -2, 0, 0]);
    const u = tensor(new Int32Array([7, -8]), { dtype: 'float64' });
    assert.equal(u.dtype, 'float64');
    assert.deepEqual(Array.from(u.dataSync()), [7, -8]);
  });

  test('fromArray checks that the values fill the shape', () => {
    assert.throws(() => fromArray(new Float32Array(5), [2, 3]), /5.*\[2,3\]|\[2,3\].*5/);
    assert.throws(() => fromArray(new Float32Array(6), [2, -3]), /invalid shape/);
    assert.deepEqual(fromArray(new Float32Array(6), [1, 2, 3]).shape, [1, 2, 3]);
    assert.deepEqual(fromArray(new Float32Array(0), [4, 0]).shape, [4, 0]);
  });
});

describe('constants', () => {
  test('zeros / ones / full: shape, dtype, values', () => {
    const z = zeros([2, 3]);
    assert.deepEqual(z.shape, [2, 3]);
    assert.equal(z.dtype, 'float32');
    assert.ok(Array.from(z.dataSync()).every((v) => v === 0));
    const o = ones([4], { dtype: 'int32' });
    assert.equal(o.dtype, 'int32');
    assert.deepEqual(Array.from(o.dataSync()), [1, 1, 1, 1]);
    const f = full([2, 2], -1.25, { dtype: 'float64' });
    assert.equal(f.dtype, 'float64');
    assert.deepEqual(f.toArray(), [[-1.25, -1.25], [-1.25, -1.25]]);
    assert.deepEqual(full([], 3).shape, []);
    assert.equal(full([], 3).item(), 3);
    assert.ok(Array.from(full([3], Number.NaN).dataSync()).every(Number.isNaN));
  });

  test('zero-size and invalid shapes', () => {
    assert.equal(zeros([2, 0, 3]).size, 0);
    assert.deepEqual(zeros([2, 0, 3]).shape, [2, 0, 3]);
    assert.throws(() => zeros([2, -1]), /invalid shape/);
    assert.throws(() => ones([1.5]), /invalid shape/);
  });

  test('requiresGrad option on constants', () => {
    assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
    assert.throws(() => zeros([2], { dtype: 'int32', requiresGrad: true }), /floating/);
  });

  test('zerosLike / onesLike / fullLike keep shape and dtype', () => {
    const base = tensor(new Int32Array([5, 6, 7]));
    const z = zerosLike(base), o = onesLike(base), f = fullLike(base, 9);
    for (const t of [z, o, f]) { assert.equal(t.dtype, 'int32'); assert.deepEqual(t.shape, [3]); }
    assert.deepEqual(Array.from(z.dataSync()), [0, 0, 0]);
    assert.deepEqual(Array.from(o.dataSync()), [1, 1, 1]);
    assert.deepEqual(Array.from(f.dataSync()), [9, 9, 9]);
    assert.equal(onesLike(base, { dtype: 'float64' }).dtype, 'float64');
  });

  test('scalar()', () => {
    const s = scalar(4);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 4);
    assert.equal(scalar(3, 'int32').dtype, 'int32');
  });
});

describe('arange', () => {
  test('one argument: 0..n-1, int32', () => {
    const t = arange(5);
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(Array.from(t.dataSync()), [0, 1, 2, 3, 4]);
  });

  test('start, end, step with integers stays int32 and excludes end', () => {
    assert.deepEqual(Array.from(arange(2, 8, 3).dataSync()), [2, 5]);
    assert.deepEqual(Array.from(arange(0, 10, 3).dataSync()), [0, 3, 6, 9]);
    assert.deepEqual(Array.from(arange(-2, 2).dataSync()), [-2, -1, 0, 1]);
    assert.equal(arange(2, 8, 3).dtype, 'int32');
  });

  test('negative steps count down', () => {
    const t = arange(5, 0, -1);
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(Array.from(t.dataSync()), [5, 4, 3, 2, 1]);
    assert.deepEqual(Array.from(arange(10, 1, -4).dataSync()), [10, 6, 2]);
    const f = arange(1, 0, -0.25);
    assert.equal(f.dtype, 'float32');
    assert.deepEqual(Array.from(f.dataSync()), [1, 0.75, 0.5, 0.25]);
  });

  test('a fractional argument gives float32', () => {
    const t = arange(0, 1, 0.25);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(Array.from(t.dataSync()), [0, 0.25, 0.5, 0.75]);
    assert.deepEqual(Array.from(arange(-3, 3, 1.5).dataSync()), [-3, -1.5, 0, 1.5]);
    assert.deepEqual(Array.from(arange(0, 2.5).dataSync()), [0, 1, 2]);
    assert.equal(arange(0, 2.5).dtype, 'float32');
    // torch.arange(0, 1, 0.1) has 10 elements
    const tenth = arange(0, 1, 0.1);
    assert.equal(tenth.size, 10);
    assertClose(tenth, Array.from({ length: tenth.size }, (_, i) => i / 10), { rtol: 0, atol: 1e-6 });
  });

  test('empty ranges', () => {
    assert.equal(arange(0).size, 0);
    assert.deepEqual(arange(0).shape, [0]);
    assert.equal(arange(5, 0).size, 0);
    assert.equal(arange(0, 5, -1).size, 0);
    assert.equal(arange(3, 3).size, 0);
  });

  test('dtype option overrides the inferred type', () => {
    const t = arange(0, 4, 1, { dtype: 'float32' });
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(Array.from(t.dataSync()), [0, 1, 2, 3]);
    assert.equal(arange(0, 3, 1, { dtype: 'float64' }).dtype, 'float64');
  });

  test('zero or non-finite step is an error', () => {
    assert.throws(() => arange(0, 5, 0), /arange.*step/);
    assert.throws(() => arange(0, 5, Number.NaN), /arange/);
    assert.throws(() => arange(0, 5, Infinity), /arange/);
  });
});

describe('linspace and eye', () => {
  test('linspace includes both ends', () => {
    assert.deepEqual(Array.from(linspace(0, 1, 5).dataSync()), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(Array.from(linspace(-1, 1, 3).dataSync()), [-1, 0, 1]);
    assert.deepEqual(Array.from(linspace(1, 0, 3).dataSync()), [1, 0.5, 0]);
    const t = linspace(0.1, 0.7, 7);
    const v = t.dataSync();
    assert.equal(v[0], f32(0.1));
    assert.equal(v[6], f32(0.7));
    assertClose(Array.from(v).slice(0, 7), Array.from({ length: 7 }, (_, i) => 0.1 + 0.1 * i), { rtol: 0, atol: 1e-6 });
    assert.equal(t.dtype, 'float32');
  });

  test('linspace with 1 or 0 steps; negative steps is an error', () => {
    assert.deepEqual(Array.from(linspace(3, 7, 1).dataSync()), [3]);
    assert.equal(linspace(3, 7, 0).size, 0);
    assert.throws(() => linspace(0, 1, -1), /linspace/);
    assert.throws(() => linspace(0, 1, 2.5), /linspace/);
    assert.equal(linspace(0, 1, 3, { dtype: 'float64' }).dtype, 'float64');
  });

  test('eye: square and rectangular', () => {
    assert.deepEqual(eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(eye(3, 2).toArray(), [[1, 0], [0, 1], [0, 0]]);
    assert.deepEqual(eye(0).shape, [0, 0]);
    assert.equal(eye(2, 2, { dtype: 'int32' }).dtype, 'int32');
  });
});

describe('accessors', () => {
  test('item() of a one-element tensor of any rank; error otherwise naming the shape', () => {
    assert.equal(tensor([[7]]).item(), 7);
    assert.equal(tensor(new Int32Array([-3])).item(), -3);
    assert.throws(() => tensor([1, 2]).item(), /\[2\]/);
    assert.throws(() => zeros([2, 3]).item(), /\[2,3\]/);
    assert.throws(() => zeros([0]).item(), /item/);
  });

  test('toArray nests by shape', () => {
    const t = fromArray(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), [2, 3, 2]);
    assert.deepEqual(t.toArray(), [[[0, 1], [2, 3], [4, 5]], [[6, 7], [8, 9], [10, 11]]]);
    assert.deepEqual(zeros([2, 0]).toArray(), [[], []]);
  });

  test('dataSync returns a copy of the right type', () => {
    const t = tensor([1, 2, 3]);
    const d = t.dataSync();
    assert.ok(d instanceof Float32Array);
    d[0] = 100;
    assert.equal(t.dataSync()[0], 1);
    assert.deepEqual(t.toArray(), [1, 2, 3]);
    assert.ok(tensor(new Float64Array([1])).dataSync() instanceof Float64Array);
    assert.ok(arange(3).dataSync() instanceof Int32Array);
  });

  test('shape is frozen and numel/dim agree with it', () => {
    const t = zeros([2, 3, 4]);
    assert.ok(Object.isFrozen(t.shape));
    assert.equal(t.numel(), 24);
    assert.equal(t.dim(), 3);
  });
});
