// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_, written with ops so
// that the arithmetic runs on the backend.
//
// The clipped gradients are new tensors assigned to `.grad` rather than values written into the
// old ones: after backward() two leaves can hold gradients that share one storage (an `add`
// passes the same gradient to both inputs), and scaling such a storage once per parameter
// would scale it twice.

import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, clamp, div, mul, stack } from '../ops/index.js';
import { checkNonNegative, show } from './check.js';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (instead of scaling by a NaN/0 factor). Default false. */
  errorIfNonfinite?: boolean;
}

/** The parameters that have a gradient (each once). */
function withGrads(owner: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (list === null || typeof list !== 'object' || typeof (list as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${owner}: params must be a Tensor or a list of tensors, got ${show(params)}`);
  }
  const out = new Set<Tensor>();
  let i = 0;
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new TypeError(`${owner}: parameter ${i} is not a Tensor (got ${show(p)})`);
    if (p.grad !== null) out.add(p);
    i++;
  }
  return [...out];
}

/** The p-norm of all elements of x, as a 0-d tensor. */
function norm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === 1) return x.abs().sum();
  if (p === 2) return x.square().sum().sqrt();
  return x.abs().pow(p).sum().pow(1 / p);
}

/**
 * Scales the gradients so that their joint norm (the norm of the per-parameter norms) is at most
 * maxNorm, and returns that norm before clipping. normType: any positive number, or Infinity
 * for the largest absolute value. Parameters whose grad is null are ignored.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2,
  options: ClipGradNormOptions = {}): number {
  const owner = 'clipGradNorm';
  checkNonNegative(owner, 'maxNorm', maxNorm);
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new RangeError(`${owner}: normType must be a positive number or Infinity, got ${show(normType)}`);
  }
  const owners = withGrads(owner, params).filter((p) => p.grad!.size > 0);
  if (owners.length === 0) return 0;
  return noGrad(() => {
    const total = norm(stack(owners.map((p) => norm(p.grad!, normType))), normType);
    const value = total.item();
    if (options.errorIfNonfinite && !Number.isFinite(value)) {
      throw new Error(`${owner}: the total norm of order ${normType} of the gradients is ${value}, so they cannot be clipped; ` +
        'leave errorIfNonfinite off to clip anyway');
    }
    // same arithmetic as PyTorch (in the gradients' dtype): min(maxNorm / (total + 1e-6), 1)
    const coef = clamp(div(maxNorm, add(total, 1e-6)), null, 1);
    for (const p of owners) p.grad = mul(p.grad!, coef).to(p.grad!.dtype);
    return value;
  });
}

/** Clamps every gradient element into [-clipValue, clipValue]. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  checkNonNegative('clipGradValue', 'clipValue', clipValue);
  noGrad(() => {
    for (const p of withGrads('clipGradValue', params)) p.grad = clamp(p.grad!, -clipValue, clipValue);
  });
}
