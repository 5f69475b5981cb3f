// Sample arguments for the generic backend-versus-js kernel test (kernel-spec.test.ts): per
// kernel, the values of its non-tensor arguments, and the lengths of the tensors whose
// declaration gives no size. The tensors themselves are made from the declarations (sized by
// their size expressions, index data drawn from their ranges). Typed by KernelName: a new kernel
// does not compile until it has samples here. Each kernel has odd sizes, 1-sized and empty ones.

import type { KernelName } from '../../src/backend/kernels.js';

export type Sample = Record<string, unknown>;

const conv = (n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number,
  s: [number, number], pad: [number, number], dil: [number, number], groups: number) => {
  const outH = Math.floor((h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / s[0]) + 1;
  const outW = Math.floor((w + 2 * pad[1] - dil[1] * (kw - 1) - 1) / s[1]) + 1;
  return { p: { n, cIn, h, w, cOut, kh, kw, strideH: s[0], strideW: s[1], padH: pad[0], padW: pad[1],
    dilationH: dil[0], dilationW: dil[1], groups, outH: Math.max(outH, 0), outW: Math.max(outW, 0) } };
};
const CONV: Sample[] = [
  conv(2, 3, 7, 5, 4, 3, 3, [1, 1], [1, 1], [1, 1], 1),
  conv(1, 4, 6, 7, 6, 3, 2, [2, 1], [1, 0], [1, 2], 2),
  conv(1, 1, 1, 1, 1, 1, 1, [1, 1], [0, 0], [1, 1], 1),
  conv(0, 2, 4, 4, 3, 3, 3, [1, 1], [1, 1], [1, 1], 1),
];

const pool = (n: number, c: number, h: number, w: number, k: number, s: number, pad: number, countIncludePad: boolean, relu = false) => {
  const out = (x: number) => Math.floor((x + 2 * pad - (k - 1) - 1) / s) + 1;
  return { p: { n, c, h, w, kh: k, kw: k, strideH: s, strideW: s, padH: pad, padW: pad, dilationH: 1, dilationW: 1,
    outH: out(h), outW: out(w), countIncludePad, relu } };
};
const POOL: Sample[] = [pool(2, 3, 7, 5, 2, 2, 0, true), pool(1, 2, 6, 6, 3, 2, 1, false, true), pool(1, 1, 1, 1, 1, 1, 0, true),
  pool(0, 2, 4, 4, 2, 2, 0, true)];

const oni = (outer: number, n: number, inner: number, extra: Sample = {}): Sample => ({ outer, n, inner, ...extra });
const ONI: Sample[] = [oni(3, 7, 5), oni(1, 1, 1), oni(2, 0, 3), oni(0, 4, 2)];

const matmul = (batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, shareB: boolean, accumulate: boolean) =>
  ({ p: { batch, m, n, k, transA, transB, strideA: m * k, strideB: shareB ? 0 : k * n, accumulate } });

const cells = (batch: number, hidden: number) => ({ batch, hidden });
const CELLS: Sample[] = [cells(3, 5), cells(1, 1), cells(0, 4), cells(2, 17)];
const NORM: Sample[] = [{ n: 3, c: 5, spatial: 7 }, { n: 1, c: 1, spatial: 1 }, { n: 2, c: 3, spatial: 0 }];
const ROWS: Sample[] = [{ rows: 5, n: 7, eps: 1e-5 }, { rows: 1, n: 1, eps: 1e-5 }, { rows: 0, n: 3, eps: 1e-5 }];
const ATT: Sample[] = [{ batch: 2, L: 5, S: 7, scale: 0.35, causal: false }, { batch: 3, L: 6, S: 4, scale: 1, causal: true },
  { batch: 1, L: 1, S: 1, scale: 2, causal: true }, { batch: 0, L: 3, S: 3, scale: 1, causal: false }];
const OPT = (p: Sample): Sample[] => [{ param: 37, p }, { param: 1, p }, { param: 0, p }];

export const KERNEL_SAMPLES: { [K in KernelName]: Sample[] } = {
  fill: [{ out: 37, value: 2.5 }, { out: 1, value: -3 }, { out: 0, value: 1 }],
  copy: [{ src: 37 }, { src: 1 }, { src: 0 }],
  cast: [{ src: 37 }, { src: 1 }, { src: 0 }],
  unary: [{ out: 37, p0: 0.3, p1: 0.8 }, { out: 1, p0: -0.5, p1: 0.5 }, { out: 0, p0: 1, p1: 2 }],
  binary: [
    { aShape: [3, 5], bShape: [3, 5], outShape: [3, 5], p0: 0.1 },
    { aShape: [3, 1, 5], bShape: [4, 1], outShape: [3, 4, 5], p0: 0.1 },
    { aShape: [], bShape: [2, 3], outShape: [2, 3], p0: 0.1 },
    { aShape: [1], bShape: [1], outShape: [1], p0: 0.1 },
    { aShape: [0, 3], bShape: [3], outShape: [0, 3], p0: 0.1 },
  ],
  where: [
    { condShape: [3, 5], aShape: [3, 5], bShape: [5], outShape: [3, 5] },
    { condShape: [4, 1], aShape: [1, 3], bShape: [], outShape: [4, 3] },
    { condShape: [0], aShape: [0], bShape: [0], outShape: [0] },
  ],
  reduce: ONI,
  argReduce: ONI.filter((s) => s.n !== 0),
  expand: [{ shape: [3, 1, 5], outShape: [2, 3, 4, 5] }, { shape: [1], outShape: [7] }, { shape: [1, 3], outShape: [0, 3] }],
  permute: [{ shape: [2, 3, 5], perm: [2, 0, 1] }, { shape: [7, 3], perm: [1, 0] }, { shape: [1], perm: [0] }, { shape: [0, 3], perm: [1, 0] }],
  slice: [{ shape: [4, 5, 3], begin: [1, 2, 0], outShape: [2, 3, 3] }, { shape: [1], begin: [0], outShape: [1] },
    { shape: [3, 4], begin: [1, 1], outShape: [0, 2] }],
  sliceAssign: [{ srcShape: [2, 3, 3], dstShape: [4, 5, 3], begin: [1, 2, 0] }, { srcShape: [1], dstShape: [1], begin: [0] },
    { srcShape: [0, 2], dstShape: [3, 4], begin: [1, 1] }],
  gatherRows: [{ rows: 7, dim: 5, idx: 11 }, { rows: 1, dim: 1, idx: 1 }, { rows: 3, dim: 4, idx: 0 }],
  scatterAddRows: [{ table: 35, dim: 5, idx: 11 }, { table: 1, dim: 1, idx: 3 }, { table: 12, dim: 4, idx: 0 }],
  takeAlongAxis: [oni(3, 7, 5, { idx: 3 * 4 * 5 }), oni(1, 1, 1, { idx: 1 }), oni(2, 3, 2, { idx: 0 })],
  scatterAddAlongAxis: [oni(3, 7, 5, { idx: 3 * 4 * 5 }), oni(1, 1, 1, { idx: 2 }), oni(2, 3, 2, { idx: 0 })],
  matmul: [matmul(2, 5, 7, 3, false, false, false, false), matmul(3, 4, 6, 9, true, false, true, true),
    matmul(1, 7, 5, 33, false, true, false, false), matmul(2, 3, 5, 4, true, true, false, true), matmul(1, 1, 1, 1, false, false, false, false),
    matmul(2, 3, 4, 0, false, false, false, false), matmul(0, 3, 4, 5, false, false, false, false)],
  matmulBf16: [matmul(2, 5, 7, 3, false, false, false, false), matmul(3, 4, 6, 9, true, false, true, true),
    matmul(1, 7, 5, 33, false, true, false, false), matmul(2, 3, 5, 4, true, true, false, true), matmul(1, 1, 1, 1, false, false, false, false),
    matmul(2, 3, 4, 0, false, false, false, false), matmul(2, 3, 4, 0, false, false, false, true), matmul(0, 3, 4, 5, false, false, false, false),
    matmul(1, 37, 45, 67, false, false, false, false), matmul(1, 29, 70, 131, true, true, false, true),
    matmul(2, 13, 33, 1, false, true, true, false), matmul(1, 1, 40, 17, false, false, false, true), matmul(1, 40, 1, 17, true, false, false, false),
    matmul(1, 64, 96, 520, false, false, false, false), matmul(4, 17, 19, 23, false, true, true, true)],
  conv2d: CONV,
  conv2dBackwardData: CONV,
  conv2dBackwardWeight: CONV,
  maxPool2d: POOL,
  maxPool2dBackward: POOL,
  avgPool2d: POOL,
  avgPool2dBackward: POOL,
  softmax: ONI.flatMap((s) => [{ ...s, log: false }, { ...s, log: true }]),
  softmaxBackward: ONI.flatMap((s) => [{ ...s, log: false }, { ...s, log: true }]),
  channelMoments: NORM,
  batchNormApply: NORM,
  batchNormBackward: NORM.flatMap((s) => [{ ...s, batchStats: true }, { ...s, batchStats: false }]),
  layerNorm: ROWS,
  layerNormBackward: ROWS,
  lstmCell: CELLS,
  lstmCellBackward: CELLS,
  gruCell: CELLS,
  gruCellBackward: CELLS,
  attentionSoftmax: ATT,
  attentionSoftmaxBackward: ATT,
  sgdUpdate: OPT({ lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: true, firstStep: false, maximize: false }),
  adamUpdate: OPT({ lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupledWeightDecay: true, step: 3,
    amsgrad: true, maximize: false }),
  rmspropUpdate: OPT({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, centered: true, maximize: false }),
};
