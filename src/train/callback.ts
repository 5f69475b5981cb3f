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
  /**
   * After every callback's onEpochEnd, when the epoch's state is final (a scheduler has
   * stepped, early stopping has counted): checkpoints are written here.
   */
  onEpochComplete?(trainer: Trainer, epoch: number, logs: Logs): void | Promise<void>;
  onTrainEnd?(trainer: Trainer, logs: Logs): void | Promise<void>;

  /**
   * Callbacks whose state a resumed run needs (a best score, a patience counter, a schedule's
   * position) name it here: checkpoints save stateDict() under this key, and Trainer.resume
   * gives it back to stageState. Keys must be unique among a fit's callbacks.
   */
  readonly stateKey?: string;
  /** The state to save: JSON values only (no NaN or Infinity: JSON turns them into null). */
  stateDict?(): unknown;
  /**
   * Checks a saved state and returns the function that installs it (which must not fail);
   * throws, changing nothing, on a state this callback cannot take.
   */
  stageState?(state: unknown): () => void;
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

/** A plain JSON object (not null, not an array). */
export function isStateObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A saved best score: null (nothing seen yet) or a finite number. */
export function checkBestState(state: Record<string, unknown>): void {
  if (state.best !== null && (typeof state.best !== 'number' || !Number.isFinite(state.best))) {
    throw new Error(`best must be null or a finite number, got ${JSON.stringify(state.best) ?? String(state.best)}`);
  }
  const e = state.bestEpoch;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e < -1) throw new Error(`bestEpoch must be an integer >= -1, got ${JSON.stringify(e) ?? String(e)}`);
  if ((state.best === null) !== (e === -1)) throw new Error(`best is ${state.best} but bestEpoch is ${e} (both or neither must be set)`);
}
