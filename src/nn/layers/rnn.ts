// LSTM and GRU, as torch.nn.LSTM and torch.nn.GRU: multi-layer, batchFirst, bidirectional,
// dropout between layers, initial states, PyTorch's parameter names (weight_ih_l0,
// weight_hh_l0, bias_ih_l0, bias_hh_l0, with a _reverse suffix for the backward direction),
// gate order (LSTM i, f, g, o; GRU r, z, n) and default initialisation
// U(-1/sqrt(hidden), 1/sqrt(hidden)), so that PyTorch weights load unchanged.
//
// Each layer and direction is one GEMM for the input projections of all time steps plus one
// recurrent op (ops/rnn.ts) that runs the time loop with fused cell kernels.

import type { Tensor } from '../../tensor/tensor.js';
import { fromArray, zeros } from '../../tensor/creation.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import { shapeToString } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { concat, dropout, gruLayer, linear, lstmLayer, select, squeeze, stack, unsqueeze } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { uniform_ } from '../init.js';
import { checkCount, type FactoryOptions } from './linear.js';

export interface RNNOptions extends FactoryOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learn bias_ih and bias_hh (default true). */
  bias?: boolean;
  /** Inputs and outputs are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer except the last, in training (default 0). */
  dropout?: number;
  /** Also run each layer backwards over the sequence and concatenate both outputs (default false). */
  bidirectional?: boolean;
}

type Mode = 'LSTM' | 'GRU';

abstract class RNNBase extends Module {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  declare readonly generator: Generator | undefined;

  constructor(mode: Mode, inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super();
    checkCount(inputSize, 'inputSize', mode, 1);
    checkCount(hiddenSize, 'hiddenSize', mode, 1);
    const numLayers = options.numLayers ?? 1;
    checkCount(numLayers, 'numLayers', mode, 1);
    const p = options.dropout ?? 0;
    if (!(p >= 0 && p <= 1)) throw new Error(`${mode}: dropout must be in [0, 1], got ${p}`);
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = options.bidirectional ?? false;
    Object.defineProperty(this, 'generator', { value: options.generator, enumerable: false });
    const dtype = options.dtype ?? 'float32';
    const G = (mode === 'LSTM' ? 4 : 3) * hiddenSize;
    for (let l = 0; l < numLayers; l++) {
      const inF = l === 0 ? inputSize : hiddenSize * this.numDirections;
      for (let d = 0; d < this.numDirections; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${sfx}`, new Parameter(zeros([G, inF], { dtype })));
        this.registerParameter(`weight_hh${sfx}`, new Parameter(zeros([G, hiddenSize], { dtype })));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, new Parameter(zeros([G], { dtype })));
          this.registerParameter(`bias_hh${sfx}`, new Parameter(zeros([G], { dtype })));
        }
      }
    }
    this.resetParameters(options.generator);
  }

  get numDirections(): number { return this.bidirectional ? 2 : 1; }

  /** PyTorch's initialisation: every weight and bias from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)). */
  resetParameters(generator: Generator = defaultGenerator): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound, generator);
  }

  /** The parameters of layer l, direction d: [weight_ih, weight_hh, bias_ih | null, bias_hh | null]. */
  layerParameters(l: number, d: number): [Parameter, Parameter, Parameter | null, Parameter | null] {
    const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
    const get = (n: string) => this.getParameter(n);
    return [get(`weight_ih${sfx}`), get(`weight_hh${sfx}`), this.bias ? get(`bias_ih${sfx}`) : null, this.bias ? get(`bias_hh${sfx}`) : null];
  }

  /** Runs every layer; h0/c0 are [numLayers * numDirections, B, H] or null. */
  protected run(input: Tensor, h0: Tensor | null, c0: Tensor | null): { output: Tensor; h: Tensor; c: Tensor | null } {
    const name = this.mode;
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(`${name}: expected input ${this.batchFirst ? '[batch, seq, feature]' : '[seq, batch, feature]'} or unbatched [seq, feature], got ${shapeToString(input.shape)}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`${name}: expected ${this.inputSize} input features (inputSize), got input ${shapeToString(input.shape)}`);
    }
    const unbatched = input.ndim === 2;
    let x = unbatched ? unsqueeze(input, this.batchFirst ? 0 : 1) : input;
    const B = this.batchFirst ? x.shape[0] : x.shape[1];
    const states = this.numLayers * this.numDirections;
    const prepState = (s: Tensor | null, what: string): Tensor | null => {
      if (!s) return null;
      const st = unbatched && s.ndim === 2 ? unsqueeze(s, 1) : s;
      if (st.ndim !== 3 || st.shape[0] !== states || st.shape[1] !== B || st.shape[2] !== this.hiddenSize) {
        throw new Error(`${name}: expected ${what} of shape [${states}, ${B}, ${this.hiddenSize}] (numLayers * numDirections, batch, hiddenSize), got ${shapeToString(s.shape)}`);
      }
      return st.dtype === x.dtype ? st : st.to(x.dtype);
    };
    const hx = prepState(h0, 'h0'), cx = prepState(c0, 'c0');
    const hs: Tensor[] = [], cs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const idx = l * this.numDirections + d;
        const [wIh, wHh, bIh, bHh] = this.layerParameters(l, d);
        const xw = linear(x, wIh, bIh);
        const opts = { reverse: d === 1, batchFirst: this.batchFirst };
        const hInit = hx ? select(hx, 0, idx) : null;
        const r = this.mode === 'LSTM'
          ? lstmLayer(xw, hInit, cx ? select(cx, 0, idx) : null, wHh, bHh, opts)
          : gruLayer(xw, hInit, wHh, bHh, opts);
        outs.push(r.output); hs.push(r.h);
        if (r.c) cs.push(r.c);
      }
      x = outs.length === 1 ? outs[0] : concat(outs, 2);
      if (this.dropout > 0 && this.training && l < this.numLayers - 1) x = dropout(x, this.dropout, true, this.generator);
    }
    let h = stack(hs, 0), c = cs.length ? stack(cs, 0) : null;
    if (unbatched) {
      x = squeeze(x, this.batchFirst ? 0 : 1);
      h = squeeze(h, 1);
      if (c) c = squeeze(c, 1);
    }
    return { output: x, h, c };
  }

  override extraRepr(): string {
    const extras = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) extras.push(`numLayers=${this.numLayers}`);
    if (!this.bias) extras.push('bias=false');
    if (this.batchFirst) extras.push('batchFirst=true');
    if (this.dropout) extras.push(`dropout=${this.dropout}`);
    if (this.bidirectional) extras.push('bidirectional=true');
    return extras.join(', ');
  }
}

/**
 * Long short-term memory, as torch.nn.LSTM. forward(input, [h0, c0]?) returns
 * [output, [hN, cN]]: output [T, B, D*H] (or [B, T, D*H] with batchFirst) holds the last layer's
 * h at every step; hN and cN [numLayers*D, B, H] the final states of every layer and direction.
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const r = this.run(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [r.output, [r.h, r.c!]];
  }
}

/**
 * Gated recurrent unit, as torch.nn.GRU. forward(input, h0?) returns [output, hN] with the
 * shapes of LSTM's output and hN.
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const r = this.run(input, h0 ?? null, null);
    return [r.output, r.h];
  }
}

abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(gates: number, name: string, inputSize: number, hiddenSize: number, options: Omit<RNNOptions, 'numLayers' | 'batchFirst' | 'dropout' | 'bidirectional'>) {
    super();
    checkCount(inputSize, 'inputSize', name, 1);
    checkCount(hiddenSize, 'hiddenSize', name, 1);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const dtype = options.dtype ?? 'float32', G = gates * hiddenSize, bias = options.bias ?? true;
    this.weight_ih = new Parameter(zeros([G, inputSize], { dtype }));
    this.weight_hh = new Parameter(zeros([G, hiddenSize], { dtype }));
    this.bias_ih = bias ? new Parameter(zeros([G], { dtype })) : null;
    this.bias_hh = bias ? new Parameter(zeros([G], { dtype })) : null;
    const bound = 1 / Math.sqrt(hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound, options.generator);
  }

  /** x [B, in] or [in] -> time-major xw [1, B, G], and whether the input was unbatched. */
  protected project(x: Tensor): [Tensor, boolean] {
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new Error(`${this.typeName()}: expected input [batch, ${this.inputSize}] or [${this.inputSize}], got ${shapeToString(x.shape)}`);
    }
    const unbatched = x.ndim === 1;
    const xb = unbatched ? unsqueeze(x, 0) : x;
    return [unsqueeze(linear(xb, this.weight_ih, this.bias_ih), 0), unbatched];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih ? '' : ', bias=false'}`;
  }
}

/** One LSTM step, as torch.nn.LSTMCell: forward(x, [h, c]?) -> [h', c'] (zeros when no state is given). */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNOptions, 'numLayers' | 'batchFirst' | 'dropout' | 'bidirectional'> = {}) {
    super(4, 'LSTMCell', inputSize, hiddenSize, options);
  }

  override forward(x: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const [xw, unbatched] = this.project(x);
    const st = (t: Tensor | undefined) => (t && unbatched && t.ndim === 1 ? unsqueeze(t, 0) : t ?? null);
    const r = lstmLayer(xw, st(hx?.[0]), st(hx?.[1]), this.weight_hh, this.bias_hh);
    return unbatched ? [squeeze(r.h, 0), squeeze(r.c!, 0)] : [r.h, r.c!];
  }
}

/** One GRU step, as torch.nn.GRUCell: forward(x, h?) -> h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RNNOptions, 'numLayers' | 'batchFirst' | 'dropout' | 'bidirectional'> = {}) {
    super(3, 'GRUCell', inputSize, hiddenSize, options);
  }

  override forward(x: Tensor, h?: Tensor | null): Tensor {
    const [xw, unbatched] = this.project(x);
    const h0 = h && unbatched && h.ndim === 1 ? unsqueeze(h, 0) : h ?? null;
    const r = gruLayer(xw, h0, this.weight_hh, this.bias_hh);
    return unbatched ? squeeze(r.h, 0) : r.h;
  }
}

/**
 * Fills a tensor (viewed as [rows, prod(rest)]) with a (semi-)orthogonal matrix times `gain`, as
 * torch.nn.init.orthogonal_: the Q factor of a Gaussian matrix, with the signs fixed by R's
 * diagonal so that it is uniformly (Haar) distributed. Used for recurrent weights.
 */
export function orthogonal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  if (t.ndim < 2) throw new Error(`orthogonal_: only tensors with 2 or more dimensions are supported, got ${shapeToString(t.shape)}`);
  const rows = t.shape[0], cols = t.size / rows;
  // QR of the taller orientation: columns of A [n x m] (n >= m) orthonormalised (modified Gram-Schmidt,
  // twice for stability), which gives R a positive diagonal, i.e. the sign-fixed Q
  const tall = rows >= cols;
  const n = tall ? rows : cols, m = tall ? cols : rows;
  const a = new Float64Array(n * m); // column-major: column j at a[j*n .. j*n+n)
  const g = new Float64Array(rows * cols);
  for (let i = 0; i < g.length; i++) g[i] = generator.normal();
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const v = g[i * cols + j];
    if (tall) a[j * n + i] = v; else a[i * n + j] = v;
  }
  for (let j = 0; j < m; j++) {
    const cj = j * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const cp = p * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += a[cp + i] * a[cj + i];
        for (let i = 0; i < n; i++) a[cj + i] -= dot * a[cp + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += a[cj + i] * a[cj + i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) a[cj + i] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (tall ? a[j * n + i] : a[i * n + j]);
  noGrad(() => t.copy_(fromArray(out, t.shape, { dtype: t.dtype })));
  return t;
}
