// Saves checkpoints during fit: `last.safetensors` after every epoch and `best.safetensors`
// whenever the monitored metric improves (each written atomically; see io/checkpoint.ts).
//
// The best score so far is part of every checkpoint (with the other callbacks' states), so a
// resumed run (Trainer.resume with this callback) goes on comparing against the best of the
// whole run, not of the resumed part. best.safetensors is written before last.safetensors: a
// run killed between the two resumes from the previous epoch, redoes this one, and writes the
// same best again.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../../io/checkpoint.js';
import type { Callback, Logs } from '../callback.js';
import { checkBestState, initialBest, isImprovement, isStateObject } from '../callback.js';
import type { Trainer } from '../trainer.js';

export interface ModelCheckpointOptions {
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  saveBest?: boolean;
  saveLast?: boolean;
  /** Include optimizer state (needed to resume training; default true). */
  saveOptimizer?: boolean;
  /** Key of this callback's state in checkpoints (default 'ModelCheckpoint'). */
  stateKey?: string;
}

export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max' | 'auto';
  readonly stateKey: string;
  best: number;
  bestEpoch = -1;

  constructor(readonly dir: string, private readonly options: ModelCheckpointOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.mode = options.mode ?? 'auto';
    this.stateKey = options.stateKey ?? 'ModelCheckpoint';
    this.best = initialBest(this.mode, this.monitor);
  }

  get lastPath(): string { return join(this.dir, 'last.safetensors'); }
  get bestPath(): string { return join(this.dir, 'best.safetensors'); }

  onTrainBegin(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  onEpochComplete(trainer: Trainer, epoch: number, logs: Logs): void {
    const value = logs[this.monitor] ?? logs[this.monitor.replace(/^val_/, '')];
    const improved = this.options.saveBest !== false && value !== undefined && isImprovement(this.mode, this.monitor, value, this.best);
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
    }
    const info = { epoch: epoch + 1, step: trainer.globalStep, metrics: logs, callbacks: trainer.callbackStates() };
    const optimizer = this.options.saveOptimizer === false ? null : trainer.optimizer;
    if (improved) saveCheckpoint(this.bestPath, trainer.model, optimizer, info);
    if (this.options.saveLast !== false) saveCheckpoint(this.lastPath, trainer.model, optimizer, info);
  }

  /** The best score so far (null before the first), the epoch it came from, and what it measures. */
  stateDict(): { monitor: string; mode: string; best: number | null; bestEpoch: number } {
    return { monitor: this.monitor, mode: this.mode, best: this.bestEpoch >= 0 ? this.best : null, bestEpoch: this.bestEpoch };
  }

  /**
   * A saved best score. One saved for another metric or direction does not apply: the resumed
   * run then starts its best afresh, as a new run would.
   */
  stageState(state: unknown): () => void {
    if (!isStateObject(state)) throw new Error(`expected { monitor, mode, best, bestEpoch }, got ${JSON.stringify(state)}`);
    if (typeof state.monitor !== 'string' || typeof state.mode !== 'string') throw new Error('monitor and mode must be strings');
    checkBestState(state);
    if (state.monitor !== this.monitor || state.mode !== this.mode) return () => {};
    const best = state.best === null ? initialBest(this.mode, this.monitor) : state.best as number;
    const bestEpoch = state.bestEpoch as number;
    return () => { this.best = best; this.bestEpoch = bestEpoch; };
  }
}
