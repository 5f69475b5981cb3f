// MaxPool2d and AvgPool2d over NCHW (or CHW) inputs.

import type { Tensor } from '../../tensor/tensor.js';
import { avgPool2d, maxPool2d, maxPool2dRelu, pair, type Pair } from '../../ops/index.js';
import { shapeToString } from '../../tensor/shape.js';
import { Module } from '../module.js';

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  /** Round the output size up, so that a partial window at the end is pooled too. */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function checkImage(x: Tensor, layer: string): void {
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`${layer}: expected input [N, C, H, W] or [C, H, W], got ${shapeToString(x.shape)}`);
}

/** Prints an int-or-pair argument the way it was given. */
function show(p: Pair): string {
  return typeof p === 'number' ? String(p) : `(${p[0]}, ${p[1]})`;
}

export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;

  constructor(kernelSize: Pair, options: MaxPool2dOptions = {}) {
    super();
    pair(kernelSize, 'kernelSize', 'MaxPool2d', 1);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
  }

  override forward(x: Tensor): Tensor {
    checkImage(x, 'MaxPool2d');
    return maxPool2d(x, this.kernelSize, this.options());
  }

  /** relu(this.forward(x)) in one pass (Sequential uses it for ReLU followed by MaxPool2d). */
  forwardRelu(x: Tensor): Tensor {
    checkImage(x, 'MaxPool2d');
    return maxPool2dRelu(x, this.kernelSize, this.options());
  }

  private options(): MaxPool2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, ` +
      `dilation=${show(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super();
    pair(kernelSize, 'kernelSize', 'AvgPool2d', 1);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  override forward(x: Tensor): Tensor {
    checkImage(x, 'AvgPool2d');
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}
