// Every kernel myelin runs, declared once: its arguments in order (typed, with the sizes it
// touches), what it computes, and the dtypes each backend runs it for. The Backend interface,
// the native addon's type and marshalling, the C++ argument parsing and the generic
// backend-versus-js test all derive from this table (see kernel-spec.ts for the vocabulary and
// docs/adding-a-kernel.md for the walk-through).
//
// Shapes are row-major and contiguous. Many kernels describe their operand as
// [outer, n, inner]: the middle axis is the one reduced / normalised over, which covers "any
// axis" without copies.

import { DTYPES, NUMERIC_DTYPES, type DType } from '../dtype/dtype.js';
import {
  bool, inout, input, maybe, num, oneOf, optNum, output, params, shape, size,
  type KernelFn, type KernelSpec, type ParamsOf,
} from './kernel-spec.js';

// --- op lists of the elementwise and reduction kernels (their order is the native op code) --

export const UNARY_OPS = [
  'neg', 'abs', 'sign', 'exp', 'log', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin',
  'cos', 'tanh', 'sigmoid', 'relu', 'gelu', 'erf', 'floor', 'ceil', 'round',
  'leakyRelu', // p0 = negative slope
  'powScalar', // x ** p0
  'clamp',     // min(max(x, p0), p1)
  'affine',    // x * p0 + p1 (scalar add/mul/sub without a broadcast)
  'log1p', 'softplus',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

const COMPARISONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', ...COMPARISONS,
  // Fused gradients (a = upstream gradient, b = saved forward value) so that backward of the
  // common activations is one pass instead of three.
  'reluGrad',      // a * (b > 0), b = input
  'leakyReluGrad', // a * (b > 0 ? 1 : p0), b = input
  'sigmoidGrad',   // a * b * (1 - b), b = output
  'tanhGrad',      // a * (1 - b * b), b = output
  'geluGrad',      // a * d/dx gelu(b), b = input
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
const ARITHMETIC: readonly BinaryOp[] = BINARY_OPS.filter((op) => !(COMPARISONS as readonly string[]).includes(op));
/** The binary ops the native addon runs on int32 operands. */
const INT32_BINARY: readonly BinaryOp[] = [...COMPARISONS, 'add', 'sub', 'mul', 'maximum', 'minimum'];

export const REDUCE_OPS = ['sum', 'max', 'min', 'prod'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];
export const ARG_REDUCE_OPS = ['argmax', 'argmin'] as const;
export type ArgReduceOp = (typeof ARG_REDUCE_OPS)[number];

// --- params records --------------------------------------------------------------------------

const MATMUL = {
  batch: 'size', m: 'size', n: 'size', k: 'size',
  /** A is stored [k, m] (and read transposed) instead of [m, k]. */
  transA: 'bool',
  /** B is stored [n, k] instead of [k, n]. */
  transB: 'bool',
  /** Elements between consecutive batch matrices; 0 broadcasts one matrix over the batch. */
  strideA: 'size', strideB: 'size',
  /** out += result instead of out = result. */
  accumulate: 'bool',
} as const;
export type MatmulParams = ParamsOf<typeof MATMUL>;

const CONV2D = {
  n: 'size', cIn: 'size', h: 'size', w: 'size', cOut: 'size', kh: 'positive', kw: 'positive',
  strideH: 'positive', strideW: 'positive', padH: 'size', padW: 'size',
  dilationH: 'positive', dilationW: 'positive', groups: 'positive', outH: 'size', outW: 'size',
} as const;
export type Conv2dParams = ParamsOf<typeof CONV2D>;

const POOL2D = {
  n: 'size', c: 'size', h: 'size', w: 'size', kh: 'positive', kw: 'positive',
  strideH: 'positive', strideW: 'positive', padH: 'size', padW: 'size',
  dilationH: 'positive', dilationW: 'positive', outH: 'size', outW: 'size',
  /** avg pool: divide by the full window including padding (PyTorch's default). */
  countIncludePad: 'bool',
  /**
   * max pool: ReLU applied to each output in the same pass. A window whose maximum is not > 0
   * gives 0 and argmax -1 (no gradient), which is ReLU after pooling to the bit.
   */
  relu: ['bool', 'optional'],
} as const;
export type Pool2dParams = ParamsOf<typeof POOL2D>;

const SGD = {
  lr: 'number', momentum: 'number', dampening: 'number', weightDecay: 'number', nesterov: 'bool',
  /** true on the first step, when the momentum buffer is initialised with the gradient. */
  firstStep: 'bool', maximize: 'bool',
} as const;
export type SgdParams = ParamsOf<typeof SGD>;

const ADAM = {
  lr: 'number', beta1: 'number', beta2: 'number', eps: 'number', weightDecay: 'number',
  /** AdamW: weight decay applied to the parameter, not added to the gradient. */
  decoupledWeightDecay: 'bool',
  /** 1-based step count, for bias correction. */
  step: 'positive', amsgrad: 'bool', maximize: 'bool',
} as const;
export type AdamParams = ParamsOf<typeof ADAM>;

const RMSPROP = {
  lr: 'number', alpha: 'number', eps: 'number', weightDecay: 'number', momentum: 'number',
  centered: 'bool', maximize: 'bool',
} as const;
export type RmspropParams = ParamsOf<typeof RMSPROP>;

// --- dtype signatures ----------------------------------------------------------------------

/** The dtypes the CPU kernels read as plain numbers. */
const NUMERIC = NUMERIC_DTYPES;
const F32: readonly DType[] = ['float32'];
/** Every type variable any numeric dtype: what the js backend runs for almost every kernel. */
const anyNumeric = (...vars: string[]) => [Object.fromEntries(vars.map((v) => [v, NUMERIC]))];
const float32 = (...vars: string[]) => [Object.fromEntries(vars.map((v) => [v, F32]))];

const kernel = <S extends KernelSpec>(s: S): S => s;

// Sizes of the [outer, n, inner] operands.
const ONI = 'outer*n*inner';
const CONV_X = 'n*cIn*h*w', CONV_W = 'cOut*(cIn/groups)*kh*kw', CONV_Y = 'n*cOut*outH*outW';
const POOL_X = 'n*c*h*w', POOL_Y = 'n*c*outH*outW';

export const KERNELS = {
  // --- storage ---------------------------------------------------------------------------
  fill: kernel({
    doc: 'Sets every element of out to value.',
    args: [output('out', 'T'), num('value')] as const,
    js: anyNumeric('T'), native: anyNumeric('T'),
  }),
  copy: kernel({
    doc: 'dst[0, len(src)) = src.',
    args: [input('src', 'T'), output('dst', 'T', { size: 'len(src)' })] as const,
    js: anyNumeric('T'), native: anyNumeric('T'),
  }),
  cast: kernel({
    doc: 'Converts between dtypes (float -> int truncates toward zero, as PyTorch). To bfloat16: through ' +
      'float32, rounded to nearest even (NaN -> 0x7fc0), as PyTorch.',
    args: [input('src', 'S'), output('dst', 'D', { size: 'len(src)' })] as const,
    js: [{ S: DTYPES, D: DTYPES }], native: [{ S: DTYPES, D: DTYPES }],
  }),

  // --- elementwise -------------------------------------------------------------------------
  unary: kernel({
    doc: 'out = op(x) elementwise; p0, p1 parametrise the ops that need them.',
    args: [oneOf('op', UNARY_OPS), input('x', 'T', { size: 'len(out)' }), output('out', 'T'), optNum('p0'), optNum('p1')] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  binary: kernel({
    doc: 'out = op(a, b) with NumPy broadcasting of aShape and bShape to outShape. Comparisons write 0/1.',
    args: [oneOf('op', BINARY_OPS), input('a', 'T', { size: 'numel(aShape)' }), shape('aShape'),
      input('b', 'T', { size: 'numel(bShape)' }), shape('bShape'), output('out', 'O', { size: 'numel(outShape)' }),
      shape('outShape'), optNum('p0')] as const,
    js: anyNumeric('T', 'O'),
    native: [
      { T: 'float32', O: 'float32', variants: ARITHMETIC },
      { T: 'float32', O: 'int32', variants: COMPARISONS },
      { T: 'int32', O: 'int32', variants: INT32_BINARY },
    ],
  }),
  where: kernel({
    doc: 'out = cond != 0 ? a : b, broadcasting all three to outShape.',
    args: [input('cond', 'C', { size: 'numel(condShape)' }), shape('condShape'), input('a', 'T', { size: 'numel(aShape)' }),
      shape('aShape'), input('b', 'T', { size: 'numel(bShape)' }), shape('bShape'),
      output('out', 'T', { size: 'numel(outShape)' }), shape('outShape')] as const,
    js: anyNumeric('C', 'T'), native: [{ C: ['float32', 'int32'], T: ['float32', 'int32'] }],
  }),

  // --- reductions over the middle axis of [outer, n, inner] -----------------------------
  reduce: kernel({
    doc: 'out[o, i] = op over j of x[o, j, i].',
    args: [oneOf('op', REDUCE_OPS), input('x', 'T', { size: ONI }), size('outer'), size('n'), size('inner'),
      output('out', 'T', { size: 'outer*inner' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  argReduce: kernel({
    doc: 'out[o, i] = the j of the greatest (argmax) or least (argmin) x[o, j, i], the first on ties.',
    args: [oneOf('op', ARG_REDUCE_OPS), input('x', 'T', { size: ONI }), size('outer'), size('n'), size('inner'),
      output('out', 'int32', { size: 'outer*inner' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),

  // --- data movement -----------------------------------------------------------------------
  expand: kernel({
    doc: 'Copies x into the larger outShape, repeating it along broadcast axes.',
    args: [input('x', 'T', { size: 'numel(shape)' }), shape('shape'), output('out', 'T', { size: 'numel(outShape)' }),
      shape('outShape')] as const,
    js: anyNumeric('T'), native: anyNumeric('T'),
  }),
  permute: kernel({
    doc: 'out = x with its axes reordered: out axis d is x axis perm[d].',
    args: [input('x', 'T', { size: 'numel(shape)' }), shape('shape'), shape('perm'),
      output('out', 'T', { size: 'numel(shape)' })] as const,
    js: anyNumeric('T'), native: anyNumeric('T'),
  }),
  slice: kernel({
    doc: 'Copies the box [begin, begin + outShape) of x into out.',
    args: [input('x', 'T', { size: 'numel(shape)' }), shape('shape'), shape('begin'),
      output('out', 'T', { size: 'numel(outShape)' }), shape('outShape')] as const,
    js: anyNumeric('T'), native: anyNumeric('T'),
  }),
  sliceAssign: kernel({
    doc: 'Writes (or, with accumulate, adds) src into the box of dst that starts at begin.',
    args: [input('src', 'T', { size: 'numel(srcShape)' }), shape('srcShape'), inout('dst', 'T', { size: 'numel(dstShape)' }),
      shape('dstShape'), shape('begin'), bool('accumulate', { variant: true })] as const,
    js: anyNumeric('T'),
    native: [{ T: 'float32' }, { T: ['float64', 'int32'], variants: ['false'] }],
  }),
  gatherRows: kernel({
    doc: 'Rows of a [rows, dim] table picked by index: out[i] = table[idx[i]].',
    args: [input('table', 'T', { size: 'rows*dim' }), size('rows'), size('dim'), input('idx', 'int32', { range: ['0', 'rows'] }),
      output('out', 'T', { size: 'len(idx)*dim' })] as const,
    js: anyNumeric('T'), native: anyNumeric('T'),
  }),
  scatterAddRows: kernel({
    doc: 'table[idx[i]] += src[i] (the backward of gatherRows); the table has len(table) / dim rows.',
    args: [input('src', 'T', { size: 'len(idx)*dim' }), input('idx', 'int32', { range: ['0', 'len(table)/dim'] }), size('dim'),
      inout('table', 'T')] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  takeAlongAxis: kernel({
    doc: 'out[o, j, i] = x[o, idx[o, j, i], i] for x [outer, n, inner] and idx, out [outer, k, inner] (torch.gather).',
    args: [input('x', 'T', { size: ONI }), size('outer'), size('n'), size('inner'), input('idx', 'int32', { range: ['0', 'n'] }),
      output('out', 'T', { size: 'len(idx)' })] as const,
    js: anyNumeric('T'), native: anyNumeric('T'),
  }),
  scatterAddAlongAxis: kernel({
    doc: 'dx[o, idx[o, j, i], i] += src[o, j, i] (the backward of takeAlongAxis).',
    args: [input('src', 'T', { size: 'len(idx)' }), size('outer'), size('n'), size('inner'),
      input('idx', 'int32', { range: ['0', 'n'] }), inout('dx', 'T', { size: ONI })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),

  // --- linear algebra and convolution ------------------------------------------------------
  matmul: kernel({
    doc: 'out[b] = A[b] B[b] (+ out[b] with accumulate) for each of batch matrix pairs, with transpose flags.',
    args: [input('a', 'T', { size: 'batch*m*n*k == 0 ? 0 : (batch-1)*strideA + m*k' }),
      input('b', 'T', { size: 'batch*m*n*k == 0 ? 0 : (batch-1)*strideB + k*n' }),
      inout('out', 'T', { size: 'batch*m*n' }), params('p', 'MatmulParams', MATMUL)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  matmulBf16: kernel({
    doc: 'matmul of bfloat16 A and B into float32 out (+ out with accumulate), products summed in float32 or wider.',
    args: [input('a', 'H', { size: 'batch*m*n*k == 0 ? 0 : (batch-1)*strideA + m*k' }),
      input('b', 'H', { size: 'batch*m*n*k == 0 ? 0 : (batch-1)*strideB + k*n' }),
      inout('out', 'F', { size: 'batch*m*n' }), params('p', 'MatmulParams', MATMUL)] as const,
    js: [{ H: 'bfloat16', F: 'float32' }], native: [{ H: 'bfloat16', F: 'float32' }],
  }),
  conv2d: kernel({
    doc: 'out = conv(x, w) (+ bias per output channel). x [n, cIn, h, w], w [cOut, cIn/groups, kh, kw].',
    args: [input('x', 'T', { size: CONV_X }), input('w', 'T', { size: CONV_W }), maybe(input('bias', 'T', { size: 'cOut' })),
      output('out', 'T', { size: CONV_Y }), params('p', 'Conv2dParams', CONV2D)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  conv2dBackwardData: kernel({
    doc: 'dx = the gradient of conv2d with respect to its input (overwrites dx).',
    args: [input('dy', 'T', { size: CONV_Y }), input('w', 'T', { size: CONV_W }), output('dx', 'T', { size: CONV_X }),
      params('p', 'Conv2dParams', CONV2D)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  conv2dBackwardWeight: kernel({
    doc: 'dw = the gradient with respect to the weight (overwrites dw); db, when given, = the bias gradient ' +
      '(dy summed over n, h and w; overwritten), in the same pass over dy.',
    args: [input('x', 'T', { size: CONV_X }), input('dy', 'T', { size: CONV_Y }), output('dw', 'T', { size: CONV_W }),
      params('p', 'Conv2dParams', CONV2D), maybe(output('db', 'T', { size: 'cOut' }))] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),

  // --- pooling -----------------------------------------------------------------------------
  maxPool2d: kernel({
    doc: 'Max pooling; argmax holds, per output, the flat h*w index of the chosen input (for backward).',
    args: [input('x', 'T', { size: POOL_X }), output('out', 'T', { size: POOL_Y }), output('argmax', 'int32', { size: POOL_Y }),
      params('p', 'Pool2dParams', POOL2D)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  maxPool2dBackward: kernel({
    doc: 'dx = the gradient of maxPool2d: dy routed to the argmax inputs (overwrites dx).',
    args: [input('dy', 'T', { size: POOL_Y }), input('argmax', 'int32', { size: POOL_Y, range: ['0', 'h*w'] }),
      output('dx', 'T', { size: POOL_X }), params('p', 'Pool2dParams', POOL2D)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  avgPool2d: kernel({
    doc: 'Average pooling.',
    args: [input('x', 'T', { size: POOL_X }), output('out', 'T', { size: POOL_Y }), params('p', 'Pool2dParams', POOL2D)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  avgPool2dBackward: kernel({
    doc: 'dx = the gradient of avgPool2d (overwrites dx).',
    args: [input('dy', 'T', { size: POOL_Y }), output('dx', 'T', { size: POOL_X }), params('p', 'Pool2dParams', POOL2D)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),

  // --- softmax and normalisation, over the middle axis of [outer, n, inner] ----------------
  softmax: kernel({
    doc: 'out = softmax (or, with log, log-softmax) of x over its middle axis.',
    args: [input('x', 'T', { size: ONI }), size('outer'), size('n'), size('inner'), output('out', 'T', { size: ONI }),
      bool('log')] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  softmaxBackward: kernel({
    doc: 'Backward of (log-)softmax given its output y and upstream gradient dy.',
    args: [input('y', 'T', { size: ONI }), input('dy', 'T', { size: ONI }), size('outer'), size('n'), size('inner'),
      output('dx', 'T', { size: ONI }), bool('log')] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  channelMoments: kernel({
    doc: 'Per-channel mean and biased variance of x [n, c, spatial].',
    args: [input('x', 'T', { size: 'n*c*spatial' }), size('n'), size('c'), size('spatial'), output('mean', 'T', { size: 'c' }),
      output('variance', 'T', { size: 'c' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  batchNormApply: kernel({
    doc: 'out = (x - mean[c]) * invStd[c] * gamma[c] + beta[c] over x [n, c, spatial].',
    args: [input('x', 'T', { size: 'n*c*spatial' }), size('n'), size('c'), size('spatial'), input('mean', 'T', { size: 'c' }),
      input('invStd', 'T', { size: 'c' }), maybe(input('gamma', 'T', { size: 'c' })), maybe(input('beta', 'T', { size: 'c' })),
      output('out', 'T', { size: 'n*c*spatial' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  batchNormBackward: kernel({
    doc: 'Gradients of batchNormApply. With batchStats the mean/invStd were computed from x itself, so dx ' +
      'includes their dependence on x (training mode).',
    args: [input('x', 'T', { size: 'n*c*spatial' }), input('dy', 'T', { size: 'n*c*spatial' }), size('n'), size('c'),
      size('spatial'), input('mean', 'T', { size: 'c' }), input('invStd', 'T', { size: 'c' }), maybe(input('gamma', 'T', { size: 'c' })),
      bool('batchStats'), maybe(output('dx', 'T', { size: 'n*c*spatial' })), maybe(output('dgamma', 'T', { size: 'c' })),
      maybe(output('dbeta', 'T', { size: 'c' }))] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  layerNorm: kernel({
    doc: 'Normalises each row of x [rows, n]; saves mean and 1/std per row for backward.',
    args: [input('x', 'T', { size: 'rows*n' }), size('rows'), size('n'), maybe(input('gamma', 'T', { size: 'n' })),
      maybe(input('beta', 'T', { size: 'n' })), num('eps'), output('out', 'T', { size: 'rows*n' }),
      output('mean', 'T', { size: 'rows' }), output('invStd', 'T', { size: 'rows' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  layerNormBackward: kernel({
    doc: 'Gradients of layerNorm given the saved mean and invStd.',
    args: [input('x', 'T', { size: 'rows*n' }), input('dy', 'T', { size: 'rows*n' }), size('rows'), size('n'),
      input('mean', 'T', { size: 'rows' }), input('invStd', 'T', { size: 'rows' }), maybe(input('gamma', 'T', { size: 'n' })),
      maybe(output('dx', 'T', { size: 'rows*n' })), maybe(output('dgamma', 'T', { size: 'n' })),
      maybe(output('dbeta', 'T', { size: 'n' }))] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),

  // --- recurrent cells: the fused pointwise part of one time step --------------------------
  // The matrix products around a cell are matmul calls; these do all the gate arithmetic of a
  // step in one pass. Gate blocks are `hidden` wide, in PyTorch's order. No output may share
  // memory with an input or another output (the native kernels use restrict pointers).
  lstmCell: kernel({
    doc: 'LSTM cell (gates i, f, g, o). xw and hw [batch, 4*hidden] are the input and recurrent pre-activations ' +
      '(biases included). Writes gates [batch, 4*hidden] (sigmoid(i), sigmoid(f), tanh(g), sigmoid(o), kept for ' +
      'backward), c = f*cPrev + i*g and h = o*tanh(c) ([batch, hidden]).',
    args: [input('xw', 'T', { size: 'batch*4*hidden' }), input('hw', 'T', { size: 'batch*4*hidden' }),
      input('cPrev', 'T', { size: 'batch*hidden' }), size('batch'), size('hidden'), output('gates', 'T', { size: 'batch*4*hidden' }),
      output('c', 'T', { size: 'batch*hidden' }), output('h', 'T', { size: 'batch*hidden' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  lstmCellBackward: kernel({
    doc: 'Backward of lstmCell: dh and dc are the gradients reaching this step\'s h and c. Writes dGates ' +
      '[batch, 4*hidden] (the gradient of both xw and hw) and dcPrev [batch, hidden].',
    args: [input('gates', 'T', { size: 'batch*4*hidden' }), input('cPrev', 'T', { size: 'batch*hidden' }),
      input('c', 'T', { size: 'batch*hidden' }), input('dh', 'T', { size: 'batch*hidden' }), input('dc', 'T', { size: 'batch*hidden' }),
      size('batch'), size('hidden'), output('dGates', 'T', { size: 'batch*4*hidden' }),
      output('dcPrev', 'T', { size: 'batch*hidden' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  gruCell: kernel({
    doc: 'GRU cell (gates r, z, n), PyTorch\'s formulation: r = sigmoid(xw_r + hw_r), z = sigmoid(xw_z + hw_z), ' +
      'n = tanh(xw_n + r*hw_n), h = (1-z)*n + z*hPrev. xw and hw are [batch, 3*hidden] (biases included). Writes ' +
      'gates [batch, 4*hidden] = r, z, n, hw_n (kept for backward) and h [batch, hidden].',
    args: [input('xw', 'T', { size: 'batch*3*hidden' }), input('hw', 'T', { size: 'batch*3*hidden' }),
      input('hPrev', 'T', { size: 'batch*hidden' }), size('batch'), size('hidden'), output('gates', 'T', { size: 'batch*4*hidden' }),
      output('h', 'T', { size: 'batch*hidden' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  gruCellBackward: kernel({
    doc: 'Backward of gruCell: writes dXw and dHw [batch, 3*hidden] and dhPrev [batch, hidden], the direct part ' +
      'z*dh only (the caller adds dHw @ W_hh).',
    args: [input('gates', 'T', { size: 'batch*4*hidden' }), input('hPrev', 'T', { size: 'batch*hidden' }),
      input('dh', 'T', { size: 'batch*hidden' }), size('batch'), size('hidden'), output('dXw', 'T', { size: 'batch*3*hidden' }),
      output('dHw', 'T', { size: 'batch*3*hidden' }), output('dhPrev', 'T', { size: 'batch*hidden' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),

  // --- attention: the softmax between the two batched products of scaled dot-product attention
  attentionSoftmax: kernel({
    doc: 'Attention weights of scores [batch, L, S] (q k^T): out = softmax(scores * scale) over the last axis. With ' +
      'causal, query i sees keys 0..i only (top-left aligned, as PyTorch\'s is_causal): the others get weight 0 ' +
      'without being read. out may be scores itself.',
    args: [input('scores', 'T', { size: 'batch*L*S' }), size('batch'), size('L'), size('S'), num('scale'), bool('causal'),
      output('out', 'T', { size: 'batch*L*S' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  attentionSoftmaxBackward: kernel({
    doc: 'Backward of attentionSoftmax given its output p and the gradient dp reaching it: dScores = scale * p * ' +
      '(dp - sum_j dp * p). With causal the masked keys (where p is 0) are written 0 without being read. dScores may be dp itself.',
    args: [input('p', 'T', { size: 'batch*L*S' }), input('dp', 'T', { size: 'batch*L*S' }), size('batch'), size('L'), size('S'),
      num('scale'), bool('causal'), output('dScores', 'T', { size: 'batch*L*S' })] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),

  // --- optimizer updates, in place on the parameter and its state ------------------------------
  sgdUpdate: kernel({
    doc: 'One SGD step (PyTorch\'s torch.optim.SGD) on param, in place.',
    args: [inout('param', 'T'), input('grad', 'T', { size: 'len(param)' }), maybe(inout('momentumBuf', 'T', { size: 'len(param)' })),
      params('p', 'SgdParams', SGD)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  adamUpdate: kernel({
    doc: 'One Adam / AdamW step (torch.optim.Adam, AdamW) on param and its moments, in place.',
    args: [inout('param', 'T'), input('grad', 'T', { size: 'len(param)' }), inout('m', 'T', { size: 'len(param)' }),
      inout('v', 'T', { size: 'len(param)' }), maybe(inout('vMax', 'T', { size: 'len(param)' })),
      params('p', 'AdamParams', ADAM)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
  rmspropUpdate: kernel({
    doc: 'One RMSprop step (torch.optim.RMSprop) on param and its state, in place.',
    args: [inout('param', 'T'), input('grad', 'T', { size: 'len(param)' }), inout('squareAvg', 'T', { size: 'len(param)' }),
      maybe(inout('gradAvg', 'T', { size: 'len(param)' })), maybe(inout('momentumBuf', 'T', { size: 'len(param)' })),
      params('p', 'RmspropParams', RMSPROP)] as const,
    js: anyNumeric('T'), native: float32('T'),
  }),
} as const satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;
export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/** The kernels as functions: what every backend provides. */
export type Kernels = { [K in KernelName]: KernelFn<(typeof KERNELS)[K]> };
