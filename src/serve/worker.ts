// An inference worker thread: loads the saved model itself (from the directory in
// workerData), then answers batches from the main thread. Model compute never runs on the
// server's event loop.

import { parentPort, workerData } from 'node:worker_threads';
import { loadSavedModel } from '../models/saved-model.js';
import { fromArray } from '../tensor/creation.js';
import { noGrad } from '../autograd/grad-mode.js';
import { softmax } from '../ops/softmax.js';
import { getBackendName } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('serve/worker.js must run in a worker thread');

const { dir } = workerData as { dir: string };
const t0 = performance.now();
let loaded: ReturnType<typeof loadSavedModel>;
try {
  loaded = loadSavedModel(dir);
  // One warm-up forward pass, so that the first request does not pay for lazy initialisation.
  const shape = loaded.config.input.shape;
  noGrad(() => loaded.model.forward(fromArray(new Float32Array(shape.reduce((a, b) => a * b, 1)), [1, ...shape])));
  port.postMessage({ type: 'ready', loadSeconds: (performance.now() - t0) / 1000, backend: getBackendName() } satisfies WorkerReply);
} catch (e) {
  port.postMessage({ type: 'load-error', message: (e as Error).message } satisfies WorkerReply);
  process.exit(1);
}

port.on('message', (msg: WorkerRequest) => {
  if (msg.type !== 'infer') return;
  const t = performance.now();
  try {
    const shape = [msg.n, ...loaded.config.input.shape];
    const { output, probs } = noGrad(() => {
      const out = loaded.model.forward(fromArray(msg.data, shape)) as Tensor;
      return { output: out, probs: out.ndim === 2 ? softmax(out, 1) : null };
    });
    const outData = Float32Array.from(output.dataSync());
    const probData = probs ? Float32Array.from(probs.dataSync()) : null;
    const reply: WorkerReply = {
      type: 'result', id: msg.id, shape: output.shape.slice(), output: outData, probabilities: probData,
      seconds: (performance.now() - t) / 1000,
    };
    port.postMessage(reply, probData ? [outData.buffer, probData.buffer] : [outData.buffer]);
  } catch (e) {
    port.postMessage({ type: 'error', id: msg.id, message: (e as Error).message } satisfies WorkerReply);
  }
});
