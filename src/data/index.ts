// The data package: datasets, loading, splitting, transforms and readers.

export { TensorDataset, Subset, MappedDataset, defaultCollate, type Dataset } from './dataset.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export { randomSplit, stratifiedSplit, kFold, type IndexSplit, type KFoldOptions } from './split.js';
export { compose, normalize, Standardizer, randomCrop, randomHorizontalFlip, gaussianNoise, type BatchTransform } from './transforms.js';
export {
  breastCancer, iris, digits, csv, fashionMnist, mnist, FASHION_MNIST_CLASSES, MNIST_CLASSES,
  type TabularData, type ImageData,
} from './datasets.js';
export { parseIdx } from './idx.js';
export { parseCsv, readCsvTable } from './csv.js';
export { loadMnistLike, defaultCacheDir, type LoadMnistLikeOptions } from './mnist-files.js';
