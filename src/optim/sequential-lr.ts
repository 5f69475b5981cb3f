// SequentialLR: runs one schedule until a milestone epoch, then the next from its epoch 0, e.g.
// a LinearLR warm-up followed by CosineAnnealingLR. Semantics as torch's SequentialLR.

import type { Optimizer } from './optimizer.js';
import { checkKnownKeys, show } from './check.js';
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';

export interface SequentialLROptions {
  /** The schedules, each built on the same optimizer. */
  schedulers: readonly LRScheduler[];
  /** Epochs at which to switch to the next schedule: one fewer than schedulers, increasing. */
  milestones: readonly number[];
  /** Index of the last epoch when resuming. Default -1. */
  lastEpoch?: number;
}

export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    checkKnownKeys('SequentialLR', options, ['schedulers', 'milestones', 'lastEpoch']);
    const { schedulers, milestones, lastEpoch = -1 } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new TypeError(`SequentialLR: schedulers must be a non-empty list of LR schedulers, got ${show(schedulers)}`);
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new TypeError(`SequentialLR: schedulers[${i}] is not an LRScheduler (got ${show(s)})`);
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR: schedulers[${i}] belongs to a different optimizer than the one given`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(`SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${show(milestones)}`);
    }
    milestones.forEach((m, i) => {
      if (!Number.isInteger(m) || m <= 0 || (i > 0 && m <= milestones[i - 1])) {
        throw new RangeError(`SequentialLR: milestones must be increasing positive integers, got ${show(milestones)}`);
      }
    });
    super('SequentialLR', optimizer);
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // building the schedulers stepped each of them once; start over with the first alone
    for (const group of optimizer.paramGroups) group.lr = group.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  override step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.stepToEpoch(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  protected computeLr(): number[] {
    return this.currentLrs();
  }

  protected override stateKeys(): string[] {
    return ['lastEpoch', 'lastLr', 'milestones'];
  }

  /** Its own progress plus each schedule's state dict under `schedulers`. */
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    const { schedulers, ...own } = stateDict ?? {};
    if (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length) {
      throw new Error(`SequentialLR.loadStateDict: expected ${this.schedulers.length} scheduler states under 'schedulers', got ${show(schedulers)}`);
    }
    super.loadStateDict(own);
    schedulers.forEach((s, i) => this.schedulers[i].loadStateDict(s as SchedulerStateDict));
  }
}
