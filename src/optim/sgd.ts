// Stochastic gradient descent with momentum (optionally Nesterov), dampening, L2 weight decay
// and maximize, as torch.optim.SGD. The arithmetic is the backend's sgdUpdate kernel.

import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkFinite, checkNonNegative, checkOptions, type OptionChecks } from './check.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate. Default 1e-3 (PyTorch >= 2.2; earlier versions had no default). */
  lr: number;
  /** Momentum factor. Default 0. */
  momentum: number;
  /** Dampening of the momentum's gradient term. Default 0. */
  dampening: number;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov: boolean;
  /** Maximise the objective instead of minimising it. Default false. */
  maximize: boolean;
}

export const SGD_DEFAULTS: Readonly<SGDOptions> = Object.freeze({
  lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false,
});

const SGD_CHECKS: OptionChecks<SGDOptions> = {
  lr: checkNonNegative, momentum: checkNonNegative, dampening: checkFinite, weightDecay: checkNonNegative,
  nesterov: checkBoolean, maximize: checkBoolean,
};

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, SGD_DEFAULTS, options, ['momentum_buffer']);
  }

  protected validate(g: SGDOptions, owner: string): void {
    checkOptions(owner, g, SGD_CHECKS);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError(`${owner}: nesterov needs momentum > 0 and dampening 0, got momentum ${g.momentum} and dampening ${g.dampening}`);
    }
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<SGDOptions>): void {
    let buf: Tensor | null = null;
    let firstStep = false;
    if (g.momentum !== 0) {
      // PyTorch starts the momentum buffer at the first gradient, not at zero
      firstStep = state.buffers.momentum_buffer === undefined;
      buf = this.buffer(state, 'momentum_buffer', param);
    }
    backend().sgdUpdate(param.storage, grad.storage, buf ? buf.storage : null, {
      lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weightDecay,
      nesterov: g.nesterov, firstStep, maximize: g.maximize,
    });
  }
}
