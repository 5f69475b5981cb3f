// Appends one JSON object per epoch (and optionally every N steps) to a metrics.jsonl file,
// the format the run directory and the dashboard read (written by RunRecord).

import type { Callback, Logs } from '../callback.js';
import type { Trainer } from '../trainer.js';
import { RunRecord } from '../run-record.js';

export class JsonlLogger implements Callback {
  private record: RunRecord | null = null;

  constructor(readonly path: string, private readonly options: { everySteps?: number } = {}) {}

  /** The record: opened (its directory created) when training begins, else at the first line. */
  private get out(): RunRecord {
    return this.record ??= new RunRecord(this.path);
  }

  onTrainBegin(): void {
    this.record = new RunRecord(this.path);
  }

  onBatchEnd(_trainer: Trainer, step: number, logs: Logs): void {
    const every = this.options.everySteps;
    if (every && step % every === 0) this.out.append('step', { step, ...round(logs) });
  }

  onEpochEnd(trainer: Trainer, epoch: number, logs: Logs): void {
    this.out.append('epoch', { epoch: epoch + 1, step: trainer.globalStep, ...round(logs) });
  }
}

function round(logs: Logs): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) out[k] = Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
  return out;
}
