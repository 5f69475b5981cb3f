// BatchNorm1d, BatchNorm2d and LayerNorm.
//
// BatchNorm's running statistics are buffers registered under PyTorch's state-dict names
// (running_mean, running_var, num_batches_tracked) so that PyTorch checkpoints load; the
// camelCase getters runningMean, runningVar and numBatchesTracked read the same tensors.

import type { Tensor } from '../../tensor/tensor.js';
import { full, ones, zeros } from '../../tensor/creation.js';
import { shapeToString } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { batchNorm, layerNorm } from '../../ops/index.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { ones_, zeros_ } from '../init.js';
import { checkCount, type FactoryOptions } from './linear.js';

export interface BatchNormOptions extends Pick<FactoryOptions, 'dtype'> {
  eps?: number;
  /**
   * Weight of each new batch in the running averages (default 0.1); null gives the
   * cumulative average over all batches seen (1 / numBatchesTracked), as PyTorch.
   */
  momentum?: number | null;
  /** Learnable per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); otherwise always use batch statistics. */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  // buffers, registered under PyTorch's names (see the header comment)
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkCount(numFeatures, 'numFeatures', this.typeName(), 1);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('num_batches_tracked', track ? full([], 0, { dtype: 'int32' }) : null);
  }

  get runningMean(): Tensor | null { return this.running_mean; }
  get runningVar(): Tensor | null { return this.running_var; }
  get numBatchesTracked(): Tensor | null { return this.num_batches_tracked; }

  /** Zero mean, unit variance, no batches seen. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.running_mean!);
    ones_(this.running_var!);
    zeros_(this.num_batches_tracked!);
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  /** Throws unless x has a rank this layer accepts. */
  protected abstract checkRank(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    this.checkRank(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(`${this.typeName()}: expected ${this.numFeatures} channels (numFeatures) in dimension 1, got input ${shapeToString(x.shape)}`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const nbt = this.num_batches_tracked;
      noGrad(() => nbt.copy_(nbt.add(1)));
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    // batch statistics when training, or when there are no running statistics to use
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    // running statistics are updated only when training and tracking, and used only in eval
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null, this.weight, this.bias,
      { training: useBatchStats, momentum: factor, eps: this.eps });
  }

  /** PyTorch state dicts older than version 2 lack num_batches_tracked; PyTorch loads them as 0. */
  protected override upgradeStateDict(entries: Map<string, Tensor>, prefix: string): void {
    const key = `${prefix}num_batches_tracked`;
    if (this.trackRunningStats && !entries.has(key) && entries.has(`${prefix}running_mean`)) {
      entries.set(key, full([], 0, { dtype: 'int32' }));
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalisation over [N, C] or [N, C, L] inputs, per channel C. */
export class BatchNorm1d extends BatchNormBase {
  protected override checkRank(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`BatchNorm1d: expected 2-D or 3-D input [N, C] or [N, C, L], got ${shapeToString(x.shape)}`);
  }
}

/** Batch normalisation over [N, C, H, W] inputs, per channel C. */
export class BatchNorm2d extends BatchNormBase {
  protected override checkRank(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4-D input [N, C, H, W], got ${shapeToString(x.shape)}`);
  }
}

export interface LayerNormOptions extends Pick<FactoryOptions, 'dtype'> {
  eps?: number;
  /** Learnable per-element scale (and shift) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the shift (default true). */
  bias?: boolean;
}

/** Normalises over the trailing dimensions normalizedShape, then scales and shifts. */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    if (shape.length === 0) throw new Error('LayerNorm: normalizedShape must not be empty');
    shape.forEach((d) => checkCount(d, 'normalizedShape', 'LayerNorm', 1));
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.elementwiseAffine ? new Parameter(ones(shape, { dtype })) : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? new Parameter(zeros(shape, { dtype })) : null;
  }

  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  override forward(x: Tensor): Tensor {
    const d = this.normalizedShape.length;
    if (x.ndim < d || this.normalizedShape.some((s, i) => s !== x.shape[x.ndim - d + i])) {
      throw new Error(`LayerNorm: expected input [..., ${this.normalizedShape.join(', ')}] (normalizedShape), got ${shapeToString(x.shape)}`);
    }
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
