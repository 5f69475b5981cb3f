// Attention: a batched A B^T product (the score matrix, read through the matmul kernel's
// transpose flag so that K is never transposed in memory) and scaled dot-product attention,
// either composed from ops (masks of any kind, dropout, differentiable weights) or as one fused
// op (fusedAttention, packedSelfAttention): batched GEMMs around the backend's attentionSoftmax,
// which folds the scale and the causal mask into one pass over the scores.

import { record } from '../autograd/graph.js';
import { noGrad } from '../autograd/grad-mode.js';
import { numel, shapeToString } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { promoteTypes, type DType } from '../dtype/dtype.js';
import type { Storage } from '../backend/backend.js';
import { castTo, commonDType, empty, emptyOutput, K, requireFloat } from './util.js';
import { add, mul, where } from './elementwise.js';
import { matmul } from './linalg.js';
import { softmax } from './softmax.js';
import { dropout } from './random-ops.js';
import { reshape } from './shape.js';
import { sum } from './reduce.js';

/**
 * a @ b^T over the last two dimensions: a [..., M, K], b [..., N, K] -> [..., M, N]. The leading
 * (batch) dimensions of a and b must be equal, or b may be a single matrix [N, K] shared by the
 * batch. No transposed copy is made, forward or backward (transpose flags of the kernel).
 */
export function matmulNT(aIn: Tensor, bIn: Tensor): Tensor {
  requireFloat(aIn, 'matmulNT', 'a');
  const dtype = commonDType(aIn, bIn);
  const a = castTo(aIn, dtype), b = castTo(bIn, dtype);
  if (a.ndim < 2 || b.ndim < 2) throw new Error(`matmulNT: both arguments need at least 2 dimensions, got ${shapeToString(a.shape)} and ${shapeToString(b.shape)}`);
  const M = a.shape[a.ndim - 2], Kd = a.shape[a.ndim - 1], N = b.shape[b.ndim - 2];
  if (b.shape[b.ndim - 1] !== Kd) {
    throw new Error(`matmulNT: shapes ${shapeToString(a.shape)} and ${shapeToString(b.shape)} do not align (${Kd} != ${b.shape[b.ndim - 1]})`);
  }
  const batchShape = a.shape.slice(0, -2), batch = numel(batchShape);
  const shared = b.ndim === 2;
  if (!shared && (b.ndim !== a.ndim || b.shape.slice(0, -2).some((d, i) => d !== batchShape[i]))) {
    throw new Error(`matmulNT: batch dimensions of ${shapeToString(a.shape)} and ${shapeToString(b.shape)} differ`);
  }
  const strideB = shared ? 0 : N * Kd;
  const out = emptyOutput([...batchShape, M, N], dtype);
  K().matmul(a.storage, b.storage, out.storage, { batch, m: M, n: N, k: Kd, transA: false, transB: true, strideA: M * Kd, strideB, accumulate: false });
  return record('matmulNT', out, [a, b], (g) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      // da = g b: [M, N] x [N, K]
      ga = empty(a.shape, dtype);
      K().matmul(g.storage, b.storage, ga.storage, { batch, m: M, n: Kd, k: N, transA: false, transB: false, strideA: M * N, strideB, accumulate: false });
    }
    if (b.requiresGrad) {
      // db = g^T a: [N, M] x [M, K], summed over the batch when b is shared
      const full = empty([...batchShape, N, Kd], dtype);
      K().matmul(g.storage, a.storage, full.storage, { batch, m: N, n: Kd, k: M, transA: true, transB: false, strideA: M * N, strideB: M * Kd, accumulate: false });
      gb = shared && batch > 1 ? reshape(sum(reshape(full, [batch, N, Kd]), 0), b.shape) : reshape(full, b.shape);
    }
    return [ga, gb];
  });
}

export interface AttentionOptions {
  /**
   * Mask broadcastable to [..., L, S]: int32 with nonzero = "may not attend" (PyTorch's
   * MultiheadAttention convention for boolean masks), or floating values added to the scores.
   */
  attnMask?: Tensor | null;
  /** Mask out the future: query i attends to keys 0..i (top-left aligned, as PyTorch). */
  isCausal?: boolean;
  /** Dropout on the attention weights (applied only when training is true). */
  dropoutP?: number;
  training?: boolean;
  /** Score scale (default 1/sqrt(E)). */
  scale?: number;
  generator?: Generator;
  /**
   * Whether gradients must flow through the returned weights (default true). With false, and no
   * attnMask and no dropout, attention runs as one fused op (fusedAttention) and the weights
   * come back detached.
   */
  needWeights?: boolean;
}

const causalCache = new Map<string, Tensor>();

/** Additive [L, S] mask: 0 where key j <= query i, -inf above the diagonal (cached). */
export function causalMask(L: number, S: number, dtype: DType = 'float32'): Tensor {
  const key = `${L}x${S}:${dtype}`;
  let m = causalCache.get(key);
  if (!m) {
    const data = new Float64Array(L * S);
    for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) data[i * S + j] = -Infinity;
    m = fromArray(data, [L, S], { dtype });
    if (causalCache.size > 64) causalCache.clear();
    causalCache.set(key, m);
  }
  return m;
}

/** A mask as an additive float tensor: int32 masks become 0 / -inf. */
export function additiveMask(mask: Tensor, dtype: DType): Tensor {
  if (mask.dtype !== 'int32') return castTo(mask, dtype);
  return noGrad(() => where(mask, fromArray(new Float64Array([-Infinity]), [], { dtype }), fromArray(new Float64Array([0]), [], { dtype })));
}

/**
 * softmax(q k^T * scale + mask) v for q [..., L, E], k [..., S, E], v [..., S, Ev]; returns the
 * output [..., L, Ev] and the attention weights [..., L, S] (before dropout). Batch dimensions
 * of q, k and v must be equal. The scale is applied to q (as PyTorch does), k is read
 * transposed in place, and the products are batched matmuls over the leading dimensions.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): { output: Tensor; weights: Tensor } {
  requireFloat(q, 'scaledDotProductAttention', 'q');
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim) {
    throw new Error(`scaledDotProductAttention: q, k, v must have the same rank >= 2, got ${shapeToString(q.shape)}, ${shapeToString(k.shape)}, ${shapeToString(v.shape)}`);
  }
  const E = q.shape[q.ndim - 1], L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2];
  if (v.shape[v.ndim - 2] !== S) throw new Error(`scaledDotProductAttention: k ${shapeToString(k.shape)} and v ${shapeToString(v.shape)} differ in length`);
  const scale = options.scale ?? 1 / Math.sqrt(E);
  const dropping = !!options.dropoutP && !!options.training;
  if (options.needWeights === false && !options.attnMask && !dropping && sameBatch(q, k) && sameBatch(q, v)) {
    return fusedAttention(q, k, v, { scale, isCausal: options.isCausal });
  }
  let scores = matmulNT(mul(q, scale), k);
  let mask: Tensor | null = options.attnMask ? additiveMask(options.attnMask, scores.dtype) : null;
  if (options.isCausal) mask = mask ? add(mask, causalMask(L, S, scores.dtype)) : causalMask(L, S, scores.dtype);
  if (mask) scores = add(scores, mask);
  const weights = softmax(scores, -1);
  const p = dropping ? dropout(weights, options.dropoutP, true, options.generator) : weights;
  return { output: matmul(p, v), weights };
}

const sameBatch = (a: Tensor, b: Tensor): boolean => a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);

/** Sizes of one batched attention: batch independent [L, E] x [S, E] -> [L, Ev] problems. */
interface AttentionDims { batch: number; L: number; S: number; E: number; Ev: number; scale: number; causal: boolean; dtype: DType }

/**
 * The forward of attention on raw storages: P = attentionSoftmax(q k^T) (the scores turned into
 * the weights in place; k read transposed) and out = P v, both batched GEMMs.
 */
function attentionForward(d: AttentionDims, q: Storage, k: Storage, v: Storage): { P: Storage; out: Storage } {
  const be = K(), { batch, L, S, E, Ev } = d;
  const P = be.allocUninit(d.dtype, batch * L * S), out = be.allocUninit(d.dtype, batch * L * Ev);
  be.matmul(q, k, P, { batch, m: L, n: S, k: E, transA: false, transB: true, strideA: L * E, strideB: S * E, accumulate: false });
  be.attentionSoftmax(P, batch, L, S, d.scale, d.causal, P);
  be.matmul(P, v, out, { batch, m: L, n: Ev, k: S, transA: false, transB: false, strideA: L * S, strideB: S * Ev, accumulate: false });
  return { P, out };
}

/**
 * The backward from the saved weights P: dV = P^T dO, dP = dO v^T, dS = attentionSoftmaxBackward
 * (P, dP) (in place), dQ = dS k, dK = dS^T q; five batched GEMMs and one pass. Gradients not
 * asked for are null.
 */
function attentionBackward(d: AttentionDims, q: Storage, k: Storage, v: Storage, P: Storage, gO: Storage,
  need: readonly [boolean, boolean, boolean]): [Storage | null, Storage | null, Storage | null] {
  const be = K(), { batch, L, S, E, Ev, dtype } = d;
  const mm = (a: Storage, b: Storage, out: Storage, m: number, n: number, kk: number, transA: boolean, transB: boolean, strideA: number, strideB: number) =>
    be.matmul(a, b, out, { batch, m, n, k: kk, transA, transB, strideA, strideB, accumulate: false });
  let dq: Storage | null = null, dk: Storage | null = null, dv: Storage | null = null;
  if (need[2]) {
    dv = be.allocUninit(dtype, batch * S * Ev);
    mm(P, gO, dv, S, Ev, L, true, false, L * S, L * Ev);
  }
  if (need[0] || need[1]) {
    const dS = be.allocUninit(dtype, batch * L * S);
    mm(gO, v, dS, L, S, Ev, false, true, L * Ev, S * Ev);
    be.attentionSoftmaxBackward(P, dS, batch, L, S, d.scale, d.causal, dS);
    if (need[0]) {
      dq = be.allocUninit(dtype, batch * L * E);
      mm(dS, k, dq, L, E, S, false, false, L * S, S * E);
    }
    if (need[1]) {
      dk = be.allocUninit(dtype, batch * S * E);
      mm(dS, q, dk, S, E, L, true, false, L * S, L * E);
    }
  }
  return [dq, dk, dv];
}

/**
 * softmax(q k^T * scale (+ causal mask)) v as ONE differentiable op, for q [..., L, E],
 * k [..., S, E], v [..., S, Ev] with equal leading (batch) dimensions: batched GEMMs around the
 * backend's attentionSoftmax, which folds the scale and the mask into the softmax (masked keys
 * are never read), so no score-sized intermediates exist for the scale and the mask, forward or
 * backward. Returns the output and the attention weights P (detached).
 */
export function fusedAttention(qIn: Tensor, kIn: Tensor, vIn: Tensor, options: { scale?: number; isCausal?: boolean } = {}): { output: Tensor; weights: Tensor } {
  requireFloat(qIn, 'fusedAttention', 'q');
  const dtype = promoteTypes(commonDType(qIn, kIn), vIn.dtype);
  const q = castTo(qIn, dtype), k = castTo(kIn, dtype), v = castTo(vIn, dtype);
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim || !sameBatch(q, k) || !sameBatch(q, v)) {
    throw new Error(`fusedAttention: q, k, v must have the same rank >= 2 and batch dimensions, got ${shapeToString(q.shape)}, ${shapeToString(k.shape)}, ${shapeToString(v.shape)}`);
  }
  const E = q.shape[q.ndim - 1], L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], Ev = v.shape[v.ndim - 1];
  if (k.shape[k.ndim - 1] !== E) throw new Error(`fusedAttention: q ${shapeToString(q.shape)} and k ${shapeToString(k.shape)} differ in width`);
  if (v.shape[v.ndim - 2] !== S) throw new Error(`fusedAttention: k ${shapeToString(k.shape)} and v ${shapeToString(v.shape)} differ in length`);
  const batchShape = q.shape.slice(0, -2);
  const d: AttentionDims = { batch: numel(batchShape), L, S, E, Ev, scale: options.scale ?? 1 / Math.sqrt(E), causal: options.isCausal ?? false, dtype };
  const { P, out } = attentionForward(d, q.storage, k.storage, v.storage);
  const output = new Tensor(out, [...batchShape, L, Ev]);
  record('fusedAttention', output, [q, k, v], (gO) => {
    const g = attentionBackward(d, q.storage, k.storage, v.storage, P, gO.storage, [q.requiresGrad, k.requiresGrad, v.requiresGrad]);
    return [g[0] && new Tensor(g[0], q.shape), g[1] && new Tensor(g[1], k.shape), g[2] && new Tensor(g[2], v.shape)];
  });
  return { output, weights: new Tensor(P, [...batchShape, L, S]) };
}

/**
 * Multi-head self-attention from packed projections, as one differentiable op: qkv [B, T, 3E]
 * (q, k, v side by side, each E = numHeads * headDim wide, as nanoGPT's c_attn output) ->
 * [B, T, E] with the heads merged back. The head split is one permute plus three copies and the
 * merge one permute, forward and backward, instead of a permute, three narrows (whose gradients
 * are three zero-filled full-size buffers summed by two additions) and a second permute.
 */
export function packedSelfAttention(qkv: Tensor, numHeads: number, options: { scale?: number; isCausal?: boolean } = {}): Tensor {
  requireFloat(qkv, 'packedSelfAttention', 'qkv');
  if (qkv.ndim !== 3 || qkv.shape[2] % (3 * numHeads) !== 0) {
    throw new Error(`packedSelfAttention: qkv must be [B, T, 3 * E] with E a multiple of numHeads ${numHeads}, got ${shapeToString(qkv.shape)}`);
  }
  const [B, T, E3] = qkv.shape, E = E3 / 3, hd = E / numHeads, n = B * T * E, dtype = qkv.dtype;
  const be = K();
  const split = [B, T, 3, numHeads, hd], heads = [3, B, numHeads, T, hd];
  // [B, T, 3, nh, hd] -> [3, B, nh, T, hd], then q, k, v are its three contiguous thirds
  const all = be.allocUninit(dtype, 3 * n);
  be.permute(qkv.storage, split, [2, 0, 3, 1, 4], all);
  const [q, k, v] = [0, 1, 2].map((i) => {
    const part = be.allocUninit(dtype, n);
    be.slice(all, [3, n], [i, 0], part, [1, n]);
    return part;
  });
  const d: AttentionDims = { batch: B * numHeads, L: T, S: T, E: hd, Ev: hd, scale: options.scale ?? 1 / Math.sqrt(hd), causal: options.isCausal ?? false, dtype };
  const { P, out } = attentionForward(d, q, k, v);
  const y = emptyOutput([B, T, E], dtype);
  be.permute(out, [B, numHeads, T, hd], [0, 2, 1, 3], y.storage);
  return record('packedSelfAttention', y, [qkv], (gY) => {
    const gO = be.allocUninit(dtype, n);
    be.permute(gY.storage, [B, T, numHeads, hd], [0, 2, 1, 3], gO);
    const g = attentionBackward(d, q, k, v, P, gO, [true, true, true]);
    const gAll = be.allocUninit(dtype, 3 * n);
    g.forEach((gi, i) => be.sliceAssign(gi!, [1, n], gAll, [3, n], [i, 0], false));
    const gQkv = emptyOutput(qkv.shape, dtype);
    be.permute(gAll, heads, [1, 3, 0, 2, 4], gQkv.storage);
    return [gQkv];
  });
}
