// MultiheadAttention, as torch.nn.MultiheadAttention (same parameter names: in_proj_weight,
// in_proj_bias, out_proj.weight, out_proj.bias; same initialisation; same masks), and
// CausalSelfAttention, the fused-projection causal attention of GPT blocks.

import type { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import type { Generator } from '../../tensor/random.js';
import { shapeToString } from '../../tensor/shape.js';
import {
  add, additiveMask, dropout as dropoutOp, linear, mean, narrow, packedSelfAttention, permute, reshape, scaledDotProductAttention, squeeze, unsqueeze,
} from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { xavierUniform_, zeros_ } from '../init.js';
import { Linear, checkCount, type FactoryOptions } from './linear.js';

export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights, in training (default 0). */
  dropout?: number;
  /** in_proj_bias and out_proj.bias (default true). */
  bias?: boolean;
  /** Inputs and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** [B, S]: nonzero (int32) marks keys to ignore (padding); or floats added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** [L, S] or [B * numHeads, L, S]: nonzero (int32) = may not attend; or floats added to the scores. */
  attnMask?: Tensor | null;
  /** Return the attention weights (default true, as PyTorch). */
  needWeights?: boolean;
  /** Average the returned weights over heads (default true): [B, L, S], else [B, numHeads, L, S]. */
  averageAttnWeights?: boolean;
  /** Causal mask (query i sees keys 0..i), on top of attnMask if both are given. */
  isCausal?: boolean;
}

/** Splits [B, T, E] into heads: [B, numHeads, T, E / numHeads]. */
function splitHeads(x: Tensor, numHeads: number): Tensor {
  const [B, T, E] = x.shape;
  return permute(reshape(x, [B, T, numHeads, E / numHeads]), [0, 2, 1, 3]);
}

export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  // registered under PyTorch's names (see the constructor)
  declare in_proj_weight: Parameter;
  declare in_proj_bias: Parameter | null;
  declare out_proj: Linear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkCount(embedDim, 'embedDim', 'MultiheadAttention', 1);
    checkCount(numHeads, 'numHeads', 'MultiheadAttention', 1);
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    const p = options.dropout ?? 0;
    if (!(p >= 0 && p <= 1)) throw new Error(`MultiheadAttention: dropout must be in [0, 1], got ${p}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = p;
    this.batchFirst = options.batchFirst ?? false;
    const dtype = options.dtype ?? 'float32', bias = options.bias ?? true;
    this.registerParameter('in_proj_weight', new Parameter(zeros([3 * embedDim, embedDim], { dtype })));
    this.registerParameter('in_proj_bias', bias ? new Parameter(zeros([3 * embedDim], { dtype })) : null);
    this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias, dtype, generator: options.generator }));
    this.resetParameters(options.generator);
  }

  /** PyTorch's: xavier_uniform_ in_proj_weight, zero biases; out_proj.weight keeps Linear's default. */
  resetParameters(generator?: Generator): void {
    xavierUniform_(this.in_proj_weight, 1, generator);
    if (this.in_proj_bias) zeros_(this.in_proj_bias);
    if (this.out_proj.bias) zeros_(this.out_proj.bias);
  }

  get inProjWeight(): Parameter { return this.in_proj_weight; }
  get inProjBias(): Parameter | null { return this.in_proj_bias; }
  get outProj(): Linear { return this.out_proj; }

  /**
   * Attention of query over key/value (self-attention when all three are the same tensor: one
   * projection GEMM). Shapes [L, B, E] / [S, B, E] (batchFirst: [B, L, E] / [B, S, E]) or unbatched
   * [L, E]. Returns [output, weights]: output like query; weights [B, L, S] (averaged over heads),
   * [B, numHeads, L, S], or null when needWeights is false.
   */
  override forward(query: Tensor, key?: Tensor, value?: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    key ??= query;
    value ??= key;
    const E = this.embedDim, nh = this.numHeads;
    for (const [what, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if ((t.ndim !== 2 && t.ndim !== 3) || t.shape[t.ndim - 1] !== E) {
        throw new Error(`MultiheadAttention: ${what} must be ${this.batchFirst ? '[batch, seq, embedDim]' : '[seq, batch, embedDim]'} or [seq, embedDim] with embedDim ${E}, got ${shapeToString(t.shape)}`);
      }
    }
    const unbatched = query.ndim === 2;
    // to batch-first [B, T, E]
    const toBF = (t: Tensor) => (unbatched ? unsqueeze(t, 0) : this.batchFirst ? t : permute(t, [1, 0, 2]));
    let q: Tensor, k: Tensor, v: Tensor;
    const W = this.in_proj_weight, b = this.in_proj_bias;
    if (query === key && key === value) {
      const qkv = linear(toBF(query), W, b); // [B, L, 3E]
      const [B, L] = qkv.shape;
      const heads = permute(reshape(qkv, [B, L, 3, nh, E / nh]), [2, 0, 3, 1, 4]); // [3, B, nh, L, hd]
      [q, k, v] = [0, 1, 2].map((i) => squeeze(narrow(heads, 0, i, 1), 0));
    } else {
      const part = (t: Tensor, i: number) => linear(toBF(t), narrow(W, 0, i * E, E), b ? narrow(b, 0, i * E, E) : null);
      q = splitHeads(part(query, 0), nh); k = splitHeads(part(key, 1), nh); v = splitHeads(part(value, 2), nh);
    }
    const [B, , L] = q.shape, S = k.shape[2];
    if (k.shape[0] !== B || v.shape[0] !== B) throw new Error(`MultiheadAttention: query, key and value batch sizes differ (${shapeToString(query.shape)}, ${shapeToString(key.shape)}, ${shapeToString(value.shape)})`);
    const mask = this.combineMasks(options, B, L, S, q.dtype);
    const { output, weights } = scaledDotProductAttention(q, k, v, {
      attnMask: mask, isCausal: options.isCausal, dropoutP: this.dropout, training: this.training,
      needWeights: options.needWeights !== false,
    });
    // [B, nh, L, hd] -> [B, L, E] (or [L, B, E])
    let o = this.batchFirst || unbatched ? permute(output, [0, 2, 1, 3]) : permute(output, [2, 0, 1, 3]);
    o = reshape(o, this.batchFirst || unbatched ? [B, L, E] : [L, B, E]);
    o = this.out_proj.forward(o);
    if (unbatched) o = squeeze(o, 0);
    if (options.needWeights === false) return [o, null];
    let w = options.averageAttnWeights === false ? weights : mean(weights, 1);
    if (unbatched) w = squeeze(w, 0);
    return [o, w];
  }

  /** attnMask and keyPaddingMask as one additive mask broadcastable to [B, nh, L, S]. */
  private combineMasks(options: MultiheadAttentionForwardOptions, B: number, L: number, S: number, dtype: Tensor['dtype']): Tensor | null {
    let mask: Tensor | null = null;
    const am = options.attnMask;
    if (am) {
      if (am.ndim === 2 && am.shape[0] === L && am.shape[1] === S) mask = additiveMask(am, dtype);
      else if (am.ndim === 3 && am.shape[0] === B * this.numHeads && am.shape[1] === L && am.shape[2] === S) {
        mask = reshape(additiveMask(am, dtype), [B, this.numHeads, L, S]);
      } else {
        throw new Error(`MultiheadAttention: attnMask must be [${L}, ${S}] or [${B * this.numHeads}, ${L}, ${S}], got ${shapeToString(am.shape)}`);
      }
    }
    const kp = options.keyPaddingMask;
    if (kp) {
      const kpb = kp.ndim === 1 ? unsqueeze(kp, 0) : kp;
      if (kpb.ndim !== 2 || kpb.shape[0] !== B || kpb.shape[1] !== S) {
        throw new Error(`MultiheadAttention: keyPaddingMask must be [${B}, ${S}] (batch, key length), got ${shapeToString(kp.shape)}`);
      }
      const pad = reshape(additiveMask(kpb, dtype), [B, 1, 1, S]);
      mask = mask ? add(mask, pad) : pad;
    }
    if (options.isCausal && !mask) return null; // the causal mask is added by scaledDotProductAttention
    return mask;
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}${this.dropout ? `, dropout=${this.dropout}` : ''}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}

export interface CausalSelfAttentionOptions extends FactoryOptions {
  /** Biases of the projections (default true; GPT recipes often turn them off). */
  bias?: boolean;
  /** Dropout on the attention weights and on the output, in training (default 0). */
  dropout?: number;
}

/**
 * Causal multi-head self-attention with one fused q/k/v projection (`qkv`, [3E, E]) and an
 * output projection (`proj`), on batch-first [B, T, E] inputs: the attention of a GPT block.
 */
export class CausalSelfAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly dropout: number;
  qkv: Linear;
  proj: Linear;

  constructor(embedDim: number, numHeads: number, options: CausalSelfAttentionOptions = {}) {
    super();
    if (embedDim % numHeads !== 0) throw new Error(`CausalSelfAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.dropout = options.dropout ?? 0;
    const lin = { bias: options.bias ?? true, dtype: options.dtype, generator: options.generator };
    this.qkv = new Linear(embedDim, 3 * embedDim, lin);
    this.proj = new Linear(embedDim, embedDim, lin);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim !== 3 || x.shape[2] !== this.embedDim) throw new Error(`CausalSelfAttention: expected [batch, seq, ${this.embedDim}], got ${shapeToString(x.shape)}`);
    const [B, T, E] = x.shape, nh = this.numHeads;
    if (!(this.dropout && this.training)) return this.proj.forward(packedSelfAttention(this.qkv.forward(x), nh, { isCausal: true }));
    // with dropout on the attention weights: the composite path
    const heads = permute(reshape(this.qkv.forward(x), [B, T, 3, nh, E / nh]), [2, 0, 3, 1, 4]); // [3, B, nh, T, hd]
    const [q, k, v] = [0, 1, 2].map((i) => squeeze(narrow(heads, 0, i, 1), 0));
    const { output } = scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP: this.dropout, training: this.training, needWeights: false });
    let y = this.proj.forward(reshape(permute(output, [0, 2, 1, 3]), [B, T, E]));
    if (this.dropout && this.training) y = dropoutOp(y, this.dropout);
    return y;
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}`;
  }
}
