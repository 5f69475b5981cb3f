// The softmax step of scaled dot-product attention, with the score scale and the causal mask
// folded in: one pass per row instead of a scale, a mask addition and a softmax (and three
// backward passes). Exponentials and sums in double, as the js softmax kernel.

import type { Storage } from '../backend.js';

export function attentionSoftmax(scores: Storage, batch: number, L: number, S: number, scale: number, causal: boolean,
  out: Storage): void {
  for (let r = 0; r < batch * L; r++) {
    const i = r % L, o = r * S;
    // keys 0..i under the causal mask; a query past the last key sees all of them
    const n = causal ? Math.min(i + 1, S) : S;
    let max = -Infinity;
    for (let j = 0; j < n; j++) { const v = scores[o + j] * scale; if (v > max) max = v; }
    if (max === -Infinity) max = 0; // an all -inf row still ends NaN, as softmax
    let sum = 0;
    for (let j = 0; j < n; j++) { const e = Math.exp(scores[o + j] * scale - max); out[o + j] = e; sum += e; }
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) out[o + j] *= inv;
    for (let j = n; j < S; j++) out[o + j] = 0;
  }
}

export function attentionSoftmaxBackward(p: Storage, dp: Storage, batch: number, L: number, S: number, scale: number,
  causal: boolean, dScores: Storage): void {
  for (let r = 0; r < batch * L; r++) {
    const o = r * S, n = causal ? Math.min(r % L + 1, S) : S;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += dp[o + j] * p[o + j];
    for (let j = 0; j < n; j++) dScores[o + j] = scale * p[o + j] * (dp[o + j] - dot);
    for (let j = n; j < S; j++) dScores[o + j] = 0;
  }
}
