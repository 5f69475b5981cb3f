// Convolution and pooling over NCHW images (an unbatched CHW input is accepted and returned
// unbatched, as PyTorch does).

import type { Conv2dParams, Pool2dParams } from '../backend/backend.js';
import { record } from '../autograd/graph.js';
import { shapeToString } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { empty, emptyOutput, K, requireFloat } from './util.js';
import { reshape } from './shape.js';
import { sum } from './reduce.js';

export type Pair = number | readonly [number, number];

export function pair(v: Pair, name: string, op: string, min = 0): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new Error(`${op}: ${name} must be ${min > 0 ? 'a positive' : 'a non-negative'} integer or pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** Output length of a sliding window (PyTorch's formula, with optional ceil mode). */
function outputSize(input: number, kernel: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number {
  const span = input + 2 * pad - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // in ceil mode the last window must start inside the input or left padding
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}

/** Adds a batch dimension to a CHW input; `unbatch` undoes it on the result. */
function batched(x: Tensor, op: string): { x4: Tensor; unbatch: (t: Tensor) => Tensor } {
  if (x.ndim === 4) return { x4: x, unbatch: (t) => t };
  if (x.ndim === 3) return { x4: reshape(x, [1, ...x.shape]), unbatch: (t) => reshape(t, t.shape.slice(1)) };
  throw new Error(`${op}: expected input [N, C, H, W] or [C, H, W], got ${shapeToString(x.shape)}`);
}

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none) / 'same' (output size = input size, stride 1). */
  padding?: Pair | 'valid' | 'same';
  dilation?: Pair;
  groups?: number;
}

export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  requireFloat(input, 'conv2d');
  const { x4: x, unbatch } = batched(input, 'conv2d');
  if (weight.ndim !== 4) throw new Error(`conv2d: weight must be [out, in/groups, kh, kw], got ${shapeToString(weight.shape)}`);
  const [n, cIn, h, w] = x.shape;
  const [cOut, cInG, kh, kw] = weight.shape;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || cIn % groups !== 0 || cOut % groups !== 0) {
    throw new Error(`conv2d: groups=${groups} must divide both input channels ${cIn} and output channels ${cOut}`);
  }
  if (cInG * groups !== cIn) {
    throw new Error(`conv2d: input ${shapeToString(input.shape)} has ${cIn} channels but weight ${shapeToString(weight.shape)} expects ${cInG * groups}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cOut)) {
    throw new Error(`conv2d: bias ${shapeToString(bias.shape)} does not match ${cOut} output channels`);
  }
  const [strideH, strideW] = pair(options.stride ?? 1, 'stride', 'conv2d', 1);
  const [dilationH, dilationW] = pair(options.dilation ?? 1, 'dilation', 'conv2d', 1);
  let padH: number, padW: number;
  const padding = options.padding ?? 0;
  if (padding === 'valid') { padH = 0; padW = 0; }
  else if (padding === 'same') {
    if (strideH !== 1 || strideW !== 1) throw new Error("conv2d: padding='same' requires stride 1");
    const totalH = dilationH * (kh - 1), totalW = dilationW * (kw - 1);
    if (totalH % 2 !== 0 || totalW % 2 !== 0) throw new Error("conv2d: padding='same' needs an odd effective kernel size");
    padH = totalH / 2; padW = totalW / 2;
  } else [padH, padW] = pair(padding, 'padding', 'conv2d');
  const outH = outputSize(h, kh, strideH, padH, dilationH, false);
  const outW = outputSize(w, kw, strideW, padW, dilationW, false);
  if (outH <= 0 || outW <= 0) {
    throw new Error(`conv2d: kernel ${kh}x${kw} (dilation ${dilationH}x${dilationW}) is larger than the padded input ${h + 2 * padH}x${w + 2 * padW}`);
  }
  const p: Conv2dParams = { n, cIn, h, w, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH, outW };
  const out = emptyOutput([n, cOut, outH, outW], x.dtype);
  K().conv2d(x.storage, weight.storage, bias ? bias.storage : null, out.storage, p);
  const y = record('conv2d', out, [x, weight, bias ?? null], (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (x.requiresGrad) { gx = emptyOutput(x.shape, g.dtype); K().conv2dBackwardData(g.storage, weight.storage, gx.storage, p); }
    let gb: Tensor | null = null;
    const wantBias = bias !== null && bias !== undefined && bias.requiresGrad;
    if (weight.requiresGrad) {
      // the bias gradient comes from the same pass over g as the weight gradient
      gw = emptyOutput(weight.shape, g.dtype);
      gb = wantBias ? emptyOutput([cOut], g.dtype) : null;
      K().conv2dBackwardWeight(x.storage, g.storage, gw.storage, p, gb ? gb.storage : null);
    }
    if (wantBias && !gb) gb = sum(g, [0, 2, 3]);
    return [gx, gw, gb];
  });
  return unbatch(y);
}

export interface Pool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  /** avgPool2d: include zero padding in the average (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function poolParams(x: Tensor, kernelSize: Pair, o: Pool2dOptions, op: string, allowDilation: boolean): Pool2dParams {
  const [n, c, h, w] = x.shape;
  const [kh, kw] = pair(kernelSize, 'kernelSize', op, 1);
  const [strideH, strideW] = pair(o.stride ?? [kh, kw], 'stride', op, 1);
  const [padH, padW] = pair(o.padding ?? 0, 'padding', op);
  const [dilationH, dilationW] = pair(allowDilation ? o.dilation ?? 1 : 1, 'dilation', op, 1);
  if (padH > kh / 2 || padW > kw / 2) throw new Error(`${op}: padding ${padH}x${padW} should be at most half of kernel ${kh}x${kw}`);
  const ceil = o.ceilMode ?? false;
  const outH = outputSize(h, kh, strideH, padH, dilationH, ceil);
  const outW = outputSize(w, kw, strideW, padW, dilationW, ceil);
  if (outH <= 0 || outW <= 0) throw new Error(`${op}: kernel ${kh}x${kw} is larger than the padded input ${h + 2 * padH}x${w + 2 * padW}`);
  return { n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW, countIncludePad: o.countIncludePad ?? true };
}

export function maxPool2d(input: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  return maxPool(input, kernelSize, options, 'maxPool2d');
}

/**
 * relu(maxPool2d(x)) (which equals maxPool2d(relu(x))) in one pass: the ReLU reads and writes
 * only the pooled outputs, and needs no tensor of its own for backward (a window whose maximum
 * is not > 0 passes no gradient, as the ReLU's backward would decide). Same result to the bit.
 */
export function maxPool2dRelu(input: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  return maxPool(input, kernelSize, options, 'maxPool2dRelu');
}

function maxPool(input: Tensor, kernelSize: Pair, options: Pool2dOptions, op: 'maxPool2d' | 'maxPool2dRelu'): Tensor {
  const { x4: x, unbatch } = batched(input, op);
  const p = { ...poolParams(x, kernelSize, options, op, true), relu: op === 'maxPool2dRelu' };
  const out = emptyOutput([p.n, p.c, p.outH, p.outW], x.dtype);
  const argmax = emptyOutput(out.shape, 'int32');
  K().maxPool2d(x.storage, out.storage, argmax.storage, p);
  return unbatch(record(op, out, [x], (g) => {
    const gx = emptyOutput(x.shape, g.dtype);
    K().maxPool2dBackward(g.storage, argmax.storage, gx.storage, p);
    return [gx];
  }));
}

export function avgPool2d(input: Tensor, kernelSize: Pair, options: Pool2dOptions = {}): Tensor {
  requireFloat(input, 'avgPool2d');
  const { x4: x, unbatch } = batched(input, 'avgPool2d');
  const p = poolParams(x, kernelSize, options, 'avgPool2d', false);
  const out = emptyOutput([p.n, p.c, p.outH, p.outW], x.dtype);
  K().avgPool2d(x.storage, out.storage, p);
  return unbatch(record('avgPool2d', out, [x], (g) => {
    const gx = empty(x.shape, g.dtype);
    K().avgPool2dBackward(g.storage, gx.storage, p);
    return [gx];
  }));
}
