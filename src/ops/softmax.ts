// softmax and logSoftmax along any axis, each one fused kernel forward and backward.

import { record } from '../autograd/graph.js';
import { normalizeAxis, splitAt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { emptyOutput, K, toFloating } from './util.js';

function softmaxOp(x: Tensor, axis: number, log: boolean): Tensor {
  const name = log ? 'logSoftmax' : 'softmax';
  const input = toFloating(x);
  const a = normalizeAxis(axis, input.ndim, name);
  const [outer, n, inner] = splitAt(input.shape, a);
  const out = emptyOutput(input.shape, input.dtype);
  K().softmax(input.storage, outer, n, inner, out.storage, log);
  return record(name, out, [input], (g) => {
    const gx = emptyOutput(input.shape, g.dtype);
    K().softmaxBackward(out.storage, g.storage, outer, n, inner, gx.storage, log);
    return [gx];
  });
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(x, axis, false);
}

/** log(softmax(x)), computed stably (never log of an underflowed 0). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(x, axis, true);
}
