// Transformer building blocks: TransformerEncoderLayer and TransformerEncoder as PyTorch's
// (post-norm by default, normFirst for pre-norm; same state-dict names), a pre-norm causal
// decoder block (GPT), and positional embeddings (learned, sinusoidal).

import type { Tensor } from '../../tensor/tensor.js';
import { fromArray, zeros } from '../../tensor/creation.js';
import { shapeToString } from '../../tensor/shape.js';
import { add, dropout, gelu, narrow, relu } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { normal_ } from '../init.js';
import { ModuleList } from '../containers.js';
import { Linear, checkCount, type FactoryOptions } from './linear.js';
import { LayerNorm } from './normalization.js';
import { Dropout } from './dropout.js';
import { CausalSelfAttention, MultiheadAttention } from './attention.js';

export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

function activationFn(a: TransformerActivation): (x: Tensor) => Tensor {
  if (a === 'relu') return relu;
  if (a === 'gelu') return gelu;
  if (typeof a === 'function') return a;
  throw new Error(`Transformer: activation must be 'relu', 'gelu' or a function, got ${String(a)}`);
}

export interface TransformerEncoderLayerOptions extends FactoryOptions {
  /** Width of the feed-forward layer (default 2048, as PyTorch). */
  dimFeedforward?: number;
  /** Dropout in attention, after it and in the feed-forward block (default 0.1). */
  dropout?: number;
  /** Dropout on the attention weights only (default: dropout, as PyTorch). */
  attnDropout?: number;
  /** Dropout inside the feed-forward block, after the activation (default: dropout, as PyTorch). */
  activationDropout?: number;
  activation?: TransformerActivation;
  layerNormEps?: number;
  batchFirst?: boolean;
  /** Pre-norm (LayerNorm before attention and feed-forward) instead of PyTorch's default post-norm. */
  normFirst?: boolean;
  /** Biases of the linear layers and layer norms (default true). */
  bias?: boolean;
}

export interface EncoderForwardOptions {
  /** [L, L] or [B * nhead, L, L] (see MultiheadAttention). */
  mask?: Tensor | null;
  /** [B, L]: nonzero marks padding. */
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

/** torch.nn.TransformerEncoderLayer: self-attention and a feed-forward block, each with a residual and LayerNorm. */
export class TransformerEncoderLayer extends Module {
  readonly normFirst: boolean;
  declare self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  declare private readonly act: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const p = options.dropout ?? 0.1, ff = options.dimFeedforward ?? 2048, bias = options.bias ?? true;
    checkCount(ff, 'dimFeedforward', 'TransformerEncoderLayer', 1);
    const f = { dtype: options.dtype, generator: options.generator, bias };
    this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { ...f, dropout: options.attnDropout ?? p, batchFirst: options.batchFirst }));
    this.linear1 = new Linear(dModel, ff, f);
    this.dropout = new Dropout(options.activationDropout ?? p);
    this.linear2 = new Linear(ff, dModel, f);
    this.normFirst = options.normFirst ?? false;
    const ln = { eps: options.layerNormEps ?? 1e-5, dtype: options.dtype, bias };
    this.norm1 = new LayerNorm(dModel, ln);
    this.norm2 = new LayerNorm(dModel, ln);
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    Object.defineProperty(this, 'act', { value: activationFn(options.activation ?? 'relu'), enumerable: false });
  }

  get selfAttn(): MultiheadAttention { return this.self_attn; }

  override forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    const sa = (x: Tensor) => this.dropout1.forward(this.self_attn.forward(x, x, x, {
      attnMask: options.mask, keyPaddingMask: options.srcKeyPaddingMask, isCausal: options.isCausal, needWeights: false,
    })[0]);
    const ffb = (x: Tensor) => this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.act(this.linear1.forward(x)))));
    let x = src;
    if (this.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      x = add(x, ffb(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(add(x, sa(x)));
      x = this.norm2.forward(add(x, ffb(x)));
    }
    return x;
  }
}

/** torch.nn.TransformerEncoder: a stack of encoder layers (`layers.0`, ...) and an optional final norm. */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  norm: LayerNorm | null;

  /** `makeLayer(i)` builds layer i (PyTorch deep-copies one layer; here each is built fresh). */
  constructor(makeLayer: (i: number) => TransformerEncoderLayer, numLayers: number, norm: LayerNorm | null = null) {
    super();
    checkCount(numLayers, 'numLayers', 'TransformerEncoder', 1);
    this.layers = new ModuleList(Array.from({ length: numLayers }, (_, i) => makeLayer(i)));
    this.norm = norm;
  }

  override forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer).forward(x, options);
    return this.norm ? this.norm.forward(x) : x;
  }
}

export interface DecoderBlockOptions extends FactoryOptions {
  /** Width of the MLP (default 4 * dModel). */
  dimFeedforward?: number;
  /** Biases of the linear layers and layer norms (default true; nanoGPT's CPU recipe uses false). */
  bias?: boolean;
  /** Dropout on attention weights and residual branches, in training (default 0). */
  dropout?: number;
  layerNormEps?: number;
}

/**
 * The pre-norm causal decoder block of GPT-2/nanoGPT on [B, T, E]:
 *   x = x + attn(ln1(x));  x = x + proj(gelu(fc(ln2(x))))
 * State-dict names: ln1, attn.qkv, attn.proj, ln2, fc, proj.
 */
export class DecoderBlock extends Module {
  ln1: LayerNorm;
  attn: CausalSelfAttention;
  ln2: LayerNorm;
  fc: Linear;
  proj: Linear;
  readonly dropoutP: number;

  constructor(dModel: number, nHead: number, options: DecoderBlockOptions = {}) {
    super();
    const bias = options.bias ?? true, ff = options.dimFeedforward ?? 4 * dModel;
    const ln = { eps: options.layerNormEps ?? 1e-5, dtype: options.dtype, bias };
    const lin = { bias, dtype: options.dtype, generator: options.generator };
    this.ln1 = new LayerNorm(dModel, ln);
    this.attn = new CausalSelfAttention(dModel, nHead, { ...lin, dropout: options.dropout });
    this.ln2 = new LayerNorm(dModel, ln);
    this.fc = new Linear(dModel, ff, lin);
    this.proj = new Linear(ff, dModel, lin);
    this.dropoutP = options.dropout ?? 0;
  }

  override forward(x: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.ln1.forward(x)));
    let m = this.proj.forward(gelu(this.fc.forward(this.ln2.forward(h))));
    if (this.dropoutP && this.training) m = dropout(m, this.dropoutP);
    return add(h, m);
  }
}

/**
 * Learned absolute positions: a [maxLen, dim] table (`weight`). forward(x [B, T, dim]) returns
 * x + weight[0:T] (broadcast over the batch).
 */
export class LearnedPositionalEmbedding extends Module {
  readonly maxLen: number;
  readonly dim: number;
  weight: Parameter;

  constructor(maxLen: number, dim: number, options: FactoryOptions & { std?: number } = {}) {
    super();
    checkCount(maxLen, 'maxLen', 'LearnedPositionalEmbedding', 1);
    checkCount(dim, 'dim', 'LearnedPositionalEmbedding', 1);
    this.maxLen = maxLen;
    this.dim = dim;
    this.weight = new Parameter(zeros([maxLen, dim], { dtype: options.dtype ?? 'float32' }));
    normal_(this.weight, 0, options.std ?? 0.02, options.generator);
  }

  /** The embeddings of positions 0..T-1, [T, dim]. */
  positions(T: number): Tensor {
    if (T > this.maxLen) throw new Error(`LearnedPositionalEmbedding: sequence length ${T} exceeds maxLen ${this.maxLen}`);
    return narrow(this.weight, 0, 0, T);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[x.ndim - 1] !== this.dim) throw new Error(`LearnedPositionalEmbedding: expected [..., T, ${this.dim}], got ${shapeToString(x.shape)}`);
    return add(x, this.positions(x.shape[x.ndim - 2]));
  }
}

/** Fixed sinusoidal positions ("Attention Is All You Need"); forward(x [B, T, dim]) = x + pe[0:T]. */
export class SinusoidalPositionalEncoding extends Module {
  readonly maxLen: number;
  readonly dim: number;
  declare pe: Tensor;

  constructor(maxLen: number, dim: number, options: Pick<FactoryOptions, 'dtype'> = {}) {
    super();
    this.maxLen = maxLen;
    this.dim = dim;
    const data = new Float64Array(maxLen * dim);
    for (let pos = 0; pos < maxLen; pos++) {
      for (let i = 0; i < dim; i += 2) {
        const angle = pos / Math.pow(10000, i / dim);
        data[pos * dim + i] = Math.sin(angle);
        if (i + 1 < dim) data[pos * dim + i + 1] = Math.cos(angle);
      }
    }
    this.registerBuffer('pe', fromArray(data, [maxLen, dim], { dtype: options.dtype ?? 'float32' }), false);
  }

  override forward(x: Tensor): Tensor {
    const T = x.shape[x.ndim - 2];
    if (T > this.maxLen) throw new Error(`SinusoidalPositionalEncoding: sequence length ${T} exceeds maxLen ${this.maxLen}`);
    return add(x, narrow(this.pe, 0, 0, T));
  }
}

