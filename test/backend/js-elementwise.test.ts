// Elementwise ops with NumPy broadcasting, checked against a reference loop that maps every
// output index back to each operand by index arithmetic; dtype promotion; NaN semantics;
// error messages. Runs the ops (on the current backend, js unless native is built) and the js
// kernels directly.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fromArray, tensor, zeros } from '../../src/tensor/creation.js';
import * as ops from '../../src/ops/index.js';
import { jsBackendInstance } from '../../src/backend/index.js';
import type { BinaryOp, UnaryOp } from '../../src/backend/backend.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { mulberry32 as prng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

// --- helpers (independent of the code under test) ------------------------------------------

const numelOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Broadcast shape by NumPy's rules, or null when incompatible. */
function refBroadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Flat index into an operand of `shape` for the output multi-index `idx` (right-aligned). */
function operandIndex(idx: readonly number[], shape: readonly number[]): number {
  const lead = idx.length - shape.length;
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : idx[lead + d]);
  return flat;
}

/** out[i] = f(a[...], b[...]) over the broadcast shape, by explicit multi-index iteration. */
function refBinary(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[],
  f: (x: number, y: number) => number): { shape: number[]; data: number[] } {
  const shape = refBroadcastShape(aShape, bShape)!;
  const n = numelOf(shape);
  const data: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    data.push(f(a[operandIndex(idx, aShape)], b[operandIndex(idx, bShape)]));
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return { shape, data };
}

function randomData(rnd: () => number, n: number, lo = -3, hi = 3): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * rnd());
}

function sameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const x = actual[i], y = expected[i];
    assert.ok(Object.is(x, y) || x === y || (Number.isNaN(x) && Number.isNaN(y)), `${what}[${i}]: got ${x}, want ${y}`);
  }
}

type RefOp = { name: string; call: (a: Tensor, b: Tensor) => Tensor; f: (x: number, y: number) => number; cmp?: boolean };
const REF_OPS: RefOp[] = [
  { name: 'add', call: ops.add, f: (x, y) => x + y },
  { name: 'sub', call: ops.sub, f: (x, y) => x - y },
  { name: 'mul', call: ops.mul, f: (x, y) => x * y },
  { name: 'div', call: ops.div, f: (x, y) => x / y },
  { name: 'maximum', call: ops.maximum, f: (x, y) => (x > y ? x : y) },
  { name: 'minimum', call: ops.minimum, f: (x, y) => (x < y ? x : y) },
  { name: 'pow', call: (a, b) => ops.pow(ops.abs(a), b), f: (x, y) => Math.pow(Math.abs(x), y) },
  { name: 'eq', call: ops.eq, f: (x, y) => (x === y ? 1 : 0), cmp: true },
  { name: 'ne', call: ops.ne, f: (x, y) => (x !== y ? 1 : 0), cmp: true },
  { name: 'lt', call: ops.lt, f: (x, y) => (x < y ? 1 : 0), cmp: true },
  { name: 'le', call: ops.le, f: (x, y) => (x <= y ? 1 : 0), cmp: true },
  { name: 'gt', call: ops.gt, f: (x, y) => (x > y ? 1 : 0), cmp: true },
  { name: 'ge', call: ops.ge, f: (x, y) => (x >= y ? 1 : 0), cmp: true },
];

const SHAPE_PAIRS: [number[], number[]][] = [
  [[], []],
  [[], [3]],
  [[2, 3], []],
  [[4], [4]],
  [[3], [2, 3]],
  [[2, 3], [3]],
  [[2, 1], [1, 3]],
  [[3, 1], [3]],
  [[4, 1, 3], [4, 2, 3]],         // size-1 dim in the middle
  [[2, 1, 4], [3, 1]],
  [[2, 1, 3], [2, 5, 1]],
  [[5, 1, 1], [1, 4, 1]],
  [[1, 1], [1, 1]],
  [[1], [2, 3, 4]],
  [[2, 3, 4], [2, 1, 4]],
  [[1, 3, 1, 2], [2, 1, 4, 1]],
  [[2, 1, 3, 1, 2], [1, 4, 1, 5, 1]], // rank 5
  [[3, 2, 1, 1, 2], [2, 3, 1]],
  [[1, 2, 1, 2, 1], [2, 1, 2, 1, 2]],
  [[2, 0, 3], [1, 3]],            // zero-size dims
  [[1], [0]],
  [[0], []],
  [[3, 0], [3, 1]],
  [[0, 1, 4], [0, 5, 1]],
  [[37, 1], [1, 33]],              // longer rows
  [[64], [7, 1]],
];

/** Random broadcast-compatible pairs: start from an output shape, then drop leading dims / set 1s. */
function randomShapePairs(count: number, seed: number): [number[], number[]][] {
  const rnd = prng(seed);
  const pairs: [number[], number[]][] = [];
  for (let c = 0; c < count; c++) {
    const rank = Math.floor(rnd() * 6);
    const out = Array.from({ length: rank }, () => 1 + Math.floor(rnd() * 4));
    const derive = () => {
      const keep = rank - Math.floor(rnd() * (rank + 1) * 0.5);
      return out.slice(rank - keep).map((d) => (rnd() < 0.35 ? 1 : d));
    };
    pairs.push([derive(), derive()]);
  }
  return pairs;
}

const f64 = (data: number[], shape: number[]) => fromArray(Float64Array.from(data), shape);
const f32 = (data: number[], shape: number[]) => fromArray(Float32Array.from(data), shape);

// --- tests ----------------------------------------------------------------------------------

describe('broadcasting binary ops vs a reference loop', () => {
  const pairs = [...SHAPE_PAIRS, ...randomShapePairs(150, 99)];
  for (const op of REF_OPS) {
    test(`${op.name}: ${pairs.length} shape pairs, float64 and float32, both operand orders`, () => {
      const rnd = prng(op.name.length * 7919);
      for (const [sa, sb] of pairs) {
        for (const [s1, s2] of [[sa, sb], [sb, sa]]) {
          const da = randomData(rnd, numelOf(s1)), db = randomData(rnd, numelOf(s2));
          if (op.cmp) { // make ties happen
            for (let i = 0; i < db.length; i++) if (rnd() < 0.3 && da.length) db[i] = da[i % da.length];
          }
          const label = `${op.name} [${s1}] with [${s2}]`;
          const want64 = refBinary(da, s1, db, s2, op.f);
          const out64 = op.call(f64(da, s1), f64(db, s2));
          assert.deepEqual(out64.shape, want64.shape, label);
          assert.equal(out64.dtype, op.cmp ? 'int32' : 'float64', label);
          sameValues(out64.dataSync(), want64.data, `${label} (float64)`);
          // float32: inputs rounded to float32, computed exactly, rounded once
          const ra = da.map(Math.fround), rb = db.map(Math.fround);
          const want32 = refBinary(ra, s1, rb, s2, (x, y) => (op.cmp ? op.f(x, y) : Math.fround(op.f(x, y))));
          const out32 = op.call(f32(ra, s1), f32(rb, s2));
          assert.deepEqual(out32.shape, want32.shape, label);
          sameValues(out32.dataSync(), want32.data, `${label} (float32)`);
        }
      }
    });
  }

  test('where broadcasts all three operands', () => {
    const rnd = prng(5);
    const triples: [number[], number[], number[]][] = [
      [[2, 3], [3], []], [[3, 1], [1, 4], [3, 4]], [[1], [2, 1, 3], [2, 1]], [[2, 1, 1, 2], [3, 1], [1, 2, 1, 1]], [[0, 2], [2], [1]],
    ];
    for (const [sc, sa, sb] of triples) {
      const c = Array.from({ length: numelOf(sc) }, () => (rnd() < 0.5 ? 1 : 0));
      const a = randomData(rnd, numelOf(sa)), b = randomData(rnd, numelOf(sb));
      const out = ops.where(fromArray(Int32Array.from(c), sc), f64(a, sa), f64(b, sb));
      const shape = refBroadcastShape(refBroadcastShape(sc, sa)!, sb)!;
      assert.deepEqual(out.shape, shape);
      const got = out.dataSync();
      const idx = new Array<number>(shape.length).fill(0);
      for (let k = 0; k < numelOf(shape); k++) {
        const want = c[operandIndex(idx, sc)] !== 0 ? a[operandIndex(idx, sa)] : b[operandIndex(idx, sb)];
        assert.equal(got[k], want, `where [${sc}] [${sa}] [${sb}] at ${idx}`);
        for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
      }
    }
  });

  test('js binary kernel directly, all comparison and arithmetic ops on a rank-4 pair', () => {
    const K = jsBackendInstance();
    const rnd = prng(77);
    const sa = [3, 1, 4, 1], sb = [2, 1, 5];
    const outShape = refBroadcastShape(sa, sb)!;
    const a = randomData(rnd, numelOf(sa)), b = randomData(rnd, numelOf(sb));
    const fs: Partial<Record<BinaryOp, (x: number, y: number) => number>> = {
      add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
      lt: (x, y) => +(x < y), ge: (x, y) => +(x >= y),
      reluGrad: (g, x) => (x > 0 ? g : 0),
      leakyReluGrad: (g, x) => (x > 0 ? g : 0.1 * g),
      sigmoidGrad: (g, y) => g * y * (1 - y),
      tanhGrad: (g, y) => g * (1 - y * y),
    };
    for (const [op, f] of Object.entries(fs) as [BinaryOp, (x: number, y: number) => number][]) {
      const out = new Float64Array(numelOf(outShape));
      K.binary(op, Float64Array.from(a), sa, Float64Array.from(b), sb, out, outShape, 0.1);
      const want = refBinary(a, sa, b, sb, f);
      assertClose(out, want.data, { rtol: 1e-15, atol: 1e-15, label: op });
    }
  });
});

describe('broadcast errors', () => {
  const cases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', ops.add], ['sub', ops.sub], ['mul', ops.mul], ['div', ops.div], ['pow', ops.pow],
    ['maximum', ops.maximum], ['minimum', ops.minimum], ['eq', ops.eq], ['lt', ops.lt], ['ge', ops.ge],
  ];
  for (const [name, f] of cases) {
    test(`${name}: the message names the op and both shapes`, () => {
      for (const [sa, sb] of [[[3], [2]], [[2, 3], [3, 2]], [[4, 2, 3], [3, 3]], [[2, 3, 5], [4, 5]], [[0], [2]]] as [number[], number[]][]) {
        assert.throws(() => f(zeros(sa), zeros(sb)), (e: Error) => {
          assert.ok(e.message.startsWith(`${name}:`), e.message);
          assert.ok(e.message.includes(`[${sa.join(',')}]`) && e.message.includes(`[${sb.join(',')}]`), e.message);
          return true;
        });
      }
    });
  }

  test('where names itself', () => {
    assert.throws(() => ops.where(zeros([3], { dtype: 'int32' }), zeros([2]), zeros([3])), /^Error: where:|where:/);
  });
});

describe('dtype promotion', () => {
  const i32 = (data: number[]) => tensor(data, { dtype: 'int32' });

  test('int32 op int32 stays int32 (except division)', () => {
    for (const f of [ops.add, ops.sub, ops.mul, ops.maximum, ops.minimum]) {
      assert.equal(f(i32([1, 2]), i32([3, 4])).dtype, 'int32');
    }
    assert.deepEqual(Array.from(ops.mul(i32([3, -4]), i32([5, 6])).dataSync()), [15, -24]);
  });

  test('int32 with float32 gives float32; with float64 gives float64', () => {
    const r = ops.add(i32([1, 2]), tensor([0.5, 0.25]));
    assert.equal(r.dtype, 'float32');
    assert.deepEqual(Array.from(r.dataSync()), [1.5, 2.25]);
    assert.equal(ops.mul(tensor([0.5]), i32([3])).dtype, 'float32');
    assert.equal(ops.add(i32([1]), f64([0.5], [1])).dtype, 'float64');
    assert.equal(ops.add(tensor([1]), f64([0.5], [1])).dtype, 'float64');
    assert.equal(ops.sub(f64([1], [1]), tensor([0.5])).dtype, 'float64');
  });

  test('int32 / int32 is true division in float32', () => {
    const r = ops.div(i32([7, -7, 1, 0]), i32([2, 2, 3, 5]));
    assert.equal(r.dtype, 'float32');
    assert.deepEqual(Array.from(r.dataSync()), [3.5, -3.5, Math.fround(1 / 3), 0]);
    assert.equal(ops.div(i32([1]), 2).dtype, 'float32');
    assert.equal(ops.div(3, i32([2])).item(), 1.5);
    assert.equal(ops.div(i32([1]), f64([2], [1])).dtype, 'float64');
  });

  test('scalars take the tensor dtype, a fractional scalar promotes int32 to float32', () => {
    assert.equal(ops.mul(i32([1, 2]), 3).dtype, 'int32');
    assert.deepEqual(Array.from(ops.mul(i32([1, 2]), 3).dataSync()), [3, 6]);
    const half = ops.add(i32([1, 2]), 0.5);
    assert.equal(half.dtype, 'float32');
    assert.deepEqual(Array.from(half.dataSync()), [1.5, 2.5]);
    assert.equal(ops.add(f64([1], [1]), 2).dtype, 'float64');
    assert.equal(ops.sub(10, i32([1])).item(), 9);
  });

  test('comparisons give int32 0/1, across dtypes', () => {
    const r = ops.lt(i32([1, 2, 3]), tensor([1.5, 1.5, 3]));
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(Array.from(r.dataSync()), [1, 0, 0]);
    assert.deepEqual(Array.from(ops.eq(tensor([0.5, 1]), 0.5).dataSync()), [1, 0]);
    assert.deepEqual(Array.from(ops.ge(i32([0, 1]), 0.5).dataSync()), [0, 1]);
    assert.equal(ops.gt(f64([1], [1]), tensor([0])).dtype, 'int32');
  });

  test('add/sub with alpha', () => {
    assert.deepEqual(Array.from(ops.add(tensor([1, 2]), tensor([10, 20]), 0.5).dataSync()), [6, 12]);
    assert.deepEqual(Array.from(ops.sub(tensor([1, 2]), tensor([10, 20]), 2).dataSync()), [-19, -38]);
  });

  test('pow of int32 by a non-negative integer stays int32', () => {
    const r = ops.pow(i32([2, -3, 5]), 3);
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(Array.from(r.dataSync()), [8, -27, 125]);
    const h = ops.pow(i32([4, 9]), 0.5);
    assert.equal(h.dtype, 'float32');
    assert.deepEqual(Array.from(h.dataSync()), [2, 3]);
  });

  test('pow of int32 by a negative integer is not silently truncated to 0', () => {
    let r: Tensor | undefined;
    try { r = ops.pow(i32([2, 4]), -1); } catch (e) { assert.match((e as Error).message, /pow/); return; }
    // if it does not throw, it must give the true values
    assert.deepEqual(Array.from(r.dataSync()), [0.5, 0.25]);
  });

  test('add/sub with alpha and a number operand', () => {
    assert.deepEqual(Array.from(tensor([1, 2]).add(2, 3).dataSync()), [7, 8]);
    assert.deepEqual(Array.from(tensor([1, 2]).sub(1, 2).dataSync()), [-1, 0]);
  });
});

describe('NaN semantics', () => {
  const NaN_ = Number.NaN;

  test('maximum/minimum propagate NaN from either side', () => {
    const a = tensor([NaN_, 1, NaN_, 2]), b = tensor([1, NaN_, NaN_, 3]);
    sameValues(ops.maximum(a, b).dataSync(), [NaN_, NaN_, NaN_, 3], 'maximum');
    sameValues(ops.minimum(a, b).dataSync(), [NaN_, NaN_, NaN_, 2], 'minimum');
  });

  test('comparisons with NaN are false, ne is true', () => {
    const a = tensor([NaN_, NaN_]), b = tensor([NaN_, 1]);
    assert.deepEqual(Array.from(ops.eq(a, b).dataSync()), [0, 0]);
    assert.deepEqual(Array.from(ops.ne(a, b).dataSync()), [1, 1]);
    assert.deepEqual(Array.from(ops.lt(a, b).dataSync()), [0, 0]);
    assert.deepEqual(Array.from(ops.ge(a, b).dataSync()), [0, 0]);
  });

  test('max/min reductions propagate NaN; argmax/argmin pick the first NaN', () => {
    const x = tensor([1, NaN_, 3, NaN_]);
    assert.ok(Number.isNaN(x.max().item()));
    assert.ok(Number.isNaN(x.min().item()));
    assert.equal(x.argmax().item(), 1);
    assert.equal(x.argmin().item(), 1);
    const m = tensor([[1, NaN_, 0], [5, 4, 3]]);
    sameValues(m.max(1).dataSync(), [NaN_, 5], 'max(1)');
    sameValues(m.min(0).dataSync(), [1, NaN_, 0], 'min(0)');
    assert.deepEqual(Array.from(m.argmax(1).dataSync()), [1, 0]);
    assert.deepEqual(Array.from(m.argmax(0).dataSync()), [1, 0, 1]);
    // NaN first: stays the answer
    assert.equal(tensor([NaN_, 5, 7]).argmax().item(), 0);
    assert.ok(Number.isNaN(tensor([NaN_, 5, 7]).max().item()));
  });

  test('argmax/argmin ties pick the first index', () => {
    assert.equal(tensor([3, 1, 3, 2]).argmax().item(), 0);
    assert.equal(tensor([3, 1, 3, 1]).argmin().item(), 1);
    assert.deepEqual(Array.from(tensor([[2, 2], [1, 5], [2, 5]]).argmax(0).dataSync()), [0, 1]);
  });

  test('clamp passes NaN through', () => {
    sameValues(tensor([NaN_, -5, 5, 0.5]).clamp(-1, 1).dataSync(), [NaN_, -1, 1, 0.5], 'clamp');
  });
});

describe('unary kernels vs Math', () => {
  const K = jsBackendInstance();
  const xs = [-2.5, -1.5, -0.5, -0.49, 0, 0.5, 1.5, 2.5, 3.7, -3.7, 1e-3, 10];
  const cases: [UnaryOp, (v: number) => number][] = [
    ['neg', (v) => -v], ['abs', Math.abs], ['exp', Math.exp], ['sin', Math.sin], ['cos', Math.cos], ['tanh', Math.tanh],
    ['floor', Math.floor], ['ceil', Math.ceil], ['square', (v) => v * v], ['relu', (v) => (v > 0 ? v : 0)],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))], ['softplus', (v) => Math.log(1 + Math.exp(v))],
  ];
  for (const [op, f] of cases) {
    test(`${op}`, () => {
      const out = new Float64Array(xs.length);
      K.unary(op, Float64Array.from(xs), out);
      assertClose(out, xs.map(f), { rtol: 1e-14, atol: 1e-14, label: `${op} of [${xs}]` });
    });
  }

  test('round is half to even, as PyTorch', () => {
    const out = new Float64Array(xs.length);
    K.unary('round', Float64Array.from(xs), out);
    assert.deepEqual(Array.from(out).map((v) => v + 0), [-2, -2, 0, 0, 0, 0, 2, 2, 4, -4, 0, 10]);
  });

  test('sigmoid and softplus do not overflow for large |x|', () => {
    const big = Float64Array.from([-1000, 1000, -800, 800]);
    const s = new Float64Array(4), sp = new Float64Array(4);
    K.unary('sigmoid', big, s);
    K.unary('softplus', big, sp);
    assert.deepEqual(Array.from(s), [0, 1, 0, 1]);
    assert.deepEqual(Array.from(sp), [0, 1000, 0, 800]);
  });

  test('clamp, affine, leakyRelu and powScalar use their parameters', () => {
    const x = Float64Array.from([-2, -0.5, 0.5, 2]);
    const out = new Float64Array(4);
    K.unary('clamp', x, out, -1, 1); assert.deepEqual(Array.from(out), [-1, -0.5, 0.5, 1]);
    K.unary('affine', x, out, 3, 1); assert.deepEqual(Array.from(out), [-5, -0.5, 2.5, 7]);
    K.unary('leakyRelu', x, out, 0.1); assert.deepEqual(Array.from(out), [-0.2, -0.05, 0.5, 2]);
    K.unary('powScalar', x, out, 3); assert.deepEqual(Array.from(out), [-8, -0.125, 0.125, 8]);
  });
});

describe('broadcast gradients reduce back to the input shapes', () => {
  test('a [2,1,3] * b [4,1]', () => {
    const rnd = prng(3);
    const a = randomData(rnd, 6), b = randomData(rnd, 4);
    const ta = fromArray(Float64Array.from(a), [2, 1, 3], { requiresGrad: true });
    const tb = fromArray(Float64Array.from(b), [4, 1], { requiresGrad: true });
    ops.mul(ta, tb).sum().backward();
    // d/da[i,0,k] = sum_j b[j]; d/db[j,0] = sum_{i,k} a[i,0,k]
    const sb = b.reduce((s, v) => s + v, 0), sa = a.reduce((s, v) => s + v, 0);
    assert.deepEqual(ta.grad!.shape, [2, 1, 3]);
    assert.deepEqual(tb.grad!.shape, [4, 1]);
    assertClose(ta.grad!, new Array(6).fill(sb), { rtol: 0, atol: 1e-12, label: 'grad of a' });
    assertClose(tb.grad!, new Array(4).fill(sa), { rtol: 0, atol: 1e-12, label: 'grad of b' });
  });

  test('a 0-d operand receives the sum of the gradient', () => {
    const s = fromArray(Float64Array.from([2]), [], { requiresGrad: true });
    const x = fromArray(Float64Array.from([1, 2, 3, 4]), [2, 2], { requiresGrad: true });
    ops.mul(x, s).sum().backward();
    assert.deepEqual(s.grad!.shape, []);
    assert.equal(s.grad!.item(), 10);
    assert.deepEqual(Array.from(x.grad!.dataSync()), [2, 2, 2, 2]);
  });
});
