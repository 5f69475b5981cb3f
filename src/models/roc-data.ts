// ROC curves of a classifier's test set, for the dashboard: saved as roc.json in the run
// directory. The report carries them under a symbol key, so that they reach saveModel (which
// writes the file) through the models' `...metrics` spreads without showing up in printed
// summaries or in config.json (JSON.stringify and Object.entries skip symbol keys).

import { aucTrapezoid, rocCurve } from '../train/metrics.js';

export const ROC_CURVES: unique symbol = Symbol.for('myelin.rocCurves');

export interface RocCurveData {
  /** The positive class (binary) or the class against the rest (multi-class). */
  label: string;
  fpr: number[];
  tpr: number[];
  auc: number;
}

export interface RocData {
  kind: 'binary' | 'one-vs-rest';
  curves: RocCurveData[];
}

/** Keeps at most ~maxPoints points of a curve, always the first and the last. */
function thin(fpr: number[], tpr: number[], maxPoints: number): { fpr: number[]; tpr: number[] } {
  const r = (v: number) => Number(v.toFixed(5));
  if (fpr.length <= maxPoints) return { fpr: fpr.map(r), tpr: tpr.map(r) };
  const step = (fpr.length - 1) / (maxPoints - 1);
  const idx = new Set<number>();
  for (let k = 0; k < maxPoints; k++) idx.add(Math.round(k * step));
  const keep = [...idx].sort((a, b) => a - b);
  return { fpr: keep.map((i) => r(fpr[i])), tpr: keep.map((i) => r(tpr[i])) };
}

/**
 * ROC curves from softmax probabilities (row-major [n, k]): one curve for a binary
 * classifier (class 1 positive), one per class (one-vs-rest) otherwise; classes with no
 * positive or no negative sample are left out.
 */
export function rocData(probs: ArrayLike<number>, target: Int32Array, numClasses: number, classNames?: string[], maxPoints = 200): RocData | undefined {
  const curves: RocCurveData[] = [];
  const classes = numClasses === 2 ? [1] : Array.from({ length: numClasses }, (_, c) => c);
  for (const c of classes) {
    const isC = Int32Array.from(target, (t) => (t === c ? 1 : 0));
    const pos = isC.reduce((a, b) => a + b, 0);
    if (pos === 0 || pos === target.length) continue;
    const scores = Float64Array.from({ length: target.length }, (_, i) => probs[i * numClasses + c]);
    const { fpr, tpr } = rocCurve(scores, isC);
    curves.push({ label: classNames?.[c] ?? String(c), ...thin(fpr, tpr, maxPoints), auc: Number(aucTrapezoid(fpr, tpr).toFixed(5)) });
  }
  return curves.length ? { kind: numClasses === 2 ? 'binary' : 'one-vs-rest', curves } : undefined;
}
