// LinearLR: scales the lr by a factor that moves linearly from startFactor to endFactor over
// totalIters epochs, then stays; the usual warm-up. Recurrence as torch's LinearLR.

import type { Optimizer } from './optimizer.js';
import { checkInRange, checkKnownKeys, checkPositiveInteger, show } from './check.js';
import { LRScheduler, type SchedulerOptions } from './lr-scheduler.js';

export interface LinearLROptions extends SchedulerOptions {
  /** Factor at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor from epoch totalIters on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs to go from startFactor to endFactor. Default 5. */
  totalIters?: number;
}

/** lr = initialLr * (startFactor + (endFactor - startFactor) * min(epoch, totalIters) / totalIters). */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    checkKnownKeys('LinearLR', options, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options;
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) {
      throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${show(startFactor)}`);
    }
    checkInRange('LinearLR', 'endFactor', endFactor, 0, 1, true);
    checkPositiveInteger('LinearLR', 'totalIters', totalIters);
    super('LinearLR', optimizer, options.lastEpoch);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected computeLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this;
    if (t === 0) return this.currentLrs().map((lr) => lr * s);
    if (t > n) return this.currentLrs();
    // ratio of this epoch's factor to the previous one's
    return this.currentLrs().map((lr) => lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((lr) => lr * (s + (e - s) * Math.min(n, this.lastEpoch) / n));
  }

  protected override stateKeys(): string[] {
    return [...super.stateKeys(), 'startFactor', 'endFactor', 'totalIters'];
  }
}
