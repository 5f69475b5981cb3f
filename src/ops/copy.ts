// Copies and dtype conversion.

import { record } from '../autograd/graph.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloating, type DType } from '../dtype/dtype.js';
import { castTo, empty, emptyOutput, K } from './util.js';

/** A copy with its own storage; gradients pass straight through. */
export function clone(x: Tensor): Tensor {
  const out = emptyOutput(x.shape, x.dtype);
  K().copy(x.storage, out.storage);
  return record('clone', out, [x], (g) => [g]);
}

/** Converts to another dtype; differentiable between floating types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = castTo(x, dtype);
  if (!isFloating(dtype)) return out;
  return record('cast', out, [x], (g) => [castTo(g, x.dtype)]);
}
