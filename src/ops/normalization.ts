// Batch normalisation and layer normalisation (torch.nn.functional.batch_norm / layer_norm).

import { record } from '../autograd/graph.js';
import { noGrad } from '../autograd/grad-mode.js';
import { numel, shapeToString } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { empty, emptyOutput, K, requireFloat } from './util.js';

export interface BatchNormOptions {
  /** Use the batch's statistics (and update the running ones) rather than the running ones. */
  training?: boolean;
  /** Weight of the new batch in the running averages (PyTorch's convention, default 0.1). */
  momentum?: number;
  eps?: number;
}

/**
 * Normalises x [N, C, ...] per channel C. In training mode the batch mean and biased variance
 * normalise, and runningMean/runningVar (if given) move toward the batch mean and unbiased
 * variance, in place. In eval mode the running statistics normalise.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight: Tensor | null = null, bias: Tensor | null = null, options: BatchNormOptions = {}): Tensor {
  requireFloat(x, 'batchNorm');
  const training = options.training ?? false, momentum = options.momentum ?? 0.1, eps = options.eps ?? 1e-5;
  if (x.ndim < 2) throw new Error(`batchNorm: expected input [N, C, ...], got ${shapeToString(x.shape)}`);
  const [n, c] = x.shape;
  const spatial = numel(x.shape.slice(2));
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c)) throw new Error(`batchNorm: ${name} ${shapeToString(t.shape)} does not match ${c} channels of input ${shapeToString(x.shape)}`);
  }
  if (training && n * spatial <= 1) {
    throw new Error(`batchNorm: expected more than 1 value per channel in training mode, got input ${shapeToString(x.shape)}`);
  }
  const mean = empty([c], x.dtype), invStd = empty([c], x.dtype);
  const k = K();
  if (training) {
    const variance = empty([c], x.dtype);
    k.channelMoments(x.storage, n, c, spatial, mean.storage, variance.storage);
    if (runningMean && runningVar) {
      noGrad(() => {
        const count = n * spatial;
        const rm = k.read(runningMean.storage), rv = k.read(runningVar.storage);
        const bm = k.read(mean.storage), bv = k.read(variance.storage);
        // running statistics are small per-channel vectors; update them on the host
        const m = new Float64Array(c), v = new Float64Array(c);
        for (let i = 0; i < c; i++) {
          m[i] = (1 - momentum) * rm[i] + momentum * bm[i];
          v[i] = (1 - momentum) * rv[i] + momentum * bv[i] * count / (count - 1);
        }
        runningMean.copy_(hostTensor(m, runningMean));
        runningVar.copy_(hostTensor(v, runningVar));
      });
    }
    k.unary('affine', variance.storage, variance.storage, 1, eps);
    k.unary('rsqrt', variance.storage, invStd.storage);
  } else {
    if (!runningMean || !runningVar) throw new Error('batchNorm: eval mode needs runningMean and runningVar');
    k.copy(runningMean.storage, mean.storage);
    k.unary('affine', runningVar.storage, invStd.storage, 1, eps);
    k.unary('rsqrt', invStd.storage, invStd.storage);
  }
  const out = emptyOutput(x.shape, x.dtype);
  k.batchNormApply(x.storage, n, c, spatial, mean.storage, invStd.storage, weight?.storage ?? null, bias?.storage ?? null, out.storage);
  return record('batchNorm', out, [x, weight, bias], (g) => {
    const gx = x.requiresGrad ? emptyOutput(x.shape, g.dtype) : null;
    const gw = weight?.requiresGrad ? emptyOutput([c], g.dtype) : null;
    const gb = bias?.requiresGrad ? emptyOutput([c], g.dtype) : null;
    k.batchNormBackward(x.storage, g.storage, n, c, spatial, mean.storage, invStd.storage, weight?.storage ?? null,
      training, gx?.storage ?? null, gw?.storage ?? null, gb?.storage ?? null);
    return [gx, gw, gb];
  });
}

function hostTensor(values: Float64Array, like: Tensor): Tensor {
  const t = empty(like.shape, like.dtype);
  K().cast(values, t.storage);
  return t;
}

/** Normalises over the trailing dimensions `normalizedShape`, then scales and shifts. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null,
  bias: Tensor | null = null, eps = 1e-5): Tensor {
  requireFloat(x, 'layerNorm');
  const d = normalizedShape.length;
  if (d === 0 || x.ndim < d || normalizedShape.some((s, i) => s !== x.shape[x.ndim - d + i])) {
    throw new Error(`layerNorm: normalizedShape ${shapeToString(normalizedShape)} does not match the end of input ${shapeToString(x.shape)}`);
  }
  const n = numel(normalizedShape), rows = x.size / Math.max(1, n);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && t.size !== n) throw new Error(`layerNorm: ${name} ${shapeToString(t.shape)} does not match normalizedShape ${shapeToString(normalizedShape)}`);
  }
  const k = K();
  const out = emptyOutput(x.shape, x.dtype), mean = emptyOutput([rows], x.dtype), invStd = emptyOutput([rows], x.dtype);
  k.layerNorm(x.storage, rows, n, weight?.storage ?? null, bias?.storage ?? null, eps, out.storage, mean.storage, invStd.storage);
  return record('layerNorm', out, [x, weight, bias], (g) => {
    const gx = x.requiresGrad ? emptyOutput(x.shape, g.dtype) : null;
    const gw = weight?.requiresGrad ? emptyOutput(weight.shape, g.dtype) : null;
    const gb = bias?.requiresGrad ? emptyOutput(bias.shape, g.dtype) : null;
    k.layerNormBackward(x.storage, g.storage, rows, n, mean.storage, invStd.storage, weight?.storage ?? null,
      gx?.storage ?? null, gw?.storage ?? null, gb?.storage ?? null);
    return [gx, gw, gb];
  });
}
