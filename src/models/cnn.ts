// The seed CNN (the Keras tutorial's Fashion-MNIST classifier, in PyTorch layout):
//   Conv2d(1,32,3) ReLU MaxPool2d(2) Conv2d(32,64,3) ReLU MaxPool2d(2) Conv2d(64,64,3) ReLU
//   Flatten Linear(576,64) ReLU Linear(64,10)
// Adam lr 1e-3, batch 64, 5 epochs, pixels scaled to [0, 1]; twin: ../shared/bench/pytorch/cnn.py.
// State-dict names are those of the same torch.nn.Sequential, so PyTorch weights load.

import { existsSync, statSync } from 'node:fs';
import { Sequential, Conv2d, Linear, ReLU, MaxPool2d, Flatten } from '../nn/index.js';
import { crossEntropy } from '../nn/losses.js';
import { Adam } from '../optim/adam.js';
import { fashionMnist, mnist, type ImageData } from '../data/datasets.js';
import { TensorDataset } from '../data/dataset.js';
import { Trainer } from '../train/trainer.js';
import { loadWeights } from '../io/weights.js';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { writeConfusionMatrixImage, writeImageGrid } from '../train/image-grid.js';
import { baseSummary, round, saveModel, startRun, type EvalOptions, type Summary, type TrainOptions, type ZooModel } from './common.js';
import { reportClassifier } from './classify-report.js';

export function buildCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
    new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
    new Conv2d(64, 64, 3), new ReLU(),
    new Flatten(), new Linear(576, 64), new ReLU(), new Linear(64, 10));
}

/** --dataset: 'fashion-mnist' (default), 'mnist', or a directory holding Fashion-MNIST's IDX files. */
async function loadImages(dataset: string | undefined): Promise<ImageData> {
  const name = dataset ?? 'fashion-mnist';
  if (name === 'fashion-mnist') return fashionMnist();
  if (name === 'mnist') return mnist();
  if (existsSync(name) && statSync(name).isDirectory()) return fashionMnist({ dir: name });
  throw new Error(`--dataset: '${name}' is not 'fashion-mnist', 'mnist' or an existing directory`);
}

function firstN(ds: TensorDataset, limit: number | undefined): TensorDataset {
  if (!limit || limit >= ds.length) return ds;
  return new TensorDataset(...ds.getBatch(Int32Array.from({ length: limit }, (_, i) => i)));
}

/** The first 25 test images captioned "predicted/true" (green when right, red when wrong). */
function writePredictionGrid(path: string, images: Tensor, pred: Int32Array, labels: Int32Array, classNames: string[]): void {
  const n = Math.min(25, pred.length);
  const pixels = images.dataSync().subarray(0, n * 28 * 28) as Float32Array;
  writeImageGrid(path, pixels, {
    n, channels: 1, height: 28, width: 28, cols: 5, scale: 3,
    // predicted class on the first line, the true class in parentheses below
    captions: Array.from({ length: n }, (_, i) => `${classNames[pred[i]]}\n(${classNames[labels[i]]})`),
    captionColors: Array.from({ length: n }, (_, i) => (pred[i] === labels[i] ? [64, 200, 64] : [230, 60, 60]) as [number, number, number]),
  });
}

async function train(options: TrainOptions): Promise<Summary> {
  const epochs = options.epochs ?? 5, batchSize = options.batchSize ?? 64, lr = options.lr ?? 1e-3, seed = options.seed ?? 0;
  const data = await loadImages(options.dataset);
  const trainSet = firstN(data.train, options.limit), test = firstN(data.test, options.limit);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  log(`cnn: ${data.name} from ${data.source}: ${trainSet.length} training, ${test.length} test images`);
  const { run, callbacks, resume } = startRun('cnn', options, { dataset: data.name, epochs, batchSize, lr, seed, limit: options.limit ?? null });
  manualSeed(seed);
  const model = buildCnn();
  const trainer = new Trainer(model, { optimizer: new Adam(model.parameters(), { lr }), loss: crossEntropy, metrics: ['accuracy'] });
  const initialEpoch = resume(trainer);
  const history = await trainer.fit(trainSet, { epochs, batchSize, seed, validation: test, callbacks, initialEpoch, progress: options.progress, evalBatchSize: 500 });

  const tInfer = performance.now();
  const logits = trainer.predict(test, { batchSize: 256 });
  const inferSeconds = (performance.now() - tInfer) / 1000;
  const evalLogs = trainer.evaluate(test, { batchSize: 500 });
  const report = reportClassifier(logits, test.tensors[1], evalLogs.loss, 10, data.classNames);
  const labels = test.tensors[1].dataSync() as Int32Array;
  writePredictionGrid(run.file('predictions.png'), test.tensors[0], report.predictions, labels, data.classNames);
  writeConfusionMatrixImage(run.file('confusion_matrix.png'), report.confusion_matrix, data.classNames);
  const { predictions: _p, ...metrics } = report;
  saveModel(run, model, {
    model: 'cnn', dataset: data.name, input: { shape: [1, 28, 28], dtype: 'float32' },
    preprocessing: { scale: 1 / 255, note: 'uint8 pixels divided by 255' }, labels: data.classNames,
    training: { epochs, batchSize, lr, seed, optimizer: 'Adam' }, metrics,
  });
  return {
    ...baseSummary('cnn', data.name), epochs, batch_size: batchSize,
    train_seconds: round(history.trainSeconds, 2), samples_per_second: round(history.samplesPerSecond, 1),
    inference_images_per_second: round(test.length / inferSeconds, 1),
    ...metrics, run_dir: run.path,
  };
}

async function evaluate(options: EvalOptions): Promise<Summary> {
  const data = await loadImages(options.dataset);
  const test = firstN(data.test, options.limit);
  const model = buildCnn();
  loadWeights(model, options.weights);
  const trainer = new Trainer(model, { optimizer: new Adam(model.parameters()), loss: crossEntropy, metrics: ['accuracy'] });
  const logs = trainer.evaluate(test, { batchSize: 500 });
  const { predictions: _p, ...metrics } = reportClassifier(trainer.predict(test, { batchSize: 500 }), test.tensors[1], logs.loss, 10, data.classNames);
  return { ...baseSummary('cnn', data.name), weights: options.weights, test_samples: test.length, ...metrics };
}

export const cnn: ZooModel = {
  name: 'cnn',
  description: 'the seed CNN on Fashion-MNIST (or MNIST, or a directory of IDX files)',
  train,
  evaluate,
  resumable: true,
};
