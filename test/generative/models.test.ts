// Smoke runs of the generative zoo models on a few hundred Fashion-MNIST images (the full runs
// are benchmarks), and the sample / score commands on small committed weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zooModel } from '../../src/models/index.js';
import { decodePng } from '../../src/io/png.js';
import { fixturePath } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const skip = !existsSync(FASHION) && 'dataset-fashion-mnist is not installed';
const bin = new URL('../../../bin/myelin.js', import.meta.url).pathname;
const cnnWeights = fixturePath('models/torch_cnn.safetensors');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const epochs = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
const png = (path: string) => decodePng(readFileSync(path));
const SUMMARY_KEYS = ['model', 'dataset', 'backend', 'epochs', 'train_seconds', 'samples_per_second'];

test('train vae (smoke, 600 images, 3 epochs): the negative ELBO falls; grids, weights, eval and sample work', { skip }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-vae-'));
  const summary = await zooModel('vae').train({ epochs: 3, limit: 600, latent: 2, out, progress: false, log: () => {} });
  for (const k of SUMMARY_KEYS) assert.ok(k in summary, `summary lacks ${k}`);
  assert.equal(summary.model, 'vae');
  const logs = epochs(out);
  assert.equal(logs.length, 3);
  assert.ok(logs[2].test_loss < logs[0].test_loss - 20, `test loss per image ${logs.map((l) => l.test_loss)}`);
  assert.ok((summary.test_loss as number) > 150 && (summary.test_loss as number) < 500, `test loss ${summary.test_loss} nats`);
  const recon = png(join(out, 'reconstructions.png'));
  assert.ok(recon.width > 16 * 56 && recon.height > 4 * 56, 'two rows of 16 originals and reconstructions at scale 2');
  assert.ok(png(join(out, 'samples.png')).width > 8 * 56);
  assert.ok(png(join(out, 'latent_manifold.png')).width >= 20 * 28, 'a 20x20 manifold for --latent 2');
  assert.ok(existsSync(join(out, 'images', 'samples-epoch-03.png')));
  const again = await zooModel('vae').evaluate({ weights: join(out, 'model.safetensors'), limit: 600 });
  assert.equal(again.latent, 2);
  assertClose(again.test_loss as number, summary.test_loss as number, { rtol: 0, atol: 1e-6, label: 'eval reproduces the final test loss' });
  const grid = join(out, 'sampled.png');
  const r = cli('sample', 'vae', '--weights', join(out, 'model.safetensors'), '--n', '12', '--seed', '3', '--out', grid, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).n, 12);
  assert.ok(png(grid).width > 0);
});

test('train dvae (smoke, 400 images, 2 epochs): loss falls, denoising improves; noisy/denoised/clean grid', { skip }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-dvae-'));
  const summary = await zooModel('dvae').train({ epochs: 2, limit: 400, out, progress: false, log: () => {} });
  for (const k of [...SUMMARY_KEYS, 'psnr_noisy', 'psnr_denoised', 'test_loss']) assert.ok(k in summary, `summary lacks ${k}`);
  const logs = epochs(out);
  assert.ok(logs[1].test_loss < logs[0].test_loss, `test loss ${logs.map((l) => l.test_loss)}`);
  assert.ok(logs[1].psnr_denoised > logs[0].psnr_denoised, `denoised PSNR ${logs.map((l) => l.psnr_denoised)}`);
  // sigma 0.3 noise clipped to [0, 1] on Fashion-MNIST: about 12-13 dB
  assert.ok((summary.psnr_noisy as number) > 10 && (summary.psnr_noisy as number) < 16, `noisy PSNR ${summary.psnr_noisy}`);
  const grid = png(join(out, 'denoising.png'));
  assert.ok(grid.width > 16 * 56 && grid.height > 3 * 56, 'noisy, denoised and clean rows of 16');
  const again = await zooModel('dvae').evaluate({ weights: join(out, 'model.safetensors'), limit: 400 });
  assert.equal(again.psnr_denoised, summary.psnr_denoised);
});

test('train gan (smoke, 256 images, 1 epoch): the two-optimizer loop runs and writes the epoch grid and generator', { skip }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-gan-'));
  const summary = await zooModel('gan').train({ epochs: 1, limit: 256, out, progress: false, log: () => {} });
  for (const k of [...SUMMARY_KEYS, 'd_loss', 'g_loss']) assert.ok(k in summary, `summary lacks ${k}`);
  assert.ok(Number.isFinite(summary.d_loss) && Number.isFinite(summary.g_loss));
  assert.equal(epochs(out)[0].epoch, 1);
  assert.ok(png(join(out, 'images', 'samples-epoch-01.png')).width > 8 * 56);
  assert.ok(existsSync(join(out, 'model.safetensors')) && existsSync(join(out, 'discriminator.safetensors')));
  const r = cli('sample', 'gan', '--weights', join(out, 'model.safetensors'), '--n', '16', '--out', join(out, 's.png'));
  assert.equal(r.status, 0, r.stderr);
  await assert.rejects(() => zooModel('gan').evaluate({ weights: join(out, 'model.safetensors') }), /myelin score gan/);
});

test('sample gan and score gan read a generator saved as gan.py --save saves it', { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-score-'));
  const weights = fixturePath('generative/tiny_generator.safetensors');
  const s = cli('sample', 'gan', '--weights', weights, '--n', '9', '--seed', '1', '--out', join(out, 'g.png'), '--json');
  assert.equal(s.status, 0, s.stderr);
  assert.equal(png(join(out, 'g.png')).width, 2 + 3 * (56 + 2));
  const r = cli('score', 'gan', '--weights', weights, '--classifier', cnnWeights, '--n', '300', '--reference', '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.metric, 'fid_cnn');
  assert.equal(summary.n_real, 300);
  assert.equal(summary.n_generated, 300);
  // an untrained generator is far from the data; real training images are close to the test images
  assert.ok(summary.fid_cnn > 5 * summary.fid_cnn_train_vs_test, `fid ${summary.fid_cnn} vs train/test ${summary.fid_cnn_train_vs_test}`);
  const bad = cli('score', 'gan', '--weights', cnnWeights, '--classifier', cnnWeights);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /not DCGAN generator weights/);
});
