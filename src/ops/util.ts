// Helpers shared by the op definitions: allocating results, turning scalars into tensors,
// dtype checks, and reducing a broadcast gradient back to an input's shape.

import { backend } from '../backend/index.js';
import type { Backend } from '../backend/backend.js';
import { hostArray, isFloating, promoteTypes, type DType } from '../dtype/dtype.js';
import { numel, sameShape, shapeToString } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';

/** The current backend (short name: ops call it a lot). */
export function K(): Backend {
  return backend();
}

/** A new tensor of the given shape and dtype, contents unspecified (zeros on CPU backends). */
export function empty(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(backend().alloc(dtype, numel(shape)), shape);
}

/**
 * A new tensor whose contents are unspecified, for the output of a kernel that writes every
 * element (never for one that accumulates into its output).
 */
export function emptyOutput(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(backend().allocUninit(dtype, numel(shape)), shape);
}

/** Tensor from a JS number, with the dtype a binary op against `like` should use. */
export function scalarLike(value: number, like: Tensor): Tensor {
  const dtype: DType = like.dtype === 'int32' && !Number.isInteger(value) ? 'float32' : like.dtype;
  const host = hostArray(dtype, 1, 'scalar');
  host[0] = value;
  return new Tensor(backend().fromHost(host), []);
}

/** Both operands as tensors; numbers take their dtype from the tensor operand. */
export function asTensors(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor) return [a, scalarLike(b as number, a)];
  if (b instanceof Tensor) return [scalarLike(a as number, b), b];
  throw new TypeError(`${op}: at least one argument must be a Tensor`);
}

/** Casts without recording a graph edge when the dtype already matches. */
export function castTo(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = emptyOutput(t.shape, dtype);
  K().cast(t.storage, out.storage);
  return out;
}

/** Float inputs pass through; int32 inputs become float32 (as PyTorch does for exp, log, ...). */
export function toFloating(t: Tensor): Tensor {
  return isFloating(t.dtype) ? t : castTo(t, 'float32');
}

export function commonDType(a: Tensor, b: Tensor): DType {
  return promoteTypes(a.dtype, b.dtype);
}

export function requireFloat(t: Tensor, op: string, what = 'input'): void {
  if (!isFloating(t.dtype)) throw new TypeError(`${op}: ${what} must be floating point, got ${t.dtype}`);
}

export function requireInt(t: Tensor, op: string, what = 'indices'): void {
  if (t.dtype !== 'int32') throw new TypeError(`${op}: ${what} must be int32, got ${t.dtype}`);
}

export function requireRank(t: Tensor, ranks: number[], op: string, what = 'input'): void {
  if (!ranks.includes(t.ndim)) {
    throw new Error(`${op}: ${what} must have rank ${ranks.join(' or ')}, got shape ${shapeToString(t.shape)}`);
  }
}

/**
 * Sums a gradient over the axes that broadcasting expanded, so that it has `shape`.
 * Used by every broadcasting op's backward.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return g.sum(axes, true).reshape(shape);
}
