// Reductions. Several axes are reduced as runs of adjacent axes, each run one kernel call over
// [outer, n, inner], so e.g. summing the H and W axes of NCHW is a single pass.

import type { ReduceOp } from '../backend/backend.js';
import { record } from '../autograd/graph.js';
import { noGrad } from '../autograd/grad-mode.js';
import { normalizeAxes, normalizeAxis, numel, splitAt, shapeToString } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { castTo, empty, K, requireFloat } from './util.js';
import { add, clamp, div, eq, exp, log, mul, sqrt, sub, square } from './elementwise.js';
import { expand, reshape } from './shape.js';

/** Shape with the reduced axes set to 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finalShape(shape: readonly number[], axes: readonly number[], keepDim: boolean): number[] {
  return keepDim ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

/** Applies a reduce kernel over `axes`, returning a tensor of the kept (size-1) shape. */
function reduceKernel(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  // group adjacent axes into runs, reduce the last run first so earlier axis indices stay valid
  const runs: [number, number][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === a) last[1] = a + 1; else runs.push([a, a + 1]);
  }
  // nothing to reduce (a 0-d input, or an empty axis list): still a new tensor, so that the
  // op's graph node never attaches to its own input
  if (runs.length === 0) { const copy = empty(x.shape, x.dtype); K().copy(x.storage, copy.storage); return copy; }
  let cur = x;
  let shape = x.shape.slice();
  for (let r = runs.length - 1; r >= 0; r--) {
    const [start, end] = runs[r];
    const outer = numel(shape.slice(0, start)), n = numel(shape.slice(start, end)), inner = numel(shape.slice(end));
    const nextShape = shape.map((d, i) => (i >= start && i < end ? 1 : d));
    if (n === 0 && (op === 'max' || op === 'min')) {
      throw new Error(`${op}: cannot reduce over an empty dimension of shape ${shapeToString(x.shape)}`);
    }
    const out = empty(nextShape, cur.dtype);
    K().reduce(op, cur.storage, outer, n, inner, out.storage);
    cur = out;
    shape = nextShape;
  }
  return cur;
}

export function sum(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  const axes = normalizeAxes(axis, x.ndim, 'sum');
  const kept = reduceKernel('sum', x, axes);
  const out = reshape(kept, finalShape(x.shape, axes, keepDim));
  return record('sum', out, [x], (g) => [expand(reshape(g, kept.shape), x.shape)]);
}

export function mean(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  requireFloat(x, 'mean');
  const axes = normalizeAxes(axis, x.ndim, 'mean');
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return mul(sum(x, axes, keepDim), 1 / count);
}

/**
 * Maximum over axes (values only; all axes when none given). The gradient is shared evenly
 * among tied maxima, as torch.amax.
 */
export function max(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return extremum('max', x, axis, keepDim);
}

export function min(x: Tensor, axis?: number | number[], keepDim = false): Tensor {
  return extremum('min', x, axis, keepDim);
}

function extremum(op: 'max' | 'min', x: Tensor, axis: number | number[] | undefined, keepDim: boolean): Tensor {
  const axes = normalizeAxes(axis, x.ndim, op);
  const kept = reduceKernel(op, x, axes);
  const out = reshape(kept, finalShape(x.shape, axes, keepDim));
  return record(op, out, [x], (g) => {
    const mask = noGrad(() => {
      const hit = castTo(eq(x, kept), g.dtype);
      return div(hit, sum(hit, axes, true));
    });
    return [mul(expand(reshape(g, kept.shape), x.shape), mask)];
  });
}

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepDim: boolean): Tensor {
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    return argExtremum(op, flat, 0, false);
  }
  const a = normalizeAxis(axis, x.ndim, op);
  if (x.shape[a] === 0) throw new Error(`${op}: cannot reduce over an empty dimension of shape ${shapeToString(x.shape)}`);
  const [outer, n, inner] = splitAt(x.shape, a);
  const out = empty(finalShape(x.shape, [a], keepDim), 'int32');
  K().argReduce(op, x.storage, outer, n, inner, out.storage);
  return out;
}

/** Index of the maximum (int32); over the flattened tensor when no axis is given. */
export function argmax(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argExtremum('argmax', x, axis, keepDim);
}

export function argmin(x: Tensor, axis?: number, keepDim = false): Tensor {
  return argExtremum('argmin', x, axis, keepDim);
}

/** Variance with Bessel's correction by default (correction = 1), as torch.var. */
export function variance(x: Tensor, axis?: number | number[], keepDim = false, correction = 1): Tensor {
  requireFloat(x, 'var');
  const axes = normalizeAxes(axis, x.ndim, 'var');
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const centered = sub(x, mean(x, axes, true));
  return div(sum(square(centered), axes, keepDim), Math.max(0, count - correction));
}

export function std(x: Tensor, axis?: number | number[], keepDim = false, correction = 1): Tensor {
  return sqrt(variance(x, axis, keepDim, correction));
}

/** log(sum(exp(x))) over an axis, stable for large inputs. */
export function logSumExp(x: Tensor, axis: number, keepDim = false): Tensor {
  requireFloat(x, 'logSumExp');
  const a = normalizeAxis(axis, x.ndim, 'logSumExp');
  // the shift is a constant for differentiation: the result does not depend on it
  // (clamped so that a row of -inf or +inf does not turn into inf - inf = NaN)
  const m = noGrad(() => clamp(max(x, a, true), -3.4e38, 3.4e38));
  const out = add(log(sum(exp(sub(x, m)), a, true)), m);
  return keepDim ? out : reshape(out, finalShape(x.shape, [a], false));
}
