// Ops that draw random numbers: dropout.

import { dropoutMask } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { mul } from './elementwise.js';
import { requireFloat } from './util.js';

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) (inverted dropout),
 * so evaluation needs no rescaling. Identity when not training or p = 0.
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  requireFloat(x, 'dropout');
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  // the mask holds 0 or 1/(1-p) (rounded to x's dtype, as the scaling was before): one draw
  // and one multiply per element
  const mask = dropoutMask(x.shape, 1 - p, 1 / (1 - p), { dtype: x.dtype, generator });
  return mul(x, mask);
}
