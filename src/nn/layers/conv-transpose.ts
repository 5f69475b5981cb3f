// ConvTranspose2d over NCHW images (or unbatched CHW), weight [in, out / groups, kh, kw] as
// PyTorch stores it, so that PyTorch state dicts load unchanged.

import type { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import { shapeToString } from '../../tensor/shape.js';
import type { Generator } from '../../tensor/random.js';
import { convTranspose2d, pair, type Pair } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkCount, resetWeightAndBias, type FactoryOptions } from './linear.js';
import { tuple } from './conv.js';

export interface ConvTranspose2dOptions extends FactoryOptions {
  stride?: Pair;
  /** Implicit zero padding: dilation * (kernel - 1) - padding added to each side of the input. */
  padding?: Pair;
  /** Extra rows/columns at the bottom/right of the output (smaller than stride or dilation). */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvTranspose2dOptions = {}) {
    super();
    const name = 'ConvTranspose2d';
    checkCount(inChannels, 'inChannels', name, 1);
    checkCount(outChannels, 'outChannels', name, 1);
    const groups = options.groups ?? 1;
    checkCount(groups, 'groups', name, 1);
    if (inChannels % groups !== 0) throw new Error(`${name}: inChannels ${inChannels} must be divisible by groups ${groups}`);
    if (outChannels % groups !== 0) throw new Error(`${name}: outChannels ${outChannels} must be divisible by groups ${groups}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, 'kernelSize', name, 1);
    this.stride = pair(options.stride ?? 1, 'stride', name, 1);
    this.padding = pair(options.padding ?? 0, 'padding', name);
    this.outputPadding = pair(options.outputPadding ?? 0, 'outputPadding', name);
    this.dilation = pair(options.dilation ?? 1, 'dilation', name, 1);
    for (let i = 0; i < 2; i++) {
      if (this.outputPadding[i] >= this.stride[i] && this.outputPadding[i] >= this.dilation[i]) {
        throw new Error(`${name}: outputPadding ${tuple(this.outputPadding)} must be smaller than either stride ${tuple(this.stride)} or dilation ${tuple(this.dilation)}`);
      }
    }
    this.groups = groups;
    const dtype = options.dtype ?? 'float32';
    const [kh, kw] = this.kernelSize;
    this.weight = new Parameter(zeros([inChannels, outChannels / groups, kh, kw], { dtype }));
    this.bias = options.bias ?? true ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters(options.generator);
  }

  /**
   * PyTorch's default: kaiming_uniform_(a = sqrt(5)) with the fan-in read from the weight's
   * dimension 1 (out / groups * kh * kw, as PyTorch computes it for transposed convolutions),
   * and the bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
   */
  resetParameters(generator?: Generator): void {
    resetWeightAndBias(this.weight, this.bias, generator);
  }

  override forward(x: Tensor): Tensor {
    const c = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (c !== this.inChannels) {
      throw new Error(`ConvTranspose2d: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W] ` +
        `(inChannels=${this.inChannels}), got ${shapeToString(x.shape)}`);
    }
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${tuple(this.padding)}`;
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) s += `, outputPadding=${tuple(this.outputPadding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${tuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}
