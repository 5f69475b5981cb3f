// js reduction and data-movement kernels vs reference loops on random shapes, plus the ops
// built on them (sum/max/min over several axes, permute, slice, expand, gather, concat).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackendInstance } from '../../src/backend/index.js';
import type { ReduceOp } from '../../src/backend/backend.js';
import { fromArray } from '../../src/tensor/creation.js';
import * as ops from '../../src/ops/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { mulberry32 as prng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

const K = jsBackendInstance();

const randInt = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const numelOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}
/** Row-major multi-index of flat position k. */
function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = k % shape[d]; k = Math.floor(k / shape[d]); }
  return idx;
}
const ravel = (idx: readonly number[], shape: readonly number[]) => idx.reduce((acc, v, d) => acc * shape[d] + v, 0);
function randomArray(rnd: () => number, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.round((rnd() * 20 - 10) * 64) / 64); // exact in float32 too
}
function randomShape(rnd: () => number, rank: number, maxDim = 5): number[] {
  return Array.from({ length: rank }, () => randInt(rnd, 1, maxDim));
}
const TIGHT = { rtol: 1e-12, atol: 1e-12, equalNan: true };

// --- reductions -----------------------------------------------------------------------------

function refReduce(op: ReduceOp, x: ArrayLike<number>, outer: number, n: number, inner: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
      for (let j = 0; j < n; j++) {
        const v = x[(o * n + j) * inner + i];
        if (op === 'sum') acc += v;
        else if (op === 'prod') acc *= v;
        else if (op === 'max') acc = Math.max(acc, v);
        else acc = Math.min(acc, v);
      }
      out.push(acc);
    }
  }
  return out;
}

describe('reduce kernel over [outer, n, inner]', () => {
  for (const op of ['sum', 'max', 'min', 'prod'] as ReduceOp[]) {
    test(`${op}: 200 random [outer, n, inner], float64 and float32`, () => {
      const rnd = prng(op.length * 31 + op.charCodeAt(0));
      for (let c = 0; c < 200; c++) {
        const outer = randInt(rnd, 1, 6), n = randInt(rnd, 1, 9), inner = randInt(rnd, 1, 7);
        const x = randomArray(rnd, outer * n * inner);
        if (op === 'prod') for (let i = 0; i < x.length; i++) x[i] = 0.5 + (x[i] + 10) / 20; // keep products tame
        const want = refReduce(op, x, outer, n, inner);
        const out = new Float64Array(outer * inner);
        K.reduce(op, x, outer, n, inner, out);
        assertClose(out, want, { ...TIGHT, label: `${op} [${outer},${n},${inner}]` });
        const x32 = Float32Array.from(x), out32 = new Float32Array(outer * inner);
        K.reduce(op, x32, outer, n, inner, out32);
        const want32 = refReduce(op, x32, outer, n, inner);
        assertClose(out32, want32, { rtol: 1e-6, atol: 1e-6, equalNan: true, label: `${op} f32 [${outer},${n},${inner}]` });
      }
    });
  }

  test('empty reduced axis gives the identity (sum 0, prod 1)', () => {
    const out = new Float64Array(6);
    K.reduce('sum', new Float64Array(0), 2, 0, 3, out);
    assert.deepEqual(Array.from(out), [0, 0, 0, 0, 0, 0]);
    K.reduce('prod', new Float64Array(0), 2, 0, 3, out);
    assert.deepEqual(Array.from(out), [1, 1, 1, 1, 1, 1]);
    const row = new Float64Array(2);
    K.reduce('sum', new Float64Array(0), 2, 0, 1, row);
    assert.deepEqual(Array.from(row), [0, 0]);
  });

  test('NaN propagates through max/min on both code paths (inner = 1 and inner > 1)', () => {
    const x = Float64Array.from([1, Number.NaN, 3, 4, 5, 6]);
    const a = new Float64Array(2);
    K.reduce('max', x, 2, 3, 1, a);
    assert.ok(Number.isNaN(a[0]) && a[1] === 6);
    const b = new Float64Array(3);
    K.reduce('min', x, 1, 2, 3, b); // columns: (1,4) (NaN,5) (3,6)
    assert.ok(b[0] === 1 && Number.isNaN(b[1]) && b[2] === 3);
    const c = Float64Array.from([Number.NaN, 2, 7, 9]);
    const d = new Float64Array(2);
    K.reduce('max', c, 1, 2, 2, d); // NaN first, then a larger value
    assert.ok(Number.isNaN(d[0]) && d[1] === 9);
  });

  test('float32 sums accumulate in double on every axis', () => {
    // column 0 holds 1e8 followed by eight 1s: exact sum 100000008 (a float32 value)
    const x = new Float32Array(18);
    x[0] = 1e8;
    for (let i = 1; i < 9; i++) x[2 * i] = 1;
    const out = new Float32Array(2);
    K.reduce('sum', x, 1, 9, 2, out);
    assert.equal(out[0], 100000008);
    const t = fromArray(x, [9, 2]);
    assert.equal(ops.sum(t, 0).dataSync()[0], ops.sum(ops.transpose(t, 0, 1), 1).dataSync()[0]);
  });
});

describe('argReduce kernel', () => {
  for (const op of ['argmax', 'argmin'] as const) {
    test(`${op}: random shapes with many ties -> first index`, () => {
      const rnd = prng(op === 'argmax' ? 1 : 2);
      for (let c = 0; c < 200; c++) {
        const outer = randInt(rnd, 1, 5), n = randInt(rnd, 1, 8), inner = randInt(rnd, 1, 5);
        const x = Float64Array.from({ length: outer * n * inner }, () => randInt(rnd, 0, 3)); // lots of ties
        const out = new Int32Array(outer * inner);
        K.argReduce(op, x, outer, n, inner, out);
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            let best = 0;
            for (let j = 1; j < n; j++) {
              const v = x[(o * n + j) * inner + i], b = x[(o * n + best) * inner + i];
              if (op === 'argmax' ? v > b : v < b) best = j;
            }
            assert.equal(out[o * inner + i], best, `${op} [${outer},${n},${inner}] at (${o},${i})`);
          }
        }
      }
    });
  }
});

describe('reduction ops over random axis sets', () => {
  /** Brute force: for each output position, combine every input element that maps to it. */
  function refAxes(x: Float64Array, shape: number[], axes: number[], keepDim: boolean, op: 'sum' | 'max' | 'min') {
    const outShapeKept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const acc = new Array<number>(numelOf(outShapeKept)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
    for (let k = 0; k < x.length; k++) {
      const idx = unravel(k, shape).map((v, d) => (axes.includes(d) ? 0 : v));
      const o = ravel(idx, outShapeKept);
      acc[o] = op === 'sum' ? acc[o] + x[k] : op === 'max' ? Math.max(acc[o], x[k]) : Math.min(acc[o], x[k]);
    }
    const outShape = keepDim ? outShapeKept : shape.filter((_, i) => !axes.includes(i));
    return { shape: outShape, data: acc };
  }

  for (const op of ['sum', 'max', 'min'] as const) {
    test(`${op}: 150 random tensors of rank 1..5 and random axis subsets`, () => {
      const rnd = prng(op.charCodeAt(1) * 101);
      for (let c = 0; c < 150; c++) {
        const rank = randInt(rnd, 1, 5);
        const shape = randomShape(rnd, rank, 4);
        const x = randomArray(rnd, numelOf(shape));
        const axes = Array.from({ length: rank }, (_, i) => i).filter(() => rnd() < 0.5);
        if (axes.length === 0) axes.push(randInt(rnd, 0, rank - 1));
        const keepDim = rnd() < 0.5;
        // pass some axes as negative numbers, in a shuffled order
        const given = axes.map((a) => (rnd() < 0.5 ? a - rank : a)).sort(() => rnd() - 0.5);
        const t = fromArray(x, shape);
        const got = (op === 'sum' ? ops.sum : op === 'max' ? ops.max : ops.min)(t, given, keepDim);
        const want = refAxes(x, shape, axes, keepDim, op);
        const label = `${op} shape [${shape}] axes [${given}] keepDim ${keepDim}`;
        assertClose(got, fromArray(Float64Array.from(want.data), want.shape), { ...TIGHT, label });
      }
    });
  }

  test('sum over all axes and mean', () => {
    const x = fromArray(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    assert.equal(ops.sum(x).item(), 21);
    assert.deepEqual(ops.sum(x).shape, []);
    assert.deepEqual(ops.sum(x, undefined, true).shape, [1, 1]);
    assert.equal(ops.mean(x).item(), 3.5);
    assert.deepEqual(Array.from(ops.mean(x, 0).dataSync()), [2.5, 3.5, 4.5]);
    assert.deepEqual(Array.from(ops.mean(x, -1, true).dataSync()), [2, 5]);
  });

  test('repeated or out-of-range axes are errors; max over an empty axis is an error', () => {
    const x = fromArray(new Float64Array(6), [2, 3]);
    assert.throws(() => ops.sum(x, [0, -2]), /repeated/);
    assert.throws(() => ops.sum(x, 2), /out of range/);
    assert.throws(() => ops.max(fromArray(new Float64Array(0), [2, 0]), 1), /empty/);
    assert.throws(() => ops.argmax(fromArray(new Float64Array(0), [0])), /argmax/);
    assert.deepEqual(Array.from(ops.sum(fromArray(new Float64Array(0), [2, 0]), 1).dataSync()), [0, 0]);
  });
});

// --- movement -------------------------------------------------------------------------------

function randomPerm(rnd: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [p[i], p[j]] = [p[j], p[i]]; }
  return p;
}

function refPermute(x: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p]);
  const xs = stridesOf(shape);
  const out: number[] = [];
  for (let k = 0; k < numelOf(outShape); k++) {
    const idx = unravel(k, outShape);
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += idx[d] * xs[perm[d]];
    out.push(x[src]);
  }
  return out;
}

describe('permute', () => {
  test('kernel: random permutations of rank 1..5', () => {
    const rnd = prng(42);
    for (let c = 0; c < 300; c++) {
      const rank = randInt(rnd, 1, 5);
      const shape = randomShape(rnd, rank, 5);
      const perm = randomPerm(rnd, rank);
      const x = randomArray(rnd, numelOf(shape));
      const out = new Float64Array(x.length);
      K.permute(x, shape, perm, out);
      assert.deepEqual(Array.from(out), refPermute(x, shape, perm), `shape [${shape}] perm [${perm}]`);
    }
  });

  test('kernel: the tiled transpose path on sizes larger than a tile', () => {
    const rnd = prng(7);
    for (const shape of [[37, 70], [3, 33, 65], [2, 1, 40], [64, 32], [1, 100, 3]]) {
      const rank = shape.length;
      const perm = Array.from({ length: rank }, (_, i) => i);
      [perm[rank - 1], perm[rank - 2]] = [perm[rank - 2], perm[rank - 1]];
      const x = randomArray(rnd, numelOf(shape));
      const out = new Float64Array(x.length);
      K.permute(x, shape, perm, out);
      assert.deepEqual(Array.from(out), refPermute(x, shape, perm), `shape [${shape}]`);
    }
  });

  test('kernel: zero-size and int32', () => {
    const out = new Float64Array(0);
    K.permute(new Float64Array(0), [2, 0, 3], [2, 0, 1], out);
    const xi = Int32Array.from([1, 2, 3, 4, 5, 6]), oi = new Int32Array(6);
    K.permute(xi, [2, 3], [1, 0], oi);
    assert.deepEqual(Array.from(oi), [1, 4, 2, 5, 3, 6]);
  });

  test('op: permute, then the inverse permutation restores the input; gradient is the inverse permute', () => {
    const rnd = prng(8);
    for (let c = 0; c < 50; c++) {
      const rank = randInt(rnd, 1, 5);
      const shape = randomShape(rnd, rank, 4);
      const perm = randomPerm(rnd, rank);
      const x = fromArray(randomArray(rnd, numelOf(shape)), shape, { requiresGrad: true });
      const y = ops.permute(x, perm);
      assert.deepEqual(y.shape, perm.map((p) => shape[p]));
      assert.deepEqual(Array.from(y.dataSync()), refPermute(x.dataSync(), shape, perm));
      const inv = new Array<number>(rank);
      perm.forEach((p, i) => { inv[p] = i; });
      assert.deepEqual(Array.from(ops.permute(y, inv).dataSync()), Array.from(x.dataSync()));
      const w = randomArray(rnd, y.size);
      ops.mul(y, fromArray(w, y.shape)).sum().backward();
      // d/dx sum(permute(x) * w) = inverse-permute(w)
      assert.deepEqual(Array.from(x.grad!.dataSync()), refPermute(w, y.shape.slice(), inv));
    }
  });
});

describe('slice and sliceAssign boxes', () => {
  test('random boxes in random shapes, both kernels, overwrite and accumulate', () => {
    const rnd = prng(11);
    for (let c = 0; c < 300; c++) {
      const rank = randInt(rnd, 1, 5);
      const shape = randomShape(rnd, rank, 6);
      const begin = shape.map((d) => randInt(rnd, 0, d - 1));
      const box = shape.map((d, i) => randInt(rnd, 0, d - begin[i]));
      const x = randomArray(rnd, numelOf(shape));
      const label = `shape [${shape}] begin [${begin}] box [${box}]`;
      // slice
      const out = new Float64Array(numelOf(box));
      K.slice(x, shape, begin, out, box);
      for (let k = 0; k < out.length; k++) {
        const idx = unravel(k, box).map((v, d) => v + begin[d]);
        assert.equal(out[k], x[ravel(idx, shape)], `${label} slice[${k}]`);
      }
      // sliceAssign, overwrite and accumulate
      const src = randomArray(rnd, numelOf(box));
      for (const accumulate of [false, true]) {
        const dst = Float64Array.from(x);
        K.sliceAssign(src, box, dst, shape, begin, accumulate);
        const want = Array.from(x);
        for (let k = 0; k < src.length; k++) {
          const at = ravel(unravel(k, box).map((v, d) => v + begin[d]), shape);
          want[at] = accumulate ? want[at] + src[k] : src[k];
        }
        assert.deepEqual(Array.from(dst), want, `${label} sliceAssign accumulate=${accumulate}`);
      }
    }
  });

  test('rank-0 box', () => {
    const out = new Float64Array(1);
    K.slice(Float64Array.from([5]), [], [], out, []);
    assert.equal(out[0], 5);
  });
});

describe('expand kernel', () => {
  test('random expansions vs index arithmetic', () => {
    const rnd = prng(12);
    for (let c = 0; c < 200; c++) {
      const rank = randInt(rnd, 0, 5);
      const outShape = randomShape(rnd, rank, 4);
      const keep = randInt(rnd, 0, rank);
      const shape = outShape.slice(rank - keep).map((d) => (rnd() < 0.5 ? 1 : d));
      const x = randomArray(rnd, numelOf(shape));
      const out = new Float64Array(numelOf(outShape));
      K.expand(x, shape, out, outShape);
      for (let k = 0; k < out.length; k++) {
        const idx = unravel(k, outShape).slice(rank - keep).map((v, d) => (shape[d] === 1 ? 0 : v));
        assert.equal(out[k], x[ravel(idx, shape)], `[${shape}] -> [${outShape}] at ${k}`);
      }
    }
  });
});

describe('gather and scatter kernels', () => {
  test('gatherRows / scatterAddRows vs loops (repeated rows accumulate)', () => {
    const rnd = prng(13);
    for (let c = 0; c < 50; c++) {
      const rows = randInt(rnd, 1, 8), dim = randInt(rnd, 1, 6), m = randInt(rnd, 0, 12);
      const table = randomArray(rnd, rows * dim);
      const idx = Int32Array.from({ length: m }, () => randInt(rnd, 0, rows - 1));
      const out = new Float64Array(m * dim);
      K.gatherRows(table, rows, dim, idx, out);
      for (let r = 0; r < m; r++) for (let j = 0; j < dim; j++) assert.equal(out[r * dim + j], table[idx[r] * dim + j]);
      const src = randomArray(rnd, m * dim);
      const acc = new Float64Array(rows * dim);
      K.scatterAddRows(src, idx, dim, acc);
      const want = new Array<number>(rows * dim).fill(0);
      for (let r = 0; r < m; r++) for (let j = 0; j < dim; j++) want[idx[r] * dim + j] += src[r * dim + j];
      assertClose(acc, want, { ...TIGHT, label: 'scatterAddRows' });
    }
    assert.throws(() => K.gatherRows(new Float64Array(4), 2, 2, Int32Array.from([2]), new Float64Array(2)), /out of range/);
    assert.throws(() => K.gatherRows(new Float64Array(4), 2, 2, Int32Array.from([-1]), new Float64Array(2)), /out of range/);
  });

  test('takeAlongAxis / scatterAddAlongAxis vs loops', () => {
    const rnd = prng(14);
    for (let c = 0; c < 100; c++) {
      const outer = randInt(rnd, 1, 4), n = randInt(rnd, 1, 5), inner = randInt(rnd, 1, 4), k = randInt(rnd, 1, 6);
      const x = randomArray(rnd, outer * n * inner);
      const idx = Int32Array.from({ length: outer * k * inner }, () => randInt(rnd, 0, n - 1));
      const out = new Float64Array(idx.length);
      K.takeAlongAxis(x, outer, n, inner, idx, out);
      const src = randomArray(rnd, idx.length);
      const dx = new Float64Array(x.length);
      K.scatterAddAlongAxis(src, outer, n, inner, idx, dx);
      const want = new Array<number>(x.length).fill(0);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < k; j++) {
          for (let i = 0; i < inner; i++) {
            const p = (o * k + j) * inner + i;
            assert.equal(out[p], x[(o * n + idx[p]) * inner + i]);
            want[(o * n + idx[p]) * inner + i] += src[p];
          }
        }
      }
      assertClose(dx, want, { ...TIGHT, label: 'scatterAddAlongAxis' });
    }
    assert.throws(() => K.takeAlongAxis(new Float64Array(3), 1, 3, 1, Int32Array.from([3]), new Float64Array(1)), /out of range/);
  });

  test('gather op along each axis of a 3-D tensor, torch semantics', () => {
    const rnd = prng(15);
    const shape = [3, 4, 2];
    const x = fromArray(randomArray(rnd, 24), shape, { requiresGrad: true });
    for (let axis = 0; axis < 3; axis++) {
      const ishape = shape.slice();
      ishape[axis] = 5;
      const idx = Int32Array.from({ length: numelOf(ishape) }, () => randInt(rnd, 0, shape[axis] - 1));
      const got = ops.gather(x, axis, fromArray(idx, ishape));
      assert.deepEqual(got.shape, ishape);
      const xv = x.dataSync(), gv = got.dataSync();
      for (let p = 0; p < idx.length; p++) {
        const at = unravel(p, ishape);
        at[axis] = idx[p];
        assert.equal(gv[p], xv[ravel(at, shape)], `axis ${axis} position ${p}`);
      }
    }
    assert.throws(() => ops.gather(x, 0, fromArray(new Int32Array(2), [2])), /gather/);
    assert.throws(() => ops.gather(x, 0, fromArray(new Float64Array(24), shape)), /int32/);
  });
});

describe('concat / stack / split round trips', () => {
  test('concat of random pieces along a random axis equals the reference; split recovers them', () => {
    const rnd = prng(16);
    for (let c = 0; c < 60; c++) {
      const rank = randInt(rnd, 1, 4);
      const base = randomShape(rnd, rank, 4);
      const axis = randInt(rnd, 0, rank - 1);
      const count = randInt(rnd, 1, 4);
      const sizes = Array.from({ length: count }, () => randInt(rnd, 0, 3));
      const pieces: Tensor[] = sizes.map((s) => {
        const sh = base.slice(); sh[axis] = s;
        return fromArray(randomArray(rnd, numelOf(sh)), sh);
      });
      const cat = ops.concat(pieces, axis);
      const total = sizes.reduce((a, b) => a + b, 0);
      const outShape = base.slice(); outShape[axis] = total;
      assert.deepEqual(cat.shape, outShape);
      const cv = cat.dataSync();
      // reference: locate each output element in its piece
      for (let p = 0; p < cv.length; p++) {
        const idx = unravel(p, outShape);
        let k = 0, pos = idx[axis];
        while (pos >= sizes[k]) { pos -= sizes[k]; k++; }
        const pidx = idx.slice(); pidx[axis] = pos;
        assert.equal(cv[p], pieces[k].dataSync()[ravel(pidx, pieces[k].shape)]);
      }
      const back = ops.split(cat, sizes, axis);
      back.forEach((b, i) => {
        assert.deepEqual(b.shape, pieces[i].shape);
        assert.deepEqual(Array.from(b.dataSync()), Array.from(pieces[i].dataSync()));
      });
    }
  });

  test('stack along every axis, then select gives back each tensor', () => {
    const rnd = prng(17);
    const shape = [2, 3, 2];
    const ts = [0, 1, 2].map(() => fromArray(randomArray(rnd, 12), shape));
    for (let axis = -4; axis <= 3; axis++) {
      const s = ops.stack(ts, axis);
      const a = axis < 0 ? axis + 4 : axis;
      const want = shape.slice(); want.splice(a, 0, 3);
      assert.deepEqual(s.shape, want);
      ts.forEach((t, i) => assert.deepEqual(Array.from(ops.select(s, a, i).dataSync()), Array.from(t.dataSync())));
    }
  });

  test('concat gradient: each input gets its slice', () => {
    const a = fromArray(Float64Array.from([1, 2]), [1, 2], { requiresGrad: true });
    const b = fromArray(Float64Array.from([3, 4, 5, 6]), [2, 2], { requiresGrad: true });
    const w = fromArray(Float64Array.from([10, 20, 30, 40, 50, 60]), [3, 2]);
    ops.mul(ops.concat([a, b], 0), w).sum().backward();
    assert.deepEqual(Array.from(a.grad!.dataSync()), [10, 20]);
    assert.deepEqual(Array.from(b.grad!.dataSync()), [30, 40, 50, 60]);
  });
});
