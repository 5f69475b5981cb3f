// Saves checkpoints during fit: `last.safetensors` after every epoch and `best.safetensors`
// whenever the monitored metric improves (each written atomically; see io/checkpoint.ts).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../../io/checkpoint.js';
import type { Callback, Logs } from '../callback.js';
import { initialBest, isImprovement } from '../callback.js';
import type { Trainer } from '../trainer.js';

export interface ModelCheckpointOptions {
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  saveBest?: boolean;
  saveLast?: boolean;
  /** Include optimizer state (needed to resume training; default true). */
  saveOptimizer?: boolean;
}

export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max' | 'auto';
  best: number;
  bestEpoch = -1;

  constructor(readonly dir: string, private readonly options: ModelCheckpointOptions = {}) {
    this.monitor = options.monitor ?? 'val_loss';
    this.mode = options.mode ?? 'auto';
    this.best = initialBest(this.mode, this.monitor);
  }

  get lastPath(): string { return join(this.dir, 'last.safetensors'); }
  get bestPath(): string { return join(this.dir, 'best.safetensors'); }

  onTrainBegin(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  onEpochEnd(trainer: Trainer, epoch: number, logs: Logs): void {
    const info = { epoch: epoch + 1, step: trainer.globalStep, metrics: logs };
    const optimizer = this.options.saveOptimizer === false ? null : trainer.optimizer;
    if (this.options.saveLast !== false) saveCheckpoint(this.lastPath, trainer.model, optimizer, info);
    if (this.options.saveBest === false) return;
    const value = logs[this.monitor] ?? logs[this.monitor.replace(/^val_/, '')];
    if (value !== undefined && isImprovement(this.mode, this.monitor, value, this.best)) {
      this.best = value;
      this.bestEpoch = epoch;
      saveCheckpoint(this.bestPath, trainer.model, optimizer, info);
    }
  }
}
