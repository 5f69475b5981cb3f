// Optimizer updates, one fused pass per parameter, following torch.optim's update rules.

import type { AdamParams, RmspropParams, SgdParams, Storage } from '../backend.js';

export function sgdUpdate(param: Storage, grad: Storage, buf: Storage | null, p: SgdParams): void {
  const { lr, momentum, dampening, weightDecay, nesterov, firstStep, maximize } = p;
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < param.length; i++) {
    let g = sign * grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    if (buf && momentum !== 0) {
      const b = firstStep ? g : momentum * buf[i] + (1 - dampening) * g;
      buf[i] = b;
      g = nesterov ? g + momentum * b : b;
    }
    param[i] -= lr * g;
  }
}

export function adamUpdate(param: Storage, grad: Storage, m: Storage, v: Storage, vMax: Storage | null, p: AdamParams): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step, maximize } = p;
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const stepSize = lr / bc1;
  const decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1;
  const l2 = decoupledWeightDecay ? 0 : weightDecay;
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < param.length; i++) {
    let w = param[i];
    let g = sign * grad[i];
    if (l2 !== 0) g += l2 * w;
    w *= decay;
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi; v[i] = vi;
    let denomV = vi;
    if (vMax) { if (vi > vMax[i]) vMax[i] = vi; denomV = vMax[i]; }
    param[i] = w - stepSize * mi / (Math.sqrt(denomV) / bc2Sqrt + eps);
  }
}

export function rmspropUpdate(param: Storage, grad: Storage, sq: Storage, gAvg: Storage | null, buf: Storage | null, p: RmspropParams): void {
  const { lr, alpha, eps, weightDecay, momentum, maximize } = p;
  const sign = maximize ? -1 : 1;
  for (let i = 0; i < param.length; i++) {
    let g = sign * grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    const s = alpha * sq[i] + (1 - alpha) * g * g;
    sq[i] = s;
    let avg = s;
    if (gAvg) { const ga = alpha * gAvg[i] + (1 - alpha) * g; gAvg[i] = ga; avg = s - ga * ga; }
    const denom = Math.sqrt(avg) + eps;
    if (buf && momentum > 0) {
      const b = momentum * buf[i] + g / denom;
      buf[i] = b;
      param[i] -= lr * b;
    } else {
      param[i] -= lr * g / denom;
    }
  }
}
