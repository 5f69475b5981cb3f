// Test-set report for a classifier: loss, accuracy, precision/recall/F1 (binary for two
// classes, macro and micro too), ROC-AUC (binary, or one-vs-rest macro), confusion matrix.

import type { Tensor } from '../tensor/tensor.js';
import { argmax } from '../ops/reduce.js';
import { softmax } from '../ops/softmax.js';
import { classificationReport, precisionRecallF1, rocAuc, rocAucOvr } from '../train/metrics.js';
import { round } from './common.js';
import { ROC_CURVES, rocData, type RocData } from './roc-data.js';

export interface ClassifierReport {
  test_accuracy: number;
  test_loss: number;
  precision: number;
  recall: number;
  f1: number;
  f1_macro: number;
  f1_micro: number;
  roc_auc: number;
  confusion_matrix: number[][];
  predictions: Int32Array;
  /** ROC curves for the dashboard (saveModel writes them to roc.json); a symbol key, so never printed. */
  [ROC_CURVES]?: RocData;
}

export function reportClassifier(logits: Tensor, labels: Tensor, loss: number, numClasses: number, classNames?: string[]): ClassifierReport {
  const pred = argmax(logits, 1).dataSync() as Int32Array;
  const target = labels.dataSync() as Int32Array;
  const probs = softmax(logits, 1).dataSync();
  const report = classificationReport(pred, target, { numClasses, classNames });
  const macro = precisionRecallF1(pred, target, { numClasses, average: 'macro' });
  const micro = precisionRecallF1(pred, target, { numClasses, average: 'micro' });
  let auc: number;
  if (numClasses === 2) auc = rocAuc(Float64Array.from({ length: target.length }, (_, i) => probs[i * 2 + 1]), target);
  else auc = rocAucOvr(probs, target, numClasses, { absentClasses: 'skip' });
  const result: ClassifierReport = {
    test_accuracy: round(report.accuracy), test_loss: round(loss),
    precision: round(report.precision), recall: round(report.recall), f1: round(report.f1),
    f1_macro: round(macro.f1), f1_micro: round(micro.f1), roc_auc: round(auc),
    confusion_matrix: report.confusionMatrix, predictions: pred,
  };
  const roc = rocData(probs, target, numClasses, classNames);
  if (roc) result[ROC_CURVES] = roc;
  return result;
}
