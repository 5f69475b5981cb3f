import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracy, aucTrapezoid, classificationReport, confusionMatrix, meanAbsoluteError, meanSquaredError,
  perplexity, precisionRecallF1, rocAuc, rocAucOvr, rocCurve,
} from '../../src/train/metrics.js';
import { mulberry32 as rng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

/** The metrics are ratios of small counts: equal up to rounding. */
const TOL = { rtol: 0, atol: 1e-12 };

// The definition of ROC AUC that does not go through a curve: P(score of a random positive >
// score of a random negative), ties counting 1/2 (the Mann-Whitney U statistic / (P * N)).
function pairwiseAuc(scores: ArrayLike<number>, target: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (target[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (target[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

test('accuracy counts equal positions', () => {
  assert.equal(accuracy(Int32Array.from([0, 1, 2, 1]), [0, 2, 2, 1]), 0.75);
  assert.throws(() => accuracy([0, 1], [0]), /accuracy: length mismatch: pred has 2 elements, target has 1/);
  assert.throws(() => accuracy([], []), /empty/);
});

test('confusionMatrix: rows are the true class, columns the predicted class', () => {
  // (true, pred) pairs: (0,0) (1,1) (1,2) (2,2) (0,1)
  const { matrix, numClasses } = confusionMatrix([0, 1, 2, 2, 1], [0, 1, 1, 2, 0], 3);
  assert.equal(numClasses, 3);
  assert.deepEqual(matrix, [[1, 1, 0], [0, 1, 1], [0, 0, 1]]);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), /pred\[1\] = 3 is out of range: labels must be integers in \[0, 3\)/);
  assert.throws(() => confusionMatrix([0, 1], [0, -1], 3), /target\[1\] = -1 is out of range/);
  assert.throws(() => confusionMatrix([0, 1.5], [0, 1], 3), /pred\[1\] = 1.5/);
});

test('precisionRecallF1 binary, hand-computed', () => {
  const target = [1, 1, 1, 0, 0, 0, 1, 0];
  const pred = [1, 0, 1, 1, 1, 0, 1, 0];
  // class 1: tp = 3 (idx 0,2,6), fp = 2 (idx 3,4), fn = 1 (idx 1)
  const r = precisionRecallF1(pred, target, { numClasses: 2, average: 'binary' });
  assertClose(r.precision, 3 / 5, TOL);
  assertClose(r.recall, 3 / 4, TOL);
  assertClose(r.f1, 2 / 3, TOL); // 2 * 0.6 * 0.75 / 1.35
  // class 0: tp = 2 (idx 5,7), predicted 0 three times, truly 0 four times
  const r0 = precisionRecallF1(pred, target, { numClasses: 2, average: 'binary', positiveLabel: 0 });
  assertClose(r0.precision, 2 / 3, TOL);
  assertClose(r0.recall, 1 / 2, TOL);
  assertClose(r0.f1, 4 / 7, TOL);
  assert.deepEqual(r.perClass.support, [4, 4]);
  assert.throws(() => precisionRecallF1([0, 2], [0, 1], { numClasses: 3, average: 'binary' }), /average 'binary' needs numClasses <= 2/);
  assert.throws(() => precisionRecallF1([0, 1], [0, 1], { numClasses: 2, average: 'binary', positiveLabel: 2 }), /positiveLabel 2 is out of range/);
});

test('precisionRecallF1 multi-class, hand-computed macro and micro', () => {
  const target = [0, 0, 1, 1, 2, 2];
  const pred = [0, 1, 1, 1, 0, 2];
  // class 0: P 1/2 R 1/2 F 1/2; class 1: P 2/3 R 1 F 4/5; class 2: P 1 R 1/2 F 2/3
  const none = precisionRecallF1(pred, target, { numClasses: 3, average: 'none' });
  [1 / 2, 2 / 3, 1].forEach((v, c) => assertClose(none.perClass.precision[c], v, TOL));
  [1 / 2, 1, 1 / 2].forEach((v, c) => assertClose(none.perClass.recall[c], v, TOL));
  [1 / 2, 4 / 5, 2 / 3].forEach((v, c) => assertClose(none.perClass.f1[c], v, TOL));
  assert.ok(Number.isNaN(none.f1));
  const macro = precisionRecallF1(pred, target, { numClasses: 3, average: 'macro' });
  assertClose(macro.precision, 13 / 18, TOL);
  assertClose(macro.recall, 2 / 3, TOL);
  assertClose(macro.f1, 59 / 90, TOL);
  const micro = precisionRecallF1(pred, target, { numClasses: 3, average: 'micro' });
  assertClose(micro.precision, 4 / 6, TOL);
  assertClose(micro.recall, 4 / 6, TOL);
  assertClose(micro.f1, 4 / 6, TOL);
});

test('precisionRecallF1: zero division gives 0, absent classes are left out of macro', () => {
  const r = precisionRecallF1([0, 0, 0], [0, 1, 2], { numClasses: 4, average: 'macro' });
  // class 0: P 1/3 R 1 F 1/2; classes 1, 2 never predicted: all 0; class 3 absent everywhere.
  assert.deepEqual(r.perClass.precision.slice(1), [0, 0, 0]);
  assert.deepEqual(r.perClass.f1.slice(1), [0, 0, 0]);
  assertClose(r.precision, 1 / 9, TOL);
  assertClose(r.recall, 1 / 3, TOL);
  assertClose(r.f1, 1 / 6, TOL);
});

test('precisionRecallF1 on random data: micro-F1 = accuracy, macro = mean of per-class', () => {
  const rand = rng(7);
  const k = 5;
  const n = 300;
  const target = Int32Array.from({ length: n }, () => Math.floor(rand() * k));
  const pred = Int32Array.from(target, (t) => (rand() < 0.6 ? t : Math.floor(rand() * k)));
  const micro = precisionRecallF1(pred, target, { numClasses: k, average: 'micro' });
  const acc = accuracy(pred, target);
  assertClose(micro.f1, acc, TOL);
  assertClose(micro.precision, acc, TOL);
  assertClose(micro.recall, acc, TOL);
  const macro = precisionRecallF1(pred, target, { numClasses: k, average: 'macro' });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assertClose(macro.precision, mean(macro.perClass.precision), TOL);
  assertClose(macro.recall, mean(macro.perClass.recall), TOL);
  assertClose(macro.f1, mean(macro.perClass.f1), TOL);
  // Per-class recall from the confusion matrix: diagonal over row sum.
  const { matrix } = confusionMatrix(pred, target, k);
  matrix.forEach((row, c) => assertClose(macro.perClass.recall[c], row[c] / row.reduce((a, b) => a + b, 0), TOL));
});

test('rocCurve: hand example with one point per distinct threshold', () => {
  const roc = rocCurve(Float32Array.from([0.1, 0.4, 0.35, 0.8]), [0, 0, 1, 1]);
  assert.deepEqual(roc.fpr, [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(roc.tpr, [0, 0.5, 0.5, 1, 1]);
  assert.deepEqual(roc.thresholds, [Infinity, Math.fround(0.8), Math.fround(0.4), Math.fround(0.35), Math.fround(0.1)]);
  assertClose(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75, TOL);
});

test('rocCurve: tied scores move together (diagonal step), AUC counts ties as 1/2', () => {
  // sorted: 0.9(+) 0.5(+) 0.5(-) 0.2(-)
  const roc = rocCurve([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]);
  assert.deepEqual(roc.thresholds, [Infinity, 0.9, 0.5, 0.2]);
  assert.deepEqual(roc.fpr, [0, 0, 0.5, 1]);
  assert.deepEqual(roc.tpr, [0, 0.5, 1, 1]);
  // pairs (pos, neg): (.5,.5) 1/2, (.5,.2) 1, (.9,.5) 1, (.9,.2) 1 -> 3.5 / 4
  assertClose(rocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]), 0.875, TOL);
  assert.equal(rocAuc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
});

test('rocCurve errors: non-binary target, one class only, NaN score', () => {
  assert.throws(() => rocCurve([0.1, 0.2], [0, 2]), /target\[1\] = 2; binary targets must be 0 or 1/);
  assert.throws(() => rocCurve([0.1, 0.2], [1, 1]), /no negative samples/);
  assert.throws(() => rocCurve([0.1, 0.2], [0, 0]), /no positive samples/);
  assert.throws(() => rocCurve([NaN, 0.2], [0, 1]), /scores\[0\] is NaN/);
  assert.throws(() => rocCurve([0.1], [0, 1]), /length mismatch: scores has 1 elements, target has 2/);
});

test('rocAuc equals the pairwise (Mann-Whitney) probability on random data with ties', () => {
  const rand = rng(42);
  for (let trial = 0; trial < 20; trial++) {
    const n = 10 + Math.floor(rand() * 200);
    const target = Int32Array.from({ length: n }, (_, i) => (i < 2 ? i : rand() < 0.3 ? 1 : 0));
    // Positives score higher on average; rounding to 1 decimal makes many ties.
    const scores = Float32Array.from(target, (t) => Math.round((rand() + 0.3 * t) * 10) / 10);
    assertClose(rocAuc(scores, target), pairwiseAuc(scores, target), { rtol: 0, atol: 1e-9 });
    const { fpr, tpr, thresholds } = rocCurve(scores, target);
    assert.equal(fpr[0], 0);
    assert.equal(tpr[0], 0);
    assert.equal(fpr[fpr.length - 1], 1);
    assert.equal(tpr[tpr.length - 1], 1);
    for (let i = 1; i < fpr.length; i++) {
      assert.ok(fpr[i] >= fpr[i - 1] && tpr[i] >= tpr[i - 1], 'ROC must be monotone');
      assert.ok(thresholds[i] < thresholds[i - 1], 'thresholds strictly decrease');
    }
    assert.equal(thresholds.length, new Set(scores).size + 1);
  }
});

test('aucTrapezoid on hand examples', () => {
  assert.equal(aucTrapezoid([0, 1, 2], [0, 1, 0]), 1);
  assert.equal(aucTrapezoid([2, 1, 0], [0, 1, 0]), 1);
  assert.equal(aucTrapezoid([0, 0.5, 1], [1, 1, 1]), 1);
  assert.throws(() => aucTrapezoid([0, 2, 1], [0, 1, 0]), /neither increasing nor decreasing/);
  assert.throws(() => aucTrapezoid([0, 1], [0]), /length mismatch/);
});

test('rocAucOvr is the mean of one-vs-rest pairwise AUCs; flat and row inputs agree', () => {
  const rand = rng(3);
  const k = 4;
  const n = 120;
  const target = Int32Array.from({ length: n }, (_, i) => (i < k ? i : Math.floor(rand() * k)));
  const rows = Array.from(target, (t) => Array.from({ length: k }, (_, c) => Math.round((rand() + (c === t ? 0.4 : 0)) * 20) / 20));
  const flat = Float32Array.from(rows.flat());
  let expected = 0;
  for (let c = 0; c < k; c++) {
    const col = Float32Array.from(rows, (r) => r[c]);
    expected += pairwiseAuc(col, Array.from(target, (t) => (t === c ? 1 : 0)));
  }
  expected /= k;
  assertClose(rocAucOvr(flat, target, k), expected, { rtol: 0, atol: 1e-9 });
  assertClose(rocAucOvr(rows.map((r) => Float32Array.from(r)), target, k), expected, { rtol: 0, atol: 1e-9 });
});

test('rocAucOvr: a class absent from target is an error unless skipped', () => {
  // class 2 never occurs; perfect ranking for classes 0 and 1.
  const probs = [[0.9, 0.1, 0], [0.8, 0.2, 0], [0.1, 0.9, 0], [0.3, 0.7, 0]];
  const target = [0, 0, 1, 1];
  assert.throws(() => rocAucOvr(probs, target, 3), /class 2 has no samples in target/);
  assert.equal(rocAucOvr(probs, target, 3, { absentClasses: 'skip' }), 1);
  assert.throws(() => rocAucOvr([0.1, 0.2, 0.3], target, 3), /flat probabilities has 3 values, expected rows \* numClasses = 4 \* 3/);
});

test('regression errors and perplexity', () => {
  assertClose(meanSquaredError([1, 2, 3], Float32Array.from([1, 4, 0])), 13 / 3, TOL);
  assertClose(meanAbsoluteError([1, 2, 3], [1, 4, 0]), 5 / 3, TOL);
  assert.throws(() => meanSquaredError([1, 2], [1]), /meanSquaredError: length mismatch/);
  assertClose(perplexity(Math.log(10)), 10, { rtol: 0, atol: 1e-12 });
  assert.equal(perplexity(0), 1);
  assert.throws(() => perplexity(-1), /meanNll must be a non-negative number/);
});

test('classificationReport: binary headline scores the positive class and adds AUC; JSON-ready', () => {
  const target = [1, 1, 1, 0, 0, 0, 1, 0];
  const pred = [1, 0, 1, 1, 1, 0, 1, 0];
  const scores = [0.9, 0.4, 0.8, 0.6, 0.7, 0.2, 0.95, 0.1];
  const rep = classificationReport(pred, target, { numClasses: 2, classNames: ['neg', 'pos'], scores });
  assert.equal(rep.average, 'binary');
  assert.equal(rep.accuracy, 5 / 8);
  assertClose(rep.precision, 3 / 5, TOL);
  assertClose(rep.recall, 3 / 4, TOL);
  assertClose(rep.rocAuc!, pairwiseAuc(scores, target), TOL);
  assert.deepEqual(rep.confusionMatrix, [[2, 2], [1, 3]]);
  assert.deepEqual(rep.perClass.map((p) => [p.name, p.support]), [['neg', 4], ['pos', 4]]);
  // Both columns of [n, 2] probabilities give the same AUC as the positive column alone.
  const twoCols = scores.flatMap((s) => [1 - s, s]);
  assertClose(classificationReport(pred, target, { numClasses: 2, scores: twoCols }).rocAuc!, rep.rocAuc!, TOL);
  assert.deepEqual(JSON.parse(JSON.stringify(rep)), rep);
});

test('classificationReport: multi-class uses macro averages', () => {
  const rep = classificationReport([0, 1, 1, 1, 0, 2], [0, 0, 1, 1, 2, 2], { numClasses: 3 });
  assert.equal(rep.average, 'macro');
  assertClose(rep.f1, 59 / 90, TOL);
  assert.equal(rep.perClass[2].name, '2');
  assert.equal(rep.rocAuc, undefined);
  assert.throws(() => classificationReport([0], [0], { numClasses: 3, classNames: ['a'] }), /classNames has 1 names, numClasses is 3/);
});
