// The js backend's matmul against a naive triple loop, on shapes that exercise every path:
// empty and unit dimensions, odd sizes, sizes that straddle the packing blocks, the four
// transpose combinations, batches with stride 0 on either side, accumulate, and all dtypes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemm, indexed, matmul, strided } from '../../src/backend/js/matmul.js';
import type { MatmulParams } from '../../src/backend/backend.js';
import type { TypedArray } from '../../src/dtype/dtype.js';
import { mulberry32 as rng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;

function randomArray(ctor: Ctor, size: number, rand: () => number): TypedArray {
  const a = new ctor(size);
  // ints in [-8, 8) keep int32 products exact; floats in [-1, 1)
  for (let i = 0; i < size; i++) a[i] = ctor === Int32Array ? Math.floor(rand() * 16) - 8 : rand() * 2 - 1;
  return a;
}

/** out (+)= op(A) op(B) per batch, in double precision, straight from the definition. */
function naiveMatmul(a: TypedArray, b: TypedArray, out: TypedArray, p: MatmulParams): { ref: Float64Array; mag: Float64Array } {
  const { batch, m, n, k } = p;
  const ref = new Float64Array(batch * m * n), mag = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, sAbs = 0;
        for (let q = 0; q < k; q++) {
          const av = a[t * p.strideA + (p.transA ? q * m + i : i * k + q)];
          const bv = b[t * p.strideB + (p.transB ? j * k + q : q * n + j)];
          s += av * bv; sAbs += Math.abs(av * bv);
        }
        const o = (t * m + i) * n + j;
        ref[o] = p.accumulate ? out[o] + s : s;
        mag[o] = sAbs + (p.accumulate ? Math.abs(out[o]) : 0);
      }
    }
  }
  return { ref, mag };
}

function check(ctor: Ctor, p: MatmulParams, seed: number): void {
  const rand = rng(seed);
  const aLen = p.strideA === 0 ? p.m * p.k : p.batch * p.strideA;
  const bLen = p.strideB === 0 ? p.k * p.n : p.batch * p.strideB;
  const a = randomArray(ctor, aLen, rand), b = randomArray(ctor, bLen, rand);
  const out = randomArray(ctor, p.batch * p.m * p.n, rand);
  if (!p.accumulate && ctor !== Int32Array) out.fill(NaN); // must be overwritten, not added to
  const { ref, mag } = naiveMatmul(a, b, out, p);
  matmul(a, b, out, p);
  const rel = ctor === Float32Array ? 1e-6 : ctor === Float64Array ? 1e-14 : 0;
  // the rounding error of a sum grows with the magnitudes of its terms
  assertClose(out, ref, { rtol: 0, atol: mag.map((m) => rel * (m + 1)), label: `${ctor.name} ${JSON.stringify(p)}` });
}

function params(batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
  accumulate = false, broadcastA = false, broadcastB = false): MatmulParams {
  return { batch, m, n, k, transA, transB, accumulate,
    strideA: broadcastA ? 0 : m * k, strideB: broadcastB ? 0 : k * n };
}

const combos: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

test('matmul: small and degenerate shapes, all transposes, all dtypes', () => {
  const dims = [0, 1, 2, 3, 5, 8];
  let seed = 1;
  for (const ctor of [Float32Array, Float64Array, Int32Array]) {
    for (const m of dims) for (const n of dims) for (const k of dims) {
      for (const [ta, tb] of combos) check(ctor, params(1, m, n, k, ta, tb), seed++);
    }
  }
});

test('matmul: odd sizes through the packed and matrix-vector paths, all transposes', () => {
  let seed = 100;
  const shapes: [number, number, number][] = [
    [17, 19, 23], [31, 7, 64], [7, 31, 129], [64, 64, 64], [65, 67, 33], [2, 300, 40], [300, 2, 40], [1, 500, 17],
    [129, 5, 385], [3, 1541, 7], // straddle MC = 128, KC = 384, NC = 1536
    [300, 1, 40], [1, 7, 300], [9, 1, 129], [1, 1, 1000], [2, 1, 70], // matrix-vector products
  ];
  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of combos) {
      check(Float32Array, params(1, m, n, k, ta, tb), seed++);
      check(Float64Array, params(1, m, n, k, ta, tb), seed++);
    }
    check(Int32Array, params(1, m, n, k, false, false), seed++);
    check(Int32Array, params(1, m, n, k, true, true), seed++);
  }
});

test('matmul: products larger than every block', () => {
  check(Float32Array, params(1, 130, 1540, 390, false, false), 7);
  check(Float64Array, params(1, 131, 40, 770, true, true, true), 8);
});

test('matmul: random shapes with accumulate', () => {
  let seed = 2000;
  for (const [m, n, k] of [[7, 1, 300], [1, 7, 300], [13, 1, 21], [1, 1, 200]]) {
    for (const [ta, tb] of combos) check(Float64Array, params(1, m, n, k, ta, tb, true), seed++);
  }
  const rand = rng(42);
  for (let it = 0; it < 60; it++) {
    const m = 1 + Math.floor(rand() * 40), n = 1 + Math.floor(rand() * 40), k = Math.floor(rand() * 70);
    const ta = rand() < 0.5, tb = rand() < 0.5;
    check(it % 2 ? Float64Array : Float32Array, params(1, m, n, k, ta, tb, true), 1000 + it);
  }
});

test('matmul: batches, with stride 0 on A, on B, on both', () => {
  let seed = 500;
  for (const [m, n, k] of [[3, 4, 5], [20, 30, 40], [33, 9, 70]] as const) {
    for (const [ta, tb] of combos) {
      for (const [ba, bb] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const acc of [false, true]) {
          check(Float32Array, params(4, m, n, k, ta, tb, acc, ba, bb), seed++);
        }
      }
      check(Float64Array, params(3, m, n, k, ta, tb, false, false, true), seed++);
      check(Int32Array, params(3, m, n, k, ta, tb, true, false, true), seed++);
    }
  }
  check(Float32Array, params(0, 3, 4, 5, false, false), seed++);
  check(Float32Array, params(5, 4, 3, 0, false, false, false, false, true), seed++);
});

test('matmul: padding lanes of partial tiles never leak into neighbours', () => {
  // C has room around each row (ldc > n): entries outside the n columns must stay untouched
  const m = 7, n = 5, k = 400, ldc = 9; // two blocks of k
  const rand = rng(3);
  const a = randomArray(Float64Array, m * k, rand), b = randomArray(Float64Array, k * n, rand);
  const c = new Float64Array(m * ldc).fill(123);
  gemm(m, n, k, strided(a, 0, k, 1), strided(b, 0, n, 1), strided(c, 0, ldc, 1), false);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      if (j >= n) { assert.equal(c[i * ldc + j], 123); continue; }
      let s = 0;
      for (let q = 0; q < k; q++) s += a[i * k + q] * b[q * n + j];
      assertClose(c[i * ldc + j], s, { rtol: 0, atol: 1e-12, label: `c[${i},${j}]` });
    }
  }
});

test('gemm: operands addressed through offset tables (gather A and B, scatter C)', () => {
  // A, B and C are permuted, padded layouts of plain matrices; C's tables may also map two
  // elements to the same place, in which case both contributions must be added (col2im)
  const rand = rng(21);
  const perm = (count: number, stride: number) => {
    const o = Int32Array.from({ length: count }, (_, i) => i * stride);
    for (let i = count - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [o[i], o[j]] = [o[j], o[i]]; }
    return o;
  };
  for (const [m, n, k] of [[1, 1, 1], [2, 3, 4], [7, 11, 5], [33, 65, 300], [130, 20, 9], [4, 1600, 3]]) {
    const aRows = perm(m, k + 1), aCols = perm(k, 1), bRows = perm(k, n + 2), bCols = perm(n, 1);
    const a = randomArray(Float64Array, (m + 1) * (k + 1) + 3, rand), b = randomArray(Float32Array, (k + 1) * (n + 2) + 3, rand);
    const ref = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += a[3 + aRows[i] + aCols[q]] * b[2 + bRows[q] + bCols[j]];
      ref[i * n + j] = s;
    }
    // scatter: C rows permuted; columns j and n - 1 - j share a slot for j < n / 2
    const cRows = perm(m, n), cCols = Int32Array.from({ length: n }, (_, j) => Math.min(j, n - 1 - j));
    const c = new Float64Array(m * n + 5).fill(0.5);
    gemm(m, n, k, indexed(a, 3, aRows, aCols), indexed(b, 2, bRows, bCols), indexed(c, 5, cRows, cCols), true);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      const slot = 5 + cRows[i] + cCols[j];
      if (j > n - 1 - j) continue; // counted with its partner
      const expected = 0.5 + ref[i * n + j] + (j !== n - 1 - j ? ref[i * n + n - 1 - j] : 0);
      assertClose(c[slot], expected, { rtol: 0, atol: 1e-5 * (1 + k), label: `${m}x${n}x${k} (${i}, ${j})` });
    }
    // overwrite through tables, and a strided C with a column stride
    const c2 = new Float64Array(m * n * 2).fill(NaN);
    gemm(m, n, k, indexed(a, 3, aRows, aCols), strided(b.slice(2), 0, 0, 0), strided(c2, 0, 1, m), false);
    // (B strided with zero strides is B[0] everywhere: C[i][j] = B[0] * sum of row i of A)
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += a[3 + aRows[i] + aCols[q]];
      assertClose(c2[i + j * m], s * b[2], { rtol: 0, atol: 1e-5 * (1 + k), label: `strided C ${m}x${n}x${k} (${i}, ${j})` });
    }
  }
});

test('matmul: NaN and Infinity propagate', () => {
  const a = new Float32Array(40 * 40).fill(1), b = new Float32Array(40 * 40).fill(1);
  a[0] = NaN; a[40 * 39 + 5] = Infinity;
  const out = new Float32Array(40 * 40);
  matmul(a, b, out, params(1, 40, 40, 40, false, false));
  assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[39]));
  assert.equal(out[39 * 40], Infinity);
  assert.equal(out[40], 40);
});
