// torch.nn.functional for myelin: the ops a layer is made of, plus the losses, as plain
// functions (imported as the `F` namespace: F.relu(x), F.crossEntropy(logits, y)).

import type { Tensor } from '../tensor/tensor.js';
import { arange } from '../tensor/creation.js';
import { shapeToString } from '../tensor/shape.js';
import * as ops from '../ops/index.js';

export {
  relu, leakyRelu, sigmoid, tanh, softmax, logSoftmax,
  linear, conv2d, maxPool2d, avgPool2d, dropout, batchNorm, layerNorm, embedding,
  convTranspose2d, interpolate, upsample,
  type Conv2dOptions, type Pool2dOptions, type BatchNormOptions, type ConvTranspose2dOptions, type InterpolateOptions,
} from '../ops/index.js';
export { gelu, silu, softplus, logSigmoid, type GeluApproximate } from './activations.js';
export {
  mseLoss, l1Loss, smoothL1Loss, huberLoss, nllLoss, crossEntropy, binaryCrossEntropy,
  binaryCrossEntropyWithLogits, klDiv, l1Penalty, l2Penalty,
  type Reduction, type ReductionOptions, type NllOptions, type CrossEntropyOptions, type BceOptions,
  type BceWithLogitsOptions, type KlDivOptions, type SmoothL1Options, type HuberOptions,
} from './losses.js';

/**
 * One-hot encoding of int32 class indices: shape [..., numClasses], int32 0/1 (as
 * torch.nn.functional.one_hot). numClasses -1 (default) uses the largest index + 1.
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  if (indices.dtype !== 'int32') throw new TypeError(`oneHot: indices must be int32, got ${indices.dtype}`);
  const values = indices.dataSync();
  let max = -1, min = 0;
  for (let i = 0; i < values.length; i++) { max = Math.max(max, values[i]); min = Math.min(min, values[i]); }
  const classes = numClasses === -1 ? max + 1 : numClasses;
  if (min < 0) throw new RangeError(`oneHot: indices must be non-negative, got ${min}`);
  if (!Number.isInteger(classes) || classes < 1 || max >= classes) {
    throw new RangeError(`oneHot: class ${max} is out of range for ${classes} classes (indices ${shapeToString(indices.shape)})`);
  }
  return ops.eq(ops.unsqueeze(indices, -1), arange(classes));
}

/**
 * x / max(||x||_p, eps) along `dim` (torch.nn.functional.normalize; default p = 2, dim = 1).
 * The norm is clamped before its root, so a zero vector gets a zero gradient, not NaN.
 */
export function normalize(x: Tensor, options: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  const p = options.p ?? 2, dim = options.dim ?? 1, eps = options.eps ?? 1e-12;
  if (!(p > 0)) throw new Error(`normalize: p must be positive, got ${p}`);
  const powered = p === 2 ? ops.square(x) : p === 1 ? ops.abs(x) : ops.pow(ops.abs(x), p);
  const total = ops.clamp(ops.sum(powered, dim, true), eps ** p);
  const norm = p === 1 ? total : p === 2 ? ops.sqrt(total) : ops.pow(total, 1 / p);
  return ops.div(x, norm);
}
