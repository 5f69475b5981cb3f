// Stops training when a monitored metric has not improved for `patience` epochs, optionally
// restoring the weights of the best epoch (Keras's EarlyStopping). Its best score and patience
// count go into checkpoints, so a resumed run stops when the uninterrupted one would (the best
// weights themselves are not saved: after a resume, restoreBestWeights restores the best of
// the epochs trained since).

import type { Callback, Logs } from '../callback.js';
import { checkBestState, initialBest, isImprovement, isStateObject } from '../callback.js';
import type { Trainer } from '../trainer.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface EarlyStoppingOptions {
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  patience?: number;
  minDelta?: number;
  restoreBestWeights?: boolean;
  /** Key of this callback's state in checkpoints (default 'EarlyStopping'). */
  stateKey?: string;
}

export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max' | 'auto';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  readonly stateKey: string;
  best: number;
  bestEpoch = -1;
  /** The epoch training stopped after, or -1. */
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: Map<string, Tensor> | null = null;
  /** Set by a restored state, so that the next onTrainBegin keeps it. */
  private resumed = false;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.mode = options.mode ?? 'auto';
    this.patience = options.patience ?? 0;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.stateKey = options.stateKey ?? 'EarlyStopping';
    this.best = initialBest(this.mode, this.monitor);
  }

  onTrainBegin(): void {
    if (this.resumed) { this.resumed = false; return; }
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

  stateDict(): { monitor: string; mode: string; best: number | null; bestEpoch: number; wait: number } {
    return { monitor: this.monitor, mode: this.mode, best: this.bestEpoch >= 0 ? this.best : null, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  /** A saved best score and patience count; one saved for another metric or direction does not apply. */
  stageState(state: unknown): () => void {
    if (!isStateObject(state)) throw new Error(`expected { monitor, mode, best, bestEpoch, wait }, got ${JSON.stringify(state)}`);
    if (typeof state.monitor !== 'string' || typeof state.mode !== 'string') throw new Error('monitor and mode must be strings');
    checkBestState(state);
    const wait = state.wait;
    if (typeof wait !== 'number' || !Number.isSafeInteger(wait) || wait < 0) throw new Error(`wait must be an integer >= 0, got ${JSON.stringify(wait)}`);
    if (state.monitor !== this.monitor || state.mode !== this.mode) return () => {};
    const best = state.best === null ? initialBest(this.mode, this.monitor) : state.best as number;
    const bestEpoch = state.bestEpoch as number;
    return () => {
      this.best = best;
      this.bestEpoch = bestEpoch;
      this.stoppedEpoch = -1;
      this.wait = wait;
      this.bestWeights = null;
      this.resumed = true;
    };
  }
}
