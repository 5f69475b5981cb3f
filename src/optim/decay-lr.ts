// Multiplicative decay schedules: StepLR, MultiStepLR, ExponentialLR, and LambdaLR (lr =
// initialLr * f(epoch)). Recurrences and closed forms as torch.optim.lr_scheduler.

import type { Optimizer } from './optimizer.js';
import { checkFinite, checkKnownKeys, checkPositiveInteger, show } from './check.js';
import { LRScheduler, type SchedulerOptions } from './lr-scheduler.js';

export interface StepLROptions extends SchedulerOptions {
  /** Decay every stepSize epochs. */
  stepSize: number;
  /** Multiplicative factor of each decay. Default 0.1. */
  gamma?: number;
}

/** lr = initialLr * gamma ** floor(epoch / stepSize). */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    checkKnownKeys('StepLR', options, ['stepSize', 'gamma', 'lastEpoch']);
    checkPositiveInteger('StepLR', 'stepSize', options.stepSize);
    checkFinite('StepLR', 'gamma', options.gamma ?? 0.1);
    super('StepLR', optimizer, options.lastEpoch);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const decay = this.lastEpoch !== 0 && this.lastEpoch % this.stepSize === 0;
    return this.currentLrs().map((lr) => (decay ? lr * this.gamma : lr));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  protected override stateKeys(): string[] {
    return [...super.stateKeys(), 'stepSize', 'gamma'];
  }
}

export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which to decay; a milestone listed twice decays twice. */
  milestones: readonly number[];
  /** Multiplicative factor of each decay. Default 0.1. */
  gamma?: number;
}

/** lr = initialLr * gamma ** (number of milestones <= epoch). */
export class MultiStepLR extends LRScheduler {
  /** Sorted, duplicates kept. */
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    checkKnownKeys('MultiStepLR', options, ['milestones', 'gamma', 'lastEpoch']);
    const { milestones } = options;
    if (!Array.isArray(milestones) || !milestones.every((m) => Number.isInteger(m) && m >= 0)) {
      throw new TypeError(`MultiStepLR: milestones must be a list of non-negative integers, got ${show(milestones)}`);
    }
    checkFinite('MultiStepLR', 'gamma', options.gamma ?? 0.1);
    super('MultiStepLR', optimizer, options.lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return this.currentLrs().map((lr) => (hits === 0 ? lr : lr * this.gamma ** hits));
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((lr) => lr * this.gamma ** passed);
  }

  protected override stateKeys(): string[] {
    return [...super.stateKeys(), 'milestones', 'gamma'];
  }
}

export interface ExponentialLROptions extends SchedulerOptions {
  /** Multiplicative factor per epoch. */
  gamma: number;
}

/** lr = initialLr * gamma ** epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    checkKnownKeys('ExponentialLR', options, ['gamma', 'lastEpoch']);
    checkFinite('ExponentialLR', 'gamma', options.gamma);
    super('ExponentialLR', optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.currentLrs().map((lr) => (this.lastEpoch === 0 ? lr : lr * this.gamma));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }

  protected override stateKeys(): string[] {
    return [...super.stateKeys(), 'gamma'];
  }
}

export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions extends SchedulerOptions {
  /** The factor per epoch: one function for all groups, or one per group. */
  lrLambda: LrLambda | readonly LrLambda[];
}

/** lr = initialLr * lrLambda(epoch). The functions are not part of the state dict. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    checkKnownKeys('LambdaLR', options, ['lrLambda', 'lastEpoch']);
    const groups = optimizer?.paramGroups?.length ?? 0;
    const { lrLambda } = options;
    const fns = Array.isArray(lrLambda) ? [...lrLambda] : Array.from({ length: groups }, () => lrLambda as LrLambda);
    if (Array.isArray(lrLambda) && fns.length !== groups) {
      throw new Error(`LambdaLR: expected ${groups} lrLambda functions (one per param group), got ${fns.length}`);
    }
    fns.forEach((f, i) => {
      if (typeof f !== 'function') throw new TypeError(`LambdaLR: lrLambda${Array.isArray(lrLambda) ? `[${i}]` : ''} must be a function, got ${show(f)}`);
    });
    super('LambdaLR', optimizer, options.lastEpoch);
    this.lrLambdas = fns;
    this.initialStep();
  }

  protected computeLr(): number[] {
    return this.baseLrs.map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
  }
}
