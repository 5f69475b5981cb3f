// Small real data sets shipped inside the package (as scikit-learn ships load_iris and
// friends), so that a newcomer can train on real data right after `npm install`, offline.
//
// Files live in `datasets/` at the package root:
//   breast_cancer.csv, iris.csv: header line `n_samples,n_features,class0,class1,...`,
//     then rows of features with an integer label last;
//   digits.csv.gz: no header, 64 pixel values (0..16, an 8x8 image) then the label.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { isGzip } from './idx.js';
import { parseCsv, readCsvTable } from './csv.js';

export interface BuiltinDataset {
  name: string;
  /** Row-major [rows, nFeatures]. */
  features: Float32Array;
  labels: Int32Array;
  rows: number;
  nFeatures: number;
  classNames: string[];
  /** Shape of one sample when it is an image, e.g. [8, 8] for digits. */
  featureShape?: number[];
}

export interface BuiltinOptions {
  /** Read this file instead of the one shipped in the package. */
  file?: string;
}

let cachedRoot: string | undefined;

/**
 * The package root: the nearest ancestor of this module holding a package.json named
 * "myelin". Walking up (rather than a fixed '../../..') works from src/ under a TypeScript
 * runner, from dist/src/ after the build, and from node_modules/myelin/ when installed.
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'myelin') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // An unreadable or invalid package.json belongs to something else: keep walking.
      }
    }
    if (dirname(dir) === dir) {
      throw new Error(`cannot find the myelin package root (a package.json named "myelin") above ${start}`);
    }
  }
}

/** Path of a file shipped in the package's datasets/ folder. */
export function builtinDatasetPath(file: string): string {
  return join(packageRoot(), 'datasets', file);
}

function readText(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read built-in dataset file ${path}: ${(err as Error).message}`);
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new Error(`${path}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  return new TextDecoder().decode(bytes);
}

// Reads a file whose first line is `n_samples,n_features,class names...` and checks the
// table below it against those counts.
function loadWithCountsHeader(name: string, path: string): BuiltinDataset {
  const text = readText(path);
  const first = parseCsv(text, { source: path })[0];
  if (first === undefined) throw new Error(`${path}: empty file`);
  const [nText, fText, ...classNames] = first.fields.map((f) => f.trim());
  const n = Number(nText), nf = Number(fText);
  if (!Number.isInteger(n) || !Number.isInteger(nf) || classNames.length === 0) {
    throw new Error(`${path}: line ${first.line}: expected a header "n_samples,n_features,class names...", ` +
      `got ${JSON.stringify(first.fields.join(','))}`);
  }
  const t = readCsvTable(text, { source: path, header: false, label: -1, skipLines: first.line });
  if (t.rows !== n) throw new Error(`${path}: header says ${n} rows, found ${t.rows}`);
  if (t.nFeatures !== nf) throw new Error(`${path}: header says ${nf} features, found ${t.nFeatures}`);
  checkLabels(path, t.labels!, classNames.length);
  return { name, features: t.features, labels: t.labels!, rows: n, nFeatures: nf, classNames };
}

function checkLabels(path: string, labels: Int32Array, nClasses: number): void {
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r]!;
    if (y < 0 || y >= nClasses) {
      throw new Error(`${path}: data row ${r + 1}: label ${y} is outside 0..${nClasses - 1} (${nClasses} classes)`);
    }
  }
}

/** Wisconsin diagnostic breast cancer: 569 rows, 30 features, 0 = malignant, 1 = benign. */
export function loadBreastCancer(opts: BuiltinOptions = {}): BuiltinDataset {
  return loadWithCountsHeader('breast-cancer', resolve(opts.file ?? builtinDatasetPath('breast_cancer.csv')));
}

/** Iris: 150 rows, 4 features, 3 classes (setosa, versicolor, virginica). */
export function loadIris(opts: BuiltinOptions = {}): BuiltinDataset {
  return loadWithCountsHeader('iris', resolve(opts.file ?? builtinDatasetPath('iris.csv')));
}

// The digits file has no header line; these are the counts of the shipped copy.
const DIGITS_ROWS = 1797;
const DIGITS_SIDE = 8;

/** UCI optical digits as in scikit-learn: 1797 images of 8x8 pixels (0..16), classes 0..9. */
export function loadDigits(opts: BuiltinOptions = {}): BuiltinDataset {
  const path = resolve(opts.file ?? builtinDatasetPath('digits.csv.gz'));
  const t = readCsvTable(readText(path), { source: path, header: false, label: -1 });
  const nf = DIGITS_SIDE * DIGITS_SIDE;
  if (t.nFeatures !== nf) throw new Error(`${path}: expected ${nf} pixel columns and a label, found ${t.nFeatures} features`);
  // A user-given file may hold a different number of digits; the shipped one must be complete.
  if (opts.file === undefined && t.rows !== DIGITS_ROWS) {
    throw new Error(`${path}: expected ${DIGITS_ROWS} rows, found ${t.rows}`);
  }
  for (let i = 0; i < t.features.length; i++) {
    const v = t.features[i]!;
    if (!(v >= 0 && v <= 16)) {
      const r = Math.floor(i / nf);
      throw new Error(`${path}: data row ${r + 1}, column ${(i % nf) + 1}: pixel value ${v} is outside 0..16`);
    }
  }
  const classNames = Array.from({ length: 10 }, (_, k) => String(k));
  checkLabels(path, t.labels!, classNames.length);
  return {
    name: 'digits', features: t.features, labels: t.labels!, rows: t.rows, nFeatures: nf,
    classNames, featureShape: [DIGITS_SIDE, DIGITS_SIDE],
  };
}
