// The shape of the native addon (build/Release/myelin_native.node, native/src/binding) and
// its loader. Kernels take typed arrays and plain numbers / booleans (never objects) and work
// in place on the arrays' memory; they throw TypeError / RangeError on bad arguments.

import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon API version this loader speaks (native/src/binding/addon.cc kApiVersion). */
export const ADDON_API_VERSION = 2;

type F32 = Float32Array;
type I32 = Int32Array;
type Arr = Float32Array | Float64Array | Int32Array;

export interface NativeAddon {
  apiVersion: number;
  version: string;
  /** Comma-separated op names; an op's code is its index. */
  unaryOps: string; binaryOps: string; binaryInt32Ops: string; reduceOps: string; argReduceOps: string;
  info(): { cpu_features: string; cpu: string; gemm_path: string; threads: number; physical_cores: number };
  setNumThreads(n: number): number;
  getNumThreads(): number;

  unary(code: number, x: F32, out: F32, p0: number, p1: number): void;
  binarySame(code: number, a: Arr, b: Arr, out: Arr, p0: number): void;
  binary(code: number, a: Arr, b: Arr, out: Arr, p0: number, rank: number, dims: I32): void;
  where(cond: Arr, a: Arr, b: Arr, out: Arr, rank: number, dims: I32): void;
  fill(out: Arr, value: number): void;
  copy(src: Arr, dst: Arr): void;
  cast(src: Arr, dst: Arr): void;
  reduce(code: number, x: F32, outer: number, n: number, inner: number, out: F32): void;
  argReduce(code: number, x: F32, outer: number, n: number, inner: number, out: I32): void;

  expand(x: Arr, out: Arr, rank: number, dims: I32): void;
  permute(x: Arr, out: Arr, rank: number, dims: I32): void;
  slice(x: Arr, out: Arr, rank: number, dims: I32): void;
  sliceAssign(src: Arr, dst: Arr, accumulate: boolean, rank: number, dims: I32): void;
  gatherRows(table: Arr, rows: number, dim: number, idx: I32, out: Arr): void;
  scatterAddRows(src: F32, idx: I32, dim: number, table: F32): void;
  takeAlongAxis(x: Arr, outer: number, n: number, inner: number, idx: I32, out: Arr): void;
  scatterAddAlongAxis(src: F32, outer: number, n: number, inner: number, idx: I32, dx: F32): void;

  matmul(a: F32, b: F32, out: F32, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
    strideA: number, strideB: number, accumulate: boolean): void;
  conv2d(x: F32, w: F32, bias: F32 | null, out: F32, n: number, cIn: number, h: number, wd: number, cOut: number,
    kh: number, kw: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number,
    dilationW: number, groups: number, outH: number, outW: number): void;
  conv2dBackwardData(dy: F32, w: F32, dx: F32, n: number, cIn: number, h: number, wd: number, cOut: number,
    kh: number, kw: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number,
    dilationW: number, groups: number, outH: number, outW: number): void;
  /** db (optional, [cOut]): the bias gradient, from the same pass over dy. */
  conv2dBackwardWeight(x: F32, dy: F32, dw: F32, n: number, cIn: number, h: number, wd: number, cOut: number,
    kh: number, kw: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number,
    dilationW: number, groups: number, outH: number, outW: number, db?: F32 | null): void;
  maxPool2d(x: F32, out: F32, argmax: I32, n: number, c: number, h: number, w: number, kh: number, kw: number,
    strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number,
    outH: number, outW: number, relu: boolean): void;
  maxPool2dBackward(dy: F32, argmax: I32, dx: F32, n: number, c: number, h: number, w: number, kh: number, kw: number,
    strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number,
    outH: number, outW: number): void;
  avgPool2d(x: F32, out: F32, n: number, c: number, h: number, w: number, kh: number, kw: number,
    strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number,
    outH: number, outW: number, countIncludePad: boolean): void;
  avgPool2dBackward(dy: F32, dx: F32, n: number, c: number, h: number, w: number, kh: number, kw: number,
    strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number,
    outH: number, outW: number, countIncludePad: boolean): void;
  softmax(x: F32, outer: number, n: number, inner: number, out: F32, log: boolean): void;
  softmaxBackward(y: F32, dy: F32, outer: number, n: number, inner: number, dx: F32, log: boolean): void;
  channelMoments(x: F32, n: number, c: number, spatial: number, mean: F32, variance: F32): void;
  batchNormApply(x: F32, n: number, c: number, spatial: number, mean: F32, invStd: F32, gamma: F32 | null,
    beta: F32 | null, out: F32): void;
  batchNormBackward(x: F32, dy: F32, n: number, c: number, spatial: number, mean: F32, invStd: F32,
    gamma: F32 | null, batchStats: boolean, dx: F32 | null, dgamma: F32 | null, dbeta: F32 | null): void;
  layerNorm(x: F32, rows: number, n: number, gamma: F32 | null, beta: F32 | null, eps: number, out: F32,
    mean: F32, invStd: F32): void;
  layerNormBackward(x: F32, dy: F32, rows: number, n: number, mean: F32, invStd: F32, gamma: F32 | null,
    dx: F32 | null, dgamma: F32 | null, dbeta: F32 | null): void;
  sgdUpdate(param: F32, grad: F32, buf: F32 | null, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: boolean, firstStep: boolean, maximize: boolean): void;
  adamUpdate(param: F32, grad: F32, m: F32, v: F32, vMax: F32 | null, beta1: number, beta2: number, eps: number,
    l2: number, decay: number, stepSize: number, bc2Sqrt: number, maximize: boolean): void;
  rmspropUpdate(param: F32, grad: F32, squareAvg: F32, gradAvg: F32 | null, buf: F32 | null, lr: number,
    alpha: number, eps: number, weightDecay: number, momentum: number, maximize: boolean): void;
  // fused recurrent cells; optional so that an addon built before them still loads (js runs them then)
  lstmCell?(xw: F32, hw: F32, cPrev: F32, batch: number, hidden: number, gates: F32, c: F32, h: F32): void;
  lstmCellBackward?(gates: F32, cPrev: F32, c: F32, dh: F32, dc: F32, batch: number, hidden: number, dGates: F32,
    dcPrev: F32): void;
  gruCell?(xw: F32, hw: F32, hPrev: F32, batch: number, hidden: number, gates: F32, h: F32): void;
  gruCellBackward?(gates: F32, hPrev: F32, dh: F32, batch: number, hidden: number, dXw: F32, dHw: F32,
    dhPrev: F32): void;
  /** Which copy of the cell and attention kernels runs: avx512, avx2 or portable (MYELIN_GEMM_PATH narrows it). */
  rnnCellPath?(): string;
  attentionSoftmax?(scores: F32, batch: number, L: number, S: number, scale: number, causal: boolean, out: F32): void;
  attentionSoftmaxBackward?(p: F32, dp: F32, batch: number, L: number, S: number, scale: number, causal: boolean,
    dScores: F32): void;
}

/** The directory holding myelin's package.json (works from src/ and from dist/src/). */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'myelin') return dir;
      } catch { /* not ours: keep looking */ }
    }
    if (dirname(dir) === dir) return join(start, '..', '..', '..', '..');
  }
}

/** Where the addon is looked for: MYELIN_NATIVE_PATH, else build/Release/myelin_native.node. */
export function addonPath(): string {
  const env = process.env.MYELIN_NATIVE_PATH;
  return env !== undefined && env !== '' ? env : join(packageRoot(), 'build', 'Release', 'myelin_native.node');
}

export type AddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

/** Loads and checks the addon; never throws. */
export function loadAddon(): AddonLoad {
  const path = addonPath();
  const explicit = process.env.MYELIN_NATIVE_PATH !== undefined && process.env.MYELIN_NATIVE_PATH !== '';
  if (!existsSync(path)) return { addon: null, reason: explicit ? `${path} does not exist` : 'not built' };
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { addon: null, reason: `cannot load ${path}: ${message}` };
  }
  if (addon === null || typeof addon !== 'object' || typeof addon.apiVersion !== 'number') {
    return { addon: null, reason: `${path} is not myelin's native addon` };
  }
  if (addon.apiVersion !== ADDON_API_VERSION) {
    return {
      addon: null,
      reason: `${path} is a stale build (addon API ${String(addon.apiVersion)}, expected ${ADDON_API_VERSION}); rebuild it with 'node scripts/build-native.js'`,
    };
  }
  return { addon, reason: null };
}
