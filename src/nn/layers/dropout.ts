// Dropout: active in training mode only (module.training), inverted scaling by 1/(1-p).

import type { Tensor } from '../../tensor/tensor.js';
import type { Generator } from '../../tensor/random.js';
import { dropout } from '../../ops/index.js';
import { Module } from '../module.js';

export class Dropout extends Module {
  readonly p: number;
  /** Draws the masks (default: the default generator). Hidden from the field scan. */
  declare readonly generator: Generator | undefined;

  constructor(p = 0.5, options: { generator?: Generator } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability must be in [0, 1], got ${p}`);
    this.p = p;
    Object.defineProperty(this, 'generator', { value: options.generator, enumerable: false });
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
