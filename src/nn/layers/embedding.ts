// Embedding: a lookup table of numEmbeddings vectors of size embeddingDim.

import type { Tensor } from '../../tensor/tensor.js';
import { fromArray, zeros } from '../../tensor/creation.js';
import { shapeToString } from '../../tensor/shape.js';
import type { Generator } from '../../tensor/random.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { embedding } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { normal_ } from '../init.js';
import { checkCount, type FactoryOptions } from './linear.js';

export interface EmbeddingOptions extends FactoryOptions {
  /** Index whose vector starts at zero and receives no gradient (e.g. padding); may be negative. */
  paddingIdx?: number | null;
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Non-negative padding index, or null. */
  readonly paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkCount(numEmbeddings, 'numEmbeddings', 'Embedding');
    checkCount(embeddingDim, 'embeddingDim', 'Embedding');
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = resolvePaddingIdx(options.paddingIdx ?? null, numEmbeddings);
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim], { dtype: options.dtype ?? 'float32' }));
    this.resetParameters(options.generator);
  }

  /** An Embedding holding `embeddings` [num, dim] (shared, not copied), frozen by default. */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (embeddings.ndim !== 2) throw new Error(`Embedding.fromPretrained: embeddings must be 2-D [num, dim], got ${shapeToString(embeddings.shape)}`);
    const [num, dim] = embeddings.shape;
    const e = new Embedding(num, dim, { paddingIdx: options.paddingIdx, dtype: embeddings.dtype });
    e.weight = new Parameter(embeddings.detach(), !(options.freeze ?? true));
    return e;
  }

  /** N(0, 1), with the padding row zeroed (PyTorch's initialisation). */
  resetParameters(generator?: Generator): void {
    normal_(this.weight, 0, 1, generator);
    if (this.paddingIdx !== null) {
      // slices are copies, so the row is zeroed on a host copy and written back
      const data = this.weight.dataSync();
      data.fill(0, this.paddingIdx * this.embeddingDim, (this.paddingIdx + 1) * this.embeddingDim);
      noGrad(() => this.weight.copy_(fromArray(data, this.weight.shape)));
    }
  }

  override forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32') throw new TypeError(`Embedding: indices must be int32, got ${indices.dtype} ${shapeToString(indices.shape)}`);
    return embedding(indices, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}

function resolvePaddingIdx(p: number | null, num: number): number | null {
  if (p === null) return null;
  if (!Number.isInteger(p) || p < -num || p >= num) {
    throw new Error(`Embedding: paddingIdx ${p} must be within [-${num}, ${num - 1}] for ${num} embeddings`);
  }
  return p < 0 ? p + num : p;
}
