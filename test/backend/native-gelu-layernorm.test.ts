// The vectorised native GELU / erf / geluGrad and layerNorm kernels: against the js kernels (the
// oracle) and, for erf and GELU, against a double-precision erf; odd sizes (not multiples of any
// vector width), one row, sizes large enough to use every thread, extreme values (±10, ±1e30,
// infinities, NaN), in-place and broadcasting calls, and thread-count independence.
//
// The kernels are compiled once per instruction set (AVX-512, AVX2, portable); the copies this
// CPU does not pick by itself run in child processes with MYELIN_GEMM_PATH narrowing the choice.
//
// Skipped (with the reason printed) when the addon is not built.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadNativeBackend, isNativeBackend } from '../../src/backend/native/index.js';
import { erfPrecise, gelu, geluDerivative } from '../../src/backend/js/math.js';
import { mulberry32 as prng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

const js = jsBackendInstance();
const loaded = loadNativeBackend(js);
const nb = loaded.backend;
const skip = nb ? false : `native addon unavailable (${loaded.reason}); build it with 'node scripts/build-native.js'`;
if (skip) console.log(`# skipping native GELU / layerNorm tests: ${skip}`);

const rnd = prng(90210);

function randF32(n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}

const EXTREMES = [NaN, Infinity, -Infinity, 0, -0, 10, -10, 20, -20, 1e30, -1e30, 1, -1, Math.SQRT2, -Math.SQRT2, 0.9999999, -1.0000001, 1e-30];
/** Extreme values at spread-out positions (every vector lane and the scalar tail get some). */
function withExtremes(a: Float32Array): Float32Array {
  for (let k = 0; k < EXTREMES.length && k < a.length; k++) a[Math.floor((k * a.length) / EXTREMES.length)] = EXTREMES[k];
  if (a.length > 1) a[a.length - 1] = NaN;
  return a;
}

/** Per-element absolute tolerances tol(i), i < n. */
const bounds = (n: number, tol: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => tol(i));

const SIZES = [1, 2, 7, 15, 16, 17, 31, 33, 100, 1023, 65537, 1_000_003];

describe('native GELU and erf (vectorised)', { skip }, () => {
  test('gelu, erf and same-shape geluGrad match the js kernels: odd sizes, extremes, NaN, every thread', () => {
    for (const n of SIZES) {
      const x = withExtremes(randF32(n, -12, 12));
      const dy = randF32(n, -2, 2);
      // the js kernels use Abramowitz & Stegun 7.1.26 (1.5e-7), native its own erf (1.2e-7)
      const tol = (i: number) => 4e-7 * Math.max(1, Math.abs(x[i]));
      for (const op of ['gelu', 'erf'] as const) {
        const a = new Float32Array(n), b = new Float32Array(n);
        nb!.unary(op, x, a);
        js.unary(op, x, b);
        assertClose(a, b, { rtol: 0, atol: bounds(n, tol), equalNan: true, label: `${op} n=${n}` });
      }
      const a = new Float32Array(n), b = new Float32Array(n);
      nb!.binary('geluGrad', dy, [n], x, [n], a, [n]);
      js.binary('geluGrad', dy, [n], x, [n], b, [n]);
      assertClose(a, b, { rtol: 0, atol: bounds(n, (i) => 4e-7 * Math.max(1, Math.abs(dy[i] * x[i]))), equalNan: true, label: `geluGrad n=${n}` });
    }
  });

  test('accuracy against a double-precision erf (about 1e-7 absolute)', () => {
    const N = 200_001;
    const x = new Float32Array(N);
    for (let i = 0; i < N; i++) x[i] = -12 + (24 * i) / (N - 1);
    const e = new Float32Array(N), g = new Float32Array(N), d = new Float32Array(N);
    nb!.unary('erf', x, e);
    nb!.unary('gelu', x, g);
    nb!.binary('geluGrad', new Float32Array(N).fill(1), [N], x, [N], d, [N]);
    const exact = (f: (v: number) => number) => Float64Array.from(x, f);
    assertClose(e, exact((v) => erfPrecise(v)), { rtol: 0, atol: 2e-7, label: 'erf' });
    assertClose(g, exact((v) => gelu(v, erfPrecise)), { rtol: 0, atol: bounds(N, (i) => 2e-7 * Math.max(1, Math.abs(x[i]))), label: 'gelu' });
    assertClose(d, exact((v) => geluDerivative(v, erfPrecise)), { rtol: 0, atol: 2.5e-7, label: 'geluGrad' });
    // the left tail keeps relative precision (no 1 + erf cancellation); the double reference
    // itself cancels past about -5.5, so stop there
    for (let v = -5.5; v <= -1; v += 0.01) {
      const xv = Float32Array.of(v), out = new Float32Array(1);
      nb!.unary('gelu', xv, out);
      const want = gelu(xv[0], erfPrecise);
      assertClose(out[0], want, { rtol: 1e-5, atol: 0, label: `gelu(${xv[0]})` });
    }
    // limits: gelu(-inf) is NaN as in the js kernel (and PyTorch), the derivative 0 far left, 1 far right
    const lim = Float32Array.of(-1e30, -40, 40, 1e30), lg = new Float32Array(4), ld = new Float32Array(4);
    nb!.unary('gelu', lim, lg);
    nb!.binary('geluGrad', Float32Array.of(1, 1, 1, 1), [4], lim, [4], ld, [4]);
    assert.deepEqual(Array.from(lg, (v) => Math.abs(v)), [0, 0, 40, 1e30].map(Math.fround));
    assert.deepEqual(Array.from(ld, (v) => Math.abs(v)), [0, 0, 1, 1]);
  });

  test('in place, aliasing and broadcasting calls agree with the plain ones', () => {
    for (const n of [17, 65537]) {
      const x = withExtremes(randF32(n, -6, 6)), dy = randF32(n, -2, 2);
      for (const op of ['gelu', 'erf'] as const) {
        const out = new Float32Array(n);
        nb!.unary(op, x, out);
        const inPlace = x.slice();
        nb!.unary(op, inPlace, inPlace);
        assert.deepEqual(inPlace, out, `${op} in place n=${n}`);
      }
      const plain = new Float32Array(n);
      nb!.binary('geluGrad', dy, [n], x, [n], plain, [n]);
      const aliasA = dy.slice();
      nb!.binary('geluGrad', aliasA, [n], x, [n], aliasA, [n]);
      assert.deepEqual(aliasA, plain, `geluGrad out = dy, n=${n}`);
      const aliasB = x.slice();
      nb!.binary('geluGrad', dy, [n], aliasB, [n], aliasB, [n]);
      assert.deepEqual(aliasB, plain, `geluGrad out = x, n=${n}`);
    }
    // broadcasting (the scalar loop): dy [3, n] against x [n]
    const n = 37, x = withExtremes(randF32(n, -6, 6)), dy = randF32(3 * n, -2, 2);
    const bc = new Float32Array(3 * n), same = new Float32Array(3 * n), xs = new Float32Array(3 * n);
    for (let r = 0; r < 3; r++) xs.set(x, r * n);
    nb!.binary('geluGrad', dy, [3, n], x, [n], bc, [3, n]);
    nb!.binary('geluGrad', dy, [3, n], xs, [3, n], same, [3, n]);
    assertClose(bc, same, { rtol: 0, atol: bounds(3 * n, (i) => 2e-7 * Math.max(1, Math.abs(dy[i] * xs[i]))), equalNan: true, label: 'geluGrad broadcast' });
  });
});

// --- layer norm ------------------------------------------------------------------------------------

/** The largest finite |value|: layerNorm's tolerances scale with the magnitude of its results. */
function magnitude(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) m = Math.max(m, Math.abs(values[i]));
  return m;
}

type Rows = (rows: number, n: number) => Float32Array;
const DATA: [string, Rows][] = [
  ['uniform [-3, 7]', (rows, n) => randF32(rows * n, -3, 7)],
  ['±10 extremes', (rows, n) => { const a = randF32(rows * n, -1, 1); for (let i = 0; i < a.length; i += 5) a[i] = i % 2 ? 10 : -10; return a; }],
  ['large mean, small spread', (rows, n) => randF32(rows * n, 999, 1001)],
  ['a constant row', (rows, n) => { const a = randF32(rows * n, -2, 2); a.fill(1.5, 0, n); return a; }],
];
const SHAPES: [number, number][] = [[1, 1], [1, 17], [1, 1000], [2, 15], [5, 16], [3, 31], [33, 100], [7, 257], [2100, 129], [1, 5000]];

function layerNormBoth(x: Float32Array, rows: number, n: number, gamma: Float32Array | null, beta: Float32Array | null) {
  const run = (k: typeof js) => {
    const out = new Float32Array(rows * n), mean = new Float32Array(rows), invStd = new Float32Array(rows);
    k.layerNorm(x, rows, n, gamma, beta, 1e-5, out, mean, invStd);
    return { out, mean, invStd };
  };
  return { native: run(nb!), js: run(js) };
}

function backward(k: typeof js, x: Float32Array, dy: Float32Array, rows: number, n: number, mean: Float32Array, invStd: Float32Array,
  gamma: Float32Array | null, want: { dx: boolean; dgamma: boolean; dbeta: boolean }) {
  const dx = want.dx ? new Float32Array(rows * n) : null;
  const dgamma = want.dgamma ? new Float32Array(n).fill(123) : null, dbeta = want.dbeta ? new Float32Array(n).fill(-7) : null;
  k.layerNormBackward(x, dy, rows, n, mean, invStd, gamma, dx, dgamma, dbeta);
  return { dx, dgamma, dbeta };
}

describe('native layerNorm (vectorised)', { skip }, () => {
  test('forward and backward match the js kernel: odd widths, one row, extremes, every thread', () => {
    for (const [label, make] of DATA) {
      for (const [rows, n] of SHAPES) {
        const x = make(rows, n), dy = randF32(rows * n, -1, 1);
        for (const [gamma, beta] of [[randF32(n, 0.5, 1.5), randF32(n, -1, 1)], [null, null], [randF32(n, -2, 2), null], [null, randF32(n, -1, 1)]] as const) {
          const what = `${label} [${rows}, ${n}] gamma=${!!gamma} beta=${!!beta}`;
          const f = layerNormBoth(x, rows, n, gamma, beta);
          assertClose(f.native.out, f.js.out, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(f.js.out), equalNan: true, label: `${what}: out` });
          assertClose(f.native.mean, f.js.mean, { rtol: 1e-7, atol: 1e-7 * magnitude(f.js.mean), equalNan: true, label: `${what}: mean` });
          assertClose(f.native.invStd, f.js.invStd, { rtol: 1e-6, atol: 1e-6 * magnitude(f.js.invStd), equalNan: true, label: `${what}: invStd` });
          const all = { dx: true, dgamma: true, dbeta: true };
          const b = backward(nb!, x, dy, rows, n, f.js.mean, f.js.invStd, gamma, all);
          const w = backward(js, x, dy, rows, n, f.js.mean, f.js.invStd, gamma, all);
          assertClose(b.dx!, w.dx!, { rtol: 1e-6, atol: 1e-6 + 1e-6 * magnitude(w.dx!), equalNan: true, label: `${what}: dx` });
          assertClose(b.dgamma!, w.dgamma!, { rtol: 1e-5, atol: 1e-6 + 1e-5 * magnitude(w.dgamma!), equalNan: true, label: `${what}: dgamma` });
          assertClose(b.dbeta!, w.dbeta!, { rtol: 1e-5, atol: 1e-6 + 1e-5 * magnitude(w.dbeta!), equalNan: true, label: `${what}: dbeta` });
        }
      }
    }
  });

  test('backward with some outputs absent computes the rest the same', () => {
    const rows = 70, n = 33, x = randF32(rows * n, -3, 3), dy = randF32(rows * n, -1, 1), gamma = randF32(n, 0.5, 1.5);
    const f = layerNormBoth(x, rows, n, gamma, null).native;
    const all = backward(nb!, x, dy, rows, n, f.mean, f.invStd, gamma, { dx: true, dgamma: true, dbeta: true });
    const onlyDx = backward(nb!, x, dy, rows, n, f.mean, f.invStd, gamma, { dx: true, dgamma: false, dbeta: false });
    const onlyDg = backward(nb!, x, dy, rows, n, f.mean, f.invStd, gamma, { dx: false, dgamma: true, dbeta: false });
    const onlyDb = backward(nb!, x, dy, rows, n, f.mean, f.invStd, gamma, { dx: false, dgamma: false, dbeta: true });
    assert.deepEqual(onlyDx.dx, all.dx);
    assert.deepEqual(onlyDg.dgamma, all.dgamma);
    assert.deepEqual(onlyDb.dbeta, all.dbeta);
  });

  test('results do not depend on the number of threads', () => {
    if (!isNativeBackend(nb!)) return;
    const rows = 3001, n = 129, x = randF32(rows * n, -3, 3), dy = randF32(rows * n, -1, 1);
    const gamma = randF32(n, 0.5, 1.5), beta = randF32(n, -1, 1);
    const run = () => {
      const out = new Float32Array(rows * n), mean = new Float32Array(rows), invStd = new Float32Array(rows);
      nb!.layerNorm(x, rows, n, gamma, beta, 1e-5, out, mean, invStd);
      return { out, ...backward(nb!, x, dy, rows, n, mean, invStd, gamma, { dx: true, dgamma: true, dbeta: true }) };
    };
    nb.setNumThreads(4);  // more chunks than this machine's cores, whatever it has
    try {
      const many = run();
      nb.setNumThreads(1);
      assert.deepEqual(run(), many);
    } finally {
      nb.setNumThreads(0);  // back to the default
    }
  });
});

const narrowed = process.env.MYELIN_GEMM_PATH;
if (!skip && narrowed !== 'generic' && narrowed !== 'avx2') {
  test('the portable and AVX2 copies pass these tests too', () => {
    for (const path of ['generic', 'avx2']) {
      // without the parent runner's context, so that the child reports through its exit status
      const env: NodeJS.ProcessEnv = { ...process.env, MYELIN_GEMM_PATH: path };
      delete env.NODE_TEST_CONTEXT;
      const r = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, `MYELIN_GEMM_PATH=${path}:\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
    }
  });
}
