// ReduceLROnPlateau: multiplies the lr by `factor` once a metric has not improved for more than
// `patience` epochs, then waits `cooldown` epochs before counting again. As torch's.

import { Optimizer } from './optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { checkInRange, checkKnownKeys, checkNonNegative, checkOneOf, show } from './check.js';
import type { SchedulerStateDict } from './lr-scheduler.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower metric is better (a loss); 'max': higher is better (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** Multiplier of the lr at each reduction, < 1. Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** How much better a metric must be to count as an improvement. Default 1e-4. */
  threshold?: number;
  /** 'rel': better than best * (1 -/+ threshold); 'abs': better than best -/+ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. Default 0. */
  cooldown?: number;
  /** Lower bound of the lr: one for all groups or one per group. Default 0. */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped. Default 1e-8. */
  eps?: number;
}

const OWNER = 'ReduceLROnPlateau';
const STATE_KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLrs', 'eps',
  'lastEpoch', 'best', 'numBadEpochs', 'cooldownCounter', 'lastLr'];

export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  lastEpoch = 0;
  /** The best metric so far (Infinity or -Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${OWNER}: optimizer must be an Optimizer, got ${show(optimizer)}`);
    checkKnownKeys(OWNER, options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    checkOneOf(OWNER, 'mode', mode, ['min', 'max'] as const);
    checkOneOf(OWNER, 'thresholdMode', thresholdMode, ['rel', 'abs'] as const);
    checkInRange(OWNER, 'factor', factor, 0, 1);
    checkNonNegative(OWNER, 'patience', patience);
    checkNonNegative(OWNER, 'threshold', threshold);
    checkNonNegative(OWNER, 'cooldown', cooldown);
    checkNonNegative(OWNER, 'eps', eps);
    const groups = optimizer.paramGroups.length;
    const minLrs = Array.isArray(minLr) ? [...minLr] : Array.from({ length: groups }, () => minLr as number);
    if (minLrs.length !== groups) throw new Error(`${OWNER}: expected ${groups} minLr values (one per param group), got ${minLrs.length}`);
    minLrs.forEach((m, i) => checkNonNegative(OWNER, Array.isArray(minLr) ? `minLr[${i}]` : 'minLr', m));
    this.optimizer = optimizer;
    this.mode = mode; this.factor = factor; this.patience = patience; this.threshold = threshold;
    this.thresholdMode = thresholdMode; this.cooldown = cooldown; this.eps = eps;
    this.minLrs = minLrs;
    this.best = this.worst();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records this epoch's metric (a number or a one-element tensor) and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') throw new TypeError(`${OWNER}.step: metric must be a number or a one-element Tensor, got ${show(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const newLr = Math.max(group.lr * this.factor, this.minLrs[i] ?? 0);
      if (group.lr - newLr > this.eps) group.lr = newLr;
    });
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Hyper-parameters and progress as JSON values (`best` is null before the first metric). */
  stateDict(): SchedulerStateDict {
    const self = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {};
    for (const key of STATE_KEYS) out[key] = structuredClone(self[key]);
    if (!Number.isFinite(this.best)) out.best = null;
    return out;
  }

  loadStateDict(stateDict: SchedulerStateDict): void {
    if (stateDict === null || typeof stateDict !== 'object') throw new TypeError(`${OWNER}.loadStateDict: expected an object, got ${show(stateDict)}`);
    checkKnownKeys(`${OWNER}.loadStateDict`, stateDict, STATE_KEYS, 'key');
    const self = this as unknown as Record<string, unknown>;
    for (const key of STATE_KEYS) if (key in stateDict) self[key] = structuredClone(stateDict[key]);
    checkOneOf(OWNER, 'mode', this.mode, ['min', 'max'] as const);
    checkOneOf(OWNER, 'thresholdMode', this.thresholdMode, ['rel', 'abs'] as const);
    if (this.best === null) this.best = this.worst();
  }
}
