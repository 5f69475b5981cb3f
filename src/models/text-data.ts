// The text data sets of the sequence models, prepared exactly as their PyTorch twins do:
// MR sentence polarity (../shared/bench/pytorch/polarity.py) and tiny Shakespeare (gpt.py).
// Data are read from `--data PATH` (a directory holding the data set, or its parent), else from
// $MYELIN_DATA_DIR, else from ../shared/data next to the package.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../data/builtin.js';
import { fromArray } from '../tensor/creation.js';
import { TensorDataset } from '../data/dataset.js';
import { WordTokenizer, splitLines } from '../text/tokenizers.js';
import { padSequences } from '../text/padding.js';
import { numpyPermutation } from './numpy-random.js';

/** $MYELIN_DATA_DIR, else ../shared/data beside the package (the project's shared data directory). */
export function sharedDataDir(): string {
  const env = process.env.MYELIN_DATA_DIR;
  return env ? resolve(env) : resolve(packageRoot(), '..', 'shared', 'data');
}

/**
 * Finds a data set: `explicit` may be the data set's directory itself (holding `marker`) or a
 * parent holding `name/`; without it, <sharedDataDir()>/<name>. Throws naming every place looked at.
 */
export function findDataset(name: string, marker: string, explicit?: string): string {
  const candidates = explicit ? [explicit, join(explicit, name)] : [join(sharedDataDir(), name)];
  for (const c of candidates) {
    if (existsSync(join(c, marker))) return c;
    if (c.endsWith(marker) && existsSync(c) && statSync(c).isFile()) return resolve(c, '..');
  }
  throw new Error(`${name}: data not found (looked for ${marker} in ${candidates.join(' and ')}); ` +
    `pass --data DIR pointing at the directory that holds ${marker} (or at its parent)`);
}

/** UTF-8 text with invalid bytes replaced by U+FFFD (Python's errors='replace'). */
export function readText(path: string): string {
  return new TextDecoder('utf-8').decode(readFileSync(path));
}

export const MR_MAXLEN = 56;
export const MR_VOCAB = 10000;

export interface MrPolarity {
  dir: string;
  tokenizer: WordTokenizer;
  train: TensorDataset;
  test: TensorDataset;
  trainTexts: string[];
  testTexts: string[];
}

/**
 * MR polarity as polarity.py prepares it: lower-cased whitespace tokens; a fixed 90/10 split from
 * numpy's RandomState(0) permutation (the first tenth of it is the test set); the vocabulary is
 * the 9,998 most frequent training tokens plus padding (0) and OOV (1); sequences are padded and
 * truncated at the front ('pre', keeping the last 56 tokens). Labels are float32 0/1 (1 = positive).
 */
export function loadMrPolarity(options: { data?: string; maxLen?: number; vocabSize?: number; limit?: number } = {}): MrPolarity {
  const dir = findDataset('mr-polarity', 'rt-polarity.pos', options.data);
  const pos = splitLines(readText(join(dir, 'rt-polarity.pos')));
  const neg = splitLines(readText(join(dir, 'rt-polarity.neg')));
  const texts = [...pos, ...neg];
  const labels = Float32Array.from(texts, (_, i) => (i < pos.length ? 1 : 0));
  const perm = numpyPermutation(texts.length, 0);
  const nTest = Math.floor(texts.length / 10);
  let testIdx = perm.subarray(0, nTest), trainIdx = perm.subarray(nTest);
  const tokenizer = WordTokenizer.fit(Array.from(trainIdx, (i) => texts[i]), { maxSize: options.vocabSize ?? MR_VOCAB, lower: true, split: 'whitespace' });
  if (options.limit) { trainIdx = trainIdx.subarray(0, options.limit); testIdx = testIdx.subarray(0, options.limit); }
  const maxLen = options.maxLen ?? MR_MAXLEN;
  const make = (idx: Int32Array) => {
    const { ids } = padSequences(Array.from(idx, (i) => tokenizer.encode(texts[i])), { maxLen, padding: 'pre', truncating: 'pre' });
    return new TensorDataset(ids, fromArray(Float32Array.from(idx, (i) => labels[i]), [idx.length]));
  };
  return {
    dir, tokenizer, train: make(trainIdx), test: make(testIdx),
    trainTexts: Array.from(trainIdx, (i) => texts[i]), testTexts: Array.from(testIdx, (i) => texts[i]),
  };
}

/** Tiny Shakespeare's text (input.txt). */
export function loadShakespeare(data?: string): { path: string; text: string } {
  const dir = findDataset('tinyshakespeare', 'input.txt', data);
  const path = join(dir, 'input.txt');
  return { path, text: readFileSync(path, 'utf8') };
}
