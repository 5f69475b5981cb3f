// Steps an LR scheduler once per epoch (or per batch), after the optimizer's steps as PyTorch
// requires. ReduceLROnPlateau is stepped with the monitored metric.

import type { Callback, Logs } from '../callback.js';
import type { Trainer } from '../trainer.js';

interface EpochScheduler { step(): void }
interface PlateauScheduler { step(metric: number): void }

export interface LRSchedulerCallbackOptions {
  /** 'epoch' (default) or 'batch'. */
  interval?: 'epoch' | 'batch';
  /** For ReduceLROnPlateau: the metric passed to step() (default 'val_loss'). */
  monitor?: string;
}

export class LRSchedulerCallback implements Callback {
  readonly interval: 'epoch' | 'batch';
  readonly monitor: string | null;

  constructor(readonly scheduler: EpochScheduler | PlateauScheduler, options: LRSchedulerCallbackOptions = {}) {
    this.interval = options.interval ?? 'epoch';
    // plateau schedulers take a metric; others take none (their step() has no parameters)
    this.monitor = scheduler.step.length > 0 ? options.monitor ?? 'val_loss' : null;
  }

  onBatchEnd(): void {
    if (this.interval === 'batch') (this.scheduler as EpochScheduler).step();
  }

  onEpochEnd(_trainer: Trainer, _epoch: number, logs: Logs): void {
    if (this.interval !== 'epoch') return;
    if (this.monitor === null) { (this.scheduler as EpochScheduler).step(); return; }
    const value = logs[this.monitor] ?? logs[this.monitor.replace(/^val_/, '')];
    if (value === undefined) throw new Error(`LRSchedulerCallback: metric '${this.monitor}' is not in the epoch logs`);
    (this.scheduler as PlateauScheduler).step(value);
  }
}
