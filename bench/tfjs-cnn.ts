// The same seed CNN in TensorFlow.js on its pure-JavaScript CPU backend (the comparison the
// issue sets: @tensorflow/tfjs-node needs a binary download and does not install offline).
// Dev-only: skipped with a reason when the packages are not installed.

import { round } from './lib/timing.js';

export interface TfjsCnnResult {
  framework: string;
  backend: string;
  train_batch: number;
  train_steps: number;
  train_images_per_second: number;
  inference_batch: number;
  inference_images_per_second: number;
}

export async function benchTfjsCnn(options: { steps?: number; batch?: number; inferBatch?: number } = {}): Promise<TfjsCnnResult | { skipped: string }> {
  let tf: typeof import('@tensorflow/tfjs-core'), tfl: typeof import('@tensorflow/tfjs-layers');
  try {
    tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    tfl = await import('@tensorflow/tfjs-layers');
  } catch (e) {
    return { skipped: `TensorFlow.js is not installed (${(e as Error).message.split('\n')[0]})` };
  }
  await tf.setBackend('cpu');
  // TensorFlow.js's CPU backend trains this model at about one image per second: a few
  // small steps are enough for a rate
  const steps = options.steps ?? 2, batch = options.batch ?? 16, inferBatch = options.inferBatch ?? 64;
  const model = tfl.sequential({ layers: [
    tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    tfl.layers.flatten(), tfl.layers.dense({ units: 64, activation: 'relu' }), tfl.layers.dense({ units: 10 }),
  ] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: (y: import('@tensorflow/tfjs-core').Tensor, p: import('@tensorflow/tfjs-core').Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as import('@tensorflow/tfjs-core').Tensor1D, 10);
  await model.trainOnBatch(x, y); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const trainSeconds = (performance.now() - t0) / 1000;
  const xi = tf.randomUniform([inferBatch, 28, 28, 1]);
  (model.predict(xi) as import('@tensorflow/tfjs-core').Tensor).dataSync();
  const t1 = performance.now();
  (model.predict(xi) as import('@tensorflow/tfjs-core').Tensor).dataSync();
  const inferSeconds = (performance.now() - t1) / 1000;
  return {
    framework: `tfjs ${tf.version_core}`, backend: tf.getBackend(), train_batch: batch, train_steps: steps,
    train_images_per_second: round(steps * batch / trainSeconds, 2),
    inference_batch: inferBatch, inference_images_per_second: round(inferBatch / inferSeconds, 1),
  };
}
