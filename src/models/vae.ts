// The VAE of Kingma & Welling in the shape of the classic PyTorch example (twin:
// ../shared/bench/pytorch/vae.py): 784 -> 400 (ReLU) -> mu, logvar (20 each); z -> 400 (ReLU)
// -> 784 logits of a Bernoulli decoder. Loss per image = negative ELBO in nats: binary cross
// entropy summed over pixels (on logits, which is the same quantity as the twin's sigmoid +
// BCE, computed without saturating) plus the KL divergence of q(z|x) from N(0, I).
// Adam 1e-3, batch 128, 10 epochs, pixels in [0, 1]. State-dict names are the twin's (fc1,
// fc21, fc22, fc3, fc4), so weights saved by `vae.py --save` load.

import { Module } from '../nn/module.js';
import { Linear } from '../nn/layers/linear.js';
import { bernoulliReconstructionLoss, gaussianKl, reparameterize } from '../nn/generative.js';
import { Adam } from '../optim/adam.js';
import { DataLoader } from '../data/dataloader.js';
import type { TensorDataset } from '../data/dataset.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, relu, reshape, sigmoid } from '../ops/index.js';
import { fromArray, randn } from '../tensor/creation.js';
import { Generator, manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadWeights } from '../io/weights.js';
import { RunRecord } from '../train/run-record.js';
import { baseSummary, round, saveModel, startRun, type EvalOptions, type Summary, type TrainOptions, type ZooModel } from './common.js';
import {
  EpochProgress, firstN, latentGrid, loadImageData, rangeBatches, weightShapes, writeComparisonGrid, writeSampleGrid,
} from './generative-common.js';

export const VAE_PIXELS = 784;
export const VAE_HIDDEN = 400;
export const VAE_LATENT = 20;

export interface VaeOutput {
  /** Bernoulli logits of the reconstruction [N, 784]. */
  logits: Tensor;
  mu: Tensor;
  logvar: Tensor;
  /** The latent sample the reconstruction was decoded from. */
  z: Tensor;
}

export class Vae extends Module {
  // declared in the order vae.py assigns them: the state dict lists them so
  fc1: Linear;
  fc21: Linear;
  fc22: Linear;
  fc3: Linear;
  fc4: Linear;

  constructor(readonly latent = VAE_LATENT, readonly hidden = VAE_HIDDEN, readonly pixels = VAE_PIXELS) {
    super();
    this.fc1 = new Linear(pixels, hidden);
    this.fc21 = new Linear(hidden, latent);
    this.fc22 = new Linear(hidden, latent);
    this.fc3 = new Linear(latent, hidden);
    this.fc4 = new Linear(hidden, pixels);
  }

  /** Parameters of q(z | x): mean and log-variance [N, latent]. */
  encode(x: Tensor): { mu: Tensor; logvar: Tensor } {
    const h = relu(this.fc1.forward(x));
    return { mu: this.fc21.forward(h), logvar: this.fc22.forward(h) };
  }

  /** Bernoulli logits of p(x | z). */
  decodeLogits(z: Tensor): Tensor {
    return this.fc4.forward(relu(this.fc3.forward(z)));
  }

  /** Pixel probabilities (the mean image) of p(x | z). */
  decode(z: Tensor): Tensor {
    return sigmoid(this.decodeLogits(z));
  }

  /** Encodes x [N, 784], samples z with `generator`'s noise, and decodes it. */
  override forward(x: Tensor, generator?: Generator): VaeOutput {
    const { mu, logvar } = this.encode(x);
    const z = reparameterize(mu, logvar, generator);
    return { logits: this.decodeLogits(z), mu, logvar, z };
  }
}

/** Negative ELBO of a batch, summed over the batch: [total, reconstruction, kl]. */
export function vaeLoss(out: VaeOutput, x: Tensor): { loss: Tensor; reconstruction: Tensor; kl: Tensor } {
  const reconstruction = bernoulliReconstructionLoss(out.logits, x);
  const kl = gaussianKl(out.mu, out.logvar);
  return { loss: add(reconstruction, kl), reconstruction, kl };
}

const flat = (x: Tensor) => reshape(x, [x.shape[0], VAE_PIXELS]);

/** Test loss per image (negative ELBO, nats, one latent sample per image) and its two terms. */
export function evaluateVae(model: Vae, test: TensorDataset, generator: Generator, batchSize = 500): { loss: number; reconstruction: number; kl: number } {
  const wasTraining = model.training;
  model.eval();
  let loss = 0, rec = 0, kl = 0;
  noGrad(() => {
    for (const idx of rangeBatches(test.length, batchSize)) {
      const x = flat(test.getBatch(idx)[0]);
      const l = vaeLoss(model.forward(x, generator), x);
      loss += l.loss.item(); rec += l.reconstruction.item(); kl += l.kl.item();
    }
  });
  model.train(wasTraining);
  const n = Math.max(test.length, 1);
  return { loss: loss / n, reconstruction: rec / n, kl: kl / n };
}

/** `n` images [n, 1, 28, 28] decoded from z ~ N(0, I) drawn with `generator`. */
export function sampleVaeImages(model: Vae, n: number, generator: Generator): Tensor {
  return noGrad(() => reshape(model.decode(randn([n, model.latent], { generator })), [n, 1, 28, 28]));
}

/** Test images over their reconstructions (decoded from the posterior mean). */
function writeReconstructions(path: string, model: Vae, test: TensorDataset, n = 32): void {
  const idx = Int32Array.from({ length: Math.min(n, test.length) }, (_, i) => i);
  const x = test.getBatch(idx)[0];
  const recon = noGrad(() => model.decode(model.encode(flat(x)).mu));
  writeComparisonGrid(path, [x, reshape(recon, x.shape)], { cols: 16 });
}

/** The decoder's images over a grid of 2-D latent points at standard-normal quantiles. */
export function writeLatentManifold(path: string, model: Vae, size = 20): void {
  if (model.latent !== 2) throw new Error(`latent manifold: needs a 2-D latent space, this VAE has ${model.latent}`);
  const z = fromArray(latentGrid(size), [size * size, 2]);
  const images = noGrad(() => model.decode(z));
  writeSampleGrid(path, reshape(images, [size * size, 1, 28, 28]), { cols: size, scale: 1 });
}

/** A VAE for the weights in `path`, its latent size read from the file. */
export function loadVae(path: string): Vae {
  const shape = weightShapes(path).get('fc21.weight');
  if (!shape || shape.length !== 2) throw new Error(`${path}: not VAE weights (no 2-D fc21.weight; expected vae.py's or myelin's VAE state dict)`);
  const model = new Vae(shape[0]);
  loadWeights(model, path);
  return model.eval();
}

async function train(options: TrainOptions): Promise<Summary> {
  const epochs = options.epochs ?? 10, batchSize = options.batchSize ?? 128, lr = options.lr ?? 1e-3, seed = options.seed ?? 0;
  const latent = options.latent ?? VAE_LATENT;
  if (!Number.isInteger(latent) || latent < 1) throw new Error(`--latent must be a positive integer, got ${latent}`);
  const data = await loadImageData(options.dataset);
  const trainSet = firstN(data.train, options.limit), test = firstN(data.test, options.limit);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  log(`vae: ${data.name} from ${data.source}: ${trainSet.length} training, ${test.length} test images; latent ${latent}`);
  const { run } = startRun('vae', options, { dataset: data.name, epochs, batchSize, lr, seed, latent, limit: options.limit ?? null });
  manualSeed(seed);
  const model = new Vae(latent);
  const opt = new Adam(model.parameters(), { lr });
  const loader = new DataLoader(trainSet, { batchSize, shuffle: true, seed });
  const noise = new Generator(seed + 1);
  const runRecord = new RunRecord(run.metricsFile);
  const progress = new EpochProgress(epochs, loader.length, options.progress ?? true, log);
  let trainSeconds = 0, seen = 0, last: Record<string, number> = {};
  for (let epoch = 0; epoch < epochs; epoch++) {
    progress.begin(epoch);
    model.train();
    let total = 0, count = 0, stepTime = 0, step = 0;
    for (const [images] of loader.batches(epoch)) {
      const t0 = performance.now();
      const x = flat(images);
      const { loss } = vaeLoss(model.forward(x, noise), x);
      opt.zeroGrad(); loss.backward(); opt.step();
      const value = loss.item();
      stepTime += performance.now() - t0;
      total += value; count += x.shape[0];
      await progress.step(++step, `loss/image ${(total / count).toFixed(2)}`);
    }
    trainSeconds += stepTime / 1000; seen += count;
    // the same latent noise for every epoch's evaluation, so epochs compare like with like
    const testLoss = evaluateVae(model, test, new Generator(seed + 2));
    last = {
      train_loss: total / count, test_loss: testLoss.loss, test_reconstruction: testLoss.reconstruction, test_kl: testLoss.kl,
      epoch_seconds: stepTime / 1000, samples_per_second: count / (stepTime / 1000),
    };
    runRecord.append('epoch', { epoch: epoch + 1, ...Object.fromEntries(Object.entries(last).map(([k, v]) => [k, round(v, 4)])) });
    progress.end(epoch, { train_loss: last.train_loss, test_loss: last.test_loss, samples_per_second: last.samples_per_second });
    writeSampleGrid(run.file('images', `samples-epoch-${String(epoch + 1).padStart(2, '0')}.png`), sampleVaeImages(model, 64, new Generator(seed + 3)), { cols: 8 });
  }
  model.eval();
  writeReconstructions(run.file('reconstructions.png'), model, test);
  writeSampleGrid(run.file('samples.png'), sampleVaeImages(model, 64, new Generator(seed + 3)), { cols: 8 });
  if (latent === 2) writeLatentManifold(run.file('latent_manifold.png'), model);
  const final = {
    test_loss: round(last.test_loss ?? NaN, 3), test_reconstruction: round(last.test_reconstruction ?? NaN, 3),
    test_kl: round(last.test_kl ?? NaN, 3), train_loss: round(last.train_loss ?? NaN, 3),
  };
  saveModel(run, model, {
    model: 'vae', dataset: data.name, architecture: { pixels: VAE_PIXELS, hidden: VAE_HIDDEN, latent },
    input: { shape: [VAE_PIXELS], dtype: 'float32' }, preprocessing: { scale: 1 / 255, note: 'uint8 pixels divided by 255, flattened' },
    output: 'Bernoulli logits of the 784 pixels', training: { epochs, batchSize, lr, seed, optimizer: 'Adam' }, metrics: final,
  });
  return {
    ...baseSummary('vae', data.name), epochs, batch_size: batchSize, latent,
    train_seconds: round(trainSeconds, 2), samples_per_second: round(seen / Math.max(trainSeconds, 1e-9), 1),
    ...final, loss_unit: 'nats per image (negative ELBO)', run_dir: run.path,
  };
}

async function evaluate(options: EvalOptions): Promise<Summary> {
  const data = await loadImageData(options.dataset);
  const test = firstN(data.test, options.limit);
  const model = loadVae(options.weights);
  const r = evaluateVae(model, test, new Generator((options.seed ?? 0) + 2));
  return {
    ...baseSummary('vae', data.name), weights: options.weights, test_samples: test.length, latent: model.latent,
    test_loss: round(r.loss, 3), test_reconstruction: round(r.reconstruction, 3), test_kl: round(r.kl, 3),
    loss_unit: 'nats per image (negative ELBO, one latent sample per image)',
  };
}

export const vae: ZooModel = {
  name: 'vae',
  description: 'variational autoencoder 784-400-20 (Bernoulli decoder) on Fashion-MNIST',
  train,
  evaluate,
};
