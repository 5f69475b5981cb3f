// FID-CNN: a sample-quality score for image generators, the Fréchet Inception Distance of
// Heusel et al. (2017) with the seed CNN classifier standing in for Inception. Both image sets
// go through the classifier trained by `myelin train cnn` up to its penultimate layer (the
// 64-d output of Linear(576, 64) + ReLU, i.e. Sequential children 0..10); each set of features
// is summarised by its mean and covariance, and the score is the Fréchet distance between the
// two Gaussians:
//   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2)
// The matrix square roots come from symmetric eigen-decompositions (cyclic Jacobi) in float64:
// S1^1/2 S2 S1^1/2 is symmetric positive semi-definite and similar to S1 S2, so its root's trace
// is the tr((S1 S2)^1/2) of the usual formula, without a general (non-symmetric) sqrtm.
// Lower is better; 0 for identical feature distributions. Scores are only comparable with the
// same classifier weights and the same numbers of images.

import { buildCnn } from './cnn.js';
import type { Sequential } from '../nn/containers.js';
import { loadWeights } from '../io/weights.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TensorDataset } from '../data/dataset.js';
import { Generator } from '../tensor/random.js';
import { baseSummary, round, type Summary } from './common.js';
import { firstN, loadImageData, rangeBatches } from './generative-common.js';
import { loadGenerator, sampleGan } from './gan.js';

export const FID_FEATURES = 64;

// --- linear algebra in float64 ---------------------------------------------------------------

export interface SymmetricEigen {
  /** Eigenvalues, in no particular order. */
  values: Float64Array;
  /** Row-major n x n; column k is the unit eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major; only its symmetric part is used)
 * by the cyclic Jacobi method: plane rotations zero the off-diagonal entries one by one until
 * their total is negligible against the matrix's norm. Quadratically convergent; accurate to
 * rounding for small matrices such as 64 x 64 covariances.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, options: { maxSweeps?: number } = {}): SymmetricEigen {
  if (matrix.length !== n * n) throw new Error(`symmetricEigen: expected ${n}x${n} = ${n * n} values, got ${matrix.length}`);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i] * a[i];
  const maxSweeps = options.maxSweeps ?? 100;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * norm || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p], aqq = a[q * n + q];
        // tan of the rotation angle that zeroes a[p][q], the smaller root (stable)
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        // A <- J^T A J with J the rotation in the (p, q) plane; V <- V J
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0; a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** C = A B for row-major n x n matrices. */
export function matmulSquare(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/**
 * The symmetric positive semi-definite square root V diag(sqrt(max(l, 0))) V^T of a symmetric
 * matrix (tiny negative eigenvalues from rounding are treated as 0).
 */
export function sqrtmSymmetric(matrix: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const r = Math.sqrt(Math.max(values[k], 0));
    if (r === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * r;
      if (vik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

export interface GaussianStats {
  dim: number;
  count: number;
  mean: Float64Array;
  /** Row-major dim x dim covariance with the unbiased (count - 1) normaliser, as numpy.cov. */
  cov: Float64Array;
}

/** Mean and covariance of `count` feature rows of length `dim` (row-major), in float64. */
export function gaussianStats(features: ArrayLike<number>, count: number, dim: number): GaussianStats {
  if (features.length !== count * dim) throw new Error(`gaussianStats: ${features.length} values are not ${count} rows of ${dim}`);
  if (count < 2) throw new Error(`gaussianStats: need at least 2 samples for a covariance, got ${count}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j] += features[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const centered = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) centered[j] = features[r * dim + j] - mean[j];
    for (let i = 0; i < dim; i++) {
      const ci = centered[i];
      if (ci === 0) continue;
      for (let j = i; j < dim; j++) cov[i * dim + j] += ci * centered[j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = cov[i * dim + j] / (count - 1);
      cov[i * dim + j] = v; cov[j * dim + i] = v;
    }
  }
  return { dim, count, mean, cov };
}

/** Fréchet distance between N(mu1, S1) and N(mu2, S2) (see the header). */
export function frechetDistance(a: Pick<GaussianStats, 'mean' | 'cov'>, b: Pick<GaussianStats, 'mean' | 'cov'>): number {
  const n = a.mean.length;
  if (b.mean.length !== n || a.cov.length !== n * n || b.cov.length !== n * n) {
    throw new Error(`frechetDistance: dimensions differ (${a.mean.length} and ${b.mean.length})`);
  }
  let meanTerm = 0, trace = 0;
  for (let i = 0; i < n; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    trace += a.cov[i * n + i] + b.cov[i * n + i];
  }
  const root = sqrtmSymmetric(a.cov, n);
  const middle = matmulSquare(matmulSquare(root, b.cov, n), root, n);
  const { values } = symmetricEigen(middle, n);
  let traceRoot = 0;
  for (const l of values) traceRoot += Math.sqrt(Math.max(l, 0));
  return meanTerm + trace - 2 * traceRoot;
}

// --- the classifier's features ------------------------------------------------------------------

/** The seed CNN with `weights`, cut after its penultimate layer (children 0..10), in eval mode. */
export function loadFeatureExtractor(classifierWeights: string): Sequential {
  const cnn = buildCnn();
  loadWeights(cnn, classifierWeights);
  return cnn.slice(0, 11).eval();
}

/** 64-d features of image batches [B, 1, 28, 28] with pixels in [0, 1], as one row-major array. */
export function extractFeatures(extractor: Sequential, batches: Iterable<Tensor>): { features: Float64Array; count: number } {
  const parts: Float64Array[] = [];
  let count = 0;
  noGrad(() => {
    for (const x of batches) {
      const f = extractor.forward(x);
      if (f.ndim !== 2 || f.shape[1] !== FID_FEATURES) throw new Error(`FID-CNN: features must be [N, ${FID_FEATURES}], got [${f.shape.join(',')}]`);
      parts.push(Float64Array.from(f.dataSync()));
      count += f.shape[0];
    }
  });
  const features = new Float64Array(count * FID_FEATURES);
  let o = 0;
  for (const p of parts) { features.set(p, o); o += p.length; }
  return { features, count };
}

function* datasetBatches(ds: TensorDataset, batchSize: number): IterableIterator<Tensor> {
  for (const idx of rangeBatches(ds.length, batchSize)) yield ds.getBatch(idx)[0];
}

/** Feature statistics of a dataset's images. */
export function datasetStats(extractor: Sequential, ds: TensorDataset, batchSize = 500): GaussianStats {
  const { features, count } = extractFeatures(extractor, datasetBatches(ds, batchSize));
  return gaussianStats(features, count, FID_FEATURES);
}

export interface ScoreGanOptions {
  /** Generator weights (myelin's model.safetensors of `train gan`, or `gan.py --save`). */
  weights: string;
  /** Seed CNN classifier weights (model.safetensors of `myelin train cnn`, or `cnn.py --save`). */
  classifier: string;
  /** Images per set (default 10,000: the whole test set and as many generated). */
  n?: number;
  /** Seed of the generated images' latent noise. */
  seed?: number;
  dataset?: string;
  /** Also score the first n training images against the test images (the floor a perfect generator would reach). */
  reference?: boolean;
  log?: (line: string) => void;
}

/** FID-CNN of a DCGAN generator: n test images against n generated ones. */
export async function scoreGan(options: ScoreGanOptions): Promise<Summary> {
  const n = options.n ?? 10000, seed = options.seed ?? 0;
  const t0 = performance.now();
  const data = await loadImageData(options.dataset);
  const test = firstN(data.test, n);
  if (test.length < n) throw new Error(`score gan: asked for ${n} real images, the test set has ${test.length}`);
  const extractor = loadFeatureExtractor(options.classifier);
  const g = loadGenerator(options.weights);
  const real = datasetStats(extractor, test);
  const fake = extractFeatures(extractor, sampleGan(g, n, new Generator(seed)));
  const fid = frechetDistance(real, gaussianStats(fake.features, fake.count, FID_FEATURES));
  const summary: Summary = {
    ...baseSummary('gan', data.name), metric: 'fid_cnn', fid_cnn: round(fid, 4),
    n_real: test.length, n_generated: fake.count, seed, weights: options.weights, classifier: options.classifier,
    features: 'seed CNN penultimate layer (Linear(576,64)+ReLU), 64-d',
  };
  if (options.reference) {
    const trainStats = datasetStats(extractor, firstN(data.train, n));
    summary.fid_cnn_train_vs_test = round(frechetDistance(real, trainStats), 4);
  }
  summary.seconds = round((performance.now() - t0) / 1000, 2);
  return summary;
}
