// ConvTranspose2d over NCHW images (or unbatched CHW), weight [in, out / groups, kh, kw] as
// PyTorch stores it, so that PyTorch state dicts load unchanged. The arguments, parameters and
// printed form it shares with Conv2d are in conv-base.ts.

import type { Tensor } from '../../tensor/tensor.js';
import { convTranspose2d, pair, type Pair } from '../../ops/index.js';
import { ConvBase, tuple, type ConvBaseOptions } from './conv-base.js';

export interface ConvTranspose2dOptions extends ConvBaseOptions {
  /** Implicit zero padding: dilation * (kernel - 1) - padding added to each side of the input. */
  padding?: Pair;
  /** Extra rows/columns at the bottom/right of the output (smaller than stride or dilation). */
  outputPadding?: Pair;
}

export class ConvTranspose2d extends ConvBase {
  readonly padding: [number, number];
  readonly outputPadding: [number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvTranspose2dOptions = {}) {
    const name = 'ConvTranspose2d';
    super(name, inChannels, outChannels, kernelSize, options, true);
    this.padding = pair(options.padding ?? 0, 'padding', name);
    this.outputPadding = pair(options.outputPadding ?? 0, 'outputPadding', name);
    for (let i = 0; i < 2; i++) {
      if (this.outputPadding[i] >= this.stride[i] && this.outputPadding[i] >= this.dilation[i]) {
        throw new Error(`${name}: outputPadding ${tuple(this.outputPadding)} must be smaller than either stride ${tuple(this.stride)} or dilation ${tuple(this.dilation)}`);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }

  protected override paddingRepr(): string {
    let s = '';
    if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${tuple(this.padding)}`;
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) s += `, outputPadding=${tuple(this.outputPadding)}`;
    return s;
  }
}
