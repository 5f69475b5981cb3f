// Adam (with the AMSGrad variant and L2 weight decay) and AdamW (decoupled weight decay), as
// torch.optim.Adam and torch.optim.AdamW. The arithmetic is the backend's adamUpdate kernel.

import { backend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkInRange, checkNonNegative, checkOptions, show, type OptionChecks } from './check.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

export interface AdamOptions {
  /** Learning rate. Default 1e-3. */
  lr: number;
  /** Decay rates of the first and second moment estimates. Default [0.9, 0.999]. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 0.01). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad). Default false. */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it. Default false. */
  maximize: boolean;
}

export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({
  lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false,
});

export const ADAMW_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ ...ADAM_DEFAULTS, weightDecay: 1e-2 });

const BUFFERS = ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'];
const SQUARE_BUFFERS = ['exp_avg_sq', 'max_exp_avg_sq'];

function checkBetas(owner: string, name: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TypeError(`${owner}: ${name} must be a pair [beta1, beta2], got ${show(betas)}`);
  }
  checkInRange(owner, `${name}[0]`, betas[0], 0, 1);
  checkInRange(owner, `${name}[1]`, betas[1], 0, 1);
}

const ADAM_CHECKS: OptionChecks<AdamOptions> = {
  lr: checkNonNegative, betas: checkBetas, eps: checkNonNegative, weightDecay: checkNonNegative,
  amsgrad: checkBoolean, maximize: checkBoolean,
};

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected validate(g: AdamOptions, owner: string): void {
    checkOptions(owner, g, ADAM_CHECKS);
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<AdamOptions>): void {
    const m = this.buffer(state, 'exp_avg', param);
    const v = this.buffer(state, 'exp_avg_sq', param);
    const vMax = g.amsgrad ? this.buffer(state, 'max_exp_avg_sq', param) : null;
    backend().adamUpdate(param.storage, grad.storage, m.storage, v.storage, vMax ? vMax.storage : null, {
      lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay,
      decoupledWeightDecay: this.decoupled, step: state.step, amsgrad: g.amsgrad, maximize: g.maximize,
    });
  }
}

/** Adam; weightDecay adds weightDecay * param to the gradient (L2 regularisation). */
export class Adam extends AdamBase {
  // a getter, not a field: the base constructor runs before subclass fields are set
  protected get decoupled(): boolean { return false; }

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, ADAM_DEFAULTS, options, BUFFERS, SQUARE_BUFFERS);
  }
}

/** AdamW; weightDecay shrinks the parameter by lr * weightDecay before the Adam step. */
export class AdamW extends AdamBase {
  protected get decoupled(): boolean { return true; }

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, ADAMW_DEFAULTS, options, BUFFERS, SQUARE_BUFFERS);
  }
}
