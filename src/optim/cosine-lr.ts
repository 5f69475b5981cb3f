// CosineAnnealingLR: half a cosine from initialLr down to etaMin over tMax epochs (and back up
// over the next tMax, periodically, as PyTorch's recurrence does when stepped past tMax).

import type { Optimizer } from './optimizer.js';
import { checkFinite, checkKnownKeys, checkPositiveInteger } from './check.js';
import { LRScheduler, type SchedulerOptions } from './lr-scheduler.js';

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Epochs from the initial lr to etaMin (PyTorch's T_max). */
  tMax: number;
  /** The lowest lr. Default 0. */
  etaMin?: number;
}

/** lr = etaMin + (initialLr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    checkKnownKeys('CosineAnnealingLR', options, ['tMax', 'etaMin', 'lastEpoch']);
    checkPositiveInteger('CosineAnnealingLR', 'tMax', options.tMax);
    checkFinite('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    super('CosineAnnealingLR', optimizer, options.lastEpoch);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  // PyTorch's chainable form: each lr follows from the previous one, so that changes made to the
  // lr from outside carry on; it equals the closed form when nothing else touches the lr.
  protected computeLr(): number[] {
    const { tMax: T, etaMin, lastEpoch: t } = this;
    if (t === 0) return this.currentLrs();
    if (this.stepCount === 1 && t > 0) return this.closedFormLr();
    if ((t - 1 - T) % (2 * T) === 0) {
      // the bottom of a period: go up again by the first step of the curve
      return this.currentLrs().map((lr, i) => lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T)) / 2);
    }
    const ratio = (1 + Math.cos(Math.PI * t / T)) / (1 + Math.cos(Math.PI * (t - 1) / T));
    return this.currentLrs().map((lr) => ratio * (lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { tMax: T, etaMin, lastEpoch: t } = this;
    return this.baseLrs.map((lr) => etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * t / T)) / 2);
  }

  protected override stateKeys(): string[] {
    return [...super.stateKeys(), 'tMax', 'etaMin'];
  }
}
