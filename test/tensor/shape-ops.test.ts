// Shape ops through the Tensor methods: reshape/view, flatten/unflatten, squeeze/unsqueeze,
// transpose/T/permute, narrow/slice/select, split/chunk (torch semantics), indexSelect,
// expand. Values are checked against index arithmetic written here.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, fromArray, arange, zeros } from '../../src/tensor/creation.js';
import { concat, stack } from '../../src/ops/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** A float64 tensor holding 0..n-1, so each value names its flat position. */
function iota(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromArray(Float64Array.from({ length: n }, (_, i) => i), shape);
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/** All multi-indices of a shape in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield idx.slice();
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
}

const values = (t: Tensor) => Array.from(t.dataSync());

describe('reshape / view', () => {
  test('keeps the row-major order and infers -1', () => {
    const x = iota([2, 3, 4]);
    const y = x.reshape(4, -1);
    assert.deepEqual(y.shape, [4, 6]);
    assert.deepEqual(values(y), values(x));
    assert.deepEqual(x.reshape([-1]).shape, [24]);
    assert.deepEqual(x.view(2, 12).shape, [2, 12]);
    assert.deepEqual(x.reshape(-1, 2, 3).shape, [4, 2, 3]);
    assert.deepEqual(tensor(5).reshape(-1).shape, [1]);
    assert.deepEqual(tensor([5]).reshape([]).shape, []);
    assert.deepEqual(zeros([0, 3]).reshape(-1, 3).shape, [0, 3]);
  });

  test('errors name the shapes', () => {
    const x = iota([2, 3, 4]);
    assert.throws(() => x.reshape(5, 5), (e: Error) => /reshape/.test(e.message) && e.message.includes('[5,5]') && e.message.includes('[2,3,4]'));
    assert.throws(() => x.reshape(-1, -1), /only one dimension can be -1/);
    assert.throws(() => x.reshape(5, -1), (e: Error) => /reshape/.test(e.message) && e.message.includes('[5,-1]'));
    assert.throws(() => zeros([0, 3]).reshape(0, -1), /reshape/);
    assert.throws(() => x.reshape(-2, -12), /reshape/);
  });
});

describe('flatten / unflatten', () => {
  test('flatten ranges of dimensions', () => {
    const x = iota([2, 3, 4, 5]);
    assert.deepEqual(x.flatten().shape, [120]);
    assert.deepEqual(x.flatten(1).shape, [2, 60]);
    assert.deepEqual(x.flatten(0, 1).shape, [6, 4, 5]);
    assert.deepEqual(x.flatten(1, 2).shape, [2, 12, 5]);
    assert.deepEqual(x.flatten(-2, -1).shape, [2, 3, 20]);
    assert.deepEqual(x.flatten(2, 2).shape, [2, 3, 4, 5]);
    assert.deepEqual(values(x.flatten(1, 2)), values(x));
    assert.deepEqual(tensor(3).flatten().shape, [1]);
    assert.throws(() => x.flatten(2, 1), /flatten/);
    assert.throws(() => x.flatten(0, 4), /flatten/);
  });

  test('unflatten splits one dimension, -1 allowed', () => {
    const x = iota([2, 12]);
    assert.deepEqual(x.unflatten(1, [3, 4]).shape, [2, 3, 4]);
    assert.deepEqual(x.unflatten(1, [-1, 6]).shape, [2, 2, 6]);
    assert.deepEqual(x.unflatten(-1, [2, 2, 3]).shape, [2, 2, 2, 3]);
    assert.deepEqual(x.unflatten(0, [1, 2]).shape, [1, 2, 12]);
    assert.deepEqual(values(x.unflatten(1, [3, 4])), values(x));
    assert.throws(() => x.unflatten(1, [5, 3]), /unflatten/);
    assert.throws(() => x.unflatten(1, [-1, 5]), /unflatten/);
  });
});

describe('squeeze / unsqueeze', () => {
  test('squeeze all size-1 dimensions or one axis', () => {
    const x = zeros([1, 3, 1, 2]);
    assert.deepEqual(x.squeeze().shape, [3, 2]);
    assert.deepEqual(x.squeeze(0).shape, [3, 1, 2]);
    assert.deepEqual(x.squeeze(2).shape, [1, 3, 2]);
    assert.deepEqual(x.squeeze(-2).shape, [1, 3, 2]);
    assert.deepEqual(x.squeeze(1).shape, [1, 3, 1, 2], 'a non-1 axis is left alone, as torch');
    assert.deepEqual(zeros([1, 1]).squeeze().shape, []);
    assert.throws(() => x.squeeze(4), /squeeze/);
  });

  test('unsqueeze at any of rank + 1 positions', () => {
    const x = zeros([3, 4]);
    assert.deepEqual(x.unsqueeze(0).shape, [1, 3, 4]);
    assert.deepEqual(x.unsqueeze(1).shape, [3, 1, 4]);
    assert.deepEqual(x.unsqueeze(2).shape, [3, 4, 1]);
    assert.deepEqual(x.unsqueeze(-1).shape, [3, 4, 1]);
    assert.deepEqual(x.unsqueeze(-3).shape, [1, 3, 4]);
    assert.deepEqual(tensor(1).unsqueeze(0).shape, [1]);
    assert.throws(() => x.unsqueeze(3), /unsqueeze/);
    assert.throws(() => x.unsqueeze(-4), /unsqueeze/);
  });
});

describe('transpose / T / permute', () => {
  test('transpose of a matrix and .T', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(x.transpose(0, 1).toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(x.T.toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(x.transpose().toArray(), [[1, 4], [2, 5], [3, 6]]);
    const v = tensor([1, 2, 3]);
    assert.deepEqual(v.T.toArray(), [1, 2, 3]);
    assert.deepEqual(x.transpose(1, 1).toArray(), x.toArray());
  });

  test('transpose of non-adjacent axes of a 3-D tensor', () => {
    const shape = [2, 3, 4];
    const x = iota(shape);
    const y = x.transpose(0, 2);
    assert.deepEqual(y.shape, [4, 3, 2]);
    const xs = strides(shape), got = y.dataSync();
    let k = 0;
    for (const [i, j, l] of indices([4, 3, 2])) assert.equal(got[k++], l * xs[0] + j * xs[1] + i * xs[2]);
    assert.deepEqual(values(x.transpose(-1, 0)), values(y));
  });

  test('permute with negative axes; errors', () => {
    const x = iota([2, 3, 4]);
    const y = x.permute(-1, 0, 1);
    assert.deepEqual(y.shape, [4, 2, 3]);
    const xs = strides([2, 3, 4]), got = y.dataSync();
    let k = 0;
    for (const [a, b, c] of indices([4, 2, 3])) assert.equal(got[k++], b * xs[0] + c * xs[1] + a * xs[2]);
    assert.throws(() => x.permute(0, 1), /permute/);
    assert.throws(() => x.permute(0, 1, 1), /permute.*repeated/);
    assert.throws(() => x.permute(0, 1, 3), /permute/);
  });
});

describe('narrow / slice / select', () => {
  const x = iota([3, 5]);

  test('narrow with a negative start', () => {
    const y = x.narrow(1, -3, 2);
    assert.deepEqual(y.toArray(), [[2, 3], [7, 8], [12, 13]]);
    assert.deepEqual(x.narrow(0, 1, 2).toArray(), [[5, 6, 7, 8, 9], [10, 11, 12, 13, 14]]);
    assert.deepEqual(x.narrow(1, 2, 0).shape, [3, 0]);
    assert.throws(() => x.narrow(1, 4, 2), /narrow/);
    assert.throws(() => x.narrow(1, -6, 1), /narrow/);
    assert.throws(() => x.narrow(2, 0, 1), /narrow/);
  });

  test('slice follows Python slicing: negative and clamped bounds', () => {
    assert.deepEqual(x.slice(1, 1, 3).toArray(), [[1, 2], [6, 7], [11, 12]]);
    assert.deepEqual(x.slice(1, -3, -1).toArray(), [[2, 3], [7, 8], [12, 13]]);
    assert.deepEqual(x.slice(1, -2).toArray(), [[3, 4], [8, 9], [13, 14]]);
    assert.deepEqual(x.slice(0, -100, 100).toArray(), x.toArray());
    assert.deepEqual(x.slice(0, 2).toArray(), [[10, 11, 12, 13, 14]]);
    assert.deepEqual(x.slice(1, 4, 2).shape, [3, 0]);
    assert.deepEqual(x.slice(1, 10).shape, [3, 0]);
    assert.deepEqual(x.slice(0).toArray(), x.toArray());
  });

  test('select removes the dimension; negative index', () => {
    assert.deepEqual(x.select(0, 1).toArray(), [5, 6, 7, 8, 9]);
    assert.deepEqual(x.select(0, -1).toArray(), [10, 11, 12, 13, 14]);
    assert.deepEqual(x.select(1, -2).toArray(), [3, 8, 13]);
    const s = tensor([4, 5, 6]).select(0, 2);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 6);
    assert.deepEqual(zeros([1, 4]).select(0, 0).shape, [4]);
    assert.throws(() => x.select(0, 3), /select/);
    assert.throws(() => x.select(0, -4), /select/);
  });
});

describe('0-d inputs', () => {
  test('select, narrow and concat reject 0-d tensors naming the op', () => {
    assert.throws(() => tensor(5).select(0, 0), /select/);
    assert.throws(() => tensor(5).narrow(0, 0, 1), /narrow/);
    assert.throws(() => concat([tensor(1), tensor(2)]), /concat/);
  });

  test('stack of 0-d tensors gives a vector', () => {
    const s = stack([tensor(1), tensor(2)]);
    assert.deepEqual(s.shape, [2]);
    assert.deepEqual(values(s), [1, 2]);
  });
});

describe('split / chunk (torch semantics)', () => {
  const sizes = (ts: Tensor[], axis = 0) => ts.map((t) => t.shape[axis]);

  test('split into equal pieces (last smaller) or given sizes', () => {
    const x = arange(10);
    assert.deepEqual(sizes(x.split(3)), [3, 3, 3, 1]);
    assert.deepEqual(sizes(x.split(5)), [5, 5]);
    assert.deepEqual(sizes(x.split(20)), [10]);
    const parts = x.split([2, 0, 8]);
    assert.deepEqual(sizes(parts), [2, 0, 8]);
    assert.deepEqual(values(parts[0]), [0, 1]);
    assert.deepEqual(values(parts[2]), [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.throws(() => x.split([3, 3]), /split/);
    assert.throws(() => x.split(0), /split/);
  });

  test('chunk: pieces of ceil(n / chunks), possibly fewer pieces than asked', () => {
    assert.deepEqual(sizes(arange(6).chunk(3)), [2, 2, 2]);
    assert.deepEqual(sizes(arange(5).chunk(3)), [2, 2, 1]);
    assert.deepEqual(sizes(arange(6).chunk(4)), [2, 2, 2]);
    assert.deepEqual(sizes(arange(10).chunk(4)), [3, 3, 3, 1]);
    assert.deepEqual(sizes(arange(2).chunk(5)), [1, 1]);
    assert.deepEqual(sizes(arange(7).chunk(1)), [7]);
    const x = iota([2, 7]);
    const parts = x.chunk(3, 1);
    assert.deepEqual(sizes(parts, 1), [3, 3, 1]);
    assert.deepEqual(parts[2].toArray(), [[6], [13]]);
    assert.deepEqual(parts[1].toArray(), [[3, 4, 5], [10, 11, 12]]);
  });

  test('chunk rejects a non-positive number of chunks', () => {
    assert.throws(() => arange(3).chunk(0), /chunk/);
    assert.throws(() => arange(3).chunk(-1), /chunk/);
  });

  test('split then concat is the identity; stack then select recovers the pieces', () => {
    const x = iota([4, 6, 2]);
    for (const axis of [0, 1, 2]) {
      const back = concat(x.split(axis === 2 ? 1 : 3, axis), axis);
      assert.deepEqual(back.shape, x.shape);
      assert.deepEqual(values(back), values(x));
    }
    const a = iota([2, 3]), b = a.mul(-1);
    for (const axis of [0, 1, 2, -1]) {
      const s = stack([a, b], axis);
      const ax = axis < 0 ? axis + 3 : axis;
      const want = [2, 3];
      want.splice(ax, 0, 2);
      assert.deepEqual(s.shape, want);
      assert.deepEqual(values(s.select(ax, 0)), values(a));
      assert.deepEqual(values(s.select(ax, 1)), values(b));
    }
  });
});

describe('indexSelect', () => {
  test('along axis 1 with repeated and unordered indices', () => {
    const x = iota([2, 4, 3]);
    const idx = tensor([3, 0, 3], { dtype: 'int32' });
    const y = x.indexSelect(1, idx);
    assert.deepEqual(y.shape, [2, 3, 3]);
    const got = y.dataSync(), xs = strides([2, 4, 3]), pick = [3, 0, 3];
    let k = 0;
    for (const [i, j, l] of indices([2, 3, 3])) assert.equal(got[k++], i * xs[0] + pick[j] * xs[1] + l * xs[2]);
  });

  test('along axis 0 and the last axis', () => {
    const x = iota([3, 2]);
    assert.deepEqual(x.indexSelect(0, tensor([2, 2, 0], { dtype: 'int32' })).toArray(), [[4, 5], [4, 5], [0, 1]]);
    assert.deepEqual(x.indexSelect(-1, tensor([1], { dtype: 'int32' })).toArray(), [[1], [3], [5]]);
    assert.deepEqual(x.indexSelect(0, zeros([0], { dtype: 'int32' })).shape, [0, 2]);
  });

  test('the gradient adds up over repeated indices', () => {
    const x = fromArray(new Float64Array(8), [2, 4], { requiresGrad: true });
    x.indexSelect(1, tensor([1, 1, 3], { dtype: 'int32' })).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [[0, 2, 0, 1], [0, 2, 0, 1]]);
  });

  test('errors: float index, 2-D index, index out of range', () => {
    const x = iota([3, 2]);
    assert.throws(() => x.indexSelect(0, tensor([0, 1])), /indexSelect.*int32/);
    assert.throws(() => x.indexSelect(0, tensor([[0]], { dtype: 'int32' })), /indexSelect/);
    assert.throws(() => x.indexSelect(0, tensor([3], { dtype: 'int32' })), /out of range/);
    assert.throws(() => x.indexSelect(1, tensor([-1], { dtype: 'int32' })), /out of range/);
  });
});

describe('expand', () => {
  test('repeats size-1 and new leading dimensions; -1 keeps a dimension', () => {
    const x = tensor([[1], [2]]);
    assert.deepEqual(x.expand(2, 3).toArray(), [[1, 1, 1], [2, 2, 2]]);
    assert.deepEqual(x.expand(-1, 2).toArray(), [[1, 1], [2, 2]]);
    assert.deepEqual(x.expand(2, 2, 2).toArray(), [[[1, 1], [2, 2]], [[1, 1], [2, 2]]]);
    assert.deepEqual(x.expand(2, 0).shape, [2, 0]);
    assert.throws(() => x.expand(3, 3), (e: Error) => /expand/.test(e.message) && e.message.includes('[2,1]') && e.message.includes('[3,3]'));
    assert.throws(() => x.expand(2), /expand/);
  });

  test('-1 in a new leading dimension is a clear error', () => {
    assert.throws(() => tensor([1, 2, 3]).expand(-1, 3), /expand/);
  });
});

describe('concat / stack errors', () => {
  test('mismatched shapes name the tensor and shapes', () => {
    assert.throws(() => concat([zeros([2, 3]), zeros([2, 4])], 0), (e: Error) => /concat/.test(e.message) && e.message.includes('[2,4]'));
    assert.throws(() => concat([zeros([2, 3]), zeros([2])], 0), /concat/);
    assert.throws(() => concat([]), /concat/);
    assert.throws(() => stack([zeros([2]), zeros([3])]), /stack/);
    assert.deepEqual(concat([zeros([2, 3]), zeros([2, 4])], 1).shape, [2, 7]);
    assert.deepEqual(concat([zeros([0, 3]), zeros([2, 3])], 0).shape, [2, 3]);
  });

  test('concat promotes dtypes', () => {
    const c = concat([tensor([1, 2], { dtype: 'int32' }), tensor([0.5])]);
    assert.equal(c.dtype, 'float32');
    assert.deepEqual(values(c), [1, 2, 0.5]);
  });
});
