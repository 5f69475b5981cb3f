// Options and helpers shared by the sequence models (lstm, gpt, bert-mini).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { round, type TrainOptions, type EvalOptions } from './common.js';

/** `myelin train` options of the sequence models, on top of every model's. */
export interface SequenceTrainOptions extends TrainOptions {
  /** Where the text data live (a data set directory or its parent; default ../shared/data). */
  data?: string;
  /** lstm: 'lstm' (default) or 'gru'. */
  cell?: string;
  /** gpt, bert-mini pre-training: optimizer steps (iterations). */
  maxIters?: number;
  /** gpt, bert-mini: evaluate every N iterations. */
  evalEvery?: number;
  /** gpt: batches per split in each evaluation (default 20; the final one uses 10x as many). */
  evalIters?: number;
  /** bert-mini: initialise the encoder from pre-trained weights (safetensors). */
  init?: string;
}

export interface SequenceEvalOptions extends EvalOptions {
  data?: string;
}

/** The config.json written next to a weights file (in its run directory), if any. */
export function runConfigOf(weights: string): Record<string, unknown> | null {
  const path = join(dirname(weights), 'config.json');
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

export function logger(options: { log?: (line: string) => void }): (line: string) => void {
  return options.log ?? ((l: string) => process.stderr.write(l + '\n'));
}

/** The sequence models' flags of `myelin train`, from commander's parsed options. */
export function sequenceTrainFlags(opts: Record<string, unknown>): Partial<SequenceTrainOptions> {
  const out: Partial<SequenceTrainOptions> = {};
  if (opts.data !== undefined) out.data = String(opts.data);
  if (opts.cell !== undefined) out.cell = String(opts.cell);
  if (opts.maxIters !== undefined) out.maxIters = Number(opts.maxIters);
  if (opts.evalEvery !== undefined) out.evalEvery = Number(opts.evalEvery);
  if (opts.init !== undefined) out.init = String(opts.init);
  return out;
}

/** An epoch of a text classifier's history, as the train summaries report it. */
export interface ClassifierEpoch { epoch: number; val_loss: number; val_accuracy: number }

/**
 * The best epoch (highest validation accuracy) and the last, as `metrics` for the saved model's
 * config and as the summary fields every text classifier reports.
 */
export function classifierResults<E extends ClassifierEpoch>(perEpoch: E[], history: { trainSeconds: number; samplesPerSecond: number }) {
  const best = perEpoch.reduce((b, e) => (e.val_accuracy > b.val_accuracy ? e : b), perEpoch[0]);
  const last = perEpoch[perEpoch.length - 1];
  return {
    metrics: { best_val_accuracy: best.val_accuracy, best_epoch: best.epoch, val_accuracy: last.val_accuracy },
    summary: {
      train_seconds: round(history.trainSeconds, 2), samples_per_second: round(history.samplesPerSecond, 1),
      val_accuracy: last.val_accuracy, val_loss: last.val_loss, best_val_accuracy: best.val_accuracy, best_epoch: best.epoch,
      history: perEpoch,
    },
  };
}
