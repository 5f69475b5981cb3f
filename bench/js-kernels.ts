// Throughput of the pure-TypeScript (js backend) compute kernels, printed as one JSON object:
//   - GEMM GFLOP/s for square float32 matrices (n = 128 .. 1024), the three transposed
//     combinations at 512, the seed CNN's Linear(576, 64) products at batch 64, and batched
//     products where one side is shared (stride 0);
//   - conv2d forward / backward-data / backward-weight for the seed CNN's three convolutions
//     at batch 64 (Conv2d(1,32,3) on 28x28, Conv2d(32,64,3) on 13x13, Conv2d(64,64,3) on 5x5);
//   - max pooling (kernel 2, stride 2) forward and backward for its two pooling layers;
//   - `cnnKernelMsPerBatch`: the sum of the kernel times one training step of the seed CNN at
//     batch 64 needs (the first convolution's input gradient is not needed), and the images/s
//     that the kernels alone would allow.
// Every row is the median over `rounds` passes of the whole suite (each pass times a kernel
// for `time` ms and takes the median call), which irons out a noisy, shared machine. `ms` is
// wall time, `cpuMs` process CPU time (what a single-threaded kernel costs when other
// processes compete for the cores); `gflops` and `gflopsCpu` are computed from each.
// Usage: node dist/bench/js-kernels.js [--only gemm,conv,pool] [--rounds 3] [--time 300]
//        [--sizes 128,256,512,1024]

import { matmul } from '../src/backend/js/matmul.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeight } from '../src/backend/js/conv.js';
import { maxPool2d, maxPool2dBackward } from '../src/backend/js/pool.js';
import type { Conv2dParams, MatmulParams, Pool2dParams } from '../src/backend/backend.js';
import { argValue, formatReport, measure, median, randomFill, round } from './lib/timing.js';

const only = argValue('only', 'gemm,conv,pool').split(',');
const rounds = Number(argValue('rounds', '3'));
const minTimeMs = Number(argValue('time', '300'));
const sizes = argValue('sizes', '128,256,512,1024').split(',').map(Number);

interface Case {
  group: string;
  label: Record<string, unknown>;
  /** Floating-point operations per call (0: not a FLOP-bound kernel). */
  flop: number;
  run: () => void;
  /** Part of one seed-CNN training step. */
  inStep: boolean;
}

const cases: Case[] = [];

function gemmCase(group: string, m: number, n: number, k: number, transA: boolean, transB: boolean, inStep = false,
  batch = 1, shared: 'A' | 'B' | null = null): void {
  const strideA = shared === 'A' ? 0 : m * k, strideB = shared === 'B' ? 0 : k * n;
  const a = randomFill(new Float32Array(strideA === 0 ? m * k : batch * m * k), 1);
  const b = randomFill(new Float32Array(strideB === 0 ? k * n : batch * k * n), 2);
  const c = new Float32Array(batch * m * n);
  const p: MatmulParams = { batch, m, n, k, transA, transB, strideA, strideB, accumulate: false };
  const label = batch > 1 ? { batch, shared, m, n, k, transA, transB } : { m, n, k, transA, transB };
  cases.push({ group, label, flop: 2 * batch * m * n * k, run: () => matmul(a, b, c, p), inStep });
}

if (only.includes('gemm')) {
  for (const s of sizes) gemmCase('gemmSquare', s, s, s, false, false);
  for (const [ta, tb] of [[false, true], [true, false], [true, true]]) gemmCase('gemmTransposed512', 512, 512, 512, ta, tb);
  // Linear(576, 64) at batch 64: forward x W^T, backward dY W and dY^T X
  gemmCase('gemmLinear576', 64, 64, 576, false, true, true);
  gemmCase('gemmLinear576', 64, 576, 64, false, false, true);
  gemmCase('gemmLinear576', 64, 576, 64, true, false, true);
  // batches sharing one operand (stride 0): one matrix times 64 narrow ones, and the reverse
  gemmCase('gemmBatched', 64, 9, 576, false, false, false, 64, 'A');
  gemmCase('gemmBatched', 9, 64, 576, true, false, false, 64, 'B');
}

function convParams(n: number, cIn: number, size: number, cOut: number, k: number): Conv2dParams {
  const out = size - k + 1;
  return { n, cIn, h: size, w: size, cOut, kh: k, kw: k, strideH: 1, strideW: 1, padH: 0, padW: 0,
    dilationH: 1, dilationW: 1, groups: 1, outH: out, outW: out };
}

if (only.includes('conv')) {
  const layers: [string, Conv2dParams, boolean][] = [
    ['conv1 1->32 28x28', convParams(64, 1, 28, 32, 3), false], // the first layer needs no input gradient
    ['conv2 32->64 13x13', convParams(64, 32, 13, 64, 3), true],
    ['conv3 64->64 5x5', convParams(64, 64, 5, 64, 3), true],
  ];
  for (const [layer, p, needDx] of layers) {
    const x = randomFill(new Float32Array(p.n * p.cIn * p.h * p.w), 3);
    const w = randomFill(new Float32Array(p.cOut * p.cIn * p.kh * p.kw), 4);
    const bias = randomFill(new Float32Array(p.cOut), 5);
    const y = new Float32Array(p.n * p.cOut * p.outH * p.outW);
    const dy = randomFill(new Float32Array(y.length), 6);
    const dx = new Float32Array(x.length), dw = new Float32Array(w.length);
    const flop = 2 * p.n * p.cOut * p.outH * p.outW * p.cIn * p.kh * p.kw;
    cases.push({ group: 'conv', label: { layer, pass: 'forward' }, flop, run: () => conv2d(x, w, bias, y, p), inStep: true });
    cases.push({ group: 'conv', label: { layer, pass: 'backwardData' }, flop, run: () => conv2dBackwardData(dy, w, dx, p), inStep: needDx });
    cases.push({ group: 'conv', label: { layer, pass: 'backwardWeight' }, flop, run: () => conv2dBackwardWeight(x, dy, dw, p), inStep: true });
  }
}

if (only.includes('pool')) {
  for (const [c, size] of [[32, 26], [64, 11]]) {
    const outS = Math.floor(size / 2);
    const p: Pool2dParams = { n: 64, c, h: size, w: size, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0,
      dilationH: 1, dilationW: 1, outH: outS, outW: outS, countIncludePad: true };
    // post-ReLU-like input: half zeros
    const x = randomFill(new Float32Array(p.n * c * size * size), 7).map((v) => Math.max(v, 0));
    const out = new Float32Array(p.n * c * outS * outS), arg = new Int32Array(out.length);
    const dy = randomFill(new Float32Array(out.length), 8), dx = new Float32Array(x.length);
    const layer = `maxpool2 ${c}x${size}x${size}`;
    cases.push({ group: 'maxPool', label: { layer, pass: 'forward' }, flop: 0, run: () => maxPool2d(x, out, arg, p), inStep: true });
    cases.push({ group: 'maxPool', label: { layer, pass: 'backward' }, flop: 0, run: () => maxPool2dBackward(dy, arg, dx, p), inStep: true });
  }
}

const wall: number[][] = cases.map(() => []), cpu: number[][] = cases.map(() => []);
for (let r = 0; r < rounds; r++) {
  cases.forEach((c, i) => {
    const t = measure(c.run, { minTimeMs, minRuns: 3 });
    wall[i].push(t.medianMs);
    cpu[i].push(t.cpuMedianMs);
  });
}

const report: Record<string, unknown> = { node: process.version, rounds, minTimeMs };
let stepMs = 0, stepCpuMs = 0;
cases.forEach((c, i) => {
  const ms = median(wall[i]), cpuMs = median(cpu[i]);
  const row: Record<string, unknown> = { ...c.label, ms: round(ms), cpuMs: round(cpuMs) };
  if (c.flop > 0) { row.gflops = round(c.flop / ms / 1e6, 2); row.gflopsCpu = round(c.flop / cpuMs / 1e6, 2); }
  ((report[c.group] ??= []) as unknown[]).push(row);
  if (c.inStep) { stepMs += ms; stepCpuMs += cpuMs; }
});
if (only.length === 3) {
  report.cnnKernelMsPerBatch = round(stepMs, 2);
  report.cnnKernelCpuMsPerBatch = round(stepCpuMs, 2);
  report.cnnKernelImagesPerSecond = round(64 / stepMs * 1000, 1);
  report.cnnKernelImagesPerCpuSecond = round(64 / stepCpuMs * 1000, 1);
}
console.log(formatReport(report));
