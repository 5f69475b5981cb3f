// Steps an LR scheduler once per epoch (or per batch), after the optimizer's steps as PyTorch
// requires. ReduceLROnPlateau is stepped with the monitored metric. The scheduler's state dict
// goes into checkpoints, so a resumed run continues the schedule where it stopped.

import { isStateObject, type Callback, type Logs } from '../callback.js';
import type { Trainer } from '../trainer.js';

interface StatefulScheduler { stateDict?(): Record<string, unknown>; loadStateDict?(state: Record<string, unknown>): void }
interface EpochScheduler extends StatefulScheduler { step(): void }
interface PlateauScheduler extends StatefulScheduler { step(metric: number): void }

export interface LRSchedulerCallbackOptions {
  /** 'epoch' (default) or 'batch'. */
  interval?: 'epoch' | 'batch';
  /** For ReduceLROnPlateau: the metric passed to step() (default 'val_loss'). */
  monitor?: string;
  /** Key of the scheduler's state in checkpoints (default 'LRScheduler'). */
  stateKey?: string;
}

export class LRSchedulerCallback implements Callback {
  readonly interval: 'epoch' | 'batch';
  readonly monitor: string | null;
  /** Undefined for a scheduler without stateDict/loadStateDict (its state is not saved). */
  readonly stateKey?: string;

  constructor(readonly scheduler: EpochScheduler | PlateauScheduler, options: LRSchedulerCallbackOptions = {}) {
    this.interval = options.interval ?? 'epoch';
    if (scheduler.stateDict && scheduler.loadStateDict) this.stateKey = options.stateKey ?? 'LRScheduler';
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

  stateDict(): unknown {
    return this.scheduler.stateDict?.();
  }

  /**
   * A saved scheduler state: it must have the form of this scheduler's own state dict (the
   * same keys, numbers where it has numbers, arrays of the same lengths), so that loading it
   * cannot fail half-way.
   */
  stageState(state: unknown): () => void {
    const current = this.scheduler.stateDict?.();
    const problem = shapeProblem(state, current, 'state');
    if (problem) throw new Error(`not a state of this ${this.scheduler.constructor.name}: ${problem}`);
    const copy = structuredClone(state) as Record<string, unknown>;
    return () => this.scheduler.loadStateDict?.(copy);
  }
}

/** Where `value` differs in form from `like` (null and finite numbers stand in for each other). */
function shapeProblem(value: unknown, like: unknown, at: string): string | null {
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  if (like === null || typeof like === 'number') {
    return value === null || (typeof value === 'number' && Number.isFinite(value)) ? null : `${at} must be a finite number, got ${show(value)}`;
  }
  if (typeof like !== 'object') return typeof value === typeof like ? null : `${at} must be a ${typeof like}, got ${show(value)}`;
  if (Array.isArray(like)) {
    if (!Array.isArray(value) || value.length !== like.length) return `${at} must be an array of ${like.length}, got ${show(value)}`;
    for (let i = 0; i < like.length; i++) {
      const p = shapeProblem(value[i], like[i], `${at}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (!isStateObject(value)) return `${at} must be an object, got ${show(value)}`;
  const keys = Object.keys(like as object), got = Object.keys(value);
  const extra = got.find((k) => !keys.includes(k)), missing = keys.find((k) => !got.includes(k));
  if (extra !== undefined) return `${at} has an unknown key '${extra}'`;
  if (missing !== undefined) return `${at} lacks '${missing}'`;
  for (const k of keys) {
    const p = shapeProblem(value[k], (like as Record<string, unknown>)[k], `${at}.${k}`);
    if (p) return p;
  }
  return null;
}
