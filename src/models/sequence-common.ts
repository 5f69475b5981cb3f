// Options and helpers shared by the sequence models (lstm, gpt, bert-mini).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TrainOptions, EvalOptions } from './common.js';

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
