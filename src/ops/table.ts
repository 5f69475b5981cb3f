// The op table (in the spirit of PyTorch's OpInfo): every public op once, with sample inputs
// and whether it is differentiable. It drives the op tests (gradient check for every sample,
// forward values against PyTorch fixtures) and the op x backend coverage matrix in docs/ops.md:
// the kernels each op's forward and backward use are measured by running its samples under the
// kernel tracer on each backend (src/ops/coverage.ts), not typed here. Regenerate the matrix with
// `node scripts/op-coverage.js`; test/ops/coverage.test.ts checks it is current.

import type { GradCheckOptions } from '../autograd/gradcheck.js';
import { Generator } from '../tensor/random.js';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as ops from './index.js';

export interface OpSample {
  label: string;
  /** Builds the inputs (float64 for floating inputs, so gradient checks are precise). */
  inputs: (g: Generator) => Tensor[];
}

export interface OpInfo {
  name: string;
  /** Calls the op on the sample's inputs (options are bound here). */
  call: (...inputs: Tensor[]) => Tensor;
  samples: OpSample[];
  differentiable: boolean;
  gradCheck?: GradCheckOptions;
}

// --- input generators --------------------------------------------------------------------

/** Uniform values in [lo, hi), float64. */
function uniform(shape: number[], lo = -1, hi = 1) {
  return (g: Generator) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fromArray(Float64Array.from({ length: n }, () => lo + (hi - lo) * g.random()), shape);
  };
}

/** Values with |x| in [0.2, 1): keeps samples away from the kinks of relu, abs, ... */
function awayFromZero(shape: number[]) {
  return (g: Generator) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fromArray(Float64Array.from({ length: n }, () => (g.random() < 0.5 ? -1 : 1) * (0.2 + 0.8 * g.random())), shape);
  };
}

/** Distinct values (a shuffled grid plus small noise): no ties for max/min/argmax. */
function distinct(shape: number[]) {
  return (g: Generator) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const perm = g.permutation(n);
    return fromArray(Float64Array.from(perm, (p) => (p - n / 2) / n * 4 + 0.01 * g.random()), shape);
  };
}

function ints(shape: number[], high: number) {
  return (g: Generator) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fromArray(Int32Array.from({ length: n }, () => g.randint(0, high)), shape);
  };
}

function sample(label: string, ...makers: ((g: Generator) => Tensor)[]): OpSample {
  return { label, inputs: (g) => makers.map((m) => m(g)) };
}

// --- table ---------------------------------------------------------------------------------

const unaryOp = (name: string, call: (x: Tensor) => Tensor, input = uniform([3, 4])): OpInfo => ({
  name, call, differentiable: true,
  samples: [sample('3x4', input), sample('scalar', (g) => input(g).sum())],
});

const broadcastSamples = (make: (s: number[]) => (g: Generator) => Tensor) => [
  sample('same shape', make([3, 4]), make([3, 4])),
  sample('row broadcast', make([3, 4]), make([4])),
  sample('both broadcast', make([3, 1, 2]), make([4, 1])),
  sample('scalar tensor', make([2, 3]), make([])),
];

export const OP_TABLE: OpInfo[] = [
  // arithmetic
  { name: 'add', call: (a, b) => ops.add(a, b), differentiable: true, samples: broadcastSamples(uniform) },
  { name: 'sub', call: (a, b) => ops.sub(a, b), differentiable: true, samples: broadcastSamples(uniform) },
  { name: 'mul', call: (a, b) => ops.mul(a, b), differentiable: true, samples: broadcastSamples(uniform) },
  { name: 'div', call: (a, b) => ops.div(a, b), differentiable: true, samples: broadcastSamples(awayFromZero) },
  { name: 'pow', call: (a, b) => ops.pow(a, b), differentiable: true,
    samples: [sample('tensor exponent', uniform([3, 4], 0.5, 2), uniform([3, 4], -2, 2)), sample('broadcast', uniform([2, 3], 0.5, 2), uniform([3], 0.5, 3))] },
  { name: 'powScalar', call: (a) => ops.pow(a, 3), differentiable: true, samples: [sample('x^3', uniform([3, 4]))] },
  { name: 'affine', call: (a) => ops.add(ops.mul(a, 2.5), -1), differentiable: true, samples: [sample('2.5x-1', uniform([5]))] },
  { name: 'maximum', call: (a, b) => ops.maximum(a, b), differentiable: true,
    samples: [sample('broadcast', distinct([3, 4]), distinct([4]))] },
  { name: 'minimum', call: (a, b) => ops.minimum(a, b), differentiable: true,
    samples: [sample('broadcast', distinct([3, 4]), distinct([4]))] },
  { name: 'where', call: (c, a, b) => ops.where(c, a, b), differentiable: true,
    samples: [sample('broadcast', ints([3, 4], 2), uniform([3, 4]), uniform([4]))] },
  // unary
  unaryOp('neg', ops.neg),
  unaryOp('abs', ops.abs, awayFromZero([3, 4])),
  unaryOp('exp', ops.exp, uniform([3, 4])),
  unaryOp('log', ops.log, uniform([3, 4], 0.2, 3)),
  unaryOp('log1p', ops.log1p, uniform([3, 4], -0.5, 3)),
  unaryOp('sqrt', ops.sqrt, uniform([3, 4], 0.2, 3)),
  unaryOp('rsqrt', ops.rsqrt, uniform([3, 4], 0.2, 3)),
  unaryOp('square', ops.square, uniform([3, 4])),
  unaryOp('reciprocal', ops.reciprocal, awayFromZero([3, 4])),
  unaryOp('sin', ops.sin, uniform([3, 4], -3, 3)),
  unaryOp('cos', ops.cos, uniform([3, 4], -3, 3)),
  unaryOp('tanh', ops.tanh, uniform([3, 4], -3, 3)),
  unaryOp('sigmoid', ops.sigmoid, uniform([3, 4], -5, 5)),
  unaryOp('relu', ops.relu, awayFromZero([3, 4])),
  unaryOp('leakyRelu', (x) => ops.leakyRelu(x, 0.1), awayFromZero([3, 4])),
  unaryOp('gelu', ops.gelu, uniform([3, 4], -4, 4)),
  unaryOp('erf', ops.erf, uniform([3, 4], -2, 2)),
  unaryOp('softplus', ops.softplus, uniform([3, 4], -5, 5)),
  unaryOp('clamp', (x) => ops.clamp(x, -0.5, 0.5), awayFromZero([4, 4])),
  // reductions
  { name: 'sum', call: (x) => ops.sum(x), differentiable: true,
    samples: [sample('all', uniform([3, 4]))] },
  { name: 'sumAxes', call: (x) => ops.sum(x, [0, 2], true), differentiable: true,
    samples: [sample('axes 0,2 keepDim', uniform([2, 3, 4]))] },
  { name: 'mean', call: (x) => ops.mean(x, 1), differentiable: true,
    samples: [sample('axis 1', uniform([2, 3, 4]))] },
  { name: 'max', call: (x) => ops.max(x, -1), differentiable: true,
    samples: [sample('last axis', distinct([3, 5])), sample('all', distinct([2, 3]))] },
  { name: 'min', call: (x) => ops.min(x, 0, true), differentiable: true,
    samples: [sample('axis 0 keepDim', distinct([3, 5]))] },
  { name: 'argmax', call: (x) => ops.argmax(x, 1), differentiable: false,
    samples: [sample('axis 1', distinct([4, 6]))] },
  { name: 'argmin', call: (x) => ops.argmin(x, 0), differentiable: false,
    samples: [sample('axis 0', distinct([4, 6]))] },
  { name: 'var', call: (x) => ops.variance(x, 1), differentiable: true,
    samples: [sample('axis 1', uniform([3, 5]))] },
  { name: 'std', call: (x) => ops.std(x, [0, 1]), differentiable: true,
    samples: [sample('axes 0,1', uniform([3, 5, 2]))] },
  { name: 'logSumExp', call: (x) => ops.logSumExp(x, 1), differentiable: true,
    samples: [sample('axis 1', uniform([3, 5], -3, 3))] },
  // softmax
  { name: 'softmax', call: (x) => ops.softmax(x, -1), differentiable: true,
    samples: [sample('last axis', uniform([3, 5], -3, 3)), sample('middle axis', uniform([2, 4, 3], -3, 3))] },
  { name: 'logSoftmax', call: (x) => ops.logSoftmax(x, 1), differentiable: true,
    samples: [sample('axis 1', uniform([3, 5], -3, 3)), sample('axis 1 of 3-D', uniform([2, 4, 3], -3, 3))] },
  // shape
  { name: 'reshape', call: (x) => ops.reshape(x, [4, -1]), differentiable: true, samples: [sample('[2,3,4] -> [4,6]', uniform([2, 3, 4]))] },
  { name: 'flatten', call: (x) => ops.flatten(x, 1), differentiable: true, samples: [sample('from dim 1', uniform([2, 3, 4]))] },
  { name: 'unsqueeze', call: (x) => ops.unsqueeze(ops.squeeze(x), -1), differentiable: true, samples: [sample('squeeze then unsqueeze', uniform([3, 1, 2]))] },
  { name: 'expand', call: (x) => ops.expand(x, [2, 3, 4]), differentiable: true, samples: [sample('[3,1] -> [2,3,4]', uniform([3, 1]))] },
  { name: 'transpose', call: (x) => ops.transpose(x, 0, 2), differentiable: true, samples: [sample('0<->2', uniform([2, 3, 4]))] },
  { name: 'permute', call: (x) => ops.permute(x, [1, 2, 0]), differentiable: true,
    samples: [sample('[1,2,0]', uniform([2, 3, 4]))] },
  { name: 'permute2d', call: (x) => ops.permute(x, [1, 0]), differentiable: true,
    samples: [sample('matrix transpose', uniform([5, 7]))] },
  { name: 'narrow', call: (x) => ops.narrow(x, 1, 1, 2), differentiable: true, samples: [sample('axis 1', uniform([3, 4, 2]))] },
  { name: 'select', call: (x) => ops.select(x, 0, -1), differentiable: true, samples: [sample('last row', uniform([3, 4]))] },
  { name: 'concat', call: (a, b) => ops.concat([a, b], 1), differentiable: true,
    samples: [sample('axis 1', uniform([2, 3]), uniform([2, 4]))] },
  { name: 'stack', call: (a, b) => ops.stack([a, b], 1), differentiable: true,
    samples: [sample('new axis 1', uniform([2, 3]), uniform([2, 3]))] },
  { name: 'split', call: (x) => { const [a, b] = ops.split(x, [1, 3], 1); return ops.mul(a, ops.sum(b, 1, true)); }, differentiable: true, samples: [sample('[1,3] on axis 1', uniform([2, 4]))] },
  { name: 'indexSelect', call: (x, i) => ops.indexSelect(x, 0, i), differentiable: true,
    samples: [sample('rows with repeats', uniform([5, 3]), ints([7], 5))] },
  { name: 'gather', call: (x, i) => ops.gather(x, 1, i), differentiable: true,
    samples: [sample('axis 1', uniform([3, 5]), ints([3, 2], 5))] },
  // linear algebra
  { name: 'matmul', call: (a, b) => ops.matmul(a, b), differentiable: true,
    samples: [
      sample('matrix', uniform([3, 4]), uniform([4, 5])),
      sample('batched', uniform([2, 3, 4]), uniform([2, 4, 2])),
      sample('broadcast batch', uniform([2, 3, 4]), uniform([4, 2])),
      sample('partial broadcast', uniform([2, 1, 3, 4]), uniform([3, 4, 2])),
      sample('vector-matrix', uniform([4]), uniform([4, 3])),
      sample('dot', uniform([5]), uniform([5])),
    ] },
  { name: 'linear', call: (x, w, b) => ops.linear(x, w, b), differentiable: true,
    samples: [sample('with bias', uniform([4, 3]), uniform([2, 3]), uniform([2])), sample('3-D input', uniform([2, 3, 3]), uniform([2, 3]), uniform([2]))] },
  // convolution and pooling
  { name: 'conv2d', call: (x, w, b) => ops.conv2d(x, w, b), differentiable: true,
    samples: [sample('3x3', uniform([2, 2, 5, 5]), uniform([3, 2, 3, 3]), uniform([3]))] },
  { name: 'conv2dStridePadDilation', call: (x, w, b) => ops.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }), differentiable: true,
    samples: [sample('stride 2x1, pad 1x2, dilation 1x2', uniform([1, 2, 6, 5]), uniform([2, 2, 3, 2]), uniform([2]))] },
  { name: 'conv2dGroups', call: (x, w) => ops.conv2d(x, w, null, { groups: 2, padding: 1 }), differentiable: true,
    samples: [sample('groups 2', uniform([1, 4, 4, 4]), uniform([6, 2, 3, 3]))] },
  { name: 'maxPool2d', call: (x) => ops.maxPool2d(x, 2), differentiable: true,
    samples: [sample('2x2', distinct([2, 2, 4, 5]))] },
  { name: 'maxPool2dRelu', call: (x) => ops.maxPool2dRelu(x, 2), differentiable: true,
    samples: [sample('2x2, windows all <= 0 among them', distinct([2, 2, 4, 6]))] },
  { name: 'maxPool2dPadCeil', call: (x) => ops.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), differentiable: true, samples: [sample('3x3 stride 2 pad 1 ceil', distinct([1, 2, 6, 6]))] },
  { name: 'avgPool2d', call: (x) => ops.avgPool2d(x, 2), differentiable: true,
    samples: [sample('2x2', uniform([2, 2, 4, 5]))] },
  { name: 'avgPool2dPad', call: (x) => ops.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), differentiable: true, samples: [sample('3x3 stride 2 pad 1 exclude pad', uniform([1, 2, 5, 6]))] },
  // normalisation
  { name: 'batchNorm', call: (x, w, b) => ops.batchNorm(x, null, null, w, b, { training: true }), differentiable: true,
    samples: [sample('NCHW train', uniform([3, 2, 2, 2]), uniform([2]), uniform([2])), sample('NC train', uniform([4, 3]), uniform([3]), uniform([3]))] },
  { name: 'batchNormEval', call: (x, m, v, w, b) => ops.batchNorm(x, m, v, w, b, { training: false }), differentiable: true,
    samples: [sample('NCHW eval', uniform([2, 3, 2, 2]), uniform([3]), uniform([3], 0.5, 2), uniform([3]), uniform([3]))],
    // running statistics are buffers: no gradient flows to them, as in PyTorch
    gradCheck: { checkInputs: [0, 3, 4] } },
  { name: 'layerNorm', call: (x, w, b) => ops.layerNorm(x, [4], w, b), differentiable: true,
    samples: [sample('last dim', uniform([3, 4]), uniform([4]), uniform([4]))] },
  { name: 'layerNorm2d', call: (x) => ops.layerNorm(x, [2, 3]), differentiable: true,
    samples: [sample('last two dims, no affine', uniform([2, 2, 3]))] },
  // random and lookup
  { name: 'dropout', call: (x) => ops.dropout(x, 0.4, true, new Generator(7)), differentiable: true,
    samples: [sample('p=0.4', uniform([4, 5]))] },
  { name: 'embedding', call: (i, w) => ops.embedding(i, w, 0), differentiable: true,
    samples: [sample('padding 0', ints([2, 3], 6), uniform([6, 4]))],
    // the padding row (weight elements 0..3) gets no gradient by design, though the output reads
    // it: its gradient must be exactly 0, the other rows' that of finite differences
    gradCheck: { checkInputs: [1], zeroGradient: { 1: [0, 1, 2, 3] } } },
  { name: 'embeddingNoPadding', call: (i, w) => ops.embedding(i, w), differentiable: true,
    samples: [sample('repeated indices', ints([3, 4], 5), uniform([5, 2]))] },
  { name: 'cast', call: (x) => ops.cast(ops.cast(x, 'float32'), 'float64'), differentiable: true,
    samples: [sample('float64 -> float32 -> float64', uniform([3]))], gradCheck: { eps: 1e-3, atol: 1e-4 } },
  // transposed convolution and upsampling (issue 5: generative models)
  { name: 'convTranspose2d', call: (x, w, b) => ops.convTranspose2d(x, w, b), differentiable: true,
    samples: [sample('3x3', uniform([2, 2, 4, 4]), uniform([2, 3, 3, 3]), uniform([3])),
      sample('unbatched', uniform([2, 3, 3]), uniform([2, 2, 2, 2]), uniform([2]))] },
  { name: 'convTranspose2dStridePadOutputPadding', call: (x, w, b) => ops.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    differentiable: true,
    samples: [sample('stride 2, pad 1, output padding 1', uniform([2, 2, 3, 3]), uniform([2, 2, 3, 3]), uniform([2])),
      sample('DCGAN 4x4 stride 2 pad 1', uniform([1, 3, 3, 3]), uniform([3, 2, 4, 4]), uniform([2]))] },
  { name: 'convTranspose2dDilationGroups', call: (x, w) => ops.convTranspose2d(x, w, null, { stride: [2, 1], padding: [1, 0], outputPadding: [1, 0], dilation: [1, 2], groups: 2 }),
    differentiable: true,
    samples: [sample('stride 2x1, pad 1x0, output padding 1x0, dilation 1x2, groups 2', uniform([1, 4, 3, 4]), uniform([4, 3, 3, 2]))] },
  { name: 'upsample', call: (x) => ops.upsample(x, 2), differentiable: true,
    samples: [sample('nearest x2', uniform([2, 2, 3, 3]))] },
  { name: 'upsampleRect', call: (x) => ops.upsample(x, [2, 3]), differentiable: true,
    samples: [sample('nearest x(2,3)', uniform([1, 2, 2, 3]))] },
  { name: 'interpolateSize', call: (x) => ops.interpolate(x, { size: [5, 3] }), differentiable: true,
    samples: [sample('nearest to 5x3', uniform([1, 2, 3, 4]))] },
  // recurrent layers and attention (issue 4: sequence models). The recurrent ops return
  // output, h_n (and c_n) flattened into one vector so that one check covers all of them.
  { name: 'lstmLayer', call: (xw, h0, c0, w, b) => { const r = ops.lstmLayer(xw, h0, c0, w, b); return ops.concat([r.output.flatten(), r.h.flatten(), r.c!.flatten()]); },
    differentiable: true,
    samples: [sample('T=4 B=2 H=2', uniform([4, 2, 8]), uniform([2, 2]), uniform([2, 2]), uniform([8, 2]), uniform([8]))] },
  { name: 'lstmLayerReverseBatchFirst', call: (xw, h0, c0, w) => { const r = ops.lstmLayer(xw, h0, c0, w, null, { reverse: true, batchFirst: true }); return ops.concat([r.output.flatten(), r.h.flatten(), r.c!.flatten()]); },
    differentiable: true,
    samples: [sample('B=2 T=3 H=3, no bias', uniform([2, 3, 12]), uniform([2, 3]), uniform([2, 3]), uniform([12, 3]))] },
  { name: 'gruLayer', call: (xw, h0, w, b) => { const r = ops.gruLayer(xw, h0, w, b); return ops.concat([r.output.flatten(), r.h.flatten()]); },
    differentiable: true,
    samples: [sample('T=4 B=2 H=2', uniform([4, 2, 6]), uniform([2, 2]), uniform([6, 2]), uniform([6]))] },
  { name: 'gruLayerReverseBatchFirst', call: (xw, h0, w, b) => { const r = ops.gruLayer(xw, h0, w, b, { reverse: true, batchFirst: true }); return ops.concat([r.output.flatten(), r.h.flatten()]); },
    differentiable: true,
    samples: [sample('B=2 T=3 H=3', uniform([2, 3, 9]), uniform([2, 3]), uniform([9, 3]), uniform([9]))] },
  { name: 'matmulNT', call: (a, b) => ops.matmulNT(a, b), differentiable: true,
    samples: [sample('batched', uniform([2, 3, 4]), uniform([2, 5, 4])), sample('shared right operand', uniform([2, 3, 4]), uniform([5, 4]))] },
  { name: 'scaledDotProductAttention', call: (q, k, v) => ops.scaledDotProductAttention(q, k, v).output, differentiable: true,
    samples: [sample('L=3 S=5', uniform([2, 3, 4]), uniform([2, 5, 4]), uniform([2, 5, 3]))] },
  { name: 'scaledDotProductAttentionCausal', call: (q, k, v) => ops.scaledDotProductAttention(q, k, v, { isCausal: true }).output, differentiable: true,
    samples: [sample('causal L=S=4, 2 heads', uniform([1, 2, 4, 3]), uniform([1, 2, 4, 3]), uniform([1, 2, 4, 3]))] },
  { name: 'fusedAttention', call: (q, k, v) => ops.fusedAttention(q, k, v).output, differentiable: true,
    samples: [sample('L=3 S=5', uniform([2, 3, 4]), uniform([2, 5, 4]), uniform([2, 5, 3]))] },
  { name: 'fusedAttentionCausal', call: (q, k, v) => ops.fusedAttention(q, k, v, { isCausal: true, scale: 0.7 }).output, differentiable: true,
    samples: [sample('causal L=4 S=4, 2 heads', uniform([1, 2, 4, 3]), uniform([1, 2, 4, 3]), uniform([1, 2, 4, 3])),
      sample('causal L=5 > S=3', uniform([2, 5, 3]), uniform([2, 3, 3]), uniform([2, 3, 2]))] },
  { name: 'packedSelfAttention', call: (qkv) => ops.packedSelfAttention(qkv, 2, { isCausal: true }), differentiable: true,
    samples: [sample('B=2 T=4 2 heads of 3, causal', uniform([2, 4, 18]))] },
];
