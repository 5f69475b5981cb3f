// Flatten and Unflatten: reshaping layers for Sequential models.

import type { Tensor } from '../../tensor/tensor.js';
import { shapeToString } from '../../tensor/shape.js';
import { flatten, unflatten } from '../../ops/index.js';
import { Module } from '../module.js';

/** Merges dimensions startDim..endDim (default: all but the batch dimension). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  override forward(x: Tensor): Tensor {
    const rank = Math.max(x.ndim, 1);
    const s = this.startDim < 0 ? this.startDim + rank : this.startDim;
    const e = this.endDim < 0 ? this.endDim + rank : this.endDim;
    if (s < 0 || s >= rank || e < 0 || e >= rank) {
      throw new Error(`Flatten: startDim=${this.startDim}, endDim=${this.endDim} are out of range for input ${shapeToString(x.shape)}`);
    }
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Splits dimension `dim` into `sizes` (one of which may be -1). */
export class Unflatten extends Module {
  readonly sizes: readonly number[];

  constructor(readonly dim: number, sizes: readonly number[]) {
    super();
    if (!Array.isArray(sizes) || sizes.length === 0) throw new Error(`Unflatten: sizes must be a non-empty array, got ${JSON.stringify(sizes)}`);
    this.sizes = sizes.slice();
  }

  override forward(x: Tensor): Tensor {
    return unflatten(x, this.dim, this.sizes);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=(${this.sizes.join(', ')})`;
  }
}
