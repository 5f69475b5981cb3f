// Upsample: nearest-neighbour resizing of NCHW images, as torch.nn.Upsample (mode 'nearest').

import type { Tensor } from '../../tensor/tensor.js';
import { interpolate } from '../../ops/index.js';
import { Module } from '../module.js';

export interface UpsampleOptions {
  /** Output size (H, W); give this or scaleFactor. */
  size?: number | readonly [number, number];
  /** Multiplier of H and W; give this or size. */
  scaleFactor?: number | readonly [number, number];
  /** Only 'nearest' (the default) is implemented. */
  mode?: 'nearest';
}

export class Upsample extends Module {
  readonly size?: number | readonly [number, number];
  readonly scaleFactor?: number | readonly [number, number];
  readonly mode: 'nearest';

  constructor(options: UpsampleOptions) {
    super();
    if (!options || (options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new Error('Upsample: give exactly one of size and scaleFactor, e.g. new Upsample({ scaleFactor: 2 })');
    }
    if ((options.mode ?? 'nearest') !== 'nearest') throw new Error(`Upsample: mode '${String(options.mode)}' is not supported (only 'nearest')`);
    this.size = options.size;
    this.scaleFactor = options.scaleFactor;
    this.mode = 'nearest';
  }

  override forward(x: Tensor): Tensor {
    return interpolate(x, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode });
  }

  override extraRepr(): string {
    return this.size !== undefined ? `size=${JSON.stringify(this.size)}, mode='nearest'` : `scaleFactor=${JSON.stringify(this.scaleFactor)}, mode='nearest'`;
  }
}
