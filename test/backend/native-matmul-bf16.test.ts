// matmulBf16 on the native backend against the js oracle on shapes larger than the generic
// kernel test's samples (several micro-tiles and k blocks, edge tiles in both directions, odd k,
// the transpose flags, accumulate, broadcast batches), on one thread and on the pool. The
// tolerance is fp32 accumulation's: the products of two bfloat16 are exact in float32, only the
// order of the additions differs, so |native - js| <= (k + 2) * 2^-23 * sum_k |a| |b|.
// The portable path (MYELIN_GEMM_PATH=generic: operands widened, then sgemm) runs in a child
// process, where it must also equal the float32 matmul of the widened operands bit for bit.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsBackendInstance } from '../../src/backend/index.js';
import { isNativeBackend, loadNativeBackend } from '../../src/backend/native/index.js';
import type { MatmulParams } from '../../src/backend/kernels.js';
import { mulberry32 as prng } from '../helpers/prng.js';

const js = jsBackendInstance();
const loaded = loadNativeBackend(js);
const nb = loaded.backend;
const skip = nb ? false : `native addon unavailable (${loaded.reason})`;
const path = process.env.MYELIN_GEMM_PATH;

function bf16(len: number, rnd: () => number): Uint16Array {
  const f = new Float32Array(len);
  for (let i = 0; i < len; i++) f[i] = (rnd() * 2 - 1) * (i % 7 === 0 ? 8 : 1);
  const out = new Uint16Array(len);
  js.cast(f, out);
  return out;
}

function widen(bits: Uint16Array): Float32Array {
  const f = new Float32Array(bits.length);
  js.cast(bits, f);
  return f;
}

function params(batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
  strideA: number, strideB: number, accumulate: boolean): MatmulParams {
  return { batch, m, n, k, transA, transB, strideA, strideB, accumulate };
}

const m = (batch: number, mm: number, n: number, k: number, transA = false, transB = false, accumulate = false) =>
  params(batch, mm, n, k, transA, transB, mm * k, k * n, accumulate);

const CASES: MatmulParams[] = [
  m(1, 13, 33, 1), m(1, 25, 70, 387), m(1, 150, 200, 301, true, false), m(1, 97, 131, 777, false, true, true),
  m(1, 64, 64, 64, true, true), m(1, 1, 300, 129), m(1, 300, 1, 129, true, false, true), m(1, 260, 40, 50),
  params(5, 20, 45, 33, false, false, 20 * 33, 0, true), params(3, 40, 17, 21, true, true, 0, 17 * 21, false),
  params(2, 33, 600, 400, false, false, 33 * 400, 400 * 600, false),
];

function check(p: MatmulParams, seed: number): void {
  const rnd = prng(seed);
  const lenA = (p.batch - 1) * p.strideA + p.m * p.k, lenB = (p.batch - 1) * p.strideB + p.k * p.n;
  const a = bf16(lenA, rnd), b = bf16(lenB, rnd);
  const init = Float32Array.from({ length: p.batch * p.m * p.n }, () => rnd() - 0.5);
  const want = init.slice(), got = init.slice();
  js.matmulBf16(a, b, want, p);
  nb!.matmulBf16(a, b, got, p);
  const absSum = new Float32Array(want.length);
  js.matmul(widen(a).map(Math.abs), widen(b).map(Math.abs), absSum, { ...p, accumulate: false });
  const eps = (p.k + 2) * 2 ** -23;
  for (let i = 0; i < want.length; i++) {
    const tol = eps * (absSum[i] + (p.accumulate ? Math.abs(init[i]) : 0)) + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${JSON.stringify(p)}: out[${i}] = ${got[i]}, js ${want[i]} (tol ${tol})`);
  }
  if (path === 'generic') {
    const f32 = init.slice();
    nb!.matmul(widen(a), widen(b), f32, p);
    assert.deepEqual(got, f32, `${JSON.stringify(p)}: the portable path is sgemm on the widened operands`);
  }
}

describe(`native matmulBf16 against js (MYELIN_GEMM_PATH=${path ?? 'unset'})`, { skip }, () => {
  for (const threads of [1, 0]) {
    test(`${threads === 1 ? 'one thread' : 'the thread pool'}: odd sizes, k blocks, transposes, accumulate, broadcast batches`, () => {
      const native = nb!;
      assert.ok(isNativeBackend(native));
      if (path === 'generic') assert.equal(native.info().bf16_gemm_path, 'portable');
      else if (path !== 'avx2' && native.info().cpu_features.split(' ').includes('avx512_bf16')) assert.equal(native.info().bf16_gemm_path, 'avx512bf16');
      native.setNumThreads(threads);
      try {
        CASES.forEach((p, i) => check(p, 100 + i));
      } finally {
        native.setNumThreads(0);
      }
    });
  }
});

if (!skip && path !== 'generic') {
  test('the portable path (MYELIN_GEMM_PATH=generic) passes these tests too', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, MYELIN_GEMM_PATH: 'generic' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, `MYELIN_GEMM_PATH=generic:\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
  });
}
