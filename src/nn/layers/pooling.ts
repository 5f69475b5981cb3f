// MaxPool2d and AvgPool2d over NCHW (or CHW) inputs.

import type { Tensor } from '../../tensor/tensor.js';
import { avgPool2d, maxPool2d, maxPool2dRelu, pair, type Pair } from '../../ops/index.js';
import { shapeToString } from '../../tensor/shape.js';
import { Module } from '../module.js';

/** The arguments MaxPool2d and AvgPool2d share. */
export interface Pool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  /** Round the output size up, so that a partial window at the end is pooled too. */
  ceilMode?: boolean;
}

export interface MaxPool2dOptions extends Pool2dOptions {
  dilation?: Pair;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count the zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** Prints an int-or-pair argument the way it was given. */
function show(p: Pair): string {
  return typeof p === 'number' ? String(p) : `(${p[0]}, ${p[1]})`;
}

/** What the two pooling layers share: the window arguments, the input check, the printed window. */
export abstract class Pool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  /** The layer's name in error messages; not a field that module listings see. */
  readonly #layer: string;

  protected constructor(layer: string, kernelSize: Pair, options: Pool2dOptions) {
    super();
    this.#layer = layer;
    pair(kernelSize, 'kernelSize', layer, 1);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
  }

  /** Throws unless `x` is [N, C, H, W] or [C, H, W]. */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`${this.#layer}: expected input [N, C, H, W] or [C, H, W], got ${shapeToString(x.shape)}`);
  }

  /** "kernelSize=2, stride=2, padding=0". */
  protected windowRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

export class MaxPool2d extends Pool2d {
  readonly dilation: Pair;

  constructor(kernelSize: Pair, options: MaxPool2dOptions = {}) {
    super('MaxPool2d', kernelSize, options);
    this.dilation = options.dilation ?? 1;
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return maxPool2d(x, this.kernelSize, this.options());
  }

  /** relu(this.forward(x)) in one pass (Sequential uses it for ReLU followed by MaxPool2d). */
  forwardRelu(x: Tensor): Tensor {
    this.checkInput(x);
    return maxPool2dRelu(x, this.kernelSize, this.options());
  }

  private options(): MaxPool2dOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  override extraRepr(): string {
    return `${this.windowRepr()}, dilation=${show(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

export class AvgPool2d extends Pool2d {
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super('AvgPool2d', kernelSize, options);
    this.countIncludePad = options.countIncludePad ?? true;
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return this.windowRepr();
  }
}
