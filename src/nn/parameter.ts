// Parameter: a Tensor that a Module owns as a trainable weight (torch.nn.Parameter). It is a
// subclass so that `x instanceof Parameter` tells a module which fields to register, and it
// requires grad by default. Wrapping a tensor shares its storage (no copy), as in PyTorch.

import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../dtype/dtype.js';
import { isFloating } from '../dtype/dtype.js';
import { shapeToString } from '../tensor/shape.js';

export class Parameter extends Tensor {
  /**
   * @param data the initial values; the parameter shares its storage.
   * @param requiresGrad default true; integer parameters must pass false.
   */
  constructor(data: Tensor, requiresGrad = true) {
    if (requiresGrad && !isFloating(data.dtype)) {
      throw new Error(`Parameter: only floating-point tensors can require gradients (got ${data.dtype}); pass requiresGrad=false`);
    }
    super(data.storage, data.shape, requiresGrad);
  }

  /**
   * Replaces the values, shape and dtype in place while keeping this object's identity, as
   * torch's `param.data = t`: optimizers and modules that hold this parameter see the change.
   * Module.to(dtype) uses it. The gradient is dropped when its shape or dtype no longer fits.
   */
  setData(data: Tensor): this {
    // Tensor declares shape/dtype readonly for users; swapping the data of a parameter is the
    // one sanctioned exception, done here rather than by replacing the object.
    const self = this as unknown as { storage: Tensor['storage']; shape: readonly number[]; dtype: DType };
    if (this.requiresGrad && !isFloating(data.dtype)) {
      throw new Error(`Parameter.setData: a parameter that requires grad cannot hold ${data.dtype} data`);
    }
    const sameLayout = data.dtype === this.dtype && shapeToString(data.shape) === shapeToString(this.shape);
    self.storage = data.storage;
    self.shape = Object.freeze(data.shape.slice());
    self.dtype = data.dtype;
    if (!sameLayout) this.grad = null;
    return this;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
