// The seed MLP: a small binary (or multi-class) classifier for tabular data.
// Linear(in, 10) ReLU Linear(10, classes), softmax cross-entropy, Adam. By default on the
// embedded breast-cancer data: features standardised with training statistics, stratified
// 80/20 split (seeded), as its PyTorch twin ../shared/bench/pytorch/mlp.py.

import { Sequential, Linear, ReLU } from '../nn/index.js';
import { crossEntropy } from '../nn/losses.js';
import { Adam } from '../optim/adam.js';
import { breastCancer, csv, type TabularData } from '../data/datasets.js';
import { TensorDataset } from '../data/dataset.js';
import { stratifiedSplit } from '../data/split.js';
import { Standardizer } from '../data/transforms.js';
import { fromArray } from '../tensor/creation.js';
import { indexSelect } from '../ops/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Trainer } from '../train/trainer.js';
import { loadWeights } from '../io/weights.js';
import { manualSeed } from '../tensor/random.js';
import { baseSummary, round, saveModel, startRun, type EvalOptions, type Summary, type TrainOptions, type ZooModel } from './common.js';
import { reportClassifier } from './classify-report.js';

export const HIDDEN = 10;

export function buildMlp(inFeatures: number, numClasses: number): Sequential {
  return new Sequential(new Linear(inFeatures, HIDDEN), new ReLU(), new Linear(HIDDEN, numClasses));
}

interface Prepared {
  data: TabularData;
  numClasses: number;
  train: TensorDataset;
  test: TensorDataset;
  scaler: Standardizer;
}

/** Loads the table, splits it (stratified, seeded) and standardises with training statistics. */
function prepare(options: { csv?: string; label?: string; seed?: number }): Prepared {
  const data = options.csv ? csv(options.csv, { label: options.label }) : breastCancer();
  const labels = data.labels.dataSync() as Int32Array;
  const numClasses = Math.max(0, ...labels) + 1;
  if (numClasses < 2) throw new Error(`${data.name}: need at least two classes, found ${numClasses}`);
  const split = stratifiedSplit(labels, 0.2, options.seed ?? 0);
  const rows = (idx: Int32Array, t: Tensor) => indexSelect(t, 0, fromArray(idx, [idx.length]));
  const scaler = new Standardizer().fit(rows(split.train, data.features));
  const train = new TensorDataset(scaler.transform(rows(split.train, data.features)), rows(split.train, data.labels));
  const test = new TensorDataset(scaler.transform(rows(split.test, data.features)), rows(split.test, data.labels));
  return { data, numClasses, train, test, scaler };
}

function datasetName(options: { csv?: string }): string {
  return options.csv ?? 'breast-cancer';
}

async function train(options: TrainOptions): Promise<Summary> {
  const epochs = options.epochs ?? 50, batchSize = options.batchSize ?? 32, lr = options.lr ?? 1e-3, seed = options.seed ?? 0;
  const { data, numClasses, train: trainSet, test, scaler } = prepare(options);
  const nFeatures = data.features.shape[1];
  const { run, callbacks, resume } = startRun('mlp', options, { dataset: datasetName(options), epochs, batchSize, lr, seed });
  manualSeed(seed);
  const model = buildMlp(nFeatures, numClasses);
  const trainer = new Trainer(model, { optimizer: new Adam(model.parameters(), { lr }), loss: crossEntropy, metrics: ['accuracy'] });
  const initialEpoch = resume(trainer);
  const history = await trainer.fit(trainSet, { epochs, batchSize, seed, validation: test, callbacks, initialEpoch, progress: options.progress });
  const logits = trainer.predict(test);
  const evalLogs = trainer.evaluate(test);
  const report = reportClassifier(logits, test.tensors[1], evalLogs.loss, numClasses, data.classNames);
  const { predictions: _p, ...metrics } = report;
  saveModel(run, model, {
    model: 'mlp', dataset: datasetName(options), architecture: { inFeatures: nFeatures, hidden: HIDDEN, numClasses },
    input: { shape: [nFeatures], dtype: 'float32' }, preprocessing: { standardize: scaler.toJSON() },
    labels: data.classNames, training: { epochs, batchSize, lr, seed, optimizer: 'Adam' }, metrics,
  });
  return {
    ...baseSummary('mlp', datasetName(options)), epochs, batch_size: batchSize,
    train_seconds: round(history.trainSeconds, 3), samples_per_second: round(history.samplesPerSecond, 1),
    ...metrics, run_dir: run.path,
  };
}

async function evaluate(options: EvalOptions): Promise<Summary> {
  const { data, numClasses, test } = prepare(options);
  const model = buildMlp(data.features.shape[1], numClasses);
  loadWeights(model, options.weights);
  const trainer = new Trainer(model, { optimizer: new Adam(model.parameters()), loss: crossEntropy, metrics: ['accuracy'] });
  const logs = trainer.evaluate(test);
  const { predictions: _p, ...metrics } = reportClassifier(trainer.predict(test), test.tensors[1], logs.loss, numClasses, data.classNames);
  return { ...baseSummary('mlp', datasetName(options)), weights: options.weights, test_samples: test.length, ...metrics };
}

export const mlp: ZooModel = {
  name: 'mlp',
  description: 'binary/multi-class MLP on tabular data (default: embedded breast-cancer set)',
  train,
  evaluate,
  resumable: true,
};
