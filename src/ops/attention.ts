// Attention: a batched A B^T product (the score matrix, read through the matmul kernel's
// transpose flag so that K is never transposed in memory) and scaled dot-product attention
// built from it, softmax and batched matmul.

import { record } from '../autograd/graph.js';
import { noGrad } from '../autograd/grad-mode.js';
import { numel, shapeToString } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import type { DType } from '../tensor/dtype.js';
import { castTo, commonDType, empty, K, requireFloat } from './util.js';
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
  const out = empty([...batchShape, M, N], dtype);
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
  let scores = matmulNT(mul(q, scale), k);
  let mask: Tensor | null = options.attnMask ? additiveMask(options.attnMask, scores.dtype) : null;
  if (options.isCausal) mask = mask ? add(mask, causalMask(L, S, scores.dtype)) : causalMask(L, S, scores.dtype);
  if (mask) scores = add(scores, mask);
  const weights = softmax(scores, -1);
  const p = options.dropoutP && options.training ? dropout(weights, options.dropoutP, true, options.generator) : weights;
  return { output: matmul(p, v), weights };
}
