// Transposed convolution (torch.nn.functional.conv_transpose2d) over NCHW images.
//
// A transposed convolution is the gradient of a convolution with respect to its input, so it
// needs no kernels of its own. Take the "equivalent convolution" C that maps the transposed
// convolution's output space back to its input space: C has the transposed convolution's
// output channels as its input channels, its input channels as output channels, and the same
// kernel, stride, padding, dilation and groups. Then, with the weight stored
// [in, out/groups, kh, kw] as PyTorch stores it (which is exactly C's [out, in/groups, kh, kw]):
//   forward:            y  = conv2dBackwardData(x, w)       (x plays C's output gradient)
//   gradient for x:     gx = conv2d(gy, w)                  (C's forward)
//   gradient for w:     gw = conv2dBackwardWeight(gy, x)    (C's input is gy, its output x)
//   gradient for bias:  gb = sum of gy over N, H, W
// Output padding adds rows/columns at the bottom/right that C's forward never reads: the
// kernel leaves them zero (plus bias), and C's output size formula still gives x's size.

import type { Conv2dParams } from '../backend/backend.js';
import { record } from '../autograd/graph.js';
import { shapeToString } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { empty, emptyOutput, K, requireFloat } from './util.js';
import { pair, type Pair } from './conv.js';
import { reshape } from './shape.js';
import { sum } from './reduce.js';

export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** dilation * (kernel - 1) - padding zeros are added to both sides of the input (PyTorch's meaning). */
  padding?: Pair;
  /** Extra size added to one side (bottom/right) of the output; must be smaller than stride or dilation. */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** Output length of a transposed convolution along one axis (PyTorch's formula). */
export function convTransposeOutputSize(input: number, kernel: number, stride: number, pad: number, dilation: number, outputPadding: number): number {
  return (input - 1) * stride - 2 * pad + dilation * (kernel - 1) + outputPadding + 1;
}

/**
 * Transposed 2-D convolution of x [N, C_in, H, W] (or unbatched [C_in, H, W]) with weight
 * [C_in, C_out / groups, kh, kw] and optional bias [C_out]; the result is
 * [N, C_out, (H - 1) * stride - 2 * padding + dilation * (kh - 1) + outputPadding + 1, ...].
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  requireFloat(input, op);
  if (input.ndim !== 4 && input.ndim !== 3) throw new Error(`${op}: expected input [N, C, H, W] or [C, H, W], got ${shapeToString(input.shape)}`);
  const x = input.ndim === 4 ? input : reshape(input, [1, ...input.shape]);
  if (weight.ndim !== 4) throw new Error(`${op}: weight must be [in, out/groups, kh, kw], got ${shapeToString(weight.shape)}`);
  const [n, cIn, h, w] = x.shape;
  const [wIn, cOutG, kh, kw] = weight.shape;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || cIn % groups !== 0) {
    throw new Error(`${op}: groups=${groups} must be a positive integer dividing the ${cIn} input channels`);
  }
  if (wIn !== cIn) {
    throw new Error(`${op}: input ${shapeToString(input.shape)} has ${cIn} channels but weight ${shapeToString(weight.shape)} expects ${wIn}`);
  }
  const cOut = cOutG * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cOut)) {
    throw new Error(`${op}: bias ${shapeToString(bias.shape)} does not match ${cOut} output channels`);
  }
  const [strideH, strideW] = pair(options.stride ?? 1, 'stride', op, 1);
  const [padH, padW] = pair(options.padding ?? 0, 'padding', op);
  const [dilationH, dilationW] = pair(options.dilation ?? 1, 'dilation', op, 1);
  const [opH, opW] = pair(options.outputPadding ?? 0, 'outputPadding', op);
  if ((opH >= strideH && opH >= dilationH) || (opW >= strideW && opW >= dilationW)) {
    throw new Error(`${op}: outputPadding ${opH}x${opW} must be smaller than either stride ${strideH}x${strideW} or dilation ${dilationH}x${dilationW}`);
  }
  const outH = convTransposeOutputSize(h, kh, strideH, padH, dilationH, opH);
  const outW = convTransposeOutputSize(w, kw, strideW, padW, dilationW, opW);
  if (outH <= 0 || outW <= 0) {
    throw new Error(`${op}: output size ${outH}x${outW} is not positive for input ${h}x${w}, kernel ${kh}x${kw}, stride ${strideH}x${strideW}, padding ${padH}x${padW}`);
  }
  // the equivalent convolution: from the output space [n, cOut, outH, outW] to x's space
  const p: Conv2dParams = {
    n, cIn: cOut, h: outH, w: outW, cOut: cIn, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups, outH: h, outW: w,
  };
  const k = K();
  const outShape = [n, cOut, outH, outW];
  let out = emptyOutput(outShape, x.dtype);
  k.conv2dBackwardData(x.storage, weight.storage, out.storage, p);
  if (bias) {
    const withBias = emptyOutput(outShape, x.dtype);
    k.binary('add', out.storage, outShape, bias.storage, [1, cOut, 1, 1], withBias.storage, outShape);
    out = withBias;
  }
  const y = record(op, out, [x, weight, bias ?? null], (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (x.requiresGrad) { gx = emptyOutput(x.shape, g.dtype); K().conv2d(g.storage, weight.storage, null, gx.storage, p); }
    if (weight.requiresGrad) { gw = emptyOutput(weight.shape, g.dtype); K().conv2dBackwardWeight(g.storage, x.storage, gw.storage, p, null); }
    const gb = bias && bias.requiresGrad ? sum(g, [0, 2, 3]) : null;
    return [gx, gw, gb];
  });
  return input.ndim === 4 ? y : reshape(y, y.shape.slice(1));
}
