// The default progress display of Trainer.fit: a bar per epoch, then one summary line.

import { ProgressBar, formatDuration, type ProgressOptions } from '../progress.js';
import type { Callback, Logs } from '../callback.js';
import type { Trainer } from '../trainer.js';

function formatLogs(logs: Logs, keys?: string[]): string {
  return (keys ?? Object.keys(logs)).filter((k) => k in logs)
    .map((k) => `${k} ${Math.abs(logs[k]) >= 1000 || (Math.abs(logs[k]) < 1e-3 && logs[k] !== 0) ? logs[k].toExponential(3) : logs[k].toFixed(4)}`).join(' - ');
}

export class ProgressCallback implements Callback {
  private bar: ProgressBar | null = null;
  private epochs = 0;
  private steps = 0;
  private step = 0;
  private start = 0;

  constructor(private readonly options: ProgressOptions = {}) {}

  onTrainBegin(_t: Trainer, info: { epochs: number; stepsPerEpoch: number }): void {
    this.epochs = info.epochs;
    this.steps = info.stepsPerEpoch;
  }

  onEpochBegin(_t: Trainer, epoch: number): void {
    this.start = performance.now();
    this.step = 0;
    this.bar = new ProgressBar(`epoch ${epoch + 1}/${this.epochs}`, this.steps, this.options);
  }

  onBatchEnd(_t: Trainer, _step: number, logs: Logs): void {
    this.bar?.update(++this.step, formatLogs(logs), 'step');
  }

  onEpochEnd(_t: Trainer, epoch: number, logs: Logs): void {
    const seconds = (performance.now() - this.start) / 1000;
    const shown = Object.keys(logs).filter((k) => k !== 'epoch_seconds' && k !== 'samples_per_second');
    // long runs of short epochs: a summary line for about 20 of them, always the last
    const every = Math.ceil(this.epochs / 20);
    if ((epoch + 1) % every !== 0 && epoch + 1 !== this.epochs) { this.bar?.finish(); this.bar = null; return; }
    this.bar?.finish(`epoch ${epoch + 1}/${this.epochs} - ${formatDuration(seconds)} - ${formatLogs(logs, shown)} - ${Math.round(logs.samples_per_second ?? 0)} samples/s`);
    this.bar = null;
  }
}
