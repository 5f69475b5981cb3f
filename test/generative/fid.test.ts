// FID-CNN's numerical core (float64, no numpy/scipy): the Jacobi eigen-solver, the symmetric
// matrix square root and the Fréchet distance on cases with known answers; and the feature
// extractor's shape on the seed CNN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator } from '../../src/tensor/random.js';
import { rand } from '../../src/tensor/creation.js';
import { buildCnn } from '../../src/models/cnn.js';
import { assertClose } from '../helpers/assert-close.js';
import {
  extractFeatures, frechetDistance, gaussianStats, matmulSquare, sqrtmSymmetric, symmetricEigen, FID_FEATURES,
} from '../../src/models/fid.js';

function randomSpd(n: number, g: Generator): Float64Array {
  const a = Float64Array.from({ length: n * n }, () => g.normal());
  const at = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) at[i * n + j] = a[j * n + i];
  const spd = matmulSquare(a, at, n);
  for (let i = 0; i < n; i++) spd[i * n + i] += 0.1;
  return spd;
}

test('symmetricEigen: diagonal and 2x2 cases, and A V = V diag(values) with V orthogonal on a random 64x64 matrix', () => {
  const diag = symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3);
  assert.deepEqual(Array.from(diag.values), [3, -1, 2]);
  const two = symmetricEigen([2, 1, 1, 2], 2);
  const twoValues = Array.from(two.values).sort((p, q) => p - q);
  assertClose(twoValues, [1, 3], { rtol: 0, atol: 1e-14, label: 'eigenvalues of [[2,1],[1,2]]' });
  // the eigenvector of 3 is (1, 1)/sqrt(2), up to sign
  const k3 = two.values[0] > two.values[1] ? 0 : 1;
  assertClose(Math.abs(two.vectors[k3]), Math.SQRT1_2, { rtol: 0, atol: 1e-14 });
  assertClose(two.vectors[k3], two.vectors[2 + k3], { rtol: 0, atol: 1e-14 });
  const n = 64, g = new Generator(3);
  const a = randomSpd(n, g);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] -= 5 * (i === j ? 1 : 0); // indefinite too
  const { values, vectors } = symmetricEigen(a, n);
  const av = matmulSquare(a, vectors, n);
  const vl = Float64Array.from(vectors, (v, k) => v * values[k % n]);
  assertClose(av, vl, { rtol: 0, atol: 1e-9, label: 'A V = V L' });
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[i * n + j] = vectors[j * n + i];
  const eye = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  assertClose(matmulSquare(vt, vectors, n), eye, { rtol: 0, atol: 1e-12, label: 'V^T V = I' });
  let trace = 0, sumValues = 0;
  for (let i = 0; i < n; i++) { trace += a[i * n + i]; sumValues += values[i]; }
  assertClose(sumValues, trace, { rtol: 0, atol: 1e-9, label: 'sum of eigenvalues = trace' });
});

test('sqrtmSymmetric: squares back to the matrix; diagonal roots are elementwise', () => {
  assert.deepEqual(Array.from(sqrtmSymmetric([4, 0, 0, 9], 2)), [2, 0, 0, 3]);
  const n = 20, a = randomSpd(n, new Generator(5));
  const r = sqrtmSymmetric(a, n);
  assertClose(matmulSquare(r, r, n), a, { rtol: 0, atol: 1e-9, label: 'sqrtm(A)^2 = A' });
});

test('frechetDistance: known cases', () => {
  const eye = (n: number, s = 1) => Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? s : 0));
  const zero = new Float64Array(3);
  // identical distributions: 0
  const g = new Generator(1), s = randomSpd(3, g);
  assertClose(frechetDistance({ mean: zero, cov: s }, { mean: zero, cov: s }), 0, { rtol: 0, atol: 1e-9 });
  // equal covariances, shifted means: the squared distance of the means
  const shifted = Float64Array.from([1, -2, 0.5]);
  assertClose(frechetDistance({ mean: zero, cov: s }, { mean: shifted, cov: s }), 1 + 4 + 0.25, { rtol: 0, atol: 1e-9 });
  // diagonal covariances: sum over dimensions of (sqrt(a) - sqrt(b))^2
  const a = Float64Array.from([1, 4, 9]), b = Float64Array.from([4, 1, 16]);
  const dg = (d: Float64Array) => Float64Array.from({ length: 9 }, (_, k) => (k % 4 === 0 ? d[k / 4] : 0));
  assertClose(frechetDistance({ mean: zero, cov: dg(a) }, { mean: zero, cov: dg(b) }), 1 + 1 + 1, { rtol: 0, atol: 1e-9 });
  // isotropic: s1 I vs s2 I in n dimensions is n (sqrt(s1) - sqrt(s2))^2
  assertClose(frechetDistance({ mean: new Float64Array(5), cov: eye(5, 4) }, { mean: new Float64Array(5), cov: eye(5, 0.25) }), 5 * 1.5 ** 2, { rtol: 0, atol: 1e-9 });
  // symmetric in its arguments on random covariances (tr sqrt(S1 S2) = tr sqrt(S2 S1))
  const s2 = randomSpd(3, g);
  const d12 = frechetDistance({ mean: zero, cov: s }, { mean: shifted, cov: s2 }), d21 = frechetDistance({ mean: shifted, cov: s2 }, { mean: zero, cov: s });
  assertClose(d12, d21, { rtol: 0, atol: 1e-8, label: 'symmetry' });
  assert.ok(d12 > 0);
});

test('gaussianStats: mean and unbiased covariance; samples of the same Gaussian are close in Fréchet distance', () => {
  const st = gaussianStats([1, 2, 3, 6, 5, 10], 3, 2);
  assert.deepEqual(Array.from(st.mean), [3, 6]);
  assert.deepEqual(Array.from(st.cov), [4, 8, 8, 16]);
  const g = new Generator(2), d = 4, n = 20000;
  const draw = (shift: number) => Float64Array.from({ length: n * d }, (_, k) => g.normal() * (1 + (k % d)) + shift);
  const same = frechetDistance(gaussianStats(draw(0), n, d), gaussianStats(draw(0), n, d));
  const moved = frechetDistance(gaussianStats(draw(0), n, d), gaussianStats(draw(1), n, d));
  assert.ok(same < 0.05, `same distribution: ${same}`);
  assert.ok(Math.abs(moved - d) < 0.2, `means moved by 1 in ${d} dimensions: ${moved}`);
});

test('the FID-CNN features are the seed CNN\'s 64-d penultimate layer', () => {
  const cnn = buildCnn();
  const extractor = cnn.slice(0, 11).eval();
  const { features, count } = extractFeatures(extractor, [rand([3, 1, 28, 28]), rand([2, 1, 28, 28])]);
  assert.equal(count, 5);
  assert.equal(features.length, 5 * FID_FEATURES);
  assert.ok(features.every((v) => v >= 0), 'after the ReLU');
});
