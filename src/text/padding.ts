// Padding and truncation of token sequences into one [N, maxLen] int32 batch, with masks.

import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

export interface PadOptions {
  /** Length of every row (default: the longest sequence). */
  maxLen?: number;
  /** Where padding goes: 'post' (default) or 'pre' (Keras pad_sequences' default). */
  padding?: 'pre' | 'post';
  /** Which end a long sequence loses: 'post' (default) or 'pre' (keep the last maxLen tokens). */
  truncating?: 'pre' | 'post';
  /** The padding id (default 0). */
  value?: number;
}

export interface PaddedBatch {
  /** [N, maxLen] int32 ids. */
  ids: Tensor;
  /** [N, maxLen] int32: 1 for real tokens, 0 for padding (an "attention mask"). */
  mask: Tensor;
  /** [N, maxLen] int32: 1 for padding (MultiheadAttention's keyPaddingMask convention). */
  paddingMask: Tensor;
  /** Tokens kept per row. */
  lengths: Int32Array;
}

/** Pads/truncates sequences to one length, as Keras' pad_sequences, returning ids and masks. */
export function padSequences(seqs: readonly ArrayLike<number>[], options: PadOptions = {}): PaddedBatch {
  const maxLen = options.maxLen ?? seqs.reduce((m, s) => Math.max(m, s.length), 0);
  if (!Number.isInteger(maxLen) || maxLen < 0) throw new Error(`padSequences: maxLen must be a non-negative integer, got ${maxLen}`);
  const padding = options.padding ?? 'post', truncating = options.truncating ?? 'post', value = options.value ?? 0;
  const n = seqs.length;
  const ids = new Int32Array(n * maxLen).fill(value), mask = new Int32Array(n * maxLen), pad = new Int32Array(n * maxLen).fill(1);
  const lengths = new Int32Array(n);
  seqs.forEach((s, i) => {
    const len = Math.min(s.length, maxLen);
    const from = truncating === 'pre' ? s.length - len : 0;
    const to = padding === 'pre' ? maxLen - len : 0;
    for (let j = 0; j < len; j++) {
      ids[i * maxLen + to + j] = s[from + j];
      mask[i * maxLen + to + j] = 1;
      pad[i * maxLen + to + j] = 0;
    }
    lengths[i] = len;
  });
  return { ids: fromArray(ids, [n, maxLen]), mask: fromArray(mask, [n, maxLen]), paddingMask: fromArray(pad, [n, maxLen]), lengths };
}

/** [N, L] int32 mask with 1 where ids equal padId (for MultiheadAttention's keyPaddingMask). */
export function paddingMaskOf(ids: Tensor, padId = 0): Tensor {
  return ids.eq(padId);
}
