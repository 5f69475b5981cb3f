// Building blocks of latent-variable generative models (VAEs): the reparameterisation trick,
// the KL divergence of a diagonal Gaussian posterior from the standard normal prior, and the
// reconstruction terms of Bernoulli and Gaussian decoders. All are per-sample sums over the
// non-batch dimensions (nats), reduced over the batch as asked: 'sum' (default, the
// convention of the classic PyTorch VAE example, so losses are "per batch"), 'mean' (per
// sample) or 'none' (one value per sample, shape [N]).

import type { Tensor } from '../tensor/tensor.js';
import { randn } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { sameShape, shapeToString } from '../tensor/shape.js';
import { add, exp, mean, mul, square, sub, sum } from '../ops/index.js';
import { binaryCrossEntropyWithLogits } from './losses.js';

export type SampleReduction = 'sum' | 'mean' | 'none';

export interface SampleReductionOptions {
  /** 'sum' over the batch (default), 'mean' over the batch, or 'none' (shape [N]). */
  reduction?: SampleReduction;
}

/** Sums each sample over its non-batch dimensions, then reduces over the batch. */
function perSample(t: Tensor, reduction: SampleReduction | undefined, op: string): Tensor {
  if (t.ndim === 0) throw new Error(`${op}: expected a batch [N, ...], got a scalar`);
  const samples = t.ndim === 1 ? t : sum(t, Array.from({ length: t.ndim - 1 }, (_, i) => i + 1));
  switch (reduction ?? 'sum') {
    case 'sum': return sum(samples);
    case 'mean': return mean(samples);
    case 'none': return samples;
    default: throw new Error(`${op}: unknown reduction '${String(reduction)}' (expected 'sum', 'mean' or 'none')`);
  }
}

function requireSameShape(a: Tensor, b: Tensor, op: string, what: string): void {
  if (!sameShape(a.shape, b.shape)) throw new Error(`${op}: ${what} shapes ${shapeToString(a.shape)} and ${shapeToString(b.shape)} differ`);
}

/**
 * z = mu + eps * exp(logvar / 2) with eps ~ N(0, I) drawn from `generator` (default: the
 * default generator): a sample of N(mu, diag(exp(logvar))) that gradients flow through.
 */
export function reparameterize(mu: Tensor, logvar: Tensor, generator?: Generator): Tensor {
  requireSameShape(mu, logvar, 'reparameterize', 'mu and logvar');
  const eps = randn(mu.shape, { dtype: mu.dtype, generator });
  return add(mu, mul(eps, exp(mul(logvar, 0.5))));
}

/**
 * KL(N(mu, diag(exp(logvar))) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - exp(logvar)),
 * summed over the latent dimensions of each sample.
 */
export function gaussianKl(mu: Tensor, logvar: Tensor, options: SampleReductionOptions = {}): Tensor {
  requireSameShape(mu, logvar, 'gaussianKl', 'mu and logvar');
  const terms = mul(sub(sub(add(logvar, 1), square(mu)), exp(logvar)), -0.5);
  return perSample(terms, options.reduction, 'gaussianKl');
}

/**
 * -log p(x | logits) of a Bernoulli decoder, i.e. binary cross entropy with logits summed over
 * each sample's pixels (targets may be grey levels in [0, 1], as in the classic VAE example).
 */
export function bernoulliReconstructionLoss(logits: Tensor, target: Tensor, options: SampleReductionOptions = {}): Tensor {
  requireSameShape(logits, target, 'bernoulliReconstructionLoss', 'logits and target');
  return perSample(binaryCrossEntropyWithLogits(logits, target, { reduction: 'none' }), options.reduction, 'bernoulliReconstructionLoss');
}

export interface GaussianReconstructionOptions extends SampleReductionOptions {
  /** Decoder log-variance: a number (fixed) or a tensor broadcast against the mean (learned). Default 0 (unit variance). */
  logvar?: Tensor | number;
  /** Include the constant 1/2 log(2 pi) per element, making it a true negative log density (default true). */
  constant?: boolean;
}

/**
 * -log N(x; mean, exp(logvar)) of a Gaussian decoder: 1/2 ((x - mean)^2 / exp(logvar) + logvar
 * + log 2 pi), summed over each sample's elements.
 */
export function gaussianReconstructionLoss(meanOut: Tensor, target: Tensor, options: GaussianReconstructionOptions = {}): Tensor {
  requireSameShape(meanOut, target, 'gaussianReconstructionLoss', 'mean and target');
  const logvar = options.logvar ?? 0;
  const sq = square(sub(target, meanOut));
  let terms = typeof logvar === 'number'
    ? add(mul(sq, 0.5 * Math.exp(-logvar)), 0.5 * logvar)
    : mul(add(mul(sq, exp(mul(logvar, -1))), logvar), 0.5);
  if (options.constant ?? true) terms = add(terms, 0.5 * Math.log(2 * Math.PI));
  return perSample(terms, options.reduction, 'gaussianReconstructionLoss');
}
