import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, Linear, ReLU, Dropout } from '../../src/nn/index.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { StepLR } from '../../src/optim/decay-lr.js';
import { Trainer } from '../../src/train/trainer.js';
import { EarlyStopping } from '../../src/train/callbacks/early-stopping.js';
import { ModelCheckpoint } from '../../src/train/callbacks/checkpoint.js';
import { JsonlLogger } from '../../src/train/callbacks/jsonl-logger.js';
import { LRSchedulerCallback } from '../../src/train/callbacks/lr-scheduler.js';
import { TensorDataset } from '../../src/data/dataset.js';
import { iris } from '../../src/data/datasets.js';
import { Standardizer } from '../../src/data/transforms.js';
import { manualSeed } from '../../src/tensor/random.js';
import { randn, fromArray } from '../../src/tensor/creation.js';
import { saveCheckpoint, loadCheckpoint } from '../../src/io/checkpoint.js';
import { assertClose } from '../helpers/assert-close.js';

function irisData(): TensorDataset {
  const d = iris();
  return new TensorDataset(new Standardizer().fitTransform(d.features), d.labels);
}

function makeModel(seed: number): Sequential {
  manualSeed(seed);
  return new Sequential(new Linear(4, 16), new ReLU(), new Dropout(0.1), new Linear(16, 3));
}

const tmp = () => mkdtempSync(join(tmpdir(), 'myelin-trainer-'));

test('fit learns iris; history has train and validation metrics per epoch', async () => {
  const data = irisData();
  const model = makeModel(0);
  const trainer = new Trainer(model, { optimizer: new Adam(model.parameters(), { lr: 0.01 }), loss: crossEntropy, metrics: ['accuracy'] });
  const before = trainer.evaluate(data);
  const history = await trainer.fit(data, { epochs: 30, batchSize: 16, validation: data, progress: false });
  assert.equal(history.epochs.length, 30);
  const last = history.epochs[29];
  for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']) assert.ok(Number.isFinite(last[k]), `missing ${k}`);
  assert.ok(last.val_loss < before.loss / 3, `val loss ${last.val_loss} vs initial ${before.loss}`);
  assert.ok(last.val_accuracy > 0.9, `accuracy ${last.val_accuracy}`);
  assert.ok(history.samplesPerSecond > 0 && history.trainSeconds > 0);
  // predict returns one row of logits per sample, in order
  const logits = trainer.predict(data);
  assert.deepEqual(logits.shape, [150, 3]);
});

test('validationSplit holds out the given fraction', async () => {
  const data = irisData();
  const model = makeModel(1);
  const trainer = new Trainer(model, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: crossEntropy });
  let seen = 0;
  await trainer.fit(data, { epochs: 1, batchSize: 10, validationSplit: 0.2, progress: false,
    callbacks: [{ onBatchEnd: () => { seen++; } }] });
  assert.equal(seen, Math.ceil(120 / 10));
});

test('EarlyStopping stops when the monitored metric stops improving and restores the best weights', async () => {
  const data = irisData();
  const model = makeModel(2);
  // lr so high that validation loss gets worse quickly
  const trainer = new Trainer(model, { optimizer: new SGD(model.parameters(), { lr: 5 }), loss: crossEntropy });
  const stopper = new EarlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
  const history = await trainer.fit(data, { epochs: 50, batchSize: 150, validation: data, progress: false, callbacks: [stopper] });
  assert.ok(history.epochs.length < 50, 'did not stop early');
  assert.equal(history.epochs.length, stopper.stoppedEpoch + 1);
  const losses = history.epochs.map((e) => e.val_loss);
  assert.equal(stopper.best, Math.min(...losses));
  const restored = trainer.evaluate(data).loss;
  assertClose(restored, stopper.best, { rtol: 0, atol: 1e-5, label: 'restored loss against the best' });
});

test('LR scheduler callback steps once per epoch (logs show the lr each epoch trained with)', async () => {
  const data = irisData();
  const model = makeModel(3);
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const trainer = new Trainer(model, { optimizer, loss: crossEntropy });
  const history = await trainer.fit(data, { epochs: 4, batchSize: 50, progress: false,
    callbacks: [new LRSchedulerCallback(new StepLR(optimizer, { stepSize: 2, gamma: 0.5 }))] });
  assert.deepEqual(history.epochs.map((e) => Number(e.lr.toFixed(6))), [0.1, 0.1, 0.05, 0.05]);
});

test('ModelCheckpoint + JsonlLogger write best/last checkpoints and one JSON line per epoch', async () => {
  const dir = tmp();
  const data = irisData();
  const model = makeModel(4);
  const trainer = new Trainer(model, { optimizer: new Adam(model.parameters(), { lr: 0.01 }), loss: crossEntropy, metrics: ['accuracy'] });
  const ckpt = new ModelCheckpoint(join(dir, 'ckpt'));
  await trainer.fit(data, { epochs: 3, batchSize: 32, validation: data, progress: false,
    callbacks: [ckpt, new JsonlLogger(join(dir, 'metrics.jsonl'))] });
  assert.ok(existsSync(ckpt.lastPath) && existsSync(ckpt.bestPath));
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2, 3]);
  assert.ok(lines.every((l) => typeof l.val_accuracy === 'number'));
});

test('resuming from a checkpoint gives the same weights as training without stopping', async () => {
  const data = irisData();
  const run = async (stopAfter: number | null): Promise<Float32Array[]> => {
    const dir = tmp();
    const model = makeModel(5);
    const trainer = new Trainer(model, { optimizer: new Adam(model.parameters(), { lr: 0.01 }), loss: crossEntropy });
    const ckpt = new ModelCheckpoint(dir, { saveBest: false });
    if (stopAfter === null) {
      await trainer.fit(data, { epochs: 4, batchSize: 16, progress: false });
      return model.parameters().map((p) => p.dataSync() as Float32Array);
    }
    await trainer.fit(data, { epochs: stopAfter, batchSize: 16, progress: false, callbacks: [ckpt] });
    // a fresh process would start from scratch: new model, new optimizer, scrambled RNG
    const model2 = makeModel(99);
    const trainer2 = new Trainer(model2, { optimizer: new Adam(model2.parameters(), { lr: 0.01 }), loss: crossEntropy });
    const epoch = trainer2.resume(ckpt.lastPath);
    assert.equal(epoch, stopAfter);
    await trainer2.fit(data, { epochs: 4, batchSize: 16, progress: false, initialEpoch: epoch });
    return model2.parameters().map((p) => p.dataSync() as Float32Array);
  };
  const straight = await run(null);
  const resumed = await run(2);
  straight.forEach((p, i) => assert.deepEqual(Array.from(resumed[i]), Array.from(p), `parameter ${i} differs`));
});

test('a checkpoint loads back bit-exactly; a corrupt checkpoint fails with the file name and keeps the model', () => {
  const dir = tmp();
  const model = makeModel(6);
  const opt = new Adam(model.parameters());
  const path = join(dir, 'c.safetensors');
  saveCheckpoint(path, model, opt, { epoch: 3, step: 30, metrics: { loss: 0.5 } });
  const other = makeModel(7);
  const info = loadCheckpoint(path, other, new Adam(other.parameters()));
  assert.equal(info.epoch, 3);
  model.parameters().forEach((p, i) => assert.deepEqual(Array.from(other.parameters()[i].dataSync()), Array.from(p.dataSync())));
  const bad = join(dir, 'bad.safetensors');
  writeFileSync(bad, readFileSync(path).subarray(0, 100));
  const third = makeModel(8);
  const before = third.parameters().map((p) => Array.from(p.dataSync()));
  assert.throws(() => loadCheckpoint(bad, third), (e: Error) => e.message.includes(bad));
  third.parameters().forEach((p, i) => assert.deepEqual(Array.from(p.dataSync()), before[i]));
});

test('Trainer rejects missing options with clear errors', () => {
  const model = makeModel(9);
  assert.throws(() => new Trainer(model, { loss: crossEntropy } as never), /optimizer is required/);
  assert.throws(() => new Trainer(model, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: crossEntropy, metrics: ['auc' as never] }), /unknown metric/);
});

test('gradClipNorm bounds the gradient norm used by the step', () => {
  manualSeed(10);
  const model = new Sequential(new Linear(3, 2));
  const trainer = new Trainer(model, { optimizer: new SGD(model.parameters(), { lr: 1 }), loss: crossEntropy, gradClipNorm: 0.01 });
  const before = model.parameters().map((p) => Float64Array.from(p.dataSync()));
  trainer.trainStep(randn([8, 3]).mul(100), fromArray(Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]), [8]));
  let sq = 0;
  model.parameters().forEach((p, i) => p.dataSync().forEach((v, k) => { sq += (v - before[i][k]) ** 2; }));
  assert.ok(Math.sqrt(sq) <= 0.01 + 1e-6, `update norm ${Math.sqrt(sq)}`);
});
