// Appends one JSON object per epoch (and optionally every N steps) to a metrics.jsonl file,
// the format the run directory and the dashboard read.

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Callback, Logs } from '../callback.js';
import type { Trainer } from '../trainer.js';

export class JsonlLogger implements Callback {
  constructor(readonly path: string, private readonly options: { everySteps?: number } = {}) {}

  private write(record: Record<string, unknown>): void {
    appendFileSync(this.path, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  }

  onTrainBegin(): void {
    mkdirSync(dirname(this.path), { recursive: true });
  }

  onBatchEnd(_trainer: Trainer, step: number, logs: Logs): void {
    const every = this.options.everySteps;
    if (every && step % every === 0) this.write({ kind: 'step', step, ...round(logs) });
  }

  onEpochEnd(trainer: Trainer, epoch: number, logs: Logs): void {
    this.write({ kind: 'epoch', epoch: epoch + 1, step: trainer.globalStep, ...round(logs) });
  }
}

function round(logs: Logs): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) out[k] = Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
  return out;
}
