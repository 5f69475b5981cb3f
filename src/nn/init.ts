// Weight initialisation, as torch.nn.init. Every function fills its tensor in place without
// recording gradients and returns it; random ones draw from `generator` or the default
// generator (seed it with manualSeed). The trailing-underscore names follow PyTorch's in-place
// convention; the same functions are exported without it (zeros, kaimingUniform, ...).

import type { Tensor } from '../tensor/tensor.js';
import { fromArray, normal as normalTensor, uniform as uniformTensor } from '../tensor/creation.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { shapeToString } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';

export type Nonlinearity =
  | 'linear' | 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu'
  | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  // PyTorch's spellings are accepted too
  | 'leaky_relu' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d';

export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear,
 * convolution and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky
 * relu (slope `param`, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'sigmoid':
    case 'conv1d': case 'conv2d': case 'conv3d':
    case 'convTranspose1d': case 'convTranspose2d': case 'convTranspose3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new Error(`calculateGain: negative slope ${param} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new Error(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * [fanIn, fanOut] of a weight tensor or shape: for [out, in, ...kernel] the fan-in is
 * in * prod(kernel) and the fan-out out * prod(kernel) (PyTorch's convention, so a Linear
 * weight [out, in] has fan-in `in`).
 */
export function fanInAndFanOut(tensorOrShape: Tensor | readonly number[]): [number, number] {
  const shape = Array.isArray(tensorOrShape) ? tensorOrShape as readonly number[] : (tensorOrShape as Tensor).shape;
  if (shape.length < 2) {
    throw new Error(`fanInAndFanOut: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape ${shapeToString(shape)})`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

function fanFor(t: Tensor, mode: FanMode): number {
  const [fanIn, fanOut] = fanInAndFanOut(t);
  switch (mode) {
    case 'fanIn': case 'fan_in': return fanIn;
    case 'fanOut': case 'fan_out': return fanOut;
    default: throw new Error(`init: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  }
}

/** Copies freshly drawn values into t without touching the graph. */
function fill(t: Tensor, values: Tensor): Tensor {
  noGrad(() => t.copy_(values));
  return t;
}

export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

export function zeros_(t: Tensor): Tensor { return constant_(t, 0); }
export function ones_(t: Tensor): Tensor { return constant_(t, 1); }

/** U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(a <= b)) throw new Error(`uniform_: lower bound ${a} must not exceed upper bound ${b}`);
  return fill(t, uniformTensor(t.shape, a, b, { dtype: t.dtype, generator }));
}

/** N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(std >= 0)) throw new Error(`normal_: std must be non-negative, got ${std}`);
  return fill(t, normalTensor(t.shape, mean, std, { dtype: t.dtype, generator }));
}

/**
 * N(mean, std^2) restricted to [a, b] (absolute bounds, as torch.nn.init.trunc_normal_),
 * drawn by rejection: cheap for the usual bounds of about +-2 std, where 95% of draws are kept.
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, generator: Generator = defaultGenerator): Tensor {
  if (!(a < b)) throw new Error(`truncNormal_: lower bound ${a} must be below upper bound ${b}`);
  if (!(std > 0)) throw new Error(`truncNormal_: std must be positive, got ${std}`);
  const values = new Float64Array(t.size);
  for (let i = 0; i < values.length; i++) {
    let v = mean + std * generator.normal(), tries = 1;
    while (v < a || v > b) {
      // bounds that hold almost none of the distribution would loop for ages
      if (++tries > 10000) throw new Error(`truncNormal_: [${a}, ${b}] holds too little of N(${mean}, ${std}^2) to sample by rejection`);
      v = mean + std * generator.normal();
    }
    values[i] = v;
  }
  return fill(t, fromArray(values, t.shape, { dtype: t.dtype }));
}

/** Xavier/Glorot uniform: U(-bound, bound) with bound = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const [fanIn, fanOut] = fanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, generator);
}

/** Xavier/Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const [fanIn, fanOut] = fanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

export interface KaimingOptions {
  /** Negative slope of the leaky relu that follows (only with nonlinearity 'leakyRelu'). */
  a?: number;
  /** 'fanIn' (default) keeps the forward variance, 'fanOut' the backward one. */
  mode?: FanMode;
  /** Default 'leakyRelu', as PyTorch (with a = 0 it equals relu). */
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const fan = fanFor(t, o.mode ?? 'fanIn');
  return calculateGain(o.nonlinearity ?? 'leakyRelu', o.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t; // PyTorch warns and leaves an empty tensor alone
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform_(t, -bound, bound, options.generator);
}

/** He normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  if (t.size === 0) return t;
  return normal_(t, 0, kaimingStd(t, options), options.generator);
}

// the same functions under the un-suffixed names
export {
  constant_ as constant, zeros_ as zeros, ones_ as ones, uniform_ as uniform, normal_ as normal,
  truncNormal_ as truncNormal, xavierUniform_ as xavierUniform, xavierNormal_ as xavierNormal,
  kaimingUniform_ as kaimingUniform, kaimingNormal_ as kaimingNormal,
};
