// Callbacks hook into Trainer.fit, as in Keras: each hook receives the trainer and the logs
// (metric name -> value) so far. Setting `trainer.stopTraining = true` ends fit after the
// current epoch (early stopping does this).

import type { Trainer } from './trainer.js';

export type Logs = Record<string, number>;

export interface Callback {
  onTrainBegin?(trainer: Trainer, info: { epochs: number; stepsPerEpoch: number }): void | Promise<void>;
  onEpochBegin?(trainer: Trainer, epoch: number): void | Promise<void>;
  /** After each optimizer step; logs hold the running epoch averages. */
  onBatchEnd?(trainer: Trainer, step: number, logs: Logs): void | Promise<void>;
  /** After validation; logs hold train and `val_` metrics, `lr` and `epoch_seconds`. */
  onEpochEnd?(trainer: Trainer, epoch: number, logs: Logs): void | Promise<void>;
  onTrainEnd?(trainer: Trainer, logs: Logs): void | Promise<void>;
}

/** Which direction is better for a monitored quantity ('auto': loss-like names minimise). */
export function isImprovement(mode: 'min' | 'max' | 'auto', monitor: string, value: number, best: number, minDelta = 0): boolean {
  const m = mode === 'auto' ? (/loss|error|perplexity/.test(monitor) ? 'min' : 'max') : mode;
  return m === 'min' ? value < best - minDelta : value > best + minDelta;
}

export function initialBest(mode: 'min' | 'max' | 'auto', monitor: string): number {
  const m = mode === 'auto' ? (/loss|error|perplexity/.test(monitor) ? 'min' : 'max') : mode;
  return m === 'min' ? Infinity : -Infinity;
}
