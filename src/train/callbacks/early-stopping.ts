// Stops training when a monitored metric has not improved for `patience` epochs, optionally
// restoring the weights of the best epoch (Keras's EarlyStopping).

import type { Callback, Logs } from '../callback.js';
import { initialBest, isImprovement } from '../callback.js';
import type { Trainer } from '../trainer.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface EarlyStoppingOptions {
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  patience?: number;
  minDelta?: number;
  restoreBestWeights?: boolean;
}

export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max' | 'auto';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  best: number;
  bestEpoch = -1;
  /** The epoch training stopped after, or -1. */
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: Map<string, Tensor> | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.mode = options.mode ?? 'auto';
    this.patience = options.patience ?? 0;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.best = initialBest(this.mode, this.monitor);
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = initialBest(this.mode, this.monitor);
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
  }

  onEpochEnd(trainer: Trainer, epoch: number, logs: Logs): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new Error(`EarlyStopping: metric '${this.monitor}' is not in the epoch logs (have: ${Object.keys(logs).join(', ')})`);
    }
    if (isImprovement(this.mode, this.monitor, value, this.best, this.minDelta)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.bestWeights = new Map([...trainer.model.stateDict()].map(([k, t]) => [k, t.clone()]));
      }
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      trainer.stopTraining = true;
    }
  }

  onTrainEnd(trainer: Trainer): void {
    if (this.restoreBestWeights && this.bestWeights && this.stoppedEpoch >= 0) trainer.model.loadStateDict(this.bestWeights);
  }
}
