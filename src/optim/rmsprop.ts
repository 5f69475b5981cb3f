// RMSprop (optionally centered, with momentum and L2 weight decay), as torch.optim.RMSprop.
// The arithmetic is the backend's rmspropUpdate kernel.

import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkNonNegative, checkOptions, type OptionChecks } from './check.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

export interface RMSpropOptions {
  /** Learning rate. Default 1e-2. */
  lr: number;
  /** Smoothing constant of the squared-gradient average. Default 0.99. */
  alpha: number;
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Momentum factor. Default 0. */
  momentum: number;
  /** Normalise by an estimate of the gradient's variance instead of its second moment. Default false. */
  centered: boolean;
  /** Maximise the objective instead of minimising it. Default false. */
  maximize: boolean;
}

export const RMSPROP_DEFAULTS: Readonly<RMSpropOptions> = Object.freeze({
  lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false,
});

const RMSPROP_CHECKS: OptionChecks<RMSpropOptions> = {
  lr: checkNonNegative, alpha: checkNonNegative, eps: checkNonNegative, weightDecay: checkNonNegative,
  momentum: checkNonNegative, centered: checkBoolean, maximize: checkBoolean,
};

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, RMSPROP_DEFAULTS, options, ['square_avg', 'grad_avg', 'momentum_buffer'], ['square_avg']);
  }

  protected validate(g: RMSpropOptions, owner: string): void {
    checkOptions(owner, g, RMSPROP_CHECKS);
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<RMSpropOptions>): void {
    const squareAvg = this.buffer(state, 'square_avg', param);
    const gradAvg = g.centered ? this.buffer(state, 'grad_avg', param) : null;
    const buf = g.momentum > 0 ? this.buffer(state, 'momentum_buffer', param) : null;
    backend().rmspropUpdate(param.storage, grad.storage, squareAvg.storage, gradAvg ? gradAvg.storage : null,
      buf ? buf.storage : null, {
        lr: g.lr, alpha: g.alpha, eps: g.eps, weightDecay: g.weightDecay, momentum: g.momentum,
        centered: g.centered, maximize: g.maximize,
      });
  }
}
