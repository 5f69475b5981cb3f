// The DCGAN of ../shared/bench/pytorch/gan.py (Radford et al. 2016 style, 28x28):
//   G: z(100) -> Linear 7*7*128 -> Unflatten -> BN, ReLU -> ConvT(128->64, 4, s2, p1) -> BN, ReLU
//      -> ConvT(64->1, 4, s2, p1) -> tanh
//   D: Conv(1->64, 4, s2, p1) LeakyReLU(0.2) -> Conv(64->128, 4, s2, p1) BN LeakyReLU(0.2)
//      -> Flatten -> Linear(7*7*128 -> 1)   (a logit)
// Non-saturating loss on logits, Adam(2e-4, betas 0.5/0.999), batch 64 (last partial batch
// dropped, as the twin), images scaled to [-1, 1]. G and D are torch.nn.Sequential-shaped, so
// the state dict the twin saves (`gan.py --save`: G's, with BatchNorm's num_batches_tracked)
// loads by name.
//
// The training loop is written only with the public API a user has: forward, backward,
// zeroGrad/step, detach and noGrad.

import { Sequential } from '../nn/containers.js';
import { Linear } from '../nn/layers/linear.js';
import { Conv2d } from '../nn/layers/conv.js';
import { ConvTranspose2d } from '../nn/layers/conv-transpose.js';
import { BatchNorm2d } from '../nn/layers/normalization.js';
import { LeakyReLU, ReLU, Tanh } from '../nn/layers/activation.js';
import { Flatten, Unflatten } from '../nn/layers/shape.js';
import { binaryCrossEntropyWithLogits } from '../nn/losses.js';
import { Adam } from '../optim/adam.js';
import { DataLoader } from '../data/dataloader.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, mul } from '../ops/index.js';
import { ones, randn, zeros } from '../tensor/creation.js';
import { Generator, manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { loadWeights, saveWeights } from '../io/weights.js';
import { RunRecord } from '../train/run-record.js';
import { baseSummary, round, saveModel, startRun, type Summary, type TrainOptions, type ZooModel } from './common.js';
import { EpochProgress, firstN, loadImageData, weightShapes, writeSampleGrid } from './generative-common.js';

export const GAN_NOISE = 100;

/** The generator; `width` 64 is gan.py's (smaller widths keep the same shape, for tests). */
export function buildGenerator(noise = GAN_NOISE, width = 64): Sequential {
  const w2 = 2 * width;
  return new Sequential(
    new Linear(noise, 7 * 7 * w2), new Unflatten(1, [w2, 7, 7]), new BatchNorm2d(w2), new ReLU(),
    new ConvTranspose2d(w2, width, 4, { stride: 2, padding: 1 }), new BatchNorm2d(width), new ReLU(),
    new ConvTranspose2d(width, 1, 4, { stride: 2, padding: 1 }), new Tanh());
}

/** The discriminator (one logit per image); `width` 64 is gan.py's. */
export function buildDiscriminator(width = 64): Sequential {
  const w2 = 2 * width;
  return new Sequential(
    new Conv2d(1, width, 4, { stride: 2, padding: 1 }), new LeakyReLU(0.2),
    new Conv2d(width, w2, 4, { stride: 2, padding: 1 }), new BatchNorm2d(w2), new LeakyReLU(0.2),
    new Flatten(), new Linear(7 * 7 * w2, 1));
}

/** The latent size of a generator built by buildGenerator (its first layer's inputs). */
export function noiseSize(g: Sequential): number {
  return (g.at(0) as Linear).inFeatures;
}

/** Maps tanh outputs in [-1, 1] to pixel values in [0, 1]. */
export function toUnitRange(x: Tensor): Tensor {
  return add(mul(x, 0.5), 0.5);
}

/**
 * `n` generated images [n, 1, 28, 28] in [0, 1], from z ~ N(0, I) drawn with `generator`, with
 * the generator network in eval mode (BatchNorm's running statistics) and without gradients.
 */
export function sampleGan(g: Sequential, n: number, generator: Generator, batchSize = 500): Tensor[] {
  const wasTraining = g.training;
  g.eval();
  const out: Tensor[] = [];
  noGrad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const z = randn([Math.min(batchSize, n - start), noiseSize(g)], { generator });
      out.push(toUnitRange(g.forward(z)));
    }
  });
  g.train(wasTraining);
  return out;
}

/** A generator network with the weights in `path` (myelin's or `gan.py --save`'s), in eval mode. */
export function loadGenerator(path: string): Sequential {
  // the sizes come from the file: 0.weight is [7 * 7 * 2 * width, noise]
  const shape = weightShapes(path).get('0.weight');
  if (!shape || shape.length !== 2 || shape[0] % 98 !== 0) {
    throw new Error(`${path}: not DCGAN generator weights (expected 0.weight of shape [7*7*2*width, noise], as gan.py --save writes)`);
  }
  const g = buildGenerator(shape[1], shape[0] / 98);
  loadWeights(g, path);
  return g.eval();
}

export interface GanStepResult { dLoss: number; gLoss: number }

/**
 * One DCGAN step on a batch of real images in [-1, 1] and latent noise z [B, noise]: the
 * discriminator on real and (detached) fake images, then the generator through the
 * discriminator with the non-saturating loss (as gan.py's loop).
 */
export function ganStep(g: Sequential, d: Sequential, optG: Adam, optD: Adam, real: Tensor, z: Tensor): GanStepResult {
  const b = real.shape[0];
  const onesB = ones([b, 1], { dtype: real.dtype }), zerosB = zeros([b, 1], { dtype: real.dtype });
  const fake = g.forward(z);
  const dLoss = add(binaryCrossEntropyWithLogits(d.forward(real), onesB), binaryCrossEntropyWithLogits(d.forward(fake.detach()), zerosB));
  optD.zeroGrad(); dLoss.backward(); optD.step();
  const gLoss = binaryCrossEntropyWithLogits(d.forward(fake), onesB);
  optG.zeroGrad(); gLoss.backward(); optG.step();
  return { dLoss: dLoss.item(), gLoss: gLoss.item() };
}

async function train(options: TrainOptions): Promise<Summary> {
  const epochs = options.epochs ?? 5, batchSize = options.batchSize ?? 64, lr = options.lr ?? 2e-4, seed = options.seed ?? 0;
  const data = await loadImageData(options.dataset);
  const trainSet = firstN(data.train, options.limit);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  log(`gan: ${data.name} from ${data.source}: ${trainSet.length} training images`);
  const { run } = startRun('gan', options, { dataset: data.name, epochs, batchSize, lr, betas: [0.5, 0.999], seed, limit: options.limit ?? null });
  manualSeed(seed);
  const g = buildGenerator(), d = buildDiscriminator();
  const optG = new Adam(g.parameters(), { lr, betas: [0.5, 0.999] });
  const optD = new Adam(d.parameters(), { lr, betas: [0.5, 0.999] });
  const loader = new DataLoader(trainSet, { batchSize, shuffle: true, seed, dropLast: true });
  if (loader.length === 0) throw new Error(`gan: ${trainSet.length} training images are fewer than one batch of ${batchSize}`);
  const noise = new Generator(seed + 1);
  const fixedNoise = () => new Generator(seed + 2); // the same 64 latent points every epoch
  const runRecord = new RunRecord(run.metricsFile);
  const progress = new EpochProgress(epochs, loader.length, options.progress ?? true, log);
  let trainSeconds = 0, seen = 0, last = { d_loss: NaN, g_loss: NaN };
  for (let epoch = 0; epoch < epochs; epoch++) {
    progress.begin(epoch);
    g.train(); d.train();
    let dSum = 0, gSum = 0, steps = 0, stepTime = 0;
    for (const [images] of loader.batches(epoch)) {
      const t0 = performance.now();
      const real = noGrad(() => add(mul(images, 2), -1));
      const r = ganStep(g, d, optG, optD, real, randn([batchSize, GAN_NOISE], { generator: noise }));
      stepTime += performance.now() - t0;
      dSum += r.dLoss; gSum += r.gLoss; steps++;
      await progress.step(steps, `d_loss ${(dSum / steps).toFixed(4)} g_loss ${(gSum / steps).toFixed(4)}`);
    }
    trainSeconds += stepTime / 1000; seen += steps * batchSize;
    last = { d_loss: dSum / steps, g_loss: gSum / steps };
    const logs = { ...last, epoch_seconds: stepTime / 1000, samples_per_second: steps * batchSize / (stepTime / 1000) };
    runRecord.append('epoch', { epoch: epoch + 1, ...Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, round(v, 4)])) });
    progress.end(epoch, logs);
    const [grid] = sampleGan(g, 64, fixedNoise());
    writeSampleGrid(run.file('images', `samples-epoch-${String(epoch + 1).padStart(2, '0')}.png`), grid, { cols: 8 });
  }
  const [grid] = sampleGan(g, 64, fixedNoise());
  writeSampleGrid(run.file('samples.png'), grid, { cols: 8 });
  saveWeights(d, run.file('discriminator.safetensors'));
  const final = { d_loss: round(last.d_loss, 4), g_loss: round(last.g_loss, 4) };
  saveModel(run, g, {
    model: 'gan', dataset: data.name, architecture: { noise: GAN_NOISE, note: 'model.safetensors holds the generator; discriminator.safetensors the discriminator' },
    input: { shape: [GAN_NOISE], dtype: 'float32', note: 'z ~ N(0, I)' }, output: 'images [1, 28, 28] in [-1, 1] (tanh)',
    training: { epochs, batchSize, lr, betas: [0.5, 0.999], seed, optimizer: 'Adam' }, metrics: final,
  });
  return {
    ...baseSummary('gan', data.name), epochs, batch_size: batchSize,
    train_seconds: round(trainSeconds, 2), samples_per_second: round(seen / Math.max(trainSeconds, 1e-9), 1),
    ...final, generator: run.file('model.safetensors'), run_dir: run.path,
  };
}

export const gan: ZooModel = {
  name: 'gan',
  description: 'DCGAN (generator and discriminator of gan.py) on Fashion-MNIST; score it with `myelin score gan`',
  train,
  async evaluate() {
    throw new Error('eval gan: a GAN has no test loss; use `myelin score gan --weights G --classifier C` (FID-CNN) or `myelin sample gan --weights G --out grid.png`');
  },
};
