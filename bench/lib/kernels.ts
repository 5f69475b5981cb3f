// Kernel throughput through the Backend interface (the same call the ops make): GEMM on square
// float32 matrices and the seed CNN's three convolutions, forward and both backward passes.
// Each case is timed by `measure` (warm-up, then calls until a minimum count and time have
// passed); rows report the median call and the fastest one.

import type { Backend, Conv2dParams, MatmulParams } from '../../src/backend/backend.js';
import { measure, randomFill, round, type MeasureOptions } from './timing.js';

export interface TimedRow {
  ms_median: number;
  ms_best: number;
  /** From the median call. */
  gflops: number;
  /** From the fastest call. */
  gflops_best: number;
  runs: number;
}

function timed(flop: number, run: () => void, opts: MeasureOptions): TimedRow {
  const t = measure(run, opts);
  return {
    ms_median: round(t.medianMs, 4), ms_best: round(t.minMs, 4),
    gflops: round(flop / t.medianMs / 1e6, 2), gflops_best: round(flop / t.minMs / 1e6, 2), runs: t.runs,
  };
}

/** C = A B for n x n float32 matrices (2 n^3 floating-point operations). */
export function benchGemm(b: Backend, n: number, opts: MeasureOptions): TimedRow {
  const a = randomFill(new Float32Array(n * n), 1), bm = randomFill(new Float32Array(n * n), 2);
  const c = new Float32Array(n * n);
  const p: MatmulParams = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: n * n, strideB: n * n, accumulate: false };
  return timed(2 * n * n * n, () => b.matmul(a, bm, c, p), opts);
}

/** C = A B for n x n bfloat16 A and B into float32 C (matmulBf16; 2 n^3 floating-point operations). */
export function benchGemmBf16(b: Backend, n: number, opts: MeasureOptions): TimedRow {
  const a = new Uint16Array(n * n), bm = new Uint16Array(n * n);
  b.cast(randomFill(new Float32Array(n * n), 1), a);
  b.cast(randomFill(new Float32Array(n * n), 2), bm);
  const c = new Float32Array(n * n);
  const p: MatmulParams = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: n * n, strideB: n * n, accumulate: false };
  return timed(2 * n * n * n, () => b.matmulBf16(a, bm, c, p), opts);
}

export interface ConvLayer { layer: string; p: Conv2dParams; needsInputGrad: boolean }

function convParams(n: number, cIn: number, size: number, cOut: number, k: number): Conv2dParams {
  const out = size - k + 1;
  return { n, cIn, h: size, w: size, cOut, kh: k, kw: k, strideH: 1, strideW: 1, padH: 0, padW: 0,
    dilationH: 1, dilationW: 1, groups: 1, outH: out, outW: out };
}

/** The seed CNN's convolutions (models/cnn.ts; the Keras CNN of the seed) at `batch` images. */
export function seedCnnConvs(batch: number): ConvLayer[] {
  return [
    // the first layer's input is the data: training needs no input gradient there
    { layer: 'conv1 1->32 3x3 on 28x28', p: convParams(batch, 1, 28, 32, 3), needsInputGrad: false },
    { layer: 'conv2 32->64 3x3 on 13x13', p: convParams(batch, 32, 13, 64, 3), needsInputGrad: true },
    { layer: 'conv3 64->64 3x3 on 5x5', p: convParams(batch, 64, 5, 64, 3), needsInputGrad: true },
  ];
}

export type ConvPass = 'forward' | 'backwardData' | 'backwardWeight';

export interface ConvRow extends TimedRow {
  layer: string;
  pass: ConvPass;
  batch: number;
  images_per_second: number;
  /** Part of one training step of the seed CNN. */
  in_train_step: boolean;
}

/** Times forward, backward-data and backward-weight of each layer on backend `b`. */
export function benchConvs(b: Backend, layers: ConvLayer[], opts: MeasureOptions): ConvRow[] {
  const rows: ConvRow[] = [];
  for (const { layer, p, needsInputGrad } of layers) {
    const x = randomFill(new Float32Array(p.n * p.cIn * p.h * p.w), 3);
    const w = randomFill(new Float32Array(p.cOut * p.cIn * p.kh * p.kw), 4);
    const bias = randomFill(new Float32Array(p.cOut), 5);
    const y = new Float32Array(p.n * p.cOut * p.outH * p.outW);
    const dy = randomFill(new Float32Array(y.length), 6);
    const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
    const flop = 2 * p.n * p.cOut * p.outH * p.outW * p.cIn * p.kh * p.kw;
    const passes: [ConvPass, () => void, boolean][] = [
      ['forward', () => b.conv2d(x, w, bias, y, p), true],
      ['backwardData', () => b.conv2dBackwardData(dy, w, dx, p), needsInputGrad],
      ['backwardWeight', () => b.conv2dBackwardWeight(x, dy, dw, p, null), true],
    ];
    for (const [pass, run, inStep] of passes) {
      const t = timed(flop, run, opts);
      rows.push({ layer, pass, batch: p.n, ...t, images_per_second: round(p.n / t.ms_median * 1000, 1), in_train_step: inStep });
    }
  }
  return rows;
}
