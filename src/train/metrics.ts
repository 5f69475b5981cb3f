// Evaluation metrics on plain arrays (labels as Int32Array or number[], scores as
// Float32Array). Pure functions with scikit-learn's definitions, so numbers reported by
// myelin can be compared with numbers a Python user already trusts. Zero divisions
// (e.g. precision of a class never predicted) give 0, as sklearn's zero_division=0.

export type Labels = ArrayLike<number>;

/** Probabilities or scores for a multi-class problem: flat row-major [rows * classes] or one array per row. */
export type ScoreRows = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

function checkSameLength(fn: string, a: ArrayLike<number>, b: ArrayLike<number>, aName = 'pred', bName = 'target'): void {
  if (a.length !== b.length) {
    throw new Error(`${fn}: length mismatch: ${aName} has ${a.length} elements, ${bName} has ${b.length}`);
  }
  if (a.length === 0) throw new Error(`${fn}: ${aName} and ${bName} are empty`);
}

function checkNumClasses(fn: string, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`${fn}: numClasses must be a positive integer, got ${numClasses}`);
  }
}

function checkLabels(fn: string, name: string, labels: Labels, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new Error(`${fn}: ${name}[${i}] = ${v} is out of range: labels must be integers in [0, ${numClasses})`);
    }
  }
}

/** Fraction of positions where pred equals target. */
export function accuracy(pred: Labels, target: Labels): number {
  checkSameLength('accuracy', pred, target);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === target[i]) correct++;
  return correct / pred.length;
}

export interface ConfusionMatrix {
  /** matrix[trueClass][predictedClass] = count, as sklearn.metrics.confusion_matrix. */
  matrix: number[][];
  numClasses: number;
}

export function confusionMatrix(pred: Labels, target: Labels, numClasses: number): ConfusionMatrix {
  checkSameLength('confusionMatrix', pred, target);
  checkNumClasses('confusionMatrix', numClasses);
  checkLabels('confusionMatrix', 'pred', pred, numClasses);
  checkLabels('confusionMatrix', 'target', target, numClasses);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < pred.length; i++) matrix[target[i]][pred[i]]++;
  return { matrix, numClasses };
}

export type Average = 'binary' | 'macro' | 'micro' | 'none';

export interface PrfOptions {
  numClasses: number;
  average: Average;
  /** The class scored by average 'binary'; default 1. */
  positiveLabel?: number;
}

export interface PerClassScores {
  precision: number[];
  recall: number[];
  f1: number[];
  /** Number of samples whose true class is this class. */
  support: number[];
}

export interface PrfResult {
  average: Average;
  /** Averaged scores; for average 'none' these are NaN (read perClass instead). */
  precision: number;
  recall: number;
  f1: number;
  /** Scores of every class 0..numClasses-1, whatever the average. */
  perClass: PerClassScores;
}

const safeDiv = (num: number, den: number): number => (den === 0 ? 0 : num / den);
// 2tp / (2tp + fp + fn) equals the harmonic mean of precision and recall whenever both are
// defined, and is 0 (not NaN) when tp = fp = fn = 0.
const f1Of = (tp: number, fp: number, fn: number): number => safeDiv(2 * tp, 2 * tp + fp + fn);

/**
 * Precision, recall and F1 with sklearn's semantics:
 * - 'binary': the scores of `positiveLabel` (numClasses must be at most 2);
 * - 'micro': from true/false positives and negatives summed over classes (for single-label
 *   multi-class data all three equal accuracy);
 * - 'macro': unweighted mean of the per-class scores over the classes that occur in target
 *   or pred (sklearn's default labels = unique(target ∪ pred)); classes absent from both are
 *   left out rather than counted as 0;
 * - 'none': only per-class scores (the averaged fields are NaN).
 */
export function precisionRecallF1(pred: Labels, target: Labels, options: PrfOptions): PrfResult {
  const fn = 'precisionRecallF1';
  const { numClasses, average } = options;
  checkSameLength(fn, pred, target);
  checkNumClasses(fn, numClasses);
  checkLabels(fn, 'pred', pred, numClasses);
  checkLabels(fn, 'target', target, numClasses);

  const tp = new Array<number>(numClasses).fill(0);
  const predicted = new Array<number>(numClasses).fill(0); // tp + fp
  const support = new Array<number>(numClasses).fill(0); // tp + fn
  for (let i = 0; i < pred.length; i++) {
    predicted[pred[i]]++;
    support[target[i]]++;
    if (pred[i] === target[i]) tp[pred[i]]++;
  }
  const perClass: PerClassScores = {
    precision: tp.map((t, c) => safeDiv(t, predicted[c])),
    recall: tp.map((t, c) => safeDiv(t, support[c])),
    f1: tp.map((t, c) => f1Of(t, predicted[c] - t, support[c] - t)),
    support,
  };

  switch (average) {
    case 'none':
      return { average, precision: NaN, recall: NaN, f1: NaN, perClass };
    case 'binary': {
      const pos = options.positiveLabel ?? 1;
      if (numClasses > 2) {
        throw new Error(`${fn}: average 'binary' needs numClasses <= 2, got ${numClasses}; use 'macro', 'micro' or 'none'`);
      }
      if (!Number.isInteger(pos) || pos < 0 || pos >= numClasses) {
        throw new Error(`${fn}: positiveLabel ${pos} is out of range [0, ${numClasses})`);
      }
      return { average, precision: perClass.precision[pos], recall: perClass.recall[pos], f1: perClass.f1[pos], perClass };
    }
    case 'micro': {
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const TP = sum(tp);
      const FP = sum(predicted) - TP;
      const FN = sum(support) - TP;
      return { average, precision: safeDiv(TP, TP + FP), recall: safeDiv(TP, TP + FN), f1: f1Of(TP, FP, FN), perClass };
    }
    case 'macro': {
      const present = [...Array(numClasses).keys()].filter((c) => predicted[c] > 0 || support[c] > 0);
      const mean = (xs: number[]) => present.reduce((a, c) => a + xs[c], 0) / present.length;
      return { average, precision: mean(perClass.precision), recall: mean(perClass.recall), f1: mean(perClass.f1), perClass };
    }
    default:
      throw new Error(`${fn}: unknown average '${String(average)}'; expected 'binary', 'macro', 'micro' or 'none'`);
  }
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** thresholds[i] is the score cut (predict positive when score >= threshold); thresholds[0] = Infinity. */
  thresholds: number[];
}

function checkBinaryTarget(fn: string, target: Labels): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    if (t !== 0 && t !== 1) throw new Error(`${fn}: target[${i}] = ${t}; binary targets must be 0 or 1`);
    positives += t;
  }
  const negatives = target.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`${fn}: target has no ${positives === 0 ? 'positive' : 'negative'} samples; ROC is undefined`);
  }
  return { positives, negatives };
}

/**
 * ROC curve as sklearn.metrics.roc_curve(drop_intermediate=False): one point per distinct
 * score (tied scores move together, giving a diagonal step), starting at (0, 0) with
 * threshold Infinity and ending at (1, 1).
 */
export function rocCurve(scores: ArrayLike<number>, target: Labels): RocCurve {
  const fn = 'rocCurve';
  checkSameLength(fn, scores, target, 'scores', 'target');
  const { positives, negatives } = checkBinaryTarget(fn, target);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`${fn}: scores[${i}] is NaN`);
  }
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (target[i] === 1) tp++;
    else fp++;
    // Emit a point only after the last sample of a run of equal scores.
    if (k + 1 === order.length || scores[order[k + 1]] !== scores[i]) {
      fpr.push(fp / negatives);
      tpr.push(tp / positives);
      thresholds.push(scores[i]);
    }
  }
  return { fpr, tpr, thresholds };
}

/** Area under a curve by the trapezoid rule; x must be monotone (a decreasing x gives the same positive area, as sklearn.metrics.auc). */
export function aucTrapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`aucTrapezoid: length mismatch: x has ${x.length} points, y has ${y.length}`);
  if (x.length < 2) throw new Error(`aucTrapezoid: need at least 2 points, got ${x.length}`);
  let increasing = true;
  let decreasing = true;
  for (let i = 1; i < x.length; i++) {
    if (x[i] < x[i - 1]) increasing = false;
    if (x[i] > x[i - 1]) decreasing = false;
  }
  if (!increasing && !decreasing) throw new Error('aucTrapezoid: x is neither increasing nor decreasing');
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return increasing ? area : -area;
}

/** Binary ROC AUC: the probability that a random positive scores above a random negative (ties count 1/2). */
export function rocAuc(scores: ArrayLike<number>, target: Labels): number {
  const { fpr, tpr } = rocCurve(scores, target);
  return aucTrapezoid(fpr, tpr);
}

function toRows(fn: string, probabilities: ScoreRows, rows: number, numClasses: number): (c: number) => Float64Array {
  const nested = probabilities.length > 0 && typeof probabilities[0] === 'object';
  if (nested) {
    const rowsArr = probabilities as ReadonlyArray<ArrayLike<number>>;
    if (rowsArr.length !== rows) throw new Error(`${fn}: length mismatch: probabilities has ${rowsArr.length} rows, target has ${rows}`);
    rowsArr.forEach((r, i) => {
      if (r.length !== numClasses) throw new Error(`${fn}: probabilities row ${i} has ${r.length} columns, expected numClasses = ${numClasses}`);
    });
    return (c) => Float64Array.from(rowsArr, (r) => r[c]);
  }
  const flat = probabilities as ArrayLike<number>;
  if (flat.length !== rows * numClasses) {
    throw new Error(`${fn}: length mismatch: flat probabilities has ${flat.length} values, expected rows * numClasses = ${rows} * ${numClasses}`);
  }
  return (c) => Float64Array.from({ length: rows }, (_, i) => flat[i * numClasses + c]);
}

export interface RocAucOvrOptions {
  /**
   * What to do with a class that has no sample in target (its one-vs-rest AUC is undefined):
   * 'error' (default, as sklearn) or 'skip' (average over the classes that are present).
   */
  absentClasses?: 'error' | 'skip';
}

/**
 * Macro one-vs-rest ROC AUC for multi-class problems: mean over classes c of
 * rocAuc(probabilities[:, c], target == c). Columns need only rank samples, so logits work
 * as well as probabilities.
 */
export function rocAucOvr(probabilities: ScoreRows, target: Labels, numClasses: number, options: RocAucOvrOptions = {}): number {
  const fn = 'rocAucOvr';
  checkNumClasses(fn, numClasses);
  if (target.length === 0) throw new Error(`${fn}: target is empty`);
  checkLabels(fn, 'target', target, numClasses);
  const column = toRows(fn, probabilities, target.length, numClasses);
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < target.length; i++) counts[target[i]]++;
  let sum = 0;
  let used = 0;
  for (let c = 0; c < numClasses; c++) {
    if (counts[c] === 0 || counts[c] === target.length) {
      if (options.absentClasses === 'skip') continue;
      const what = counts[c] === 0 ? 'has no samples' : 'is the only class present';
      throw new Error(`${fn}: class ${c} ${what} in target, so its one-vs-rest AUC is undefined (pass absentClasses: 'skip' to leave it out)`);
    }
    const isC = Int32Array.from(target, (t) => (t === c ? 1 : 0));
    sum += rocAuc(column(c), isC);
    used++;
  }
  if (used === 0) throw new Error(`${fn}: no class has both positive and negative samples in target`);
  return sum / used;
}

export function meanSquaredError(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  checkSameLength('meanSquaredError', pred, target);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - target[i]) ** 2;
  return s / pred.length;
}

export function meanAbsoluteError(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  checkSameLength('meanAbsoluteError', pred, target);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i] - target[i]);
  return s / pred.length;
}

/** Perplexity from the mean negative log-likelihood per token, in nats: exp(meanNll). */
export function perplexity(meanNll: number): number {
  if (Number.isNaN(meanNll) || meanNll < 0) {
    throw new Error(`perplexity: meanNll must be a non-negative number (nats per token), got ${meanNll}`);
  }
  return Math.exp(meanNll);
}

export interface ClassificationReportOptions {
  numClasses: number;
  /** Names printed next to per-class rows; default the class indices. */
  classNames?: readonly string[];
  /** For two classes: the class whose precision/recall/F1 are headlined; default 1. */
  positiveLabel?: number;
  /**
   * Optional scores to add ROC AUC: for two classes, the positive class's score per sample
   * (length n); for more, probabilities [n, numClasses] (flat or rows) for macro one-vs-rest.
   */
  scores?: ScoreRows;
}

export interface ClassificationReport {
  numSamples: number;
  numClasses: number;
  accuracy: number;
  /** 'binary' for two classes (scores of positiveLabel), 'macro' otherwise. */
  average: 'binary' | 'macro';
  precision: number;
  recall: number;
  f1: number;
  rocAuc?: number;
  perClass: Array<{ label: number; name: string; precision: number; recall: number; f1: number; support: number }>;
  /** rows = true class, columns = predicted class. */
  confusionMatrix: number[][];
}

/** A JSON-ready summary of a classifier's predictions (binary or multi-class). */
export function classificationReport(pred: Labels, target: Labels, options: ClassificationReportOptions): ClassificationReport {
  const { numClasses, classNames, scores } = options;
  if (classNames !== undefined && classNames.length !== numClasses) {
    throw new Error(`classificationReport: classNames has ${classNames.length} names, numClasses is ${numClasses}`);
  }
  const average = numClasses === 2 ? 'binary' : 'macro';
  const prf = precisionRecallF1(pred, target, { numClasses, average, positiveLabel: options.positiveLabel });
  const report: ClassificationReport = {
    numSamples: pred.length,
    numClasses,
    accuracy: accuracy(pred, target),
    average,
    precision: prf.precision,
    recall: prf.recall,
    f1: prf.f1,
    perClass: prf.perClass.support.map((support, c) => ({
      label: c,
      name: classNames?.[c] ?? String(c),
      precision: prf.perClass.precision[c],
      recall: prf.perClass.recall[c],
      f1: prf.perClass.f1[c],
      support,
    })),
    confusionMatrix: confusionMatrix(pred, target, numClasses).matrix,
  };
  if (scores !== undefined) {
    if (numClasses === 2) {
      const pos = options.positiveLabel ?? 1;
      const isPos = Int32Array.from(target, (t) => (t === pos ? 1 : 0));
      // Accept either the positive class's scores (length n) or both columns ([n, 2]).
      const positiveScores = scores.length === pred.length && typeof scores[0] !== 'object'
        ? (scores as ArrayLike<number>)
        : toRows('classificationReport', scores, pred.length, 2)(pos);
      report.rocAuc = rocAuc(positiveScores, isPos);
    } else {
      report.rocAuc = rocAucOvr(scores, target, numClasses);
    }
  }
  return report;
}
