// Shape ops. reshape/view/flatten/squeeze share storage with their input (storage is always
// contiguous, so a new shape over the same elements is free); transposes, slices and
// concatenation copy.

import { record } from '../autograd/graph.js';
import { checkShape, normalizeAxis, numel, shapeToString, sameShape, splitAt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { promoteTypes, type DType } from '../dtype/dtype.js';
import { castTo, empty, emptyOutput, K, requireInt, sumToShape } from './util.js';

/** A new shape over the same elements; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = shape.slice();
  const infer = target.indexOf(-1);
  if (infer !== target.lastIndexOf(-1)) throw new Error(`reshape: only one dimension can be -1, got ${shapeToString(shape)}`);
  if (infer >= 0) {
    const known = numel(target.filter((_, i) => i !== infer));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot infer -1 in ${shapeToString(shape)} for ${x.size} elements (input ${shapeToString(x.shape)})`);
    }
    target[infer] = x.size / known;
  }
  checkShape(target, 'reshape');
  if (numel(target) !== x.size) {
    throw new Error(`reshape: shape ${shapeToString(shape)} is invalid for input of shape ${shapeToString(x.shape)} (${x.size} elements)`);
  }
  if (sameShape(target, x.shape)) return x;
  const out = new Tensor(x.storage, target);
  return record('reshape', out, [x], (g) => [reshape(g, x.shape)]);
}

export const view = reshape;

/** Merges dimensions startDim..endDim (inclusive) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis(startDim, x.ndim, 'flatten'), e = normalizeAxis(endDim, x.ndim, 'flatten');
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Splits dimension `dim` into `sizes` (one may be -1). */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeAxis(dim, x.ndim, 'unflatten');
  const known = numel(sizes.filter((v) => v !== -1));
  const resolved = sizes.map((v) => (v === -1 ? x.shape[d] / known : v));
  if (numel(resolved) !== x.shape[d] || !resolved.every(Number.isInteger)) {
    throw new Error(`unflatten: sizes ${shapeToString(sizes)} do not multiply to dimension ${d} of size ${x.shape[d]}`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...resolved, ...x.shape.slice(d + 1)]);
}

/** Removes size-1 dimensions (only `axis` if given). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis(axis, x.ndim, 'squeeze');
  return x.shape[a] === 1 ? reshape(x, x.shape.filter((_, i) => i !== a)) : x;
}

/** Inserts a size-1 dimension at `axis` (which may be -1 for last). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Repeats size-1 dimensions (and new leading ones) to `shape`; -1 keeps a dimension. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new Error(`expand: target ${shapeToString(shape)} has fewer dimensions than input ${shapeToString(x.shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  const bad = target.findIndex((d) => !Number.isInteger(d) || d < 0);
  if (bad >= 0) {
    throw new Error(`expand: invalid size ${shape[bad]} for dimension ${bad} of ${shapeToString(shape)}` +
      (shape[bad] === -1 ? ' (-1 only keeps an existing dimension, not a new leading one)' : ''));
  }
  target.forEach((d, i) => {
    const src = i >= lead ? x.shape[i - lead] : 1;
    if (src !== d && src !== 1) {
      throw new Error(`expand: cannot expand ${shapeToString(x.shape)} to ${shapeToString(shape)} (dimension ${i}: ${src} vs ${d})`);
    }
  });
  if (sameShape(target, x.shape)) return x;
  const out = emptyOutput(target, x.dtype);
  K().expand(x.storage, x.shape, out.storage, target);
  return record('expand', out, [x], (g) => [sumToShape(g, x.shape)]);
}

/** Reorders dimensions: output dimension i is input dimension dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new Error(`permute: ${dims.length} dims given for a tensor of rank ${x.ndim}`);
  const perm = dims.map((d) => normalizeAxis(d, x.ndim, 'permute'));
  if (new Set(perm).size !== perm.length) throw new Error(`permute: repeated dimension in [${dims.join(',')}]`);
  if (perm.every((p, i) => p === i)) return x;
  const outShape = perm.map((p) => x.shape[p]);
  // moving only size-1 dimensions does not change the element order
  const nonUnit = perm.filter((p) => x.shape[p] !== 1);
  if (nonUnit.every((p, i) => i === 0 || p > nonUnit[i - 1])) return reshape(x, outShape);
  const out = emptyOutput(outShape, x.dtype);
  K().permute(x.storage, x.shape, perm, out.storage);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => { inverse[p] = i; });
  return record('permute', out, [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normalizeAxis(dim0, x.ndim, 'transpose'), b = normalizeAxis(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b; perm[b] = a;
  return permute(x, perm);
}

/** Elements start..start+length-1 along `axis`. */
function requireRankAtLeast1(x: Tensor, op: string): void {
  if (x.ndim === 0) throw new Error(`${op}: expected a tensor with at least one dimension, got a 0-d tensor`);
}

export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  requireRankAtLeast1(x, 'narrow');
  const a = normalizeAxis(axis, x.ndim, 'narrow');
  const size = x.shape[a];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new RangeError(`narrow: range [${start}, ${start}+${length}) is out of bounds for dimension ${a} of size ${size}`);
  }
  if (s === 0 && length === size) return x;
  const begin = x.shape.map((_, i) => (i === a ? s : 0));
  const outShape = x.shape.map((d, i) => (i === a ? length : d));
  const out = emptyOutput(outShape, x.dtype);
  K().slice(x.storage, x.shape, begin, out.storage, outShape);
  return record('narrow', out, [x], (g) => {
    const gx = empty(x.shape, g.dtype);
    K().sliceAssign(g.storage, g.shape, gx.storage, x.shape, begin, false);
    return [gx];
  });
}

/** x[start:end] along `axis`, with Python-style negative and clamped bounds. */
export function slice(x: Tensor, axis: number, start = 0, end?: number, step = 1): Tensor {
  requireRankAtLeast1(x, 'slice');
  if (step !== 1) throw new Error(`slice: only step 1 is supported, got ${step}`);
  const a = normalizeAxis(axis, x.ndim, 'slice');
  const size = x.shape[a];
  const clampIndex = (i: number) => Math.min(size, Math.max(0, i < 0 ? i + size : i));
  const s = clampIndex(start), e = clampIndex(end ?? size);
  return narrow(x, a, s, Math.max(0, e - s));
}

/** The slice at `index` along `axis`, with that dimension removed. */
export function select(x: Tensor, axis: number, index: number): Tensor {
  requireRankAtLeast1(x, 'select');
  const a = normalizeAxis(axis, x.ndim, 'select');
  const size = x.shape[a];
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`select: index ${index} is out of range for dimension ${a} of size ${size}`);
  return squeeze(narrow(x, a, i, 1), a);
}

/** Joins tensors along an existing axis (torch.cat). */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const first = tensors[0];
  tensors.forEach((t, k) => { if (t.ndim === 0) throw new Error(`concat: tensor ${k} is 0-d; zero-dimensional tensors cannot be concatenated (use stack)`); });
  const a = normalizeAxis(axis, first.ndim, 'concat');
  let dtype: DType = first.dtype;
  tensors.forEach((t, k) => {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new Error(`concat: tensor ${k} has shape ${shapeToString(t.shape)}, incompatible with ${shapeToString(first.shape)} along axis ${a}`);
    }
    dtype = promoteTypes(dtype, t.dtype);
  });
  const outShape = first.shape.slice();
  outShape[a] = tensors.reduce((n, t) => n + t.shape[a], 0);
  const out = empty(outShape, dtype);
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    const begin = outShape.map((_, i) => (i === a ? offset : 0));
    K().sliceAssign(castTo(t, dtype).storage, t.shape, out.storage, outShape, begin, false);
    offsets.push(offset);
    offset += t.shape[a];
  }
  return record('concat', out, tensors, (g) => tensors.map((t, k) => (t.requiresGrad ? narrow(g, a, offsets[k], t.shape[a]) : null)));
}

export const cat = concat;

/** Joins tensors of equal shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
  const a = normalizeAxis(axis, tensors[0].ndim + 1, 'stack');
  tensors.forEach((t, k) => {
    if (!sameShape(t.shape, tensors[0].shape)) {
      throw new Error(`stack: tensor ${k} has shape ${shapeToString(t.shape)}, expected ${shapeToString(tensors[0].shape)}`);
    }
  });
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}

/** Splits into pieces of `sizes` (a number: equal pieces of that size, the last may be smaller). */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.ndim, 'split');
  const total = x.shape[a];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new Error(`split: size must be a positive integer, got ${sizes}`);
    parts = [];
    for (let s = 0; s < total; s += sizes) parts.push(Math.min(sizes, total - s));
  } else {
    parts = sizes.slice();
    if (parts.reduce((s, v) => s + v, 0) !== total) throw new Error(`split: sizes [${parts.join(',')}] do not sum to dimension ${a} of size ${total}`);
  }
  let start = 0;
  return parts.map((len) => { const t = narrow(x, a, start, len); start += len; return t; });
}

/** Splits into `chunks` nearly equal pieces, as torch.chunk. */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new Error(`chunk: the number of chunks must be a positive integer, got ${chunks}`);
  requireRankAtLeast1(x, 'chunk');
  const a = normalizeAxis(axis, x.ndim, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[a] / chunks)), a);
}

/** Picks entries along `axis` by an int32 index vector (torch.index_select). */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  requireInt(index, 'indexSelect', 'index');
  if (index.ndim > 1) throw new Error(`indexSelect: index must be 1-D, got shape ${shapeToString(index.shape)}`);
  const a = normalizeAxis(axis, x.ndim, 'indexSelect');
  if (a !== 0) return transpose(indexSelect(transpose(x, 0, a), 0, index), 0, a);
  const [, rows, dim] = splitAt(x.shape, 0);
  const outShape = [index.size, ...x.shape.slice(1)];
  const out = emptyOutput(outShape, x.dtype);
  K().gatherRows(x.storage, rows, dim, index.storage, out.storage);
  return record('indexSelect', out, [x], (g) => {
    const gx = empty(x.shape, g.dtype);
    K().scatterAddRows(g.storage, index.storage, dim, gx.storage);
    return [gx];
  });
}

/**
 * torch.gather: out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis`; index has
 * x's shape except (possibly) along `axis`.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  requireInt(index, 'gather', 'index');
  const a = normalizeAxis(axis, x.ndim, 'gather');
  if (index.ndim !== x.ndim || index.shape.some((d, i) => i !== a && d !== x.shape[i])) {
    throw new Error(`gather: index shape ${shapeToString(index.shape)} must match input ${shapeToString(x.shape)} except along axis ${a}`);
  }
  const [outer, n, inner] = splitAt(x.shape, a);
  const out = emptyOutput(index.shape, x.dtype);
  K().takeAlongAxis(x.storage, outer, n, inner, index.storage, out.storage);
  return record('gather', out, [x], (g) => {
    const gx = empty(x.shape, g.dtype);
    K().scatterAddAlongAxis(g.storage, outer, n, inner, index.storage, gx.storage);
    return [gx];
  });
}
