// Linear (y = x W^T + b) and Identity.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../dtype/dtype.js';
import type { Generator } from '../../tensor/random.js';
import { zeros } from '../../tensor/creation.js';
import { shapeToString } from '../../tensor/shape.js';
import { linear } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { fanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';

/** Options shared by layers that create parameters. */
export interface FactoryOptions {
  /** dtype of the parameters (default float32). */
  dtype?: DType;
  /** Generator for the initial values (default: the default generator). */
  generator?: Generator;
}

export interface LinearOptions extends FactoryOptions {
  bias?: boolean;
}

export function checkCount(value: number, what: string, layer: string, min = 0): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${layer}: ${what} must be an integer >= ${min}, got ${value}`);
}

/**
 * PyTorch's default initialisation of a layer with weight and bias: weight from
 * kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and bias from the same
 * bound. Shared by Linear and Conv2d.
 */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null, generator?: Generator): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias) {
    const [fanIn] = fanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound, generator);
  }
}

/** y = x W^T + b for x [..., inFeatures]; weight [outFeatures, inFeatures], bias [outFeatures]. */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkCount(inFeatures, 'inFeatures', 'Linear');
    checkCount(outFeatures, 'outFeatures', 'Linear');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float32';
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = options.bias ?? true ? new Parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    resetWeightAndBias(this.weight, this.bias, generator);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear: expected input [..., ${this.inFeatures}] (inFeatures=${this.inFeatures}), got ${shapeToString(x.shape)}`);
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Returns its input unchanged (a placeholder, e.g. to remove a layer from a Sequential). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
