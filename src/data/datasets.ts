// Ready-made datasets as tensors: the small tabular sets embedded in the package, any CSV
// file, and MNIST / Fashion-MNIST (from a directory, the cache, Debian's package, or a download).

import { readFileSync } from 'node:fs';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from './dataset.js';
import { loadBreastCancer, loadDigits, loadIris, type BuiltinDataset } from './builtin.js';
import { readCsvTable } from './csv.js';
import { loadMnistLike, type LoadMnistLikeOptions, type MnistLikeName, type MnistSplit } from './mnist-files.js';

/** A labelled table: features [N, F] float32, labels [N] int32. */
export interface TabularData {
  name: string;
  features: Tensor;
  labels: Tensor;
  classNames: string[];
  featureNames?: string[];
  /** The same rows as a TensorDataset of (features, labels). */
  dataset: TensorDataset;
}

function tabular(d: BuiltinDataset): TabularData {
  const features = fromArray(d.features, [d.rows, d.nFeatures]);
  const labels = fromArray(d.labels, [d.rows]);
  return { name: d.name, features, labels, classNames: d.classNames, dataset: new TensorDataset(features, labels) };
}

/** Wisconsin diagnostic breast cancer (569 x 30; 0 = malignant, 1 = benign), embedded. */
export function breastCancer(): TabularData { return tabular(loadBreastCancer()); }
/** Iris (150 x 4, 3 classes), embedded. */
export function iris(): TabularData { return tabular(loadIris()); }
/** Handwritten digits, 8x8 pixels 0..16 (1797 x 64, 10 classes), embedded. */
export function digits(): TabularData { return tabular(loadDigits()); }

/** A numeric CSV file with a label column (by header name or index; default: the last column). */
export function csv(file: string, options: { label?: string | number } = {}): TabularData {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read CSV file ${file}: ${(e as Error).message}`);
  }
  const t = readCsvTable(text, { label: options.label ?? -1, source: file });
  if (!t.labels) throw new Error(`${file}: no label column`);
  const features = fromArray(t.features, [t.rows, t.nFeatures]);
  const labels = fromArray(t.labels, [t.rows]);
  const numClasses = t.labels.reduce((m, v) => Math.max(m, v + 1), 0);
  const classNames = t.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  return { name: file, features, labels, classNames, featureNames: t.featureNames, dataset: new TensorDataset(features, labels) };
}

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface ImageData {
  name: string;
  /** Images [N, 1, 28, 28] scaled to [0, 1] and labels [N], as a TensorDataset. */
  train: TensorDataset;
  test: TensorDataset;
  classNames: string[];
  /** Where the files came from. */
  source: string;
}

function imageSplit(split: MnistSplit, rows: number, cols: number): TensorDataset {
  const pixels = new Float32Array(split.images.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = split.images[i] / 255;
  return new TensorDataset(fromArray(pixels, [split.n, 1, rows, cols]), fromArray(Int32Array.from(split.labels), [split.n]));
}

async function mnistLike(name: MnistLikeName, classNames: string[], options: LoadMnistLikeOptions): Promise<ImageData> {
  const raw = await loadMnistLike(name, options);
  return { name, train: imageSplit(raw.train, raw.rows, raw.cols), test: imageSplit(raw.test, raw.rows, raw.cols), classNames, source: raw.source };
}

/** Fashion-MNIST (60,000 + 10,000 28x28 grey images of 10 garment classes). */
export function fashionMnist(options: LoadMnistLikeOptions = {}): Promise<ImageData> {
  return mnistLike('fashion-mnist', FASHION_MNIST_CLASSES, options);
}

/** MNIST handwritten digits (60,000 + 10,000 28x28 grey images). */
export function mnist(options: LoadMnistLikeOptions = {}): Promise<ImageData> {
  return mnistLike('mnist', MNIST_CLASSES, options);
}
