// Activation layers: thin modules over the functional forms.

import type { Tensor } from '../../tensor/tensor.js';
import { leakyRelu, logSoftmax, relu, sigmoid, softmax, tanh } from '../../ops/index.js';
import { gelu, silu, softplus, type GeluApproximate } from '../activations.js';
import { Module } from '../module.js';

export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return relu(x); }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return sigmoid(x); }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return tanh(x); }
}

/** GELU, exact (erf) by default or with the tanh approximation ('tanh', as GPT-2). */
export class GELU extends Module {
  constructor(readonly approximate: GeluApproximate = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  override forward(x: Tensor): Tensor { return gelu(x, this.approximate); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

/** x * sigmoid(x) (also called swish). */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor { return silu(x); }
}

/** log(1 + exp(beta x)) / beta, linear above `threshold` (as PyTorch). */
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) { super(); }
  override forward(x: Tensor): Tensor { return softplus(x, this.beta, this.threshold); }
  override extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  override forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/** Softmax along `dim` (default -1; PyTorch's implicit-dimension legacy is not reproduced). */
export class Softmax extends Module {
  constructor(readonly dim = -1) { super(); }
  override forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) { super(); }
  override forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
