// What Conv2d and ConvTranspose2d share, as PyTorch's _ConvNd: the channel, kernel, stride,
// dilation and groups arguments, checked with the layer's name in every error; the weight and
// bias with PyTorch's default initialisation; the check of the input's channels; and the
// printed form. Each layer adds its own padding arguments and its op.

import type { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import { shapeToString } from '../../tensor/shape.js';
import type { Generator } from '../../tensor/random.js';
import { pair, type Pair } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkCount, resetWeightAndBias, type FactoryOptions } from './linear.js';

export interface ConvBaseOptions extends FactoryOptions {
  stride?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/** "(a, b)" as PyTorch prints tuples. */
export function tuple(p: readonly number[]): string {
  return `(${p.join(', ')})`;
}

export abstract class ConvBase extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;
  /** The layer's name in error messages ('Conv2d', 'ConvTranspose2d'); not a registered field. */
  readonly #layer: string;

  /**
   * Checks the shared arguments and makes the parameters: the weight [out, in / groups, kh, kw],
   * or with `transposed` [in, out / groups, kh, kw] as PyTorch stores it (so that PyTorch
   * state dicts load unchanged), and the bias [out] unless `bias: false`.
   */
  protected constructor(layer: string, inChannels: number, outChannels: number, kernelSize: Pair,
    options: ConvBaseOptions, transposed: boolean) {
    super();
    this.#layer = layer;
    checkCount(inChannels, 'inChannels', layer, 1);
    checkCount(outChannels, 'outChannels', layer, 1);
    const groups = options.groups ?? 1;
    checkCount(groups, 'groups', layer, 1);
    if (inChannels % groups !== 0) throw new Error(`${layer}: inChannels ${inChannels} must be divisible by groups ${groups}`);
    if (outChannels % groups !== 0) throw new Error(`${layer}: outChannels ${outChannels} must be divisible by groups ${groups}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, 'kernelSize', layer, 1);
    this.stride = pair(options.stride ?? 1, 'stride', layer, 1);
    this.dilation = pair(options.dilation ?? 1, 'dilation', layer, 1);
    this.groups = groups;
    const dtype = options.dtype ?? 'float32';
    const [kh, kw] = this.kernelSize;
    const weightShape = transposed ? [inChannels, outChannels / groups, kh, kw] : [outChannels, inChannels / groups, kh, kw];
    this.weight = new Parameter(zeros(weightShape, { dtype }));
    this.bias = options.bias ?? true ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters(options.generator);
  }

  /**
   * PyTorch's default: kaiming_uniform_(a = sqrt(5)) with the fan-in read from the weight's
   * dimension 1 (in / groups * kh * kw; for a transposed convolution out / groups * kh * kw,
   * as PyTorch computes it), and the bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
   */
  resetParameters(generator?: Generator): void {
    resetWeightAndBias(this.weight, this.bias, generator);
  }

  /** Throws unless `x` is [N, inChannels, H, W] or [inChannels, H, W]. */
  protected checkInput(x: Tensor): void {
    const c = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (c !== this.inChannels) {
      throw new Error(`${this.#layer}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W] ` +
        `(inChannels=${this.inChannels}), got ${shapeToString(x.shape)}`);
    }
  }

  /** The layer's padding arguments as printed after the stride (", padding=(1, 1)"; '' for none). */
  protected abstract paddingRepr(): string;

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    s += this.paddingRepr();
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${tuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}
