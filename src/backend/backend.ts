// The Backend interface: every numeric kernel myelin runs, and nothing else.
//
// Kernels know nothing about autograd or Tensor objects. They take storage handles plus the
// sizes they need, and write into an output the caller allocated with `alloc`. For the CPU
// backends (js, native) a storage handle is a plain typed array that kernels read and write in
// place (zero copy). A device backend (WebGPU, CUDA) would make `Storage` an opaque handle: that
// is why the tensor layer reads data only through `read`/`write` and never indexes storage.
//
// Shapes are row-major and contiguous. Most kernels describe their operand as
// [outer, n, inner]: the middle axis is the one reduced / normalised over, which covers "any
// axis" without copies.

import type { DType, TypedArray } from '../dtype/dtype.js';

export type Storage = TypedArray;

/** Elementwise functions of one input. `p0`, `p1` parametrise the ones that need it. */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'erf' | 'floor' | 'ceil' | 'round'
  | 'leakyRelu' // p0 = negative slope
  | 'powScalar' // x ** p0
  | 'clamp'     // min(max(x, p0), p1)
  | 'affine'    // x * p0 + p1 (scalar add/mul/sub without a broadcast)
  | 'log1p' | 'softplus';

/** Elementwise functions of two inputs, NumPy broadcasting. Comparisons write 0/1. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  // Fused gradients (a = upstream gradient, b = saved forward value) so that backward of the
  // common activations is one pass instead of three.
  | 'reluGrad'      // a * (b > 0), b = input
  | 'leakyReluGrad' // a * (b > 0 ? 1 : p), b = input
  | 'sigmoidGrad'   // a * b * (1 - b), b = output
  | 'tanhGrad'      // a * (1 - b * b), b = output
  | 'geluGrad';     // a * d/dx gelu(b), b = input

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';

export interface MatmulParams {
  batch: number; m: number; n: number; k: number;
  /** A is stored [k, m] (and read transposed) instead of [m, k]. */
  transA: boolean;
  /** B is stored [n, k] instead of [k, n]. */
  transB: boolean;
  /** Elements between consecutive batch matrices; 0 broadcasts one matrix over the batch. */
  strideA: number; strideB: number;
  /** out += result instead of out = result. */
  accumulate: boolean;
}

export interface Conv2dParams {
  n: number; cIn: number; h: number; w: number;
  cOut: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number;
  dilationH: number; dilationW: number; groups: number;
  outH: number; outW: number;
}

export interface Pool2dParams {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number; strideH: number; strideW: number;
  padH: number; padW: number; dilationH: number; dilationW: number;
  outH: number; outW: number;
  /** avg pool: divide by the full window including padding (PyTorch's default). */
  countIncludePad: boolean;
  /**
   * max pool: ReLU applied to each output in the same pass. A window whose maximum is not > 0
   * gives 0 and argmax -1 (no gradient), which is ReLU after pooling to the bit.
   */
  relu?: boolean;
}

export interface SgdParams {
  lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean;
  /** true on the first step, when the momentum buffer is initialised with the gradient. */
  firstStep: boolean; maximize: boolean;
}

export interface AdamParams {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** AdamW: weight decay applied to the parameter, not added to the gradient. */
  decoupledWeightDecay: boolean;
  /** 1-based step count, for bias correction. */
  step: number; amsgrad: boolean; maximize: boolean;
}

export interface RmspropParams {
  lr: number; alpha: number; eps: number; weightDecay: number; momentum: number;
  centered: boolean; maximize: boolean;
}

export interface Backend {
  readonly name: string;
  /**
   * Whether this backend runs `kernel` itself (for unary/binary: that op) rather than
   * delegating to the js fallback. Drives the op table's coverage matrix.
   */
  implements(kernel: KernelName, variant?: string): boolean;

  // --- storage --------------------------------------------------------------------------
  /** A zero-filled storage of `size` elements. */
  alloc(dtype: DType, size: number): Storage;
  /**
   * A storage of `size` elements whose contents are unspecified, for an output that a kernel
   * writes in full: it spares zeroing (and first-touching) fresh memory on every op.
   */
  allocUninit(dtype: DType, size: number): Storage;
  /**
   * Starts (a list) or stops (null) recording the storages that alloc and allocUninit hand
   * out; returns the list recorded into before. With `release`, this lets the autograd engine
   * give back the gradients that a backward pass consumed (autograd/grad-buffers.ts). Optional:
   * a backend without storage reuse leaves both out.
   */
  recordAllocations?(into: Storage[] | null): Storage[] | null;
  /**
   * Takes back storages that no tensor will read again; later allocations of the same dtype
   * and size may reuse them.
   */
  release?(storages: readonly Storage[]): void;
  /** A storage holding a copy of host data. */
  fromHost(data: TypedArray): Storage;
  /** Host copy (or view, for CPU backends) of a storage's contents. */
  read(s: Storage): TypedArray;
  fill(out: Storage, value: number): void;
  copy(src: Storage, dst: Storage): void;
  /** Converts between dtypes (float -> int truncates toward zero, as PyTorch). */
  cast(src: Storage, dst: Storage): void;

  // --- elementwise ----------------------------------------------------------------------
  unary(op: UnaryOp, x: Storage, out: Storage, p0?: number, p1?: number): void;
  binary(op: BinaryOp, a: Storage, aShape: readonly number[], b: Storage, bShape: readonly number[],
    out: Storage, outShape: readonly number[], p0?: number): void;
  /** out = cond != 0 ? a : b, broadcasting all three to outShape. */
  where(cond: Storage, condShape: readonly number[], a: Storage, aShape: readonly number[],
    b: Storage, bShape: readonly number[], out: Storage, outShape: readonly number[]): void;

  // --- reductions over the middle axis of [outer, n, inner] -------------------------------
  reduce(op: ReduceOp, x: Storage, outer: number, n: number, inner: number, out: Storage): void;
  argReduce(op: ArgReduceOp, x: Storage, outer: number, n: number, inner: number, out: Storage): void;

  // --- data movement --------------------------------------------------------------------
  /** Copies x into the larger outShape, repeating it along broadcast axes. */
  expand(x: Storage, shape: readonly number[], out: Storage, outShape: readonly number[]): void;
  permute(x: Storage, shape: readonly number[], perm: readonly number[], out: Storage): void;
  /** Copies the box [begin, begin + outShape) of x into out. */
  slice(x: Storage, shape: readonly number[], begin: readonly number[], out: Storage,
    outShape: readonly number[]): void;
  /** Writes (or adds) src into the box of dst that starts at `begin`. */
  sliceAssign(src: Storage, srcShape: readonly number[], dst: Storage, dstShape: readonly number[],
    begin: readonly number[], accumulate: boolean): void;
  /** Rows of a [rows, dim] table picked by index: out[i] = table[idx[i]]. */
  gatherRows(table: Storage, rows: number, dim: number, idx: Storage, out: Storage): void;
  /** table[idx[i]] += src[i] (the backward of gatherRows). */
  scatterAddRows(src: Storage, idx: Storage, dim: number, table: Storage): void;
  /**
   * out[o, j, i] = x[o, idx[o, j, i], i] for x [outer, n, inner] and idx/out [outer, k, inner]
   * (k = idx.length / (outer * inner)); torch.gather along the middle axis.
   */
  takeAlongAxis(x: Storage, outer: number, n: number, inner: number, idx: Storage, out: Storage): void;
  /** dx[o, idx[o, j, i], i] += src[o, j, i] (backward of takeAlongAxis). */
  scatterAddAlongAxis(src: Storage, outer: number, n: number, inner: number, idx: Storage, dx: Storage): void;

  // --- linear algebra and convolution -----------------------------------------------------
  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void;
  /** out = conv(x, w) (+ bias per output channel). x [n, cIn, h, w], w [cOut, cIn/groups, kh, kw]. */
  conv2d(x: Storage, w: Storage, bias: Storage | null, out: Storage, p: Conv2dParams): void;
  /** dx = gradient of conv2d with respect to its input (overwrites dx). */
  conv2dBackwardData(dy: Storage, w: Storage, dx: Storage, p: Conv2dParams): void;
  /**
   * dw = gradient with respect to the weight (overwrites dw); db, when given, = the bias
   * gradient (dy summed over n, h and w; overwritten), in the same pass over dy.
   */
  conv2dBackwardWeight(x: Storage, dy: Storage, dw: Storage, p: Conv2dParams, db?: Storage | null): void;

  // --- pooling --------------------------------------------------------------------------
  /** argmax holds, per output, the flat h*w index of the chosen input (for backward). */
  maxPool2d(x: Storage, out: Storage, argmax: Storage, p: Pool2dParams): void;
  maxPool2dBackward(dy: Storage, argmax: Storage, dx: Storage, p: Pool2dParams): void;
  avgPool2d(x: Storage, out: Storage, p: Pool2dParams): void;
  avgPool2dBackward(dy: Storage, dx: Storage, p: Pool2dParams): void;

  // --- softmax and normalisation, over the middle axis of [outer, n, inner] --------------
  softmax(x: Storage, outer: number, n: number, inner: number, out: Storage, log: boolean): void;
  /** Backward of (log-)softmax given its output y and upstream gradient dy. */
  softmaxBackward(y: Storage, dy: Storage, outer: number, n: number, inner: number, dx: Storage, log: boolean): void;
  /** Per-channel mean and biased variance of x [n, c, spatial]. */
  channelMoments(x: Storage, n: number, c: number, spatial: number, mean: Storage, variance: Storage): void;
  /** out = (x - mean[c]) * invStd[c] * gamma[c] + beta[c] over x [n, c, spatial]. */
  batchNormApply(x: Storage, n: number, c: number, spatial: number, mean: Storage, invStd: Storage,
    gamma: Storage | null, beta: Storage | null, out: Storage): void;
  /**
   * Gradients of batchNormApply. With `batchStats` the mean/invStd were computed from x
   * itself, so dx includes their dependence on x (training mode).
   */
  batchNormBackward(x: Storage, dy: Storage, n: number, c: number, spatial: number, mean: Storage,
    invStd: Storage, gamma: Storage | null, batchStats: boolean, dx: Storage | null,
    dgamma: Storage | null, dbeta: Storage | null): void;
  /** Normalises each row of x [rows, n]; saves mean and 1/std per row for backward. */
  layerNorm(x: Storage, rows: number, n: number, gamma: Storage | null, beta: Storage | null, eps: number,
    out: Storage, mean: Storage, invStd: Storage): void;
  layerNormBackward(x: Storage, dy: Storage, rows: number, n: number, mean: Storage, invStd: Storage,
    gamma: Storage | null, dx: Storage | null, dgamma: Storage | null, dbeta: Storage | null): void;

  // --- recurrent cells: the fused pointwise part of one time step ----------------------------
  // The matrix products around a cell are matmul calls; these do all the gate arithmetic of a
  // step in one pass. Gate blocks are `hidden` wide, in PyTorch's order.
  /**
   * LSTM cell (gates i, f, g, o). xw and hw [batch, 4*hidden] are the input and recurrent
   * pre-activations (biases included). Writes gates [batch, 4*hidden] (sigmoid(i), sigmoid(f),
   * tanh(g), sigmoid(o), kept for backward), c = f*cPrev + i*g and h = o*tanh(c) ([batch, hidden]).
   */
  lstmCell(xw: Storage, hw: Storage, cPrev: Storage, batch: number, hidden: number,
    gates: Storage, c: Storage, h: Storage): void;
  /**
   * Backward of lstmCell: dh and dc are the gradients reaching this step's h and c. Writes dGates
   * [batch, 4*hidden] (the gradient of both xw and hw) and dcPrev [batch, hidden].
   */
  lstmCellBackward(gates: Storage, cPrev: Storage, c: Storage, dh: Storage, dc: Storage,
    batch: number, hidden: number, dGates: Storage, dcPrev: Storage): void;
  /**
   * GRU cell (gates r, z, n), PyTorch's formulation: r = sigmoid(xw_r + hw_r),
   * z = sigmoid(xw_z + hw_z), n = tanh(xw_n + r*hw_n), h = (1-z)*n + z*hPrev. xw and hw are
   * [batch, 3*hidden] (biases included). Writes gates [batch, 4*hidden] = r, z, n, hw_n (kept for
   * backward) and h [batch, hidden].
   */
  gruCell(xw: Storage, hw: Storage, hPrev: Storage, batch: number, hidden: number,
    gates: Storage, h: Storage): void;
  /**
   * Backward of gruCell: writes dXw and dHw [batch, 3*hidden] and dhPrev [batch, hidden], the
   * direct part z*dh only (the caller adds dHw @ W_hh).
   */
  gruCellBackward(gates: Storage, hPrev: Storage, dh: Storage, batch: number, hidden: number,
    dXw: Storage, dHw: Storage, dhPrev: Storage): void;

  // --- attention: the softmax between the two batched products of scaled dot-product attention
  /**
   * Attention weights of scores [batch, L, S] (q k^T): out = softmax(scores * scale) over the last
   * axis. With `causal`, query i sees keys 0..i only (top-left aligned, as PyTorch's is_causal):
   * the others get weight 0 without being read. out may be scores itself.
   */
  attentionSoftmax(scores: Storage, batch: number, L: number, S: number, scale: number, causal: boolean,
    out: Storage): void;
  /**
   * Backward of attentionSoftmax given its output p and the gradient dp reaching it: the gradient
   * of the raw scores, dScores = scale * p * (dp - sum_j dp * p). With `causal` the masked keys
   * (where p is 0) are written 0 without being read. dScores may be dp itself.
   */
  attentionSoftmaxBackward(p: Storage, dp: Storage, batch: number, L: number, S: number, scale: number,
    causal: boolean, dScores: Storage): void;

  // --- optimizer updates, in place on the parameter and its state -------------------------
  sgdUpdate(param: Storage, grad: Storage, momentumBuf: Storage | null, p: SgdParams): void;
  adamUpdate(param: Storage, grad: Storage, m: Storage, v: Storage, vMax: Storage | null, p: AdamParams): void;
  rmspropUpdate(param: Storage, grad: Storage, squareAvg: Storage, gradAvg: Storage | null,
    momentumBuf: Storage | null, p: RmspropParams): void;
}

/** The kernel names, for the op table's backend coverage matrix. */
export type KernelName = Exclude<keyof Backend, 'name' | 'implements' | 'alloc' | 'allocUninit' | 'recordAllocations' | 'release' | 'fromHost' | 'read'>;
