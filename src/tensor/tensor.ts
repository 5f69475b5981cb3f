// Tensor: a shape, a dtype and a storage owned by the current backend, plus the autograd
// fields (requiresGrad, grad, gradFn). Tensors are immutable from the user's point of view:
// ops return new tensors; the few in-place methods end with `_` as in PyTorch and refuse to
// run on leaves that require grad while gradients are being recorded.
//
// Methods here are thin: each forwards to the one function in ops/ that defines the op, so
// `x.add(y)` and `add(x, y)` are the same code path.

import { backend } from '../backend/index.js';
import type { Storage } from '../backend/backend.js';
import { dtypeOfArray, isFloating, type DType, type TypedArray } from '../dtype/dtype.js';
import { numel, shapeToString, type Shape } from './shape.js';
import { formatTensor } from './print.js';
import type { GradFn } from '../autograd/graph.js';
import { backward as runBackward, type BackwardOptions } from '../autograd/backward.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import * as ops from '../ops/index.js';

export type Scalar = number;
export type TensorLike = Tensor | number;

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Backend storage. Internal: read values with toArray()/dataSync()/item(). */
  storage: Storage;
  /** Whether gradients flow to this tensor (set on leaves by users, propagated by ops). */
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autograd. */
  gradFn: GradFn | null = null;
  /** Keep .grad on this non-leaf after backward (see retainGrad). */
  retainsGrad = false;

  constructor(storage: Storage, shape: Shape, requiresGrad = false) {
    const size = numel(shape);
    if (storage.length !== size) {
      throw new Error(`Tensor: storage holds ${storage.length} elements but shape ${shapeToString(shape)} needs ${size}`);
    }
    this.storage = storage;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOfArray(storage);
    if (requiresGrad && !isFloating(this.dtype)) {
      throw new Error(`Tensor: only floating-point tensors can require gradients (got ${this.dtype})`);
    }
    this.requiresGrad = requiresGrad;
  }

  // --- basic properties -------------------------------------------------------------------
  get ndim(): number { return this.shape.length; }
  get size(): number { return this.storage.length; }
  numel(): number { return this.storage.length; }
  dim(): number { return this.shape.length; }
  /** A leaf: created by the user, not by a recorded op. */
  get isLeaf(): boolean { return this.gradFn === null; }

  /** Host copy of the values as a typed array of the tensor's dtype. */
  dataSync(): TypedArray { return backend().read(this.storage).slice(); }
  /** Values as (nested) JavaScript arrays. */
  toArray(): unknown {
    const data = backend().read(this.storage);
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return data[offset];
      const step = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * step));
    };
    return build(0, 0);
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${shapeToString(this.shape)} has ${this.size} elements, not 1`);
    return backend().read(this.storage)[0];
  }
  toString(): string { return formatTensor(this); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }

  // --- autograd ---------------------------------------------------------------------------
  /** Sets requiresGrad in place (leaves only), as torch's requires_grad_. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) throw new Error('requiresGrad_: only leaf tensors can change requiresGrad; use detach() first');
    if (flag && !isFloating(this.dtype)) throw new Error(`requiresGrad_: only floating-point tensors can require gradients (got ${this.dtype})`);
    this.requiresGrad = flag;
    return this;
  }
  /** Computes gradients of this tensor with respect to every leaf that requires grad. */
  backward(gradient?: Tensor, options?: BackwardOptions): void { runBackward(this, gradient, options); }
  /** A tensor sharing this one's storage, cut off from the graph. */
  detach(): Tensor { return new Tensor(this.storage, this.shape, false); }
  retainGrad(): this { this.retainsGrad = true; return this; }

  // --- in-place (outside autograd) --------------------------------------------------------
  private checkInPlace(op: string): void {
    if (this.requiresGrad && this.isLeaf && isGradEnabled()) {
      throw new Error(`${op}: a leaf tensor that requires grad cannot be modified in place while gradients are recorded; wrap it in noGrad()`);
    }
  }
  zero_(): this { this.checkInPlace('zero_'); backend().fill(this.storage, 0); return this; }
  fill_(value: number): this { this.checkInPlace('fill_'); backend().fill(this.storage, value); return this; }
  /** Copies values from src (same number of elements; cast if dtypes differ). */
  copy_(src: Tensor): this {
    this.checkInPlace('copy_');
    if (src.size !== this.size) throw new Error(`copy_: source ${shapeToString(src.shape)} does not match destination ${shapeToString(this.shape)}`);
    if (src.dtype === this.dtype) backend().copy(src.storage, this.storage);
    else backend().cast(src.storage, this.storage);
    return this;
  }

  // --- conversion -------------------------------------------------------------------------
  to(dtype: DType): Tensor { return ops.cast(this, dtype); }
  float(): Tensor { return ops.cast(this, 'float32'); }
  double(): Tensor { return ops.cast(this, 'float64'); }
  int(): Tensor { return ops.cast(this, 'int32'); }
  clone(): Tensor { return ops.clone(this); }

  // --- elementwise ------------------------------------------------------------------------
  add(other: TensorLike, alpha?: number): Tensor { return ops.add(this, other, alpha); }
  sub(other: TensorLike, alpha?: number): Tensor { return ops.sub(this, other, alpha); }
  mul(other: TensorLike): Tensor { return ops.mul(this, other); }
  div(other: TensorLike): Tensor { return ops.div(this, other); }
  pow(exponent: TensorLike): Tensor { return ops.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return ops.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return ops.minimum(this, other); }
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  leakyRelu(negativeSlope?: number): Tensor { return ops.leakyRelu(this, negativeSlope); }
  gelu(): Tensor { return ops.gelu(this); }
  softplus(): Tensor { return ops.softplus(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ops.clamp(this, min, max); }
  floor(): Tensor { return ops.floor(this); }
  round(): Tensor { return ops.round(this); }
  eq(other: TensorLike): Tensor { return ops.eq(this, other); }
  ne(other: TensorLike): Tensor { return ops.ne(this, other); }
  lt(other: TensorLike): Tensor { return ops.lt(this, other); }
  le(other: TensorLike): Tensor { return ops.le(this, other); }
  gt(other: TensorLike): Tensor { return ops.gt(this, other); }
  ge(other: TensorLike): Tensor { return ops.ge(this, other); }

  // --- reductions -------------------------------------------------------------------------
  sum(axis?: number | number[], keepDim?: boolean): Tensor { return ops.sum(this, axis, keepDim); }
  mean(axis?: number | number[], keepDim?: boolean): Tensor { return ops.mean(this, axis, keepDim); }
  max(axis?: number | number[], keepDim?: boolean): Tensor { return ops.max(this, axis, keepDim); }
  min(axis?: number | number[], keepDim?: boolean): Tensor { return ops.min(this, axis, keepDim); }
  var(axis?: number | number[], keepDim?: boolean, correction?: number): Tensor { return ops.variance(this, axis, keepDim, correction); }
  std(axis?: number | number[], keepDim?: boolean, correction?: number): Tensor { return ops.std(this, axis, keepDim, correction); }
  logSumExp(axis: number, keepDim?: boolean): Tensor { return ops.logSumExp(this, axis, keepDim); }
  argmax(axis?: number, keepDim?: boolean): Tensor { return ops.argmax(this, axis, keepDim); }
  argmin(axis?: number, keepDim?: boolean): Tensor { return ops.argmin(this, axis, keepDim); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }

  // --- shape ------------------------------------------------------------------------------
  reshape(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatShapeArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, flatShapeArgs(shape)); }
  flatten(startDim?: number, endDim?: number): Tensor { return ops.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return ops.unflatten(this, dim, sizes); }
  squeeze(axis?: number): Tensor { return ops.squeeze(this, axis); }
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return ops.expand(this, flatShapeArgs(shape)); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return ops.transpose(this, dim0, dim1); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return ops.permute(this, flatShapeArgs(dims)); }
  /** Transpose of a matrix (rank <= 2), as torch's .T for 2-D tensors. */
  get T(): Tensor { return this.ndim < 2 ? this : ops.transpose(this, 0, 1); }
  narrow(axis: number, start: number, length: number): Tensor { return ops.narrow(this, axis, start, length); }
  /** Slices along one axis: x.slice(0, 2, 5) is x[2:5]. */
  slice(axis: number, start?: number, end?: number, step?: number): Tensor { return ops.slice(this, axis, start, end, step); }
  select(axis: number, index: number): Tensor { return ops.select(this, axis, index); }
  split(sizes: number | readonly number[], axis?: number): Tensor[] { return ops.split(this, sizes, axis); }
  chunk(chunks: number, axis?: number): Tensor[] { return ops.chunk(this, chunks, axis); }
  indexSelect(axis: number, index: Tensor): Tensor { return ops.indexSelect(this, axis, index); }
  gather(axis: number, index: Tensor): Tensor { return ops.gather(this, axis, index); }

  // --- linear algebra ---------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
}

function flatShapeArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]).slice() : (args as number[]);
}
