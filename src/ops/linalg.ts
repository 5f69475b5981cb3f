// Matrix products. The backward passes use the kernel's transpose flags instead of
// materialising transposed copies: for C = A B, dA = dC B^T and dB = A^T dC.

import { record } from '../autograd/graph.js';
import { broadcastShapes, numel, shapeToString } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { castTo, commonDType, empty, emptyOutput, K, requireFloat } from './util.js';
import { reshape, expand, squeeze } from './shape.js';
import { add } from './elementwise.js';
import { sum } from './reduce.js';

/**
 * Batched product of stored matrices: out[b] = op(a[b]) op(b[b]), where a batch stride of 0
 * reuses one matrix for the whole batch. Shapes are given in the logical (post-transpose) sense.
 */
function mm(a: Tensor, transA: boolean, strideA: number, b: Tensor, transB: boolean, strideB: number,
  batch: number, m: number, n: number, k: number, outShape: readonly number[]): Tensor {
  const out = emptyOutput(outShape, a.dtype);
  K().matmul(a.storage, b.storage, out.storage, { batch, m, n, k, transA, transB, strideA, strideB, accumulate: false });
  return out;
}

/**
 * torch.matmul: dot product for two vectors, matrix product for matrices, and batched product
 * with broadcast batch dimensions for higher ranks (vectors are promoted and the added
 * dimension removed again).
 */
export function matmul(aIn: Tensor, bIn: Tensor): Tensor {
  if (aIn.ndim === 0 || bIn.ndim === 0) throw new Error('matmul: both arguments must have at least one dimension');
  const dtype = commonDType(aIn, bIn);
  let a = castTo(aIn, dtype), b = castTo(bIn, dtype);
  const aVec = a.ndim === 1, bVec = b.ndim === 1;
  if (aVec) a = reshape(a, [1, a.shape[0]]);
  if (bVec) b = reshape(b, [b.shape[0], 1]);
  const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1];
  const k2 = b.shape[b.ndim - 2], n = b.shape[b.ndim - 1];
  if (k !== k2) {
    throw new Error(`matmul: shapes ${shapeToString(aIn.shape)} and ${shapeToString(bIn.shape)} do not align (${k} != ${k2})`);
  }
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(batchA, batchB, 'matmul');
  const batch = numel(batchShape);
  // an operand whose batch is all ones is shared by every batch (stride 0); one that covers
  // only part of the broadcast batch is expanded
  const prepare = (t: Tensor, tb: readonly number[], rows: number, cols: number): [Tensor, number] => {
    if (numel(tb) === 1) return [t, 0];
    if (numel(tb) === batch) return [t, rows * cols];
    return [expand(t, [...batchShape, rows, cols]), rows * cols];
  };
  const [ae, strideA] = prepare(a, batchA, m, k);
  const [be, strideB] = prepare(b, batchB, k, n);
  const outShape = [...batchShape, m, n];
  const out = mm(ae, false, strideA, be, false, strideB, batch, m, n, k, outShape);
  let result: Tensor = record('matmul', out, [ae, be], (g) => {
    // dA = g B^T, dB = A^T g; a shared (stride 0) operand sums its gradient over the batch
    const ga = ae.requiresGrad ? mm(g, false, m * n, be, true, strideB, batch, m, k, n, [...batchShape, m, k]) : null;
    const gb = be.requiresGrad ? mm(ae, true, strideA, g, false, m * n, batch, k, n, m, [...batchShape, k, n]) : null;
    const reduceBatch = (t: Tensor | null, stride: number, shape: readonly number[]) =>
      t && stride === 0 && batch > 1 ? reshape(sum(t, batchShape.map((_, i) => i)), shape) : t && reshape(t, shape);
    return [reduceBatch(ga, strideA, ae.shape), reduceBatch(gb, strideB, be.shape)];
  });
  if (aVec) result = squeeze(result, -2);
  if (bVec) result = squeeze(result, -1);
  return result;
}

/** Batched matrix product of two rank-3 tensors, as torch.bmm. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`bmm: expected [B,M,K] and [B,K,N] with equal B, got ${shapeToString(a.shape)} and ${shapeToString(b.shape)}`);
  }
  return matmul(a, b);
}

/**
 * y = x W^T + b for x [..., in], W [out, in], b [out] (torch.nn.functional.linear). One GEMM
 * with W read transposed; backward: dx = dy W, dW = dy^T x, db = sum of dy over rows.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  requireFloat(x, 'linear');
  if (weight.ndim !== 2) throw new Error(`linear: weight must be [out, in], got ${shapeToString(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new Error(`linear: input ${shapeToString(x.shape)} does not match weight ${shapeToString(weight.shape)} (${x.shape[x.ndim - 1]} != ${inF})`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new Error(`linear: bias ${shapeToString(bias.shape)} does not match ${outF} output features`);
  }
  const rows = x.size / Math.max(1, inF);
  const outShape = [...x.shape.slice(0, -1), outF];
  const y = mm(x, false, 0, weight, true, 0, 1, rows, outF, inF, outShape);
  const out = record('linear', y, [x, weight], (g) => [
    x.requiresGrad ? mm(g, false, 0, weight, false, 0, 1, rows, inF, outF, x.shape) : null,
    weight.requiresGrad ? mm(g, true, 0, x, false, 0, 1, outF, inF, rows, weight.shape) : null,
  ]);
  return bias ? add(out, bias) : out;
}
