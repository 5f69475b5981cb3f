// The native fused LSTM / GRU cell kernels against the js kernels (the oracle) on random inputs:
// batch 1, hidden sizes that are not multiples of any vector width, a size large enough to split
// over the thread pool, saturating pre-activations (|x| up to 100) and NaN propagation.
//
// The kernels are compiled once per instruction set (AVX-512, AVX2, portable); the copies this
// CPU does not pick by itself run in child processes with MYELIN_GEMM_PATH narrowing the choice.
//
// Skipped (with the reason printed) when the addon is not built.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadAddon, loadNativeBackend } from '../../src/backend/native/index.js';
import { mulberry32 as prng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

const js = jsBackendInstance();
const loaded = loadNativeBackend(js);
const nb = loaded.backend;
const skip = nb ? false : `native addon unavailable (${loaded.reason}); build it with 'node scripts/build-native.js'`;
if (skip) console.log(`# skipping native rnn tests: ${skip}`);

const rnd = prng(7331);

/** Uniform in [-scale, scale], with a few saturating values mixed in. */
function rand(n: number, scale = 3): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rnd() - 1) * scale;
  for (let i = 5; i < n; i += 97) a[i] = i % 2 ? 100 : -100;
  for (let i = 11; i < n; i += 89) a[i] = i % 2 ? 20 : -20;
  return a;
}
/** Values in (0, 1), like saved gate activations. */
function unit(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd();
  return a;
}

/** Native against js: a few float32 roundings apart; NaN where the js kernel gives NaN. */
const TOL = { rtol: 2e-6, atol: 2e-6, equalNan: true };

// [batch, hidden]: batch 1, odd widths, a width just past a 16-lane vector, and one large enough
// (batch * 4 * hidden > 2 pool chunks) to run on both threads
const SIZES: Array<[number, number]> = [[1, 1], [1, 17], [3, 5], [2, 16], [7, 33], [70, 250]];

describe('native rnn cells', { skip }, () => {
  test('the native backend runs the cell kernels itself', () => {
    const f = () => new Float32Array(16);
    assert.ok(nb!.handles('lstmCell', [f(), f(), f(), 1, 2, f(), f(), f()]), 'lstmCell');
    assert.ok(nb!.handles('lstmCellBackward', [f(), f(), f(), f(), f(), 1, 2, f(), f()]), 'lstmCellBackward');
    assert.ok(nb!.handles('gruCell', [f(), f(), f(), 1, 2, f(), f()]), 'gruCell');
    assert.ok(nb!.handles('gruCellBackward', [f(), f(), f(), 1, 2, f(), f(), f()]), 'gruCellBackward');
  });

  test('lstmCell matches js', () => {
    for (const [B, H] of SIZES) {
      const xw = rand(B * 4 * H), hw = rand(B * 4 * H), cPrev = rand(B * H);
      const out = () => [new Float32Array(B * 4 * H), new Float32Array(B * H), new Float32Array(B * H)];
      const [g0, c0, h0] = out(), [g1, c1, h1] = out();
      js.lstmCell(xw, hw, cPrev, B, H, g0, c0, h0);
      nb!.lstmCell(xw, hw, cPrev, B, H, g1, c1, h1);
      assertClose(g1, g0, { ...TOL, label: `gates ${B}x${H}` }); assertClose(c1, c0, { ...TOL, label: `c ${B}x${H}` }); assertClose(h1, h0, { ...TOL, label: `h ${B}x${H}` });
    }
  });

  test('lstmCellBackward matches js', () => {
    for (const [B, H] of SIZES) {
      const gates = unit(B * 4 * H);
      for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) gates[b * 4 * H + 2 * H + j] = 2 * gates[b * 4 * H + 2 * H + j] - 1; // tanh(g) in (-1, 1)
      const cPrev = rand(B * H), c = rand(B * H), dh = rand(B * H, 1), dc = rand(B * H, 1);
      const dG0 = new Float32Array(B * 4 * H), dc0 = new Float32Array(B * H);
      const dG1 = new Float32Array(B * 4 * H), dc1 = new Float32Array(B * H);
      js.lstmCellBackward(gates, cPrev, c, dh, dc, B, H, dG0, dc0);
      nb!.lstmCellBackward(gates, cPrev, c, dh, dc, B, H, dG1, dc1);
      assertClose(dG1, dG0, { ...TOL, label: `dGates ${B}x${H}` }); assertClose(dc1, dc0, { ...TOL, label: `dcPrev ${B}x${H}` });
    }
  });

  test('gruCell matches js', () => {
    for (const [B, H] of SIZES) {
      const xw = rand(B * 3 * H), hw = rand(B * 3 * H), hPrev = rand(B * H, 1);
      const g0 = new Float32Array(B * 4 * H), h0 = new Float32Array(B * H);
      const g1 = new Float32Array(B * 4 * H), h1 = new Float32Array(B * H);
      js.gruCell(xw, hw, hPrev, B, H, g0, h0);
      nb!.gruCell(xw, hw, hPrev, B, H, g1, h1);
      assertClose(g1, g0, { ...TOL, label: `gates ${B}x${H}` }); assertClose(h1, h0, { ...TOL, label: `h ${B}x${H}` });
    }
  });

  test('gruCellBackward matches js', () => {
    for (const [B, H] of SIZES) {
      const gates = unit(B * 4 * H);
      for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
        gates[b * 4 * H + 2 * H + j] = 2 * gates[b * 4 * H + 2 * H + j] - 1; // n in (-1, 1)
        gates[b * 4 * H + 3 * H + j] = 6 * gates[b * 4 * H + 3 * H + j] - 3; // hw_n, any value
      }
      const hPrev = rand(B * H, 1), dh = rand(B * H, 1);
      const fresh = (): Float32Array[] => [new Float32Array(B * 3 * H), new Float32Array(B * 3 * H), new Float32Array(B * H)];
      const [dx0, dhw0, dhp0] = fresh(), [dx1, dhw1, dhp1] = fresh();
      js.gruCellBackward(gates, hPrev, dh, B, H, dx0, dhw0, dhp0);
      nb!.gruCellBackward(gates, hPrev, dh, B, H, dx1, dhw1, dhp1);
      assertClose(dx1, dx0, { ...TOL, label: `dXw ${B}x${H}` }); assertClose(dhw1, dhw0, { ...TOL, label: `dHw ${B}x${H}` }); assertClose(dhp1, dhp0, { ...TOL, label: `dhPrev ${B}x${H}` });
    }
  });

  test('NaN pre-activations propagate as in js', () => {
    const B = 2, H = 19;
    const xw = rand(B * 4 * H), hw = rand(B * 4 * H), cPrev = rand(B * H);
    xw[3] = NaN; xw[H + 7] = NaN; hw[B * 4 * H - 1] = NaN; cPrev[4] = NaN;
    const g0 = new Float32Array(B * 4 * H), c0 = new Float32Array(B * H), h0 = new Float32Array(B * H);
    const g1 = new Float32Array(B * 4 * H), c1 = new Float32Array(B * H), h1 = new Float32Array(B * H);
    js.lstmCell(xw, hw, cPrev, B, H, g0, c0, h0);
    nb!.lstmCell(xw, hw, cPrev, B, H, g1, c1, h1);
    assert.ok(Number.isNaN(h1[3]) && Number.isNaN(h1[4]) && Number.isNaN(h1[B * H - 1]));
    assertClose(g1, g0, { ...TOL, label: 'gates' }); assertClose(c1, c0, { ...TOL, label: 'c' }); assertClose(h1, h0, { ...TOL, label: 'h' });
  });

  test('float64 data run on the js kernel (exact math)', () => {
    const B = 2, H = 3;
    const xw = Float64Array.from(rand(B * 4 * H)), hw = Float64Array.from(rand(B * 4 * H)), cPrev = Float64Array.from(rand(B * H));
    const g0 = new Float64Array(B * 4 * H), c0 = new Float64Array(B * H), h0 = new Float64Array(B * H);
    const g1 = new Float64Array(B * 4 * H), c1 = new Float64Array(B * H), h1 = new Float64Array(B * H);
    js.lstmCell(xw, hw, cPrev, B, H, g0, c0, h0);
    nb!.lstmCell(xw, hw, cPrev, B, H, g1, c1, h1);
    assert.deepEqual([g1, c1, h1], [g0, c0, h0]);
  });

  const narrowed = process.env.MYELIN_GEMM_PATH;
  if (narrowed === 'generic' || narrowed === 'avx2') {
    test(`MYELIN_GEMM_PATH=${narrowed} selects that copy`, () => {
      const path = loadAddon().addon!.rnnCellPath!();
      if (narrowed === 'generic') assert.equal(path, 'portable');
      else assert.notEqual(path, 'avx512');
    });
  } else {
    test('the portable and AVX2 copies match js too', () => {
      const here = dirname(fileURLToPath(import.meta.url));
      const files = ['native-rnn.test.js', 'native-attention.test.js'].map((f) => join(here, f));
      for (const path of ['generic', 'avx2']) {
        // without the parent runner's context, so that the child reports through its exit status
        const env: NodeJS.ProcessEnv = { ...process.env, MYELIN_GEMM_PATH: path };
        delete env.NODE_TEST_CONTEXT;
        const r = spawnSync(process.execPath, ['--test', ...files], { env, encoding: 'utf8' });
        assert.equal(r.status, 0, `MYELIN_GEMM_PATH=${path}:\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
      }
    });
  }

  test('sizes and aliasing are checked', () => {
    const small = new Float32Array(3);
    assert.throws(() => nb!.lstmCell(small, small, small, 2, 2, new Float32Array(16), new Float32Array(4), new Float32Array(4)), /xw/);
    // outputs may not alias inputs (the kernels read through restrict pointers)
    const xw = new Float32Array(16);
    assert.throws(() => nb!.lstmCell(xw, xw.slice(), new Float32Array(4), 2, 2, xw, new Float32Array(4), new Float32Array(4)), /share memory/);
    const ch = new Float32Array(7); // c and h overlapping by one element
    assert.throws(() => nb!.lstmCell(xw, xw.slice(), new Float32Array(4), 2, 2, new Float32Array(16), ch.subarray(0, 4), ch.subarray(3)), /share memory/);
  });
});
