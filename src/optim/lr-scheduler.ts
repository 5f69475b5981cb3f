// The LR scheduler base class, as torch.optim.lr_scheduler's: a scheduler owns an epoch
// counter and rewrites each param group's lr on step(). Constructing one performs the first
// step (epoch 0), and `initialLr` is recorded in every param group so that a schedule can be
// resumed. Subclasses give the recurrence PyTorch calls the chainable form (`computeLr`, which
// may read the groups' current lr) and, where one exists, the closed form (`closedFormLr`).
//
// Call order per epoch, as in PyTorch: optimizer.step() ... scheduler.step().

import { Optimizer } from './optimizer.js';
import { show } from './check.js';

/** A scheduler's state: plain JSON values. */
export type SchedulerStateDict = Record<string, unknown>;

export interface SchedulerOptions {
  /** Index of the last epoch when resuming; -1 (default) starts a new schedule. */
  lastEpoch?: number;
}

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The epoch the current learning rates belong to (0 after construction). */
  lastEpoch: number;
  /** Each group's initialLr: what the schedule scales. */
  baseLrs: number[];
  /** Number of step() calls since the schedule started (PyTorch's _step_count). */
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(name: string, optimizer: Optimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: optimizer must be an Optimizer, got ${show(optimizer)}`);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new RangeError(`${name}: lastEpoch must be an integer >= -1, got ${show(lastEpoch)}`);
    this.optimizer = optimizer;
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined) {
        throw new Error(`${name}: param group ${i} has no initialLr; resuming at lastEpoch ${lastEpoch} ` +
          'needs the optimizer state saved alongside the schedule');
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The next learning rates, from the current ones (PyTorch's chainable get_lr). */
  protected abstract computeLr(): number[];
  /** The learning rates at lastEpoch straight from baseLrs, for schedules that have a closed form. */
  protected closedFormLr?(): number[];

  /** Moves to the next epoch and sets each group's lr. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    this.apply(this.computeLr());
  }

  /** The learning rates set by the last step, one per param group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /**
   * @internal Restarts the step count and takes the first step (PyTorch's _initial_step).
   * Subclass constructors call it once their fields are set; SequentialLR calls it too.
   */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** @internal Jumps to `epoch` using the closed form where there is one (PyTorch's step(epoch)); for SequentialLR. */
  stepToEpoch(epoch: number): void {
    this.stepCount += 1;
    this.lastEpoch = epoch;
    this.apply(this.closedFormLr ? this.closedFormLr() : this.computeLr());
  }

  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  private apply(lrs: readonly number[]): void {
    const groups = this.optimizer.paramGroups;
    for (let i = 0; i < Math.min(lrs.length, groups.length); i++) groups[i].lr = lrs[i];
    this.lastLr = this.currentLrs();
  }

  /** The fields saved by stateDict; subclasses add their hyper-parameters. */
  protected stateKeys(): string[] {
    return ['lastEpoch', 'baseLrs', 'stepCount', 'lastLr'];
  }

  /** Progress and hyper-parameters, as JSON values (not the optimizer: save that separately). */
  stateDict(): SchedulerStateDict {
    const self = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {};
    for (const key of this.stateKeys()) out[key] = structuredClone(self[key]);
    return out;
  }

  loadStateDict(stateDict: SchedulerStateDict): void {
    const name = this.constructor.name;
    if (stateDict === null || typeof stateDict !== 'object') throw new TypeError(`${name}.loadStateDict: expected an object, got ${show(stateDict)}`);
    const keys = this.stateKeys();
    for (const key of Object.keys(stateDict)) {
      if (!keys.includes(key)) throw new Error(`${name}.loadStateDict: unknown key '${key}' (expected ${keys.join(', ')})`);
    }
    const self = this as unknown as Record<string, unknown>;
    for (const key of keys) if (key in stateDict) self[key] = structuredClone(stateDict[key]);
  }
}
