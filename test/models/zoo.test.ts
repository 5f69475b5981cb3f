import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCnn, buildMlp, zooModel } from '../../src/models/index.js';
import { loadWeights } from '../../src/io/weights.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { decodePng } from '../../src/io/png.js';
import { assertClose } from '../helpers/assert-close.js';
import { fixturePath, fixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

test('PyTorch-saved weights of the seed CNN load by their state-dict names and give PyTorch\'s logits', () => {
  const ref = readFixture<{ input: FixtureTensor; logits: FixtureTensor; keys: string[] }>('models/torch_cnn.json');
  const model = buildCnn();
  assert.deepEqual([...model.stateDict().keys()], ref.keys);
  loadWeights(model, fixturePath('models/torch_cnn.safetensors'));
  model.eval();
  const out = noGrad(() => model.forward(fixtureTensor(ref.input, { dtype: 'float32' })));
  assertClose(out, fixtureTensor(ref.logits), { rtol: 0, atol: 1e-4, label: 'logits' });
});

test('loading weights into the wrong architecture names the file and the mismatches', () => {
  const model = buildMlp(30, 2);
  const file = fixturePath('models/torch_cnn.safetensors');
  assert.throws(() => loadWeights(model, file), (e: Error) => e.message.includes(file) && /missing|unexpected/i.test(e.message));
});

test('train mlp (smoke): learns the embedded breast-cancer data and writes a run directory that eval reads back', async () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-mlp-'));
  const summary = await zooModel('mlp').train({ epochs: 20, out, progress: false });
  assert.ok((summary.test_accuracy as number) > 0.9, `test accuracy ${summary.test_accuracy}`);
  for (const k of ['precision', 'recall', 'f1', 'roc_auc', 'samples_per_second', 'train_seconds']) assert.equal(typeof summary[k], 'number', k);
  for (const f of ['config.json', 'metrics.jsonl', 'model.safetensors', 'checkpoints/last.safetensors', 'checkpoints/best.safetensors']) {
    assert.ok(existsSync(join(out, f)), `missing ${f}`);
  }
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.input.shape[0], 30);
  assert.equal(config.labels.length, 2);
  const again = await zooModel('mlp').evaluate({ weights: join(out, 'model.safetensors') });
  assert.equal(again.test_accuracy, summary.test_accuracy);
  assert.equal(again.test_loss, summary.test_loss);
});

test('train cnn (smoke, 1000 Fashion-MNIST images, 2 epochs): better than chance, writes the prediction grid and confusion matrix', { skip: !existsSync(FASHION) && 'dataset-fashion-mnist is not installed' }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-cnn-'));
  const summary = await zooModel('cnn').train({ epochs: 2, limit: 1000, out, progress: false, log: () => {} });
  assert.equal(summary.dataset, 'fashion-mnist');
  assert.ok((summary.test_accuracy as number) > 0.45, `accuracy ${summary.test_accuracy} (chance is 0.1)`);
  const grid = decodePng(readFileSync(join(out, 'predictions.png')));
  assert.ok(grid.width > 5 * 28 && grid.height > 5 * 28);
  assert.ok(existsSync(join(out, 'confusion_matrix.png')));
  const cm = summary.confusion_matrix as number[][];
  assert.equal(cm.flat().reduce((a, b) => a + b, 0), 1000);
});
