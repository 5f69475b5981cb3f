// Metrics computed per batch during training and evaluation (averaged over samples by the
// Trainer). Whole-dataset metrics such as ROC-AUC live in metrics.ts.

import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/shape.js';

export interface Metric {
  name: string;
  /** The metric's mean over the batch. */
  fn: (output: Tensor, target: Tensor) => number;
}

export type MetricSpec = 'accuracy' | Metric;

/**
 * Fraction of correct predictions: argmax over classes for [N, C] outputs, or a positive logit
 * (output > 0) for one-output binary models ([N] or [N, 1] against 0/1 targets).
 */
export function batchAccuracy(output: Tensor, target: Tensor): number {
  const out = output.dataSync(), t = target.dataSync();
  const n = target.size;
  if (n === 0) return 0;
  const perRow = output.size / n;
  if (!Number.isInteger(perRow)) {
    throw new Error(`accuracy: output ${shapeToString(output.shape)} does not match target ${shapeToString(target.shape)}`);
  }
  let correct = 0;
  if (perRow === 1) {
    for (let i = 0; i < n; i++) if ((out[i] > 0 ? 1 : 0) === Math.round(t[i])) correct++;
  } else {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < perRow; c++) if (out[i * perRow + c] > out[i * perRow + best]) best = c;
      if (best === t[i]) correct++;
    }
  }
  return correct / n;
}

export function resolveMetric(spec: MetricSpec): Metric {
  if (spec === 'accuracy') return { name: 'accuracy', fn: batchAccuracy };
  if (spec && typeof spec === 'object' && typeof spec.fn === 'function' && typeof spec.name === 'string') return spec;
  throw new Error(`Trainer: unknown metric ${JSON.stringify(spec)} (use 'accuracy' or { name, fn })`);
}
