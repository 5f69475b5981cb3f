// Conv2d over NCHW images (or unbatched CHW), weight [out, in / groups, kh, kw].

import type { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import { shapeToString } from '../../tensor/shape.js';
import type { Generator } from '../../tensor/random.js';
import { conv2d, pair, type Pair } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkCount, resetWeightAndBias, type FactoryOptions } from './linear.js';

export interface Conv2dOptions extends FactoryOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output as large as the input; stride 1). */
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/** "(a, b)" as PyTorch prints tuples. */
export function tuple(p: readonly number[]): string {
  return `(${p.join(', ')})`;
}

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'valid' | 'same';
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super();
    checkCount(inChannels, 'inChannels', 'Conv2d', 1);
    checkCount(outChannels, 'outChannels', 'Conv2d', 1);
    const groups = options.groups ?? 1;
    checkCount(groups, 'groups', 'Conv2d', 1);
    if (inChannels % groups !== 0) throw new Error(`Conv2d: inChannels ${inChannels} must be divisible by groups ${groups}`);
    if (outChannels % groups !== 0) throw new Error(`Conv2d: outChannels ${outChannels} must be divisible by groups ${groups}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, 'kernelSize', 'Conv2d', 1);
    this.stride = pair(options.stride ?? 1, 'stride', 'Conv2d', 1);
    this.dilation = pair(options.dilation ?? 1, 'dilation', 'Conv2d', 1);
    this.groups = groups;
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
        throw new Error(`Conv2d: padding='same' is not supported for strided convolutions (stride ${tuple(this.stride)})`);
      }
      this.padding = padding;
    } else this.padding = pair(padding, 'padding', 'Conv2d');
    const dtype = options.dtype ?? 'float32';
    const [kh, kw] = this.kernelSize;
    this.weight = new Parameter(zeros([outChannels, inChannels / groups, kh, kw], { dtype }));
    this.bias = options.bias ?? true ? new Parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    resetWeightAndBias(this.weight, this.bias, generator);
  }

  override forward(x: Tensor): Tensor {
    const c = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (c !== this.inChannels) {
      throw new Error(`Conv2d: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W] ` +
        `(inChannels=${this.inChannels}), got ${shapeToString(x.shape)}`);
    }
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${tuple(this.kernelSize)}, stride=${tuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding='${this.padding}'`;
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${tuple(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${tuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}
