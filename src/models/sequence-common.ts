// Options and helpers shared by the sequence models (lstm, gpt, bert-mini).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Module } from '../nn/module.js';
import type { RunDir } from '../train/run-dir.js';
import { saveTokenizer, type Tokenizer } from '../text/tokenizers.js';
import { baseSummary, round, saveModel, type Summary, type TrainOptions, type EvalOptions } from './common.js';

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
function classifierResults<E extends ClassifierEpoch>(perEpoch: E[], history: { trainSeconds: number; samplesPerSecond: number }) {
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

/** What a sentiment classifier's run (lstm, bert-mini on MR polarity) ends with. */
export interface SentimentRunEnd<E extends ClassifierEpoch> {
  name: string;
  run: RunDir;
  model: Module;
  tokenizer: Tokenizer;
  /** One entry per epoch, rounded, as the summary's history reports it. */
  perEpoch: E[];
  history: { trainSeconds: number; samplesPerSecond: number };
  /** Model-specific fields of config.json, between the dataset and the labels. */
  config: Record<string, unknown>;
  training: { epochs: number; batchSize: number; lr: number; seed: number; optimizer: string };
  /** Model-specific fields of the summary, before epochs and batch_size. */
  summary: Record<string, unknown>;
  log: (line: string) => void;
}

/**
 * The end of a sentiment classifier's run: logs each epoch, saves the tokenizer and the model
 * (config.json with labels, training and the best/last accuracy) and returns the summary.
 */
export function finishSentimentRun<E extends ClassifierEpoch & { train_loss: number }>(end: SentimentRunEnd<E>): Summary {
  const { name, run, training } = end;
  end.perEpoch.forEach((e) => end.log(`${name}: epoch ${e.epoch}: train loss ${e.train_loss}, val accuracy ${e.val_accuracy}`));
  const results = classifierResults(end.perEpoch, end.history);
  saveTokenizer(end.tokenizer, run.file('tokenizer.json'));
  saveModel(run, end.model, {
    model: name, dataset: 'mr-polarity', ...end.config, labels: ['negative', 'positive'], training, metrics: results.metrics,
  });
  return {
    ...baseSummary(name, 'mr-polarity'), ...end.summary, epochs: training.epochs, batch_size: training.batchSize,
    ...results.summary, run_dir: run.path,
  };
}
