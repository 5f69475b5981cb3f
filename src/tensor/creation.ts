// Creating tensors: from JavaScript data, constants, ranges and random distributions.
// Random functions use the default generator (seed it with manualSeed) unless given one.

import { backend } from '../backend/index.js';
import { dtypeOfArray, hostArray, type DType, type TypedArray } from '../dtype/dtype.js';
import { checkShape, numel, shapeToString } from './shape.js';
import { defaultGenerator, type Generator } from './random.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

type Nested = number | boolean | readonly Nested[];

/** Shape of a (nested) array, checking that it is rectangular. */
function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let level: Nested = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const check = (v: Nested, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(v)) throw new Error(`tensor: ragged nested array at ${path || 'top level'} (expected a number)`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new Error(`tensor: ragged nested array at ${path || 'top level'} (expected ${shape[dim]} items)`);
    }
    v.forEach((x, i) => check(x, dim + 1, `${path}[${i}]`));
  };
  check(data, 0, '');
  return shape;
}

/** Wraps host data in a tensor on the current backend (the data is copied). */
export function fromArray(data: TypedArray, shape: readonly number[] = [data.length], options: CreateOptions = {}): Tensor {
  checkShape(shape, 'fromArray');
  if (numel(shape) !== data.length) {
    throw new Error(`fromArray: ${data.length} values do not fill shape ${shapeToString(shape)} (${numel(shape)} elements)`);
  }
  let host = data;
  if (options.dtype && options.dtype !== dtypeOfArray(data)) {
    host = hostArray(options.dtype, data.length, 'fromArray');
    if (options.dtype === 'int32') for (let i = 0; i < data.length; i++) host[i] = Math.trunc(data[i]);
    else host.set(data);
  }
  return new Tensor(backend().fromHost(host), shape, options.requiresGrad ?? false);
}

/**
 * A tensor from a number, nested arrays, or a typed array. The dtype defaults to float32 for
 * numbers and arrays, and to the typed array's own type.
 */
export function tensor(data: Nested | TypedArray, options: CreateOptions = {}): Tensor {
  if (ArrayBuffer.isView(data)) return fromArray(data as TypedArray, [(data as TypedArray).length], options);
  const shape = inferShape(data as Nested);
  const flat: unknown[] = [];
  const collect = (v: Nested): void => { if (Array.isArray(v)) v.forEach(collect); else flat.push(v); };
  collect(data as Nested);
  const host = hostArray(options.dtype ?? 'float32', flat.length, 'tensor');
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`tensor: element ${i} is ${typeof v}, expected a number`);
    host[i] = Number(v);
  }
  return new Tensor(backend().fromHost(host), shape, options.requiresGrad ?? false);
}

/** A scalar (0-d) tensor. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  const host = hostArray(dtype, 1, 'full');
  host[0] = value;
  return new Tensor(backend().fromHost(host), [], false);
}

export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  const s = checkShape(shape, 'full');
  const storage = backend().alloc(options.dtype ?? 'float32', numel(s));
  if (value !== 0) backend().fill(storage, value);
  return new Tensor(storage, s, options.requiresGrad ?? false);
}

export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...options });
}

export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...options });
}

export function fullLike(t: Tensor, value: number, options: CreateOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...options });
}

/** Values start, start+step, ... below end (PyTorch's arange; int32 when all arguments are integers). */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const host = hostArray(options.dtype ?? (allInt ? 'int32' : 'float32'), n, 'arange');
  for (let i = 0; i < n; i++) host[i] = start + i * step;
  return fromArray(host, [n], { requiresGrad: options.requiresGrad });
}

export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  const host = hostArray(options.dtype ?? 'float32', steps, 'linspace');
  for (let i = 0; i < steps; i++) host[i] = steps === 1 ? start : start + (end - start) * (i / (steps - 1));
  return fromArray(host, [steps], { requiresGrad: options.requiresGrad });
}

export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  const host = hostArray(options.dtype ?? 'float32', n * m, 'eye');
  for (let i = 0; i < Math.min(n, m); i++) host[i * m + i] = 1;
  return fromArray(host, [n, m], { requiresGrad: options.requiresGrad });
}

function randomTensor(shape: readonly number[], options: RandomOptions, op: string, draw: (g: Generator) => number): Tensor {
  const s = checkShape(shape, op);
  const g = options.generator ?? defaultGenerator;
  const host = hostArray(options.dtype ?? 'float32', numel(s), op);
  for (let i = 0; i < host.length; i++) host[i] = draw(g);
  return new Tensor(backend().fromHost(host), s, options.requiresGrad ?? false);
}

/** Uniform on [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const float32 = (options.dtype ?? 'float32') === 'float32';
  return randomTensor(shape, options, 'rand', float32 ? (g) => g.randomFloat32() : (g) => g.random());
}

/** Standard normal. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randomTensor(shape, options, 'randn', (g) => g.normal());
}

/** Uniform on [low, high). */
export function uniform(shape: readonly number[], low: number, high: number, options: RandomOptions = {}): Tensor {
  return randomTensor(shape, options, 'uniform', (g) => low + (high - low) * g.random());
}

/** Normal with the given mean and standard deviation. */
export function normal(shape: readonly number[], mean: number, std: number, options: RandomOptions = {}): Tensor {
  return randomTensor(shape, options, 'normal', (g) => mean + std * g.normal());
}

/** Integers uniform on [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: need integers low < high, got [${low}, ${high})`);
  }
  return randomTensor(shape, { dtype: 'int32', ...options }, 'randint', (g) => g.randint(low, high));
}

/** A random permutation of 0..n-1, int32. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return fromArray(g.permutation(n), [n]);
}

/** 1 with probability p, else 0 (float32 unless dtype is given). */
export function bernoulli(shape: readonly number[], p: number, options: RandomOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: probability must be in [0, 1], got ${p}`);
  return bernoulliTensor(shape, p, 1, options, 'bernoulli');
}

/**
 * A dropout mask: `value` with probability `keep`, else 0 (one 32-bit draw per element), in
 * the float dtype of options (float32 by default); dropout passes value = 1 / (1 - p).
 */
export function dropoutMask(shape: readonly number[], keep: number, value: number, options: RandomOptions = {}): Tensor {
  if (!(keep >= 0 && keep <= 1)) throw new Error(`dropoutMask: keep probability must be in [0, 1], got ${keep}`);
  return bernoulliTensor(shape, keep, value, options, 'dropoutMask');
}

function bernoulliTensor(shape: readonly number[], p: number, value: number, options: RandomOptions, op: string): Tensor {
  const s = checkShape(shape, op);
  const host = hostArray(options.dtype ?? 'float32', numel(s), op);
  const g = options.generator ?? defaultGenerator;
  if (host instanceof Float32Array || host instanceof Float64Array) {
    g.fillBernoulli(host, p, value);
  } else {
    const threshold = Math.ceil(p * 16777216);  // as fillBernoulli
    for (let i = 0; i < host.length; i++) host[i] = g.nextUint32() >>> 8 < threshold ? value : 0;
  }
  return new Tensor(backend().fromHost(host), s, options.requiresGrad ?? false);
}
