// The native Backend: the js backend with its kernels overridden by the C++ addon's where the
// addon handles the data. A kernel runs natively for float32 data (int32 where it is data, not
// values: gather indices, comparison outputs, pooling argmax); other dtypes (float64 for
// gradient checks, int32 arithmetic) go to the js kernel. Pure data movement (expand, permute,
// slice, gathers), fill, copy and cast run natively for every dtype.
//
// Per call the JS side does only type checks and passes typed arrays and numbers; shapes go
// through one reused Int32Array, so a kernel call allocates nothing.

import type {
  AdamParams, ArgReduceOp, Backend, BinaryOp, Conv2dParams, KernelName, MatmulParams, Pool2dParams, ReduceOp,
  RmspropParams, SgdParams, Storage, UnaryOp,
} from '../backend.js';
import type { NativeAddon } from './addon.js';
import { Buffer } from 'node:buffer';
import { allocArray, type DType } from '../../dtype/dtype.js';
import { pooledStorage } from '../storage-pool.js';

export interface NativeInfo {
  native_version: string;
  cpu_features: string;
  gemm_path: string;
  threads: number;
  physical_cores: number;
}

/** The native backend: a Backend plus a description for `myelin info` and a thread setting. */
export interface NativeBackend extends Backend {
  info(): NativeInfo;
  /** Sets the kernel thread pool's size (n <= 0: the default); returns the size in effect. */
  setNumThreads(n: number): number;
}

/** Kernels the addon implements (for some dtypes; see the notes at the top). */
const NATIVE_KERNELS: ReadonlySet<string> = new Set<KernelName>([
  'fill', 'copy', 'cast', 'unary', 'binary', 'where', 'reduce', 'argReduce',
  'expand', 'permute', 'slice', 'sliceAssign', 'gatherRows', 'scatterAddRows', 'takeAlongAxis', 'scatterAddAlongAxis',
  'matmul', 'conv2d', 'conv2dBackwardData', 'conv2dBackwardWeight',
  'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward',
  'softmax', 'softmaxBackward', 'channelMoments', 'batchNormApply', 'batchNormBackward', 'layerNorm', 'layerNormBackward',
  'sgdUpdate', 'adamUpdate', 'rmspropUpdate',
  'lstmCell', 'lstmCellBackward', 'gruCell', 'gruCellBackward',
  'attentionSoftmax', 'attentionSoftmaxBackward',
]);

const MAX_RANK = 32;
const COMPARISONS: ReadonlySet<string> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** name -> code from the addon's comma-separated list. */
function codes(list: string): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  list.split(',').filter((s) => s !== '').forEach((name, i) => { out[name] = i; });
  return out;
}

/**
 * Below this many bytes an uninitialised allocation saves less than making the Buffer costs,
 * and small typed arrays may live on V8's heap anyway.
 */
const UNINIT_MIN_BYTES = 16384;

/**
 * A new storage, zero-filled or not. Without zero-filling, Buffer.allocUnsafeSlow takes its own (unpooled)
 * ArrayBuffer from malloc rather than calloc, so memory freed by earlier steps is reused as it
 * is instead of being zeroed, or faulted in afresh page by page. Float32 and int32 only: those
 * are what the native kernels write in full.
 */
function freshStorage(dtype: DType, size: number, zeroed: boolean): Storage {
  const bytes = size * 4;
  if (zeroed || (dtype !== 'float32' && dtype !== 'int32') || bytes < UNINIT_MIN_BYTES) return allocArray(dtype, size);
  const buf = Buffer.allocUnsafeSlow(bytes).buffer;
  return dtype === 'float32' ? new Float32Array(buf, 0, size) : new Int32Array(buf, 0, size);
}

const isF32 = (s: Storage | null): s is Float32Array => s instanceof Float32Array;
const isI32 = (s: Storage | null): s is Int32Array => s instanceof Int32Array;
const f32OrNull = (s: Storage | null): boolean => s === null || s instanceof Float32Array;

export function createNativeBackend(addon: NativeAddon, js: Backend): NativeBackend {
  const U = codes(addon.unaryOps), B = codes(addon.binaryOps), R = codes(addon.reduceOps), A = codes(addon.argReduceOps);
  const B_I32 = codes(addon.binaryInt32Ops);
  // per binary code: whether float32 operands write an int32 (comparison) result
  const binaryCmp: boolean[] = [];
  for (const name of Object.keys(B)) binaryCmp[B[name]] = COMPARISONS.has(name);
  const variants: Record<string, Record<string, number>> = { unary: U, binary: B, reduce: R, argReduce: A };
  const native = addon;

  // shapes for the broadcasting / strided kernels, back to back, reused between calls
  let dims = new Int32Array(4 * MAX_RANK);
  /** Writes `shape` right-aligned into `rank` slots at `at` (leading 1s). */
  const put = (at: number, shape: readonly number[], rank: number): void => {
    const lead = rank - shape.length;
    for (let d = 0; d < lead; d++) dims[at + d] = 1;
    for (let d = 0; d < shape.length; d++) dims[at + lead + d] = shape[d];
  };
  const room = (n: number): void => { if (dims.length < n) dims = new Int32Array(n); };

  const sameKind = (a: Storage, b: Storage): boolean => a.constructor === b.constructor;

  const backend: NativeBackend = {
    ...js,
    name: 'native',

    implements(kernel: KernelName, variant?: string): boolean {
      if (!NATIVE_KERNELS.has(kernel)) return false;
      if (variant === undefined) return true;
      const v = variants[kernel];
      return v === undefined || v[variant] !== undefined;
    },

    info(): NativeInfo {
      const i = native.info();
      return {
        native_version: native.version, cpu_features: i.cpu_features, gemm_path: i.gemm_path,
        threads: i.threads, physical_cores: i.physical_cores,
      };
    },

    setNumThreads(n: number): number {
      return native.setNumThreads(n);
    },

    // --- storage -------------------------------------------------------------------------
    ...pooledStorage(freshStorage, (s, value) => backend.fill(s, value)),
    fill(out, value) { native.fill(out, value); },
    copy(src, dst) {
      if (sameKind(src, dst)) native.copy(src, dst);
      else js.copy(src, dst);
    },
    cast(src, dst) { native.cast(src, dst); },

    // --- elementwise ---------------------------------------------------------------------
    unary(op: UnaryOp, x, out, p0 = 0, p1 = 0) {
      const c = U[op];
      if (c !== undefined && isF32(x) && isF32(out)) native.unary(c, x, out, p0, p1);
      else js.unary(op, x, out, p0, p1);
    },

    binary(op: BinaryOp, a, aShape, b, bShape, out, outShape, p0 = 0) {
      const c = B[op];
      const ok = c !== undefined && outShape.length <= MAX_RANK && (
        isF32(a) ? isF32(b) && (binaryCmp[c] ? isI32(out) : isF32(out))
          : isI32(a) && isI32(b) && isI32(out) && B_I32[op] !== undefined);
      if (!ok) { js.binary(op, a, aShape, b, bShape, out, outShape, p0); return; }
      if (a.length === out.length && b.length === out.length) { native.binarySame(c, a, b, out, p0); return; }
      const rank = outShape.length;
      room(3 * rank);
      put(0, outShape, rank); put(rank, aShape, rank); put(2 * rank, bShape, rank);
      native.binary(c, a, b, out, p0, rank, dims);
    },

    where(cond, condShape, a, aShape, b, bShape, out, outShape) {
      const ok = outShape.length <= MAX_RANK && (isF32(cond) || isI32(cond)) &&
        ((isF32(out) && isF32(a) && isF32(b)) || (isI32(out) && isI32(a) && isI32(b)));
      if (!ok) { js.where(cond, condShape, a, aShape, b, bShape, out, outShape); return; }
      const rank = outShape.length;
      room(4 * rank);
      put(0, outShape, rank); put(rank, condShape, rank); put(2 * rank, aShape, rank); put(3 * rank, bShape, rank);
      native.where(cond, a, b, out, rank, dims);
    },

    // --- reductions ----------------------------------------------------------------------
    reduce(op: ReduceOp, x, outer, n, inner, out) {
      const c = R[op];
      if (c !== undefined && isF32(x) && isF32(out)) native.reduce(c, x, outer, n, inner, out);
      else js.reduce(op, x, outer, n, inner, out);
    },
    argReduce(op: ArgReduceOp, x, outer, n, inner, out) {
      const c = A[op];
      if (c !== undefined && isF32(x) && isI32(out)) native.argReduce(c, x, outer, n, inner, out);
      else js.argReduce(op, x, outer, n, inner, out);
    },

    // --- data movement -------------------------------------------------------------------
    expand(x, shape, out, outShape) {
      if (!sameKind(x, out) || outShape.length > MAX_RANK) { js.expand(x, shape, out, outShape); return; }
      const rank = outShape.length;
      room(2 * rank);
      put(0, outShape, rank); put(rank, shape, rank);
      native.expand(x, out, rank, dims);
    },
    permute(x, shape, perm, out) {
      if (!sameKind(x, out) || shape.length > MAX_RANK) { js.permute(x, shape, perm, out); return; }
      const rank = shape.length;
      room(2 * rank);
      put(0, shape, rank); put(rank, perm, rank);
      native.permute(x, out, rank, dims);
    },
    slice(x, shape, begin, out, outShape) {
      if (!sameKind(x, out) || shape.length > MAX_RANK) { js.slice(x, shape, begin, out, outShape); return; }
      const rank = shape.length;
      room(3 * rank);
      put(0, shape, rank); put(rank, begin, rank); put(2 * rank, outShape, rank);
      native.slice(x, out, rank, dims);
    },
    sliceAssign(src, srcShape, dst, dstShape, begin, accumulate) {
      if (!sameKind(src, dst) || (accumulate && !isF32(src)) || dstShape.length > MAX_RANK) {
        js.sliceAssign(src, srcShape, dst, dstShape, begin, accumulate);
        return;
      }
      const rank = dstShape.length;
      room(3 * rank);
      put(0, srcShape, rank); put(rank, dstShape, rank); put(2 * rank, begin, rank);
      native.sliceAssign(src, dst, accumulate, rank, dims);
    },
    gatherRows(table, rows, dim, idx, out) {
      if (isI32(idx) && sameKind(table, out)) native.gatherRows(table, rows, dim, idx, out);
      else js.gatherRows(table, rows, dim, idx, out);
    },
    scatterAddRows(src, idx, dim, table) {
      if (isI32(idx) && isF32(src) && isF32(table)) native.scatterAddRows(src, idx, dim, table);
      else js.scatterAddRows(src, idx, dim, table);
    },
    takeAlongAxis(x, outer, n, inner, idx, out) {
      if (isI32(idx) && sameKind(x, out)) native.takeAlongAxis(x, outer, n, inner, idx, out);
      else js.takeAlongAxis(x, outer, n, inner, idx, out);
    },
    scatterAddAlongAxis(src, outer, n, inner, idx, dx) {
      if (isI32(idx) && isF32(src) && isF32(dx)) native.scatterAddAlongAxis(src, outer, n, inner, idx, dx);
      else js.scatterAddAlongAxis(src, outer, n, inner, idx, dx);
    },

    // --- linear algebra and convolution --------------------------------------------------
    matmul(a, b, out, p: MatmulParams) {
      if (isF32(a) && isF32(b) && isF32(out)) {
        native.matmul(a, b, out, p.batch, p.m, p.n, p.k, p.transA, p.transB, p.strideA, p.strideB, p.accumulate);
      } else {
        js.matmul(a, b, out, p);
      }
    },
    conv2d(x, w, bias, out, p: Conv2dParams) {
      if (isF32(x) && isF32(w) && f32OrNull(bias) && isF32(out)) {
        native.conv2d(x, w, bias as Float32Array | null, out, p.n, p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.strideH, p.strideW,
          p.padH, p.padW, p.dilationH, p.dilationW, p.groups, p.outH, p.outW);
      } else {
        js.conv2d(x, w, bias, out, p);
      }
    },
    conv2dBackwardData(dy, w, dx, p: Conv2dParams) {
      if (isF32(dy) && isF32(w) && isF32(dx)) {
        native.conv2dBackwardData(dy, w, dx, p.n, p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.strideH, p.strideW,
          p.padH, p.padW, p.dilationH, p.dilationW, p.groups, p.outH, p.outW);
      } else {
        js.conv2dBackwardData(dy, w, dx, p);
      }
    },
    conv2dBackwardWeight(x, dy, dw, p: Conv2dParams, db = null) {
      if (isF32(x) && isF32(dy) && isF32(dw) && f32OrNull(db)) {
        native.conv2dBackwardWeight(x, dy, dw, p.n, p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.strideH, p.strideW,
          p.padH, p.padW, p.dilationH, p.dilationW, p.groups, p.outH, p.outW, db as Float32Array | null);
      } else {
        js.conv2dBackwardWeight(x, dy, dw, p, db);
      }
    },

    // --- pooling -------------------------------------------------------------------------
    maxPool2d(x, out, argmax, p: Pool2dParams) {
      if (isF32(x) && isF32(out) && isI32(argmax)) {
        native.maxPool2d(x, out, argmax, p.n, p.c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW,
          p.dilationH, p.dilationW, p.outH, p.outW, p.relu ?? false);
      } else {
        js.maxPool2d(x, out, argmax, p);
      }
    },
    maxPool2dBackward(dy, argmax, dx, p: Pool2dParams) {
      if (isF32(dy) && isI32(argmax) && isF32(dx)) {
        native.maxPool2dBackward(dy, argmax, dx, p.n, p.c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW,
          p.dilationH, p.dilationW, p.outH, p.outW);
      } else {
        js.maxPool2dBackward(dy, argmax, dx, p);
      }
    },
    avgPool2d(x, out, p: Pool2dParams) {
      if (isF32(x) && isF32(out)) {
        native.avgPool2d(x, out, p.n, p.c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW,
          p.dilationH, p.dilationW, p.outH, p.outW, p.countIncludePad);
      } else {
        js.avgPool2d(x, out, p);
      }
    },
    avgPool2dBackward(dy, dx, p: Pool2dParams) {
      if (isF32(dy) && isF32(dx)) {
        native.avgPool2dBackward(dy, dx, p.n, p.c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW,
          p.dilationH, p.dilationW, p.outH, p.outW, p.countIncludePad);
      } else {
        js.avgPool2dBackward(dy, dx, p);
      }
    },

    // --- softmax and normalisation -------------------------------------------------------
    softmax(x, outer, n, inner, out, log) {
      if (isF32(x) && isF32(out)) native.softmax(x, outer, n, inner, out, log);
      else js.softmax(x, outer, n, inner, out, log);
    },
    softmaxBackward(y, dy, outer, n, inner, dx, log) {
      if (isF32(y) && isF32(dy) && isF32(dx)) native.softmaxBackward(y, dy, outer, n, inner, dx, log);
      else js.softmaxBackward(y, dy, outer, n, inner, dx, log);
    },
    channelMoments(x, n, c, spatial, mean, variance) {
      if (isF32(x) && isF32(mean) && isF32(variance)) native.channelMoments(x, n, c, spatial, mean, variance);
      else js.channelMoments(x, n, c, spatial, mean, variance);
    },
    batchNormApply(x, n, c, spatial, mean, invStd, gamma, beta, out) {
      if (isF32(x) && isF32(mean) && isF32(invStd) && f32OrNull(gamma) && f32OrNull(beta) && isF32(out)) {
        native.batchNormApply(x, n, c, spatial, mean, invStd, gamma as Float32Array | null, beta as Float32Array | null, out);
      } else {
        js.batchNormApply(x, n, c, spatial, mean, invStd, gamma, beta, out);
      }
    },
    batchNormBackward(x, dy, n, c, spatial, mean, invStd, gamma, batchStats, dx, dgamma, dbeta) {
      if (isF32(x) && isF32(dy) && isF32(mean) && isF32(invStd) && f32OrNull(gamma) && f32OrNull(dx) &&
          f32OrNull(dgamma) && f32OrNull(dbeta)) {
        native.batchNormBackward(x, dy, n, c, spatial, mean, invStd, gamma as Float32Array | null, batchStats,
          dx as Float32Array | null, dgamma as Float32Array | null, dbeta as Float32Array | null);
      } else {
        js.batchNormBackward(x, dy, n, c, spatial, mean, invStd, gamma, batchStats, dx, dgamma, dbeta);
      }
    },
    layerNorm(x, rows, n, gamma, beta, eps, out, mean, invStd) {
      if (isF32(x) && f32OrNull(gamma) && f32OrNull(beta) && isF32(out) && isF32(mean) && isF32(invStd)) {
        native.layerNorm(x, rows, n, gamma as Float32Array | null, beta as Float32Array | null, eps, out, mean, invStd);
      } else {
        js.layerNorm(x, rows, n, gamma, beta, eps, out, mean, invStd);
      }
    },
    layerNormBackward(x, dy, rows, n, mean, invStd, gamma, dx, dgamma, dbeta) {
      if (isF32(x) && isF32(dy) && isF32(mean) && isF32(invStd) && f32OrNull(gamma) && f32OrNull(dx) &&
          f32OrNull(dgamma) && f32OrNull(dbeta)) {
        native.layerNormBackward(x, dy, rows, n, mean, invStd, gamma as Float32Array | null, dx as Float32Array | null,
          dgamma as Float32Array | null, dbeta as Float32Array | null);
      } else {
        js.layerNormBackward(x, dy, rows, n, mean, invStd, gamma, dx, dgamma, dbeta);
      }
    },

    // --- optimizer updates ---------------------------------------------------------------
    sgdUpdate(param, grad, buf, p: SgdParams) {
      if (isF32(param) && isF32(grad) && f32OrNull(buf)) {
        native.sgdUpdate(param, grad, buf as Float32Array | null, p.lr, p.momentum, p.dampening, p.weightDecay, p.nesterov,
          p.firstStep, p.maximize);
      } else {
        js.sgdUpdate(param, grad, buf, p);
      }
    },
    adamUpdate(param, grad, m, v, vMax, p: AdamParams) {
      if (isF32(param) && isF32(grad) && isF32(m) && isF32(v) && f32OrNull(vMax)) {
        // the scalar factors exactly as the js kernel computes them
        const bc1 = 1 - Math.pow(p.beta1, p.step);
        const bc2Sqrt = Math.sqrt(1 - Math.pow(p.beta2, p.step));
        const decay = p.decoupledWeightDecay ? 1 - p.lr * p.weightDecay : 1;
        const l2 = p.decoupledWeightDecay ? 0 : p.weightDecay;
        native.adamUpdate(param, grad, m, v, vMax as Float32Array | null, p.beta1, p.beta2, p.eps, l2, decay, p.lr / bc1,
          bc2Sqrt, p.maximize);
      } else {
        js.adamUpdate(param, grad, m, v, vMax, p);
      }
    },
    rmspropUpdate(param, grad, squareAvg, gradAvg, buf, p: RmspropParams) {
      if (isF32(param) && isF32(grad) && isF32(squareAvg) && f32OrNull(gradAvg) && f32OrNull(buf)) {
        native.rmspropUpdate(param, grad, squareAvg, gradAvg as Float32Array | null, buf as Float32Array | null, p.lr,
          p.alpha, p.eps, p.weightDecay, p.momentum, p.maximize);
      } else {
        js.rmspropUpdate(param, grad, squareAvg, gradAvg, buf, p);
      }
    },

    // --- recurrent cells (an addon built before them has none: js runs them) -------------
    lstmCell(xw, hw, cPrev, batch, hidden, gates, c, h) {
      if (native.lstmCell && isF32(xw) && isF32(hw) && isF32(cPrev) && isF32(gates) && isF32(c) && isF32(h)) {
        native.lstmCell(xw, hw, cPrev, batch, hidden, gates, c, h);
      } else {
        js.lstmCell(xw, hw, cPrev, batch, hidden, gates, c, h);
      }
    },
    lstmCellBackward(gates, cPrev, c, dh, dc, batch, hidden, dGates, dcPrev) {
      if (native.lstmCellBackward && isF32(gates) && isF32(cPrev) && isF32(c) && isF32(dh) && isF32(dc) &&
          isF32(dGates) && isF32(dcPrev)) {
        native.lstmCellBackward(gates, cPrev, c, dh, dc, batch, hidden, dGates, dcPrev);
      } else {
        js.lstmCellBackward(gates, cPrev, c, dh, dc, batch, hidden, dGates, dcPrev);
      }
    },
    gruCell(xw, hw, hPrev, batch, hidden, gates, h) {
      if (native.gruCell && isF32(xw) && isF32(hw) && isF32(hPrev) && isF32(gates) && isF32(h)) {
        native.gruCell(xw, hw, hPrev, batch, hidden, gates, h);
      } else {
        js.gruCell(xw, hw, hPrev, batch, hidden, gates, h);
      }
    },
    gruCellBackward(gates, hPrev, dh, batch, hidden, dXw, dHw, dhPrev) {
      if (native.gruCellBackward && isF32(gates) && isF32(hPrev) && isF32(dh) && isF32(dXw) && isF32(dHw) &&
          isF32(dhPrev)) {
        native.gruCellBackward(gates, hPrev, dh, batch, hidden, dXw, dHw, dhPrev);
      } else {
        js.gruCellBackward(gates, hPrev, dh, batch, hidden, dXw, dHw, dhPrev);
      }
    },

    // --- attention softmax -----------------------------------------------------------------
    attentionSoftmax(scores, batch, L, S, scale, causal, out) {
      if (native.attentionSoftmax && isF32(scores) && isF32(out)) native.attentionSoftmax(scores, batch, L, S, scale, causal, out);
      else js.attentionSoftmax(scores, batch, L, S, scale, causal, out);
    },
    attentionSoftmaxBackward(p, dp, batch, L, S, scale, causal, dScores) {
      if (native.attentionSoftmaxBackward && isF32(p) && isF32(dp) && isF32(dScores)) {
        native.attentionSoftmaxBackward(p, dp, batch, L, S, scale, causal, dScores);
      } else {
        js.attentionSoftmaxBackward(p, dp, batch, L, S, scale, causal, dScores);
      }
    },
  };
  return backend;
}
