// Conv2d over NCHW images (or unbatched CHW), weight [out, in / groups, kh, kw]. The arguments,
// parameters and printed form it shares with ConvTranspose2d are in conv-base.ts.

import type { Tensor } from '../../tensor/tensor.js';
import { conv2d, pair, type Pair } from '../../ops/index.js';
import { ConvBase, tuple, type ConvBaseOptions } from './conv-base.js';

export interface Conv2dOptions extends ConvBaseOptions {
  /** Zero padding per side, or 'valid' (none) or 'same' (output as large as the input; stride 1). */
  padding?: Pair | 'valid' | 'same';
}

export class Conv2d extends ConvBase {
  readonly padding: [number, number] | 'valid' | 'same';

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super('Conv2d', inChannels, outChannels, kernelSize, options, false);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
        throw new Error(`Conv2d: padding='same' is not supported for strided convolutions (stride ${tuple(this.stride)})`);
      }
      this.padding = padding;
    } else this.padding = pair(padding, 'padding', 'Conv2d');
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  protected override paddingRepr(): string {
    if (typeof this.padding === 'string') return `, padding='${this.padding}'`;
    return this.padding[0] !== 0 || this.padding[1] !== 0 ? `, padding=${tuple(this.padding)}` : '';
  }
}
