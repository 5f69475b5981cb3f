// Activation functions that torch.nn.functional has but the op layer does not define as one
// op: composed from ops, so gradients come from autograd.

import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';

export type GeluApproximate = 'none' | 'tanh';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU: x * Phi(x) exactly ('none', the default) or with the tanh approximation
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) ('tanh').
 */
export function gelu(x: Tensor, approximate: GeluApproximate = 'none'): Tensor {
  if (approximate === 'none') return ops.gelu(x);
  if (approximate !== 'tanh') throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  const inner = ops.mul(ops.add(x, ops.mul(ops.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
  return ops.mul(ops.mul(x, 0.5), ops.add(ops.tanh(inner), 1));
}

/** x * sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return ops.mul(x, ops.sigmoid(x));
}

/**
 * log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's switch to the
 * linear function for numerical stability).
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const bx = beta === 1 ? x : ops.mul(x, beta);
  const soft = beta === 1 ? ops.softplus(bx) : ops.div(ops.softplus(bx), beta);
  return ops.where(ops.gt(bx, threshold), x, soft);
}

/** log(sigmoid(x)) = -softplus(-x), stable for large |x|. */
export function logSigmoid(x: Tensor): Tensor {
  return ops.neg(ops.softplus(ops.neg(x)));
}
