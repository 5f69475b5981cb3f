// Every native kernel against the js kernel (the oracle) on random inputs: odd sizes that are
// not multiples of any vector width, 1-sized and empty dimensions, broadcasting patterns,
// transposed and stride-0 operands, sizes large enough to use every thread, NaN / infinity /
// signed-zero / tie cases where the js kernel is exact. Float math is compared with tolerances
// relative to the magnitude of the values; data movement, indices and comparisons exactly.
//
// Skipped (with the reason printed) when the addon is not built.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadAddon, loadNativeBackend } from '../../src/backend/native/index.js';
import { marshal } from '../../src/backend/native/marshal.js';
import type { KernelName } from '../../src/backend/kernels.js';
import type { Backend, BinaryOp, Conv2dParams, Pool2dParams, Storage, UnaryOp } from '../../src/backend/backend.js';
import { mulberry32 as prng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

const js = jsBackendInstance();
const loaded = loadNativeBackend(js);
const nb = loaded.backend;
const skip = nb ? false : `native addon unavailable (${loaded.reason}); build it with 'node scripts/build-native.js'`;
if (skip) console.log(`# skipping native kernel tests: ${skip}`);

// --- helpers --------------------------------------------------------------------------------

const rnd = prng(20240611);
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function randF32(n: number, lo = -3, hi = 3): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}
function randF64(n: number, lo = -3, hi = 3): Float64Array {
  return Float64Array.from(randF32(n, lo, hi));
}
function randI32(n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor((hi - lo) * rnd());
  return a;
}
/** Sprinkles special values into a float array. */
function withSpecials(a: Float32Array, specials = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.5, 2.5, -2.5]): Float32Array {
  for (let i = 0; i < a.length && i < specials.length * 3; i += 3) a[i] = specials[(i / 3) % specials.length];
  return a;
}
const like = (a: Storage): Storage => new (a.constructor as new (n: number) => Storage)(a.length);
const clone = <T extends Storage>(a: T): T => a.slice() as T;

/** Bit-for-bit equal (NaN equals NaN, -0 differs from 0). */
function exact(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const x = actual[i], y = expected[i];
    if (!(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)))) {
      assert.fail(`${what}[${i}]: native ${x}, js ${y}`);
    }
  }
}

/** The largest finite |value|: tolerances "relative to the magnitude" of a result scale with it. */
function magnitude(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) m = Math.max(m, Math.abs(values[i]));
  return m;
}

/** Runs `call` on the native and on the js backend with fresh copies of `outs`; returns both results. */
function both<T extends Storage[]>(outs: T, call: (b: Backend, outs: T) => void): [T, T] {
  const n = outs.map(clone) as T, j = outs.map(clone) as T;
  call(nb!, n);
  call(js, j);
  return [n, j];
}

const SIZES = [0, 1, 3, 7, 17, 33, 65, 127, 1000, 65537];

// --- elementwise -------------------------------------------------------------------------------

const UNARY_EXACT: UnaryOp[] = ['neg', 'abs', 'sign', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'relu', 'floor', 'ceil', 'round',
  'leakyRelu', 'clamp', 'affine'];
const UNARY_FLOAT: UnaryOp[] = ['exp', 'log', 'log1p', 'sin', 'cos', 'tanh', 'sigmoid', 'gelu', 'erf', 'softplus', 'powScalar'];

const unaryParams = (op: UnaryOp): [number, number] => {
  switch (op) {
    case 'leakyRelu': return [0.1, 0];
    case 'clamp': return [-0.75, 1.3];
    case 'affine': return [2.5, -1 / 3];
    case 'powScalar': return [3, 0];
    default: return [0, 0];
  }
};

describe('native kernels: elementwise', { skip }, () => {
  test('unary ops: every op, odd sizes, special values', () => {
    for (const op of [...UNARY_EXACT, ...UNARY_FLOAT]) {
      const [p0, p1] = unaryParams(op);
      for (const n of SIZES) {
        const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt';
        const x = withSpecials(randF32(n, positive ? 0 : -4, 4));
        const [[a], [b]] = both([new Float32Array(n)], (k, [o]) => k.unary(op, x, o, p0, p1));
        if (UNARY_EXACT.includes(op)) exact(a, b, `${op} n=${n}`);
        else assertClose(a, b, { rtol: 2e-6, atol: 1e-6, equalNan: true, label: `${op} n=${n}` });
      }
    }
  });

  test('unary: round half to even, powScalar 2 and 0.5, in place', () => {
    const x = Float32Array.from([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.4999998, -0, 1e30, -7.5]);
    const [[a], [b]] = both([new Float32Array(x.length)], (k, [o]) => k.unary('round', x, o));
    exact(a, b, 'round');
    exact(a, [0, 2, 2, -0, -2, -2, 3, -0, Math.fround(1e30), -8], 'round values');
    for (const e of [2, 0.5, -1, 1 / 3]) {
      const y = randF32(33, 0, 3);
      const [[c], [d]] = both([new Float32Array(33)], (k, [o]) => k.unary('powScalar', y, o, e));
      assertClose(c, d, { rtol: 1e-6, atol: 1e-6, equalNan: true, label: `powScalar ${e}` });
    }
    const z = randF32(1001), z2 = clone(z);
    nb!.unary('affine', z, z, 1, 1e-5);
    js.unary('affine', z2, z2, 1, 1e-5);
    exact(z, z2, 'affine in place');
  });

  test('unary: 1e6 elements (every thread)', () => {
    const x = randF32(1_000_003, -5, 5);
    for (const op of ['relu', 'exp', 'gelu', 'affine'] as UnaryOp[]) {
      const [[a], [b]] = both([new Float32Array(x.length)], (k, [o]) => k.unary(op, x, o, 0.5, 0.25));
      if (op === 'relu' || op === 'affine') exact(a, b, op);
      else assertClose(a, b, { rtol: 2e-6, atol: 1e-6, equalNan: true, label: op });
    }
  });

  const BINARY_EXACT: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
    'reluGrad', 'leakyReluGrad', 'sigmoidGrad', 'tanhGrad'];
  const BINARY_FLOAT: BinaryOp[] = ['geluGrad'];
  const CMP = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
  const SHAPES: [number[], number[]][] = [
    [[], []], [[], [3]], [[2, 3], []], [[7], [7]], [[3], [2, 3]], [[2, 3], [3]], [[2, 1], [1, 3]], [[3, 1], [3]],
    [[4, 1, 3], [4, 2, 3]], [[2, 1, 4], [3, 1]], [[2, 1, 3], [2, 5, 1]], [[5, 1, 1], [1, 4, 1]], [[1], [2, 3, 4]],
    [[1, 3, 1, 2], [2, 1, 4, 1]], [[2, 1, 3, 1, 2], [1, 4, 1, 5, 1]], [[2, 0, 3], [1, 3]], [[1], [0]], [[0], []],
    [[3, 0], [3, 1]], [[37, 1], [1, 33]], [[64], [7, 1]], [[17, 65], [65]], [[8, 33, 5, 5], [33, 1, 1]],
    [[300, 301], [300, 1]], [[1, 1100], [1000, 1]],
  ];
  const broadcastShape = (a: number[], b: number[]) => {
    const r = Math.max(a.length, b.length);
    return Array.from({ length: r }, (_, i) => {
      const x = a[i - (r - a.length)] ?? 1, y = b[i - (r - b.length)] ?? 1;
      return x === 1 ? y : x;
    });
  };

  test('binary ops: every op, broadcasting patterns, NaN', () => {
    for (const op of [...BINARY_EXACT, ...BINARY_FLOAT]) {
      for (const [sa, sb] of SHAPES) {
        const so = broadcastShape(sa, sb);
        const a = withSpecials(randF32(numel(sa), op === 'pow' ? 0 : -3, 3)), b = randF32(numel(sb));
        if (b.length > 4) { b[1] = NaN; b[2] = a[2] ?? 0; }
        const out = CMP.has(op) ? new Int32Array(numel(so)) : new Float32Array(numel(so));
        const [[x], [y]] = both([out], (k, [o]) => k.binary(op, a, sa, b, sb, o, so, 0.2));
        const what = `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`;
        if (BINARY_EXACT.includes(op)) exact(x, y, what);
        else assertClose(x, y, { rtol: 1e-6, atol: 1e-6, equalNan: true, label: what });
      }
    }
  });

  test('binary ops on int32 operands (comparisons, add, sub, maximum, minimum)', () => {
    for (const op of ['add', 'sub', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as BinaryOp[]) {
      for (const [sa, sb] of SHAPES) {
        const so = broadcastShape(sa, sb);
        const a = randI32(numel(sa), -5, 5), b = randI32(numel(sb), -5, 5);
        if (a.length > 0) a[0] = 2147483647;
        const [[x], [y]] = both([new Int32Array(numel(so))], (k, [o]) => k.binary(op, a, sa, b, sb, o, so));
        exact(x, y, `int32 ${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      }
    }
  });

  test('binary: large same-shape and broadcast (every thread)', () => {
    const a = randF32(1_000_001), b = randF32(1_000_001), c = randF32(1001);
    for (const op of ['add', 'mul', 'reluGrad', 'gt'] as BinaryOp[]) {
      const out = (n: number) => (CMP.has(op) ? new Int32Array(n) : new Float32Array(n));
      const [[x], [y]] = both([out(a.length)], (k, [o]) => k.binary(op, a, [a.length], b, [b.length], o, [a.length]));
      exact(x, y, `${op} same`);
      const [[u], [v]] = both([out(999 * 1001)], (k, [o]) => k.binary(op, a.subarray(0, 999 * 1001), [999, 1001], c, [1001], o, [999, 1001]));
      exact(u, v, `${op} row broadcast`);
    }
  });

  test('sigmoid, tanh, softplus: relative accuracy from 1e-30 to 80 in magnitude, in place, every thread', () => {
    // |x| spread over 38 decades and both signs: the tails (sigmoid(-80) ~ 2e-35, softplus(-60)
    // ~ 9e-27) and tanh near 0 must keep their relative precision, not just an absolute 1e-6
    const n = 200_003;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = (i % 2 ? -1 : 1) * Math.fround(10 ** (-30 + 31.9 * rnd()));
    withSpecials(x);
    for (const op of ['sigmoid', 'tanh', 'softplus'] as UnaryOp[]) {
      const [[a], [b]] = both([new Float32Array(n)], (k, [o]) => k.unary(op, x, o));
      assertClose(a, b, { rtol: 2e-6, atol: 0, equalNan: true, label: `${op} across magnitudes` });
      const [[c]] = both([clone(x)], (k, [o]) => k.unary(op, o, o));
      exact(c, a, `${op} in place = out of place`);
    }
  });

  test('exp and log: relative accuracy over the float range, overflow, denormals, special values', () => {
    const n = 100_003;
    const e = new Float32Array(n);
    for (let i = 0; i < n; i++) e[i] = -87 + 175.5 * rnd(); // results from 1.6e-38 to 2.6e38
    const [[a], [b]] = both([new Float32Array(n)], (k, [o]) => k.unary('exp', e, o));
    assertClose(a, b, { rtol: 2e-6, atol: 0, equalNan: true, label: 'exp' });
    const edge = Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 88.7, 88.8, 100, -87.5, -95, -103, -104, -110, 1e-8, -1e-8]);
    const [[c], [d]] = both([new Float32Array(edge.length)], (k, [o]) => k.unary('exp', edge, o));
    assertClose(c, d, { rtol: 2e-6, atol: 2 ** -148, equalNan: true, label: 'exp at the edges' }); // denormals: to 2 of their steps
    // log: positive values over every binade (denormals too), values near 1, special values
    const l = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      l[i] = i % 3 === 0 ? Math.fround(1 + (rnd() - 0.5) * 10 ** (-7 * rnd())) : Math.fround(2 ** (-149 + 277 * rnd()));
    }
    l.set([NaN, Infinity, -Infinity, 0, -0, -1, 1, 2 ** -149, 3.4e38, 0.5], 0);
    const [[u], [v]] = both([new Float32Array(n)], (k, [o]) => k.unary('log', l, o));
    assertClose(u, v, { rtol: 2e-6, atol: 0, equalNan: true, label: 'log' });
    for (const op of ['exp', 'log'] as UnaryOp[]) {
      const x = op === 'exp' ? e : l;
      const [[w]] = both([clone(x)], (k, [o]) => k.unary(op, o, o));
      const [[z]] = both([new Float32Array(n)], (k, [o]) => k.unary(op, x, o));
      exact(w, z, `${op} in place = out of place`);
    }
  });

  test('leakyRelu and leakyReluGrad: in place, aliased, 1e6 elements (every thread)', () => {
    for (const n of [1_000_003, 37]) {
      const x = withSpecials(randF32(n, -4, 4)), g = randF32(n);
      const [[a], [b]] = both([new Float32Array(n)], (k, [o]) => k.unary('leakyRelu', x, o, 0.2));
      exact(a, b, `leakyRelu n=${n}`);
      const [[c], [d]] = both([clone(x)], (k, [o]) => k.unary('leakyRelu', o, o, 0.2));
      exact(c, d, `leakyRelu in place n=${n}`);
      exact(c, a, `leakyRelu in place = out of place n=${n}`);
      const [[e], [f]] = both([new Float32Array(n)], (k, [o]) => k.binary('leakyReluGrad', g, [n], x, [n], o, [n], 0.2));
      exact(e, f, `leakyReluGrad n=${n}`);
      // the gradient written over the incoming gradient (out aliasing the first operand)
      const [[u], [v]] = both([clone(g)], (k, [o]) => k.binary('leakyReluGrad', o, [n], x, [n], o, [n], 0.2));
      exact(u, v, `leakyReluGrad aliased n=${n}`);
      exact(u, e, `leakyReluGrad aliased = not aliased n=${n}`);
    }
  });

  test('where: float and int32 conditions and data, broadcasting', () => {
    const cases: [number[], number[], number[]][] = [
      [[3, 4], [3, 4], [4]], [[4], [3, 1], []], [[2, 1, 5], [1, 3, 1], [2, 3, 5]], [[0, 3], [3], []], [[1000, 70], [70], [1000, 1]],
    ];
    for (const [sc, sa, sb] of cases) {
      const so = broadcastShape(broadcastShape(sc, sa), sb);
      const condI = randI32(numel(sc), 0, 2);
      const condF = Float32Array.from(condI, (v, i) => (i % 7 === 0 ? NaN : i % 5 === 0 ? -0 : v));
      for (const cond of [condI, condF]) {
        const a = randF32(numel(sa)), b = randF32(numel(sb));
        const [[x], [y]] = both([new Float32Array(numel(so))], (k, [o]) => k.where(cond, sc, a, sa, b, sb, o, so));
        exact(x, y, `where ${JSON.stringify([sc, sa, sb])}`);
        const ai = randI32(numel(sa), -9, 9), bi = randI32(numel(sb), -9, 9);
        const [[u], [v]] = both([new Int32Array(numel(so))], (k, [o]) => k.where(cond, sc, ai, sa, bi, sb, o, so));
        exact(u, v, `where int32 ${JSON.stringify([sc, sa, sb])}`);
      }
    }
  });

  test('fill, copy and cast (truncation, NaN, wrap-around)', () => {
    for (const n of SIZES) {
      for (const make of [() => new Float32Array(n), () => new Float64Array(n), () => new Int32Array(n)]) {
        for (const v of [0, -1.75, 3e9, NaN]) {
          const [[x], [y]] = both([make()], (k, [o]) => k.fill(o, v));
          exact(x, y, `fill ${v}`);
        }
      }
      const src = withSpecials(randF32(n, -1e10, 1e10), [NaN, Infinity, -Infinity, -0, 2147483647.5, -2147483648.7, 4294967296 + 5, -1.5, 1.99]);
      const sources: Storage[] = [src, Float64Array.from(src), randI32(n, -1e9, 1e9)];
      for (const s of sources) {
        for (const make of [() => new Float32Array(n), () => new Float64Array(n), () => new Int32Array(n)]) {
          const [[x], [y]] = both([make()], (k, [o]) => k.cast(s, o));
          exact(x, y, `cast ${s.constructor.name} -> ${x.constructor.name} n=${n}`);
        }
        const [[x], [y]] = both([like(s)], (k, [o]) => k.copy(s, o));
        exact(x, y, `copy ${s.constructor.name}`);
      }
    }
  });
});

// --- reductions ----------------------------------------------------------------------------------

describe('native kernels: reductions', { skip }, () => {
  const LAYOUTS: [number, number, number][] = [
    [1, 0, 1], [3, 0, 4], [1, 1, 1], [1, 7, 1], [5, 17, 1], [3, 33, 7], [2, 65, 129], [1, 1, 300], [127, 3, 1], [4, 5, 513],
    [1, 200_003, 1], [1000, 1000, 1], [1, 1000, 1000], [64, 100, 10],
  ];

  test('reduce: sum, prod, max, min over [outer, n, inner]', () => {
    for (const [outer, n, inner] of LAYOUTS) {
      const x = randF32(outer * n * inner, 0.5, 1.5);
      for (const op of ['sum', 'prod', 'max', 'min'] as const) {
        const [[a], [b]] = both([new Float32Array(outer * inner)], (k, [o]) => k.reduce(op, x, outer, n, inner, o));
        const what = `${op} [${outer}, ${n}, ${inner}]`;
        if (op === 'max' || op === 'min') exact(a, b, what);
        else assertClose(a, b, { rtol: 1e-6, atol: 1e-6, equalNan: true, label: what });
      }
    }
  });

  test('reduce: NaN propagates through max/min, -0/+0 order kept', () => {
    for (const [outer, n, inner] of [[2, 9, 1], [2, 9, 3], [1, 100_001, 1]] as const) {
      const x = randF32(outer * n * inner);
      x[3] = NaN;
      x[x.length - 2] = NaN;
      for (const op of ['max', 'min', 'sum'] as const) {
        const [[a], [b]] = both([new Float32Array(outer * inner)], (k, [o]) => k.reduce(op, x, outer, n, inner, o));
        exact(a, b, `${op} with NaN`);
      }
    }
    const z = Float32Array.from([-0, 0, -1, -0]);
    const [[a], [b]] = both([new Float32Array(1)], (k, [o]) => k.reduce('max', z, 1, 4, 1, o));
    exact(a, b, 'max of signed zeros');
  });

  test('argmax / argmin: first index on ties, NaN wins', () => {
    for (const [outer, n, inner] of [...LAYOUTS.filter(([, n]) => n > 0), [1, 300_001, 1]] as [number, number, number][]) {
      const x = Float32Array.from(randI32(outer * n * inner, 0, 5)); // many ties
      if (x.length > 10) { x[7] = NaN; x[x.length - 3] = NaN; }
      for (const op of ['argmax', 'argmin'] as const) {
        const [[a], [b]] = both([new Int32Array(outer * inner)], (k, [o]) => k.argReduce(op, x, outer, n, inner, o));
        exact(a, b, `${op} [${outer}, ${n}, ${inner}]`);
      }
    }
  });
});

// --- data movement -------------------------------------------------------------------------------

describe('native kernels: data movement', { skip }, () => {
  const makers = [(n: number) => randF32(n), (n: number) => randF64(n), (n: number) => randI32(n, -100, 100)];

  test('expand', () => {
    const cases: [number[], number[]][] = [
      [[], [3, 2]], [[1], [5]], [[3, 1], [2, 3, 4]], [[1, 4], [3, 4]], [[2, 1, 3], [2, 5, 3]], [[1, 1, 7], [3, 1, 7]],
      [[0, 1], [0, 4]], [[3], [0, 3]], [[64, 1, 1], [8, 64, 9, 9]], [[1, 1000], [1000, 1000]],
    ];
    for (const make of makers) {
      for (const [s, so] of cases) {
        const x = make(numel(s));
        const [[a], [b]] = both([like(make(numel(so)))], (k, [o]) => k.expand(x, s, o, so));
        exact(a, b, `expand ${JSON.stringify(s)} -> ${JSON.stringify(so)} ${x.constructor.name}`);
      }
    }
  });

  test('permute: transposes, general permutations, 1-sized and empty axes', () => {
    const cases: [number[], number[]][] = [
      [[], []], [[5], [0]], [[5, 7], [1, 0]], [[3, 33, 65], [0, 2, 1]], [[2, 3, 4], [2, 0, 1]], [[2, 3, 4], [1, 2, 0]],
      [[1, 3, 1, 4], [3, 2, 1, 0]], [[2, 0, 3], [2, 1, 0]], [[4, 5, 6, 7], [0, 2, 3, 1]], [[2, 3, 4, 5, 6], [4, 2, 0, 3, 1]],
      [[1000, 1001], [1, 0]], [[16, 64, 9, 9], [0, 2, 3, 1]], [[7, 1], [1, 0]],
    ];
    for (const make of makers) {
      for (const [s, perm] of cases) {
        const x = make(numel(s));
        const [[a], [b]] = both([like(x)], (k, [o]) => k.permute(x, s, perm, o));
        exact(a, b, `permute ${JSON.stringify(s)} by ${JSON.stringify(perm)} ${x.constructor.name}`);
      }
    }
  });

  test('slice and sliceAssign (copy and accumulate)', () => {
    const cases: [number[], number[], number[]][] = [
      [[], [], []], [[10], [3], [5]], [[4, 5], [1, 2], [3, 3]], [[3, 4, 5], [0, 1, 0], [3, 2, 5]], [[3, 4, 5], [2, 0, 4], [1, 4, 1]],
      [[2, 3], [1, 0], [0, 3]], [[6, 7, 8, 9], [1, 2, 3, 4], [4, 5, 4, 3]], [[1000, 300], [10, 1], [900, 298]], [[5, 1, 3], [2, 0, 1], [3, 1, 2]],
    ];
    for (const make of makers) {
      for (const [s, begin, so] of cases) {
        const x = make(numel(s));
        const [[a], [b]] = both([like(make(numel(so)))], (k, [o]) => k.slice(x, s, begin, o, so));
        exact(a, b, `slice ${JSON.stringify([s, begin, so])}`);
        const src = make(numel(so)), dst = make(numel(s));
        for (const acc of x instanceof Float32Array ? [false, true] : [false]) {
          const [[u], [v]] = both([dst], (k, [d]) => k.sliceAssign(src, so, d, s, begin, acc));
          exact(u, v, `sliceAssign ${JSON.stringify([s, begin, so])} accumulate=${acc}`);
        }
      }
    }
  });

  test('gatherRows / scatterAddRows with repeated indices; bad indices throw the same error', () => {
    for (const [rows, dim, count] of [[5, 3, 7], [1, 1, 1], [10, 0, 4], [7, 1, 0], [50, 65, 1000], [300, 1000, 600]]) {
      const idx = randI32(count, 0, rows);
      for (const make of makers) {
        const table = make(rows * dim);
        const [[a], [b]] = both([like(make(count * dim))], (k, [o]) => k.gatherRows(table, rows, dim, idx, o));
        exact(a, b, `gatherRows ${rows}x${dim} by ${count}`);
      }
      if (dim === 0) continue; // no rows to scatter into (both kernels throw)
      const src = randF32(count * dim), table = randF32(rows * dim);
      const [[a], [b]] = both([table], (k, [t]) => k.scatterAddRows(src, idx, dim, t));
      exact(a, b, `scatterAddRows ${rows}x${dim} by ${count}`);
    }
    const bad = Int32Array.from([0, 2, 5]);
    const message = (f: () => void) => { try { f(); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; } return 'no error'; };
    for (const k of [nb!, js]) assert.ok(message(() => k.gatherRows(randF32(15), 5, 3, bad, new Float32Array(9))).startsWith('RangeError'));
    assert.equal(message(() => nb!.gatherRows(randF32(15), 5, 3, bad, new Float32Array(9))),
      message(() => js.gatherRows(randF32(15), 5, 3, bad, new Float32Array(9))));
    assert.equal(message(() => nb!.scatterAddRows(randF32(9), Int32Array.from([0, -1, 1]), 3, new Float32Array(15))),
      message(() => js.scatterAddRows(randF32(9), Int32Array.from([0, -1, 1]), 3, new Float32Array(15))));
  });

  test('takeAlongAxis / scatterAddAlongAxis', () => {
    for (const [outer, n, inner, kk] of [[3, 5, 1, 2], [1, 1, 1, 1], [4, 7, 3, 5], [2, 9, 17, 9], [0, 3, 2, 2], [64, 10, 1, 1], [100, 50, 40, 30]]) {
      const idx = randI32(outer * kk * inner, 0, n);
      for (const make of makers) {
        const x = make(outer * n * inner);
        const [[a], [b]] = both([like(make(outer * kk * inner))], (k, [o]) => k.takeAlongAxis(x, outer, n, inner, idx, o));
        exact(a, b, `takeAlongAxis [${outer}, ${n}, ${inner}] k=${kk}`);
      }
      const src = randF32(outer * kk * inner), dx = randF32(outer * n * inner);
      const [[a], [b]] = both([dx], (k, [d]) => k.scatterAddAlongAxis(src, outer, n, inner, idx, d));
      exact(a, b, `scatterAddAlongAxis [${outer}, ${n}, ${inner}] k=${kk}`);
    }
    assert.throws(() => nb!.takeAlongAxis(randF32(6), 2, 3, 1, Int32Array.from([0, 3]), new Float32Array(2)),
      { name: 'RangeError', message: 'takeAlongAxis: index 3 is out of range for 3 rows' });
  });
});

// --- matmul ------------------------------------------------------------------------------------

describe('native kernels: matmul', { skip }, () => {
  /** Tolerance scale for C = A B: sqrt(k) * max|A| * max|B| (random-sign accumulation). */
  const check = (batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
    strideA: number, strideB: number, accumulate: boolean) => {
    const a = randF32(Math.max(0, (batch - 1) * strideA + m * k)), b = randF32(Math.max(0, (batch - 1) * strideB + k * n));
    const p = { batch, m, n, k, transA, transB, strideA, strideB, accumulate };
    const [[x], [y]] = both([randF32(batch * m * n)], (kk, [o]) => kk.matmul(a, b, o, p));
    assertClose(x, y, { rtol: 2e-6, atol: 2e-6 * (9 * (Math.sqrt(k) + (accumulate ? 1 : 0))), equalNan: true, label: `matmul ${JSON.stringify(p)}` });
  };

  test('all transpose combinations, odd sizes, accumulate', () => {
    for (const [m, n, k] of [[1, 1, 1], [3, 7, 17], [17, 3, 1], [33, 65, 7], [65, 33, 127], [127, 129, 65], [2, 300, 3], [1, 513, 257], [5, 4, 0]]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check(1, m, n, k, transA, transB, m * k, k * n, false);
          check(1, m, n, k, transA, transB, m * k, k * n, true);
        }
      }
    }
  });

  test('batches: strided, broadcast (stride 0) on either side, empty', () => {
    for (const [batch, m, n, k] of [[3, 5, 7, 9], [4, 33, 17, 65], [2, 1, 1, 1], [7, 64, 10, 576], [0, 3, 3, 3], [3, 0, 4, 5]]) {
      for (const [sa, sb] of [[m * k, k * n], [0, k * n], [m * k, 0], [0, 0]]) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) check(batch, m, n, k, ta, tb, sa, sb, false);
        check(batch, m, n, k, false, false, sa, sb, true);
      }
    }
  });

  test('512 x 512 (every thread) and a Linear-shaped batch', () => {
    check(1, 512, 512, 512, false, false, 0, 0, false);
    check(1, 512, 512, 512, true, true, 0, 0, true);
    check(6, 64, 64, 576, false, true, 64 * 576, 0, false);
  });
});

// --- convolution ---------------------------------------------------------------------------------

describe('native kernels: convolution', { skip }, () => {
  const outSize = (size: number, k: number, s: number, p: number, d: number) => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
  const conv = (n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number,
    o: { stride?: [number, number]; pad?: [number, number]; dil?: [number, number]; groups?: number; bias?: boolean } = {}) => {
    const [strideH, strideW] = o.stride ?? [1, 1], [padH, padW] = o.pad ?? [0, 0], [dilationH, dilationW] = o.dil ?? [1, 1];
    const groups = o.groups ?? 1;
    const p: Conv2dParams = {
      n, cIn, h, w, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups,
      outH: outSize(h, kh, strideH, padH, dilationH), outW: outSize(w, kw, strideW, padW, dilationW),
    };
    const x = randF32(n * cIn * h * w), wt = randF32(cOut * (cIn / groups) * kh * kw), bias = o.bias === false ? null : randF32(cOut);
    const ySize = n * cOut * p.outH * p.outW;
    const kSize = (cIn / groups) * kh * kw;
    const what = JSON.stringify(p);
    const [[y1], [y2]] = both([randF32(ySize)], (k, [y]) => k.conv2d(x, wt, bias, y, p));
    assertClose(y1, y2, { rtol: 2e-6, atol: 2e-6 * (9 * Math.sqrt(kSize) + 3), equalNan: true, label: `conv2d ${what}` });
    const dy = randF32(ySize);
    const [[dx1], [dx2]] = both([randF32(x.length)], (k, [dx]) => k.conv2dBackwardData(dy, wt, dx, p));
    assertClose(dx1, dx2, { rtol: 2e-6, atol: 2e-6 * (9 * Math.sqrt(cOut / groups * kh * kw)), equalNan: true, label: `conv2dBackwardData ${what}` });
    const [[dw1], [dw2]] = both([randF32(wt.length)], (k, [dw]) => k.conv2dBackwardWeight(x, dy, dw, p, null));
    assertClose(dw1, dw2, { rtol: 2e-6, atol: 2e-6 * (9 * Math.sqrt(n * p.outH * p.outW)), equalNan: true, label: `conv2dBackwardWeight ${what}` });
    // with the bias gradient from the same pass: the same dw, and db against the js sums
    const [[dw3, db1], [dw4, db2]] = both([randF32(wt.length), randF32(cOut)], (k, [dw, db]) => k.conv2dBackwardWeight(x, dy, dw, p, db));
    assertClose(dw3, dw1, { rtol: 0, atol: 0, equalNan: true, label: `conv2dBackwardWeight with db ${what}` });
    assertClose(dw4, dw2, { rtol: 0, atol: 0, equalNan: true, label: `js conv2dBackwardWeight with db ${what}` });
    assertClose(db1, db2, { rtol: 2e-6, atol: 2e-6 * (3 * Math.sqrt(n * p.outH * p.outW)), equalNan: true, label: `conv2dBackwardWeight db ${what}` });
  };

  test('basic shapes, odd sizes, 1x1, no bias', () => {
    conv(1, 1, 5, 5, 1, 3, 3);
    conv(2, 3, 7, 9, 5, 3, 3);
    conv(3, 2, 1, 1, 4, 1, 1);
    conv(2, 7, 6, 5, 3, 1, 1, { bias: false });
    conv(1, 3, 17, 33, 2, 5, 1);
    conv(4, 1, 3, 3, 2, 3, 3);
    conv(0, 2, 5, 5, 3, 3, 3);
    conv(2, 0, 4, 4, 3, 3, 3); // no input channels: no GEMM, the bias gradient still sums dy
  });

  test('stride, padding, dilation, groups', () => {
    conv(1, 2, 6, 5, 2, 3, 2, { stride: [2, 1], pad: [1, 2], dil: [1, 2] });
    conv(2, 4, 4, 4, 6, 3, 3, { groups: 2, pad: [1, 1] });
    conv(3, 6, 9, 8, 6, 3, 3, { groups: 6, stride: [2, 2], pad: [1, 1], bias: false }); // depthwise
    conv(2, 4, 10, 11, 8, 3, 3, { stride: [3, 2], pad: [2, 2], dil: [2, 3], groups: 2 });
    conv(5, 3, 7, 7, 3, 7, 7, { pad: [3, 3] });
    conv(2, 8, 5, 5, 4, 1, 1, { stride: [2, 2], groups: 4 });
    conv(1, 2, 4, 4, 2, 2, 2, { pad: [1, 1], stride: [3, 3] });
    conv(2, 3, 9, 10, 4, 3, 3, { dil: [2, 3] }); // unpadded, stride 1, dilated (whole-row im2col)
    conv(3, 2, 6, 6, 5, 2, 3, { dil: [3, 1], groups: 1, bias: false });
    // fewer taps than output channels per group: the weight gradient's transposed GEMM
    conv(3, 2, 9, 9, 8, 1, 1, { groups: 2 });
    conv(2, 3, 7, 6, 16, 1, 1, { stride: [2, 1] });
    conv(5, 2, 8, 8, 24, 2, 2, { groups: 2, pad: [1, 0] });
  });

  test('the seed CNN shapes at batch 64 (parallel blocks of images) and large images (blocks inside an image)', () => {
    conv(64, 1, 28, 28, 32, 3, 3);
    conv(64, 32, 13, 13, 64, 3, 3);
    conv(64, 64, 5, 5, 64, 3, 3);
    conv(3, 64, 48, 48, 16, 3, 3, { pad: [1, 1] }); // K * hw over the column limit
    conv(1, 3, 64, 64, 8, 3, 3, { stride: [2, 2], pad: [1, 1] });
    conv(2, 16, 40, 40, 8, 1, 1); // pointwise on whole images
  });

  test('padded / strided / dilated convolutions (phase copies): DCGAN shapes, pieces of images, rows over the column limit', () => {
    conv(8, 64, 14, 14, 128, 4, 4, { stride: [2, 2], pad: [1, 1] }); // the DCGAN discriminator's second layer
    conv(6, 1, 28, 28, 64, 4, 4, { stride: [2, 2], pad: [1, 1] }); // and its first
    conv(2, 64, 121, 119, 4, 3, 3, { stride: [2, 3], pad: [0, 2], dil: [2, 1] }); // K * hw over the limit: pieces of rows
    conv(1, 64, 3, 2000, 2, 3, 3, { pad: [1, 1] }); // one output row alone over the column limit
    conv(2, 3, 9, 8, 5, 4, 3, { stride: [3, 2], pad: [3, 1], dil: [1, 2], bias: false }); // padding on every side of a tap
  });
});

// --- pooling -------------------------------------------------------------------------------------

describe('native kernels: pooling', { skip }, () => {
  const outSize = (size: number, k: number, s: number, p: number, d: number, ceil: boolean) => {
    const span = size + 2 * p - d * (k - 1) - 1;
    let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (o - 1) * s >= size + p) o--; // PyTorch: the last window must start inside the input or left padding
    return o;
  };
  const pool = (n: number, c: number, h: number, w: number, k: [number, number],
    o: { stride?: [number, number]; pad?: [number, number]; dil?: [number, number]; ceil?: boolean; nan?: boolean } = {}) => {
    const [kh, kw] = k, [strideH, strideW] = o.stride ?? k, [padH, padW] = o.pad ?? [0, 0], [dilationH, dilationW] = o.dil ?? [1, 1];
    const ceil = o.ceil ?? false;
    for (const countIncludePad of [true, false]) {
      const p: Pool2dParams = {
        n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, countIncludePad,
        outH: outSize(h, kh, strideH, padH, dilationH, ceil), outW: outSize(w, kw, strideW, padW, dilationW, ceil),
      };
      const x = Float32Array.from(randI32(n * c * h * w, -4, 4)); // ties
      if (o.nan) for (let i = 5; i < x.length; i += 11) x[i] = NaN;
      const ySize = n * c * p.outH * p.outW, what = JSON.stringify(p);
      // the js kernel's 2x2 / stride 2 fast path ignores dilation: compare max pooling where js is right
      const jsWrong = kh === 2 && kw === 2 && strideH === 2 && strideW === 2 && !padH && !padW && (dilationH !== 1 || dilationW !== 1);
      if (countIncludePad && !jsWrong) {
        const [[y1, a1], [y2, a2]] = both([new Float32Array(ySize), new Int32Array(ySize)], (kk, [y, am]) => kk.maxPool2d(x, y, am, p));
        exact(y1, y2, `maxPool2d ${what}`);
        exact(a1, a2, `maxPool2d argmax ${what}`);
        const dy = randF32(ySize);
        const [[dx1], [dx2]] = both([randF32(x.length)], (kk, [dx]) => kk.maxPool2dBackward(dy, a1, dx, p));
        exact(dx1, dx2, `maxPool2dBackward ${what}`);
        // with the ReLU fused: the same on both, and exactly the plain pick where it is > 0, else 0 and argmax -1
        const pr = { ...p, relu: true };
        const [[r1, ar1], [r2, ar2]] = both([new Float32Array(ySize), new Int32Array(ySize)], (kk, [y, am]) => kk.maxPool2d(x, y, am, pr));
        exact(r1, r2, `maxPool2d relu ${what}`);
        exact(ar1, ar2, `maxPool2d relu argmax ${what}`);
        exact(r1, y1.map((v) => (v > 0 ? v : 0)), `maxPool2d relu = relu(maxPool2d) ${what}`);
        exact(ar1, a1.map((a, i) => (y1[i] > 0 ? a : -1)), `maxPool2d relu argmax ${what}`);
        const [[rx1], [rx2]] = both([randF32(x.length)], (kk, [dx]) => kk.maxPool2dBackward(dy, ar1, dx, p));
        exact(rx1, rx2, `maxPool2dBackward after relu ${what}`);
      }
      if (dilationH !== 1 || dilationW !== 1) continue; // ops allow dilation only for max pooling
      const xa = randF32(x.length);
      const [[z1], [z2]] = both([new Float32Array(ySize)], (kk, [y]) => kk.avgPool2d(xa, y, p));
      exact(z1, z2, `avgPool2d ${what}`);
      const dy = randF32(ySize);
      const [[g1], [g2]] = both([randF32(x.length)], (kk, [dx]) => kk.avgPool2dBackward(dy, dx, p));
      exact(g1, g2, `avgPool2dBackward ${what}`);
    }
  };

  test('2x2 stride 2 (fast path), odd planes, NaN', () => {
    pool(2, 3, 4, 5, [2, 2]);
    pool(1, 1, 1, 1, [1, 1]);
    pool(3, 5, 7, 9, [2, 2], { nan: true });
    pool(64, 32, 26, 26, [2, 2]);
    pool(64, 64, 11, 11, [2, 2], { nan: true });
  });

  test('2x2 stride 2: every row width around the vector widths (4 and 16 windows), odd and one-row planes', () => {
    for (let w = 2; w <= 41; w++) for (const h of [2, 3, 6]) pool(2, 3, h, w, [2, 2], { nan: (w + h) % 3 === 0 });
  });

  const narrowed = process.env.MYELIN_GEMM_PATH;
  if (narrowed !== 'generic' && narrowed !== 'avx2') {
    test('the portable and AVX2 copies pass the pooling, elementwise, softmax and batch-norm tests too', () => {
      for (const path of ['generic', 'avx2']) {
        // without the parent runner's context, so that the child reports through its exit status
        const env: NodeJS.ProcessEnv = { ...process.env, MYELIN_GEMM_PATH: path };
        delete env.NODE_TEST_CONTEXT;
        const r = spawnSync(process.execPath, ['--test', '--test-name-pattern=pooling|unary|binary|leaky|batchNorm|sigmoid|exp and log|softmax', fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
        assert.equal(r.status, 0, `MYELIN_GEMM_PATH=${path}:\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
        assert.match(r.stdout, /# pass [1-9]/, 'the pooling tests ran');
      }
    });
  }

  test('2x2 stride 2 backward with argmax outside its own window (or -1) takes the general scatter', () => {
    for (const [h, w] of [[4, 4], [6, 13], [5, 9], [26, 26]]) {
      const p: Pool2dParams = {
        n: 3, c: 2, h, w, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
        countIncludePad: true, outH: Math.floor(h / 2), outW: Math.floor(w / 2),
      };
      const ySize = p.n * p.c * p.outH * p.outW, xSize = p.n * p.c * h * w;
      const x = randF32(xSize), dy = randF32(ySize);
      const [[, am]] = both([new Float32Array(ySize), new Int32Array(ySize)], (kk, [y, a]) => kk.maxPool2d(x, y, a, p));
      // planes with one stray index (a repeated one, so that gradients add up) or a -1
      for (let i = 0; i < ySize; i += 7 * p.outW + 3) am[i] = i % 2 === 0 ? am[Math.max(0, i - 1)] : -1;
      const [[dx1], [dx2]] = both([randF32(xSize)], (kk, [dx]) => kk.maxPool2dBackward(dy, am, dx, p));
      exact(dx1, dx2, `maxPool2dBackward with stray argmax ${JSON.stringify(p)}`);
    }
  });

  test('padding, stride, dilation, ceil-mode shapes', () => {
    pool(1, 2, 6, 6, [3, 3], { stride: [2, 2], pad: [1, 1], ceil: true });
    pool(2, 3, 7, 8, [3, 2], { stride: [2, 3], pad: [1, 1], ceil: true, nan: true });
    pool(2, 2, 9, 9, [3, 3], { stride: [1, 1], pad: [1, 1] });
    pool(1, 3, 10, 7, [3, 3], { stride: [2, 2], dil: [2, 1] });
    pool(2, 1, 5, 5, [2, 2], { stride: [1, 1] });
    pool(3, 4, 13, 13, [4, 4], { stride: [3, 3], pad: [2, 2], ceil: true });
  });
});

// --- softmax and normalisation -------------------------------------------------------------------

describe('native kernels: softmax and normalisation', { skip }, () => {
  const LAYOUTS: [number, number, number][] = [[1, 1, 1], [3, 5, 1], [2, 4, 3], [7, 33, 1], [2, 17, 65], [64, 10, 1], [1, 1000, 1], [500, 100, 1], [3, 50, 300], [0, 5, 2]];

  test('softmax / log-softmax forward and backward', () => {
    for (const [outer, n, inner] of LAYOUTS) {
      const size = outer * n * inner;
      const x = randF32(size, -10, 10);
      if (size > 6) { x[0] = -Infinity; x[5] = 80; }
      for (const log of [false, true]) {
        const [[y1], [y2]] = both([new Float32Array(size)], (k, [y]) => k.softmax(x, outer, n, inner, y, log));
        assertClose(y1, y2, { rtol: 2e-6, atol: 1e-6 + 2e-6 * (log ? magnitude(y2) : 1), equalNan: true, label: `softmax log=${log} [${outer}, ${n}, ${inner}]` });
        const dy = randF32(size);
        const [[d1], [d2]] = both([new Float32Array(size)], (k, [dx]) => k.softmaxBackward(y2, dy, outer, n, inner, dx, log));
        assertClose(d1, d2, { rtol: 2e-6, atol: 1e-6 + 2e-6 * magnitude(d2), equalNan: true, label: `softmaxBackward log=${log} [${outer}, ${n}, ${inner}]` });
      }
    }
    // an all -inf row ends NaN, as in PyTorch and the js kernel
    const x = Float32Array.from([-Infinity, -Infinity, 1, 2]);
    const [[y1], [y2]] = both([new Float32Array(4)], (k, [y]) => k.softmax(x, 2, 2, 1, y, false));
    exact(y1, y2, 'softmax -inf row');
    // a NaN makes its row (or column) NaN; logits 1000 apart underflow to exact zeros
    for (const [outer, n, inner] of [[3, 37, 1], [2, 37, 3]] as [number, number, number][]) {
      const z = randF32(outer * n * inner, -1000, 1000);
      z[inner * 5] = NaN;
      for (const log of [false, true]) {
        const [[a], [b]] = both([new Float32Array(z.length)], (k, [y]) => k.softmax(z, outer, n, inner, y, log));
        assertClose(a, b, { rtol: 2e-6, atol: 1e-6 + 2e-6 * (log ? magnitude(b) : 1), equalNan: true, label: `softmax log=${log} with NaN and wide logits [${outer}, ${n}, ${inner}]` });
        assert.ok(Number.isNaN(a[0]) && !Number.isNaN(a[a.length - 1]), 'the NaN stays in its own row / column');
      }
    }
  });

  test('channelMoments, batchNormApply, batchNormBackward', () => {
    for (const [n, c, spatial] of [[1, 1, 1], [3, 2, 4], [4, 3, 1], [5, 7, 17], [64, 32, 169], [2, 65, 33]]) {
      const x = randF32(n * c * spatial, -2, 5);
      const [[m1, v1], [m2, v2]] = both([new Float32Array(c), new Float32Array(c)], (k, [m, v]) => k.channelMoments(x, n, c, spatial, m, v));
      assertClose(m1, m2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(m2), equalNan: true, label: 'mean' });
      assertClose(v1, v2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(v2), equalNan: true, label: 'variance' });
      const invStd = Float32Array.from(v2, (v) => 1 / Math.sqrt(v + 1e-5));
      const gamma = randF32(c), beta = randF32(c);
      for (const [g, bt] of [[gamma, beta], [null, null], [gamma, null]] as [Float32Array | null, Float32Array | null][]) {
        const [[o1], [o2]] = both([new Float32Array(x.length)], (k, [o]) => k.batchNormApply(x, n, c, spatial, m2, invStd, g, bt, o));
        assertClose(o1, o2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(o2), equalNan: true, label: `batchNormApply [${n}, ${c}, ${spatial}]` });
        const dy = randF32(x.length);
        for (const batchStats of [true, false]) {
          const [[dx1, dg1, db1], [dx2, dg2, db2]] = both([new Float32Array(x.length), new Float32Array(c), new Float32Array(c)],
            (k, [dx, dg, db]) => k.batchNormBackward(x, dy, n, c, spatial, m2, invStd, g, batchStats, dx, dg, db));
          assertClose(dx1, dx2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(dx2), equalNan: true, label: 'batchNormBackward dx' });
          assertClose(dg1, dg2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(dg2), equalNan: true, label: 'batchNormBackward dgamma' });
          assertClose(db1, db2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(db2), equalNan: true, label: 'batchNormBackward dbeta' });
        }
        const [[dx1], [dx2]] = both([new Float32Array(x.length)], (k, [dx]) => k.batchNormBackward(x, dy, n, c, spatial, m2, invStd, g, true, dx, null, null));
        assertClose(dx1, dx2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(dx2), equalNan: true, label: 'batchNormBackward dx only' });
      }
    }
  });

  test('layerNorm and layerNormBackward', () => {
    for (const [rows, n] of [[1, 1], [3, 4], [7, 33], [64, 65], [1000, 128], [2, 5000]]) {
      const x = randF32(rows * n, -3, 7);
      for (const affine of [true, false]) {
        const gamma = affine ? randF32(n) : null, beta = affine ? randF32(n) : null;
        const [[o1, m1, s1], [o2, m2, s2]] = both([new Float32Array(x.length), new Float32Array(rows), new Float32Array(rows)],
          (k, [o, m, s]) => k.layerNorm(x, rows, n, gamma, beta, 1e-5, o, m, s));
        assertClose(o1, o2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(o2), equalNan: true, label: 'layerNorm out' });
        assertClose(m1, m2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(m2), equalNan: true, label: 'layerNorm mean' });
        assertClose(s1, s2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(s2), equalNan: true, label: 'layerNorm invStd' });
        const dy = randF32(x.length);
        const [[dx1, dg1, db1], [dx2, dg2, db2]] = both([new Float32Array(x.length), new Float32Array(n), new Float32Array(n)],
          (k, [dx, dg, db]) => k.layerNormBackward(x, dy, rows, n, m2, s2, gamma, dx, dg, db));
        assertClose(dx1, dx2, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(dx2), equalNan: true, label: 'layerNormBackward dx' });
        // float accumulation over the rows (the js kernel adds doubles into its float32 output)
        assertClose(dg1, dg2, { rtol: 1e-5, atol: 1e-6 + 1e-5 * magnitude(dg2), equalNan: true, label: 'layerNormBackward dgamma' });
        assertClose(db1, db2, { rtol: 1e-5, atol: 1e-6 + 1e-5 * magnitude(db2), equalNan: true, label: 'layerNormBackward dbeta' });
      }
    }
  });
});

// --- optimizers ----------------------------------------------------------------------------------

describe('native kernels: optimizer updates (bit-identical to js)', { skip }, () => {
  const N = [1, 7, 33, 1000, 100_003];

  test('sgd: momentum, dampening, nesterov, weight decay, maximize, first step', () => {
    for (const n of N) {
      for (const [momentum, nesterov, wd, maximize, firstStep, useBuf] of [
        [0, false, 0, false, false, false], [0.9, false, 0, false, true, true], [0.9, true, 1e-4, false, false, true],
        [0.5, false, 0.01, true, false, true], [0.9, false, 0, false, false, false],
      ] as [number, boolean, number, boolean, boolean, boolean][]) {
        const param = randF32(n), grad = randF32(n), buf = useBuf ? randF32(n) : new Float32Array(0);
        const p = { lr: 0.05, momentum, dampening: 0.1, weightDecay: wd, nesterov, firstStep, maximize };
        const [[p1, b1], [p2, b2]] = both([param, buf], (k, [pp, bb]) => k.sgdUpdate(pp, grad, useBuf ? bb : null, p));
        exact(p1, p2, `sgd param ${JSON.stringify(p)}`);
        exact(b1, b2, 'sgd buffer');
      }
    }
  });

  test('adam / adamw / amsgrad', () => {
    for (const n of N) {
      for (const [decoupled, amsgrad, wd, maximize, step] of [
        [false, false, 0, false, 1], [false, false, 0.01, false, 7], [true, false, 0.01, false, 3], [false, true, 0, true, 12], [true, true, 0.1, false, 100],
      ] as [boolean, boolean, number, boolean, number][]) {
        const param = randF32(n), grad = randF32(n), m = randF32(n, -0.1, 0.1), v = randF32(n, 0, 0.1), vMax = randF32(n, 0, 0.1);
        const p = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd, decoupledWeightDecay: decoupled, step, amsgrad, maximize };
        const [[p1, m1, v1, x1], [p2, m2, v2, x2]] = both([param, m, v, vMax],
          (k, [pp, mm, vv, xx]) => k.adamUpdate(pp, grad, mm, vv, amsgrad ? xx : null, p));
        exact(p1, p2, `adam param ${JSON.stringify(p)}`);
        exact(m1, m2, 'adam m');
        exact(v1, v2, 'adam v');
        exact(x1, x2, 'adam vMax');
      }
    }
  });

  test('rmsprop: centered, momentum, weight decay, maximize', () => {
    for (const n of N) {
      for (const [centered, momentum, wd, maximize] of [[false, 0, 0, false], [true, 0, 0, false], [false, 0.9, 0.01, false], [true, 0.5, 0, true]] as [boolean, number, number, boolean][]) {
        const param = randF32(n), grad = randF32(n), sq = randF32(n, 0.5, 1), ga = randF32(n, -0.1, 0.1), buf = randF32(n);
        const p = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: wd, momentum, centered, maximize };
        const [[p1, s1, g1, b1], [p2, s2, g2, b2]] = both([param, sq, ga, buf],
          (k, [pp, ss, gg, bb]) => k.rmspropUpdate(pp, grad, ss, centered ? gg : null, momentum > 0 ? bb : null, p));
        exact(p1, p2, `rmsprop param ${JSON.stringify(p)}`);
        exact(s1, s2, 'rmsprop squareAvg');
        exact(g1, g2, 'rmsprop gradAvg');
        exact(b1, b2, 'rmsprop buffer');
      }
    }
  });
});

// --- fallbacks and argument checking -----------------------------------------------------------------

describe('native kernels: dtype fallbacks and bad arguments', { skip }, () => {
  test('float64 and int32 data fall back to the js kernels (same results)', () => {
    const x = randF64(37);
    const [[a], [b]] = both([new Float64Array(37)], (k, [o]) => k.unary('exp', x, o));
    exact(a, b, 'float64 exp');
    const [[c], [d]] = both([new Float64Array(6)], (k, [o]) => k.matmul(randF64(6), randF64(9).subarray(0, 9), o,
      { batch: 1, m: 2, n: 3, k: 3, transA: false, transB: false, strideA: 6, strideB: 9, accumulate: false }));
    assert.equal(c.length, d.length);
    const xi = randI32(12, -9, 9);
    const [[e], [f]] = both([new Int32Array(12)], (k, [o]) => k.unary('abs', xi, o));
    exact(e, f, 'int32 abs');
  });

  test('the addon throws TypeError / RangeError naming the kernel and argument, and never crashes', () => {
    const addon = loadAddon().addon!;
    // calls marshalled as the native backend does (marshal.ts), but without its dtype check
    const call = (name: KernelName, ...args: unknown[]) => {
      marshal(addon, name)(args);
    };
    const f = new Float32Array(4);
    const mm = (m: number) => ({ batch: 1, m, n: 4, k: 4, transA: false, transB: false, strideA: 16, strideB: 16, accumulate: false });
    const conv = (cIn: number, strideH: number, groups: number) => ({ n: 1, cIn, h: 2, w: 2, cOut: 2, kh: 1, kw: 1, strideH,
      strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups, outH: 2, outW: 2 });
    const pool = { n: 1, c: 1, h: 2, w: 2, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
      outH: 1, outW: 1, countIncludePad: true };
    assert.throws(() => call('unary', 'exp', f, new Float32Array(8)), { name: 'RangeError', message: /unary.*'x'/ });
    assert.throws(() => call('unary', 'exp', [1, 2], f), { name: 'TypeError', message: /unary.*'x'/ });
    assert.throws(() => call('unary', 'noSuchOp', f, f), { name: 'RangeError', message: /unary.*op/ });
    assert.throws(() => call('unary', 'exp', new Float64Array(4), f), { name: 'TypeError', message: /unary.*float64/ });
    assert.throws(() => call('matmul', f, f, f, mm(4)), { name: 'RangeError', message: /matmul/ });
    assert.throws(() => call('matmul', new Float32Array(16), new Float32Array(16), new Float32Array(16), mm(-4)),
      { name: 'RangeError', message: /'m'/ });
    const a = new Float32Array(16);
    assert.throws(() => call('matmul', a, new Float32Array(16), a, mm(4)), { name: 'RangeError', message: /share memory/ });
    assert.throws(() => call('conv2d', new Float32Array(12), new Float32Array(8), null, new Float32Array(8), conv(3, 1, 2)), { name: 'RangeError', message: /groups/ });
    assert.throws(() => call('conv2d', f, f, null, new Float32Array(8), conv(1, 0, 1)), { name: 'RangeError', message: /strideH/ });
    assert.throws(() => call('maxPool2dBackward', f, Int32Array.from([9]), f, pool), { name: 'RangeError', message: /argmax/ });
    assert.throws(() => call('permute', f, [2, 2], [0, 0], f), { name: 'RangeError', message: /permutation/ });
    assert.throws(() => call('binary', 'add', f, [2, 2], new Float32Array(12), [3, 4], new Float32Array(8), [2, 4]), { name: 'RangeError', message: /broadcast/ });
    assert.throws(() => call('slice', f, [4], [3], f, [2]), { name: 'RangeError', message: /box/ });
    assert.throws(() => addon.setScalars(f as unknown as Float64Array), { name: 'TypeError', message: /setScalars.*Float64Array/ });
  });
});
