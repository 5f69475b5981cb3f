// Seed CNN throughput on the current backend(s): training images/s (forward, backward and an
// Adam step, batch 64) and inference images/s (batch 256), on real Fashion-MNIST images when
// Debian's package is installed, else on random ones.

import { existsSync } from 'node:fs';
import { buildCnn } from '../src/models/cnn.js';
import { crossEntropy } from '../src/nn/losses.js';
import { Adam } from '../src/optim/adam.js';
import { fashionMnist } from '../src/data/datasets.js';
import { rand, randint } from '../src/tensor/creation.js';
import { manualSeed } from '../src/tensor/random.js';
import { noGrad } from '../src/autograd/grad-mode.js';
import { setBackend, getBackendName, type BackendName } from '../src/backend/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { round } from './lib/timing.js';

export interface CnnBenchResult {
  backend: string;
  data: string;
  train_batch: number;
  train_steps: number;
  train_images_per_second: number;
  inference_batch: number;
  inference_images_per_second: number;
}

async function batches(n: number, batch: number): Promise<{ source: string; xs: Tensor[]; ys: Tensor[] }> {
  if (existsSync('/usr/share/datasets/fashion-mnist')) {
    const data = await fashionMnist();
    const xs: Tensor[] = [], ys: Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const idx = Int32Array.from({ length: batch }, (_, k) => (i * batch + k) % data.train.length);
      const [x, y] = data.train.getBatch(idx);
      xs.push(x); ys.push(y);
    }
    return { source: 'fashion-mnist', xs, ys };
  }
  return { source: 'random', xs: Array.from({ length: n }, () => rand([batch, 1, 28, 28])), ys: Array.from({ length: n }, () => randint(0, 10, [batch])) };
}

/** Times `steps` training steps after `warmup` untimed ones; then inference over `inferImages`. */
export async function benchCnn(backendName: BackendName, options: { steps?: number; warmup?: number; inferImages?: number } = {}): Promise<CnnBenchResult> {
  const steps = options.steps ?? 20, warmup = options.warmup ?? 3, inferImages = options.inferImages ?? 2048;
  setBackend(backendName);
  manualSeed(0);
  const model = buildCnn();
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const { source, xs, ys } = await batches(steps + warmup, 64);
  const step = (i: number) => {
    const loss = crossEntropy(model.forward(xs[i]), ys[i]);
    opt.zeroGrad(); loss.backward(); opt.step();
  };
  for (let i = 0; i < warmup; i++) step(i);
  const t0 = performance.now();
  for (let i = warmup; i < warmup + steps; i++) step(i);
  const trainSeconds = (performance.now() - t0) / 1000;

  model.eval();
  const inferBatch = rand([256, 1, 28, 28]);
  noGrad(() => model.forward(inferBatch));
  const t1 = performance.now();
  const rounds = Math.max(1, Math.round(inferImages / 256));
  noGrad(() => { for (let i = 0; i < rounds; i++) model.forward(inferBatch); });
  const inferSeconds = (performance.now() - t1) / 1000;
  return {
    backend: getBackendName(), data: source, train_batch: 64, train_steps: steps,
    train_images_per_second: round(steps * 64 / trainSeconds, 1),
    inference_batch: 256, inference_images_per_second: round(rounds * 256 / inferSeconds, 1),
  };
}
