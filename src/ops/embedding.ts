// Embedding lookup: rows of a [num, dim] table picked by int32 indices of any shape.

import { record } from '../autograd/graph.js';
import { shapeToString } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { empty, emptyOutput, K, requireInt } from './util.js';

/**
 * out[..., :] = weight[indices[...], :]. The gradient scatters back into the table; rows at
 * `paddingIdx` get no gradient (as torch's padding_idx).
 */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  requireInt(indices, 'embedding', 'indices');
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be [num, dim], got ${shapeToString(weight.shape)}`);
  const [num, dim] = weight.shape;
  const out = emptyOutput([...indices.shape, dim], weight.dtype);
  K().gatherRows(weight.storage, num, dim, indices.storage, out.storage);
  return record('embedding', out, [weight], (g) => {
    const gw = empty(weight.shape, g.dtype);
    K().scatterAddRows(g.storage, indices.storage, dim, gw.storage);
    if (paddingIdx !== null) {
      const pad = paddingIdx < 0 ? paddingIdx + num : paddingIdx;
      K().sliceAssign(empty([1, dim], g.dtype).storage, [1, dim], gw.storage, weight.shape, [pad, 0], false);
    }
    return [gw];
  });
}
