// The seed's denoising convolutional VAE: trained to map Fashion-MNIST images with added
// Gaussian noise (sigma 0.3, clipped to [0, 1]) to the clean images.
//   encoder: Conv2d(1,32,3,s2,p1) ReLU [32x14x14]  Conv2d(32,64,3,s2,p1) ReLU [64x7x7]  Flatten
//            -> fcMu, fcLogvar: Linear(3136, latent)   (latent 16)
//   decoder: Linear(latent, 3136) ReLU  Unflatten [64x7x7]
//            ConvTranspose2d(64,32,3,s2,p1,op1) ReLU [32x14x14]  ConvTranspose2d(32,1,3,s2,p1,op1) [1x28x28]
//            -> Bernoulli logits of the clean image
// Loss per image: binary cross entropy (noisy -> clean, summed over pixels) + KL, as the VAE.
// Adam 1e-3, batch 128. Reported: test PSNR of the noisy inputs and of the denoised outputs
// (decoded from the posterior mean) against the clean images, and a noisy / denoised / clean
// grid.

import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { Linear } from '../nn/layers/linear.js';
import { Conv2d } from '../nn/layers/conv.js';
import { ConvTranspose2d } from '../nn/layers/conv-transpose.js';
import { ReLU } from '../nn/layers/activation.js';
import { Flatten, Unflatten } from '../nn/layers/shape.js';
import { bernoulliReconstructionLoss, gaussianKl, reparameterize } from '../nn/generative.js';
import { Adam } from '../optim/adam.js';
import { DataLoader } from '../data/dataloader.js';
import type { TensorDataset } from '../data/dataset.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, clamp, mul, sigmoid } from '../ops/index.js';
import { randn } from '../tensor/creation.js';
import { Generator, manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadWeights } from '../io/weights.js';
import { RunRecord } from '../train/run-record.js';
import { baseSummary, round, saveModel, startRun, type EvalOptions, type Summary, type TrainOptions, type ZooModel } from './common.js';
import { EpochProgress, firstN, loadImageData, rangeBatches, weightShapes, writeComparisonGrid } from './generative-common.js';

export const DVAE_LATENT = 16;
export const DVAE_NOISE_STD = 0.3;

export class DenoisingVae extends Module {
  encoder: Sequential;
  fcMu: Linear;
  fcLogvar: Linear;
  decoder: Sequential;

  constructor(readonly latent = DVAE_LATENT) {
    super();
    this.encoder = new Sequential(
      new Conv2d(1, 32, 3, { stride: 2, padding: 1 }), new ReLU(),
      new Conv2d(32, 64, 3, { stride: 2, padding: 1 }), new ReLU(), new Flatten());
    this.fcMu = new Linear(64 * 7 * 7, latent);
    this.fcLogvar = new Linear(64 * 7 * 7, latent);
    this.decoder = new Sequential(
      new Linear(latent, 64 * 7 * 7), new ReLU(), new Unflatten(1, [64, 7, 7]),
      new ConvTranspose2d(64, 32, 3, { stride: 2, padding: 1, outputPadding: 1 }), new ReLU(),
      new ConvTranspose2d(32, 1, 3, { stride: 2, padding: 1, outputPadding: 1 }));
  }

  encode(x: Tensor): { mu: Tensor; logvar: Tensor } {
    const h = this.encoder.forward(x);
    return { mu: this.fcMu.forward(h), logvar: this.fcLogvar.forward(h) };
  }

  /** Bernoulli logits [N, 1, 28, 28]. */
  decodeLogits(z: Tensor): Tensor {
    return this.decoder.forward(z);
  }

  override forward(x: Tensor, generator?: Generator): { logits: Tensor; mu: Tensor; logvar: Tensor } {
    const { mu, logvar } = this.encode(x);
    return { logits: this.decodeLogits(reparameterize(mu, logvar, generator)), mu, logvar };
  }

  /** The denoised image: the decoder's mean at the posterior mean, in [0, 1]. */
  denoise(noisy: Tensor): Tensor {
    return noGrad(() => sigmoid(this.decodeLogits(this.encode(noisy).mu)));
  }
}

/** clean + N(0, std^2) noise, clipped to [0, 1]. */
export function addNoise(clean: Tensor, generator: Generator, std = DVAE_NOISE_STD): Tensor {
  return noGrad(() => clamp(add(clean, mul(randn(clean.shape, { generator, dtype: clean.dtype }), std)), 0, 1));
}

/** Mean squared error of each image, as a JS array. */
function perImageMse(a: Tensor, b: Tensor): number[] {
  const x = a.dataSync(), y = b.dataSync();
  const n = a.shape[0], per = a.size / n;
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = i * per; k < (i + 1) * per; k++) s += (x[k] - y[k]) ** 2;
    return s / per;
  });
}

/** PSNR of an image in [0, 1] from its MSE (capped at 100 dB for a perfect match). */
export function psnr(mse: number): number {
  return mse > 0 ? Math.min(100, -10 * Math.log10(mse)) : 100;
}

export interface DenoiseReport {
  /** Mean over test images of each image's PSNR (dB), noisy input vs clean. */
  psnrNoisy: number;
  /** The same for the denoised output. */
  psnrDenoised: number;
  /** Test loss per image (negative ELBO of the clean image given the noisy one, nats). */
  loss: number;
}

/** Denoising quality on a test set, with noise drawn from `generator` (seed it for reproducible figures). */
export function evaluateDenoising(model: DenoisingVae, test: TensorDataset, generator: Generator, batchSize = 500): DenoiseReport {
  const wasTraining = model.training;
  model.eval();
  let noisySum = 0, denoisedSum = 0, loss = 0;
  const sampler = new Generator(1);
  noGrad(() => {
    for (const idx of rangeBatches(test.length, batchSize)) {
      const clean = test.getBatch(idx)[0];
      const noisy = addNoise(clean, generator);
      for (const m of perImageMse(noisy, clean)) noisySum += psnr(m);
      for (const m of perImageMse(model.denoise(noisy), clean)) denoisedSum += psnr(m);
      const out = model.forward(noisy, sampler);
      loss += add(bernoulliReconstructionLoss(out.logits, clean), gaussianKl(out.mu, out.logvar)).item();
    }
  });
  model.train(wasTraining);
  const n = Math.max(test.length, 1);
  return { psnrNoisy: noisySum / n, psnrDenoised: denoisedSum / n, loss: loss / n };
}

/** Noisy / denoised / clean rows of the first `n` test images. */
export function writeDenoiseGrid(path: string, model: DenoisingVae, test: TensorDataset, generator: Generator, n = 16): void {
  const clean = test.getBatch(Int32Array.from({ length: Math.min(n, test.length) }, (_, i) => i))[0];
  const noisy = addNoise(clean, generator);
  writeComparisonGrid(path, [noisy, model.denoise(noisy), clean], { cols: 16 });
}

export function loadDvae(path: string): DenoisingVae {
  const shape = weightShapes(path).get('fcMu.weight');
  if (!shape || shape.length !== 2) throw new Error(`${path}: not denoising-VAE weights (no 2-D fcMu.weight)`);
  const model = new DenoisingVae(shape[0]);
  loadWeights(model, path);
  return model.eval();
}

async function train(options: TrainOptions): Promise<Summary> {
  const epochs = options.epochs ?? 10, batchSize = options.batchSize ?? 128, lr = options.lr ?? 1e-3, seed = options.seed ?? 0;
  const latent = options.latent ?? DVAE_LATENT;
  const data = await loadImageData(options.dataset);
  const trainSet = firstN(data.train, options.limit), test = firstN(data.test, options.limit);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  log(`dvae: ${data.name} from ${data.source}: ${trainSet.length} training, ${test.length} test images; noise sigma ${DVAE_NOISE_STD}, latent ${latent}`);
  const { run } = startRun('dvae', options, { dataset: data.name, epochs, batchSize, lr, seed, latent, noiseStd: DVAE_NOISE_STD, limit: options.limit ?? null });
  manualSeed(seed);
  const model = new DenoisingVae(latent);
  const opt = new Adam(model.parameters(), { lr });
  const loader = new DataLoader(trainSet, { batchSize, shuffle: true, seed });
  const noise = new Generator(seed + 1);
  const runRecord = new RunRecord(run.metricsFile);
  const progress = new EpochProgress(epochs, loader.length, options.progress ?? true, log);
  let trainSeconds = 0, seen = 0;
  let report: DenoiseReport = { psnrNoisy: NaN, psnrDenoised: NaN, loss: NaN };
  let trainLoss = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    progress.begin(epoch);
    model.train();
    let total = 0, count = 0, stepTime = 0, step = 0;
    for (const [clean] of loader.batches(epoch)) {
      const t0 = performance.now();
      const noisy = addNoise(clean, noise);
      const out = model.forward(noisy, noise);
      const loss = add(bernoulliReconstructionLoss(out.logits, clean), gaussianKl(out.mu, out.logvar));
      opt.zeroGrad(); loss.backward(); opt.step();
      total += loss.item(); count += clean.shape[0];
      stepTime += performance.now() - t0;
      await progress.step(++step, `loss/image ${(total / count).toFixed(2)}`);
    }
    trainSeconds += stepTime / 1000; seen += count;
    trainLoss = total / count;
    report = evaluateDenoising(model, test, new Generator(seed + 2));
    const logs = {
      train_loss: trainLoss, test_loss: report.loss, psnr_noisy: report.psnrNoisy, psnr_denoised: report.psnrDenoised,
      epoch_seconds: stepTime / 1000, samples_per_second: count / (stepTime / 1000),
    };
    runRecord.append('epoch', { epoch: epoch + 1, ...Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, round(v, 4)])) });
    progress.end(epoch, { train_loss: trainLoss, test_loss: report.loss, psnr_noisy: report.psnrNoisy, psnr_denoised: report.psnrDenoised });
  }
  model.eval();
  writeDenoiseGrid(run.file('denoising.png'), model, test, new Generator(seed + 2));
  const final = {
    test_loss: round(report.loss, 3), train_loss: round(trainLoss, 3),
    psnr_noisy: round(report.psnrNoisy, 3), psnr_denoised: round(report.psnrDenoised, 3),
    psnr_gain: round(report.psnrDenoised - report.psnrNoisy, 3),
  };
  saveModel(run, model, {
    model: 'dvae', dataset: data.name, architecture: { latent }, noiseStd: DVAE_NOISE_STD,
    input: { shape: [1, 28, 28], dtype: 'float32' }, preprocessing: { scale: 1 / 255, note: 'uint8 pixels divided by 255' },
    output: 'Bernoulli logits of the clean image [1, 28, 28]', training: { epochs, batchSize, lr, seed, optimizer: 'Adam' }, metrics: final,
  });
  return {
    ...baseSummary('dvae', data.name), epochs, batch_size: batchSize, latent, noise_std: DVAE_NOISE_STD,
    train_seconds: round(trainSeconds, 2), samples_per_second: round(seen / Math.max(trainSeconds, 1e-9), 1),
    ...final, psnr_note: 'mean per-image PSNR (dB) against the clean test images', run_dir: run.path,
  };
}

async function evaluate(options: EvalOptions): Promise<Summary> {
  const data = await loadImageData(options.dataset);
  const test = firstN(data.test, options.limit);
  const model = loadDvae(options.weights);
  const r = evaluateDenoising(model, test, new Generator((options.seed ?? 0) + 2));
  return {
    ...baseSummary('dvae', data.name), weights: options.weights, test_samples: test.length, noise_std: DVAE_NOISE_STD,
    test_loss: round(r.loss, 3), psnr_noisy: round(r.psnrNoisy, 3), psnr_denoised: round(r.psnrDenoised, 3),
    psnr_gain: round(r.psnrDenoised - r.psnrNoisy, 3),
  };
}

export const dvae: ZooModel = {
  name: 'dvae',
  description: 'denoising convolutional VAE (Conv2d encoder, ConvTranspose2d decoder) on Fashion-MNIST with sigma 0.3 noise',
  train,
  evaluate,
};
