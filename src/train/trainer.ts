// Trainer: fit / evaluate / predict for a model, a loss and an optimizer, as in Keras, with
// PyTorch's pieces underneath. A training step is exactly the custom loop a user would write:
// forward, loss, zeroGrad, backward, (clip), step.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { clipGradNorm } from '../optim/clip.js';
import { noGrad } from '../autograd/grad-mode.js';
import { concat } from '../ops/shape.js';
import { DataLoader } from '../data/dataloader.js';
import { TensorDataset, type Dataset } from '../data/dataset.js';
import { randomSplit } from '../data/split.js';
import type { BatchTransform } from '../data/transforms.js';
import { Generator } from '../tensor/random.js';
import type { Callback, Logs } from './callback.js';
import { ProgressCallback } from './callbacks/progress.js';
import { resolveMetric, type Metric, type MetricSpec } from './batch-metrics.js';
import { stageCheckpoint } from '../io/checkpoint.js';

export type LossFn = (output: Tensor, target: Tensor) => Tensor;

export interface TrainerOptions {
  optimizer: Optimizer;
  loss: LossFn;
  /** Metrics computed on every batch and averaged per epoch, e.g. ['accuracy']. */
  metrics?: MetricSpec[];
  /** Clip the global gradient norm to this value before each step. */
  gradClipNorm?: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Seed for shuffling, the validation split and augmentation. */
  seed?: number;
  validation?: Dataset<Tensor[]>;
  /** Hold out this fraction of the training data for validation (when no validation set). */
  validationSplit?: number;
  callbacks?: Callback[];
  /** Show a progress bar (default true). */
  progress?: boolean;
  /** Augmentation applied to each training batch's inputs. */
  transform?: BatchTransform;
  /** Batch size for validation (default: larger than the training batch). */
  evalBatchSize?: number;
  /** Epoch to start from (0-based), e.g. the `epoch` a checkpoint returned, to resume a run. */
  initialEpoch?: number;
}

export interface History {
  /** One entry per epoch: train metrics, val_ metrics, lr, epoch_seconds. */
  epochs: Logs[];
  /** Total seconds spent in training steps (validation excluded). */
  trainSeconds: number;
  /** Training samples processed per second of training time. */
  samplesPerSecond: number;
}

type Data = Dataset<Tensor[]> | DataLoader<unknown, Tensor[]>;

export class Trainer {
  readonly optimizer: Optimizer;
  readonly loss: LossFn;
  readonly metrics: Metric[];
  readonly gradClipNorm?: number;
  /** Set by a callback to end fit after the current epoch. */
  stopTraining = false;
  /** Optimizer steps taken so far. */
  globalStep = 0;
  /** The callbacks of the fit under way (checkpoints save the states of those that have one). */
  private activeCallbacks: readonly Callback[] = [];

  constructor(readonly model: Module, options: TrainerOptions) {
    if (!options?.optimizer) throw new Error('Trainer: options.optimizer is required');
    if (typeof options.loss !== 'function') throw new Error('Trainer: options.loss must be a function (output, target) => Tensor');
    this.optimizer = options.optimizer;
    this.loss = options.loss;
    this.metrics = (options.metrics ?? []).map(resolveMetric);
    this.gradClipNorm = options.gradClipNorm;
  }

  /** Current learning rate of the first parameter group. */
  get lr(): number {
    return this.optimizer.paramGroups[0]?.lr ?? NaN;
  }

  async fit(train: Data, options: FitOptions = {}): Promise<History> {
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    const seed = options.seed ?? 0;
    let trainSet: Data = train;
    let validation = options.validation;
    if (!validation && options.validationSplit) {
      if (train instanceof DataLoader) throw new Error('Trainer.fit: validationSplit needs a Dataset, not a DataLoader');
      const nVal = Math.round(train.length * options.validationSplit);
      [trainSet, validation] = randomSplit(train, [train.length - nVal, nVal], seed);
    }
    const loader = trainSet instanceof DataLoader ? trainSet
      : new DataLoader<Tensor[], Tensor[]>(trainSet, { batchSize, shuffle: options.shuffle ?? true, seed });
    const callbacks: Callback[] = [...(options.progress === false ? [] : [new ProgressCallback()]), ...(options.callbacks ?? [])];
    const history: History = { epochs: [], trainSeconds: 0, samplesPerSecond: 0 };
    let samples = 0;
    this.stopTraining = false;
    checkStateKeys(callbacks);
    this.activeCallbacks = callbacks;
    const emit = async <K extends keyof Callback>(hook: K, ...args: unknown[]) => {
      for (const cb of callbacks) {
        const fn = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
        if (fn) await fn.call(cb, this, ...args);
      }
    };
    await emit('onTrainBegin', { epochs, stepsPerEpoch: loader.length });
    for (let epoch = options.initialEpoch ?? 0; epoch < epochs && !this.stopTraining; epoch++) {
      await emit('onEpochBegin', epoch);
      // augmentation draws from a per-epoch stream, so a resumed run sees the same batches
      const augment = new Generator(seed * 7919 + epoch + 1);
      this.model.train();
      const sums = new Map<string, number>();
      let seen = 0, step = 0, lastYield = performance.now();
      const t0 = performance.now();
      let trainTime = 0;
      for (const batch of loader.batches(epoch)) {
        const tStep = performance.now();
        let [x, y] = [batch[0], batch[batch.length - 1]];
        if (options.transform) x = options.transform(x, augment);
        const n = x.shape[0];
        const logs = this.trainStep(x, y);
        trainTime += performance.now() - tStep;
        seen += n; step++;
        for (const [k, v] of Object.entries(logs)) sums.set(k, (sums.get(k) ?? 0) + v * n);
        const running: Logs = {};
        for (const [k, v] of sums) running[k] = v / seen;
        await emit('onBatchEnd', this.globalStep, running);
        if (performance.now() - lastYield > 50) { await yieldToEventLoop(); lastYield = performance.now(); }
      }
      samples += seen;
      history.trainSeconds += trainTime / 1000;
      const logs: Logs = {};
      for (const [k, v] of sums) logs[k] = v / Math.max(seen, 1);
      if (validation) {
        const val = this.evaluate(validation, { batchSize: options.evalBatchSize ?? Math.max(batchSize, 256) });
        for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
      }
      logs.lr = this.lr;
      logs.epoch_seconds = (performance.now() - t0) / 1000;
      logs.samples_per_second = seen / Math.max(trainTime / 1000, 1e-9);
      history.epochs.push({ epoch: epoch + 1, ...logs });
      await emit('onEpochEnd', epoch, logs);
      await emit('onEpochComplete', epoch, logs);
    }
    history.samplesPerSecond = samples / Math.max(history.trainSeconds, 1e-9);
    await emit('onTrainEnd', history.epochs[history.epochs.length - 1] ?? {});
    return history;
  }

  /**
   * Restores model, optimizer and RNG state, the step count and the states of `callbacks` (pass
   * the callbacks you will give fit) from a checkpoint written by ModelCheckpoint; returns the
   * number of epochs it had completed (pass it as fit's initialEpoch). All or nothing: a
   * checkpoint that does not fit, or holds a bad value anywhere, throws an error naming the
   * file and the field, and changes nothing.
   */
  resume(checkpointPath: string, options: { callbacks?: readonly Callback[] } = {}): number {
    const staged = stageCheckpoint(checkpointPath, this.model, this.optimizer);
    const callbacks = options.callbacks ?? [];
    checkStateKeys(callbacks);
    const saved = staged.info.callbacks ?? {};
    const commits: (() => void)[] = [];
    for (const cb of callbacks) {
      if (!cb.stateKey || !cb.stageState || !(cb.stateKey in saved)) continue; // absent: the callback starts afresh
      try {
        commits.push(cb.stageState(saved[cb.stateKey]));
      } catch (e) {
        throw new Error(`${checkpointPath}: checkpoint field 'callbacks.${cb.stateKey}': ${(e as Error).message}`, { cause: e });
      }
    }
    staged.commit();
    for (const c of commits) c();
    this.globalStep = staged.info.step;
    return staged.info.epoch;
  }

  /** The states of the current fit's callbacks that have one, by stateKey (checkpoints save them). */
  callbackStates(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const cb of this.activeCallbacks) if (cb.stateKey && cb.stateDict) out[cb.stateKey] = cb.stateDict();
    return out;
  }

  /** One optimizer step on a batch; returns the batch's loss and metrics. */
  trainStep(x: Tensor, y: Tensor): Logs {
    const output = this.model.forward(x) as Tensor;
    const loss = this.loss(output, y);
    this.optimizer.zeroGrad();
    loss.backward();
    if (this.gradClipNorm !== undefined) clipGradNorm(this.model.parameters(), this.gradClipNorm);
    this.optimizer.step();
    this.globalStep++;
    const logs: Logs = { loss: loss.item() };
    noGrad(() => { for (const m of this.metrics) logs[m.name] = m.fn(output, y); });
    return logs;
  }

  /** Loss and metrics averaged over a dataset, in eval mode without gradients. */
  evaluate(data: Data, options: { batchSize?: number } = {}): Logs {
    const loader = data instanceof DataLoader ? data : new DataLoader<Tensor[], Tensor[]>(data, { batchSize: options.batchSize ?? 256 });
    const wasTraining = this.model.training;
    this.model.eval();
    const sums = new Map<string, number>();
    let seen = 0;
    try {
      noGrad(() => {
        for (const batch of loader.batches(0)) {
          const [x, y] = [batch[0], batch[batch.length - 1]];
          const output = this.model.forward(x) as Tensor;
          const n = x.shape[0];
          sums.set('loss', (sums.get('loss') ?? 0) + this.loss(output, y).item() * n);
          for (const m of this.metrics) sums.set(m.name, (sums.get(m.name) ?? 0) + m.fn(output, y) * n);
          seen += n;
        }
      });
    } finally {
      this.model.train(wasTraining);
    }
    const logs: Logs = {};
    for (const [k, v] of sums) logs[k] = v / Math.max(seen, 1);
    return logs;
  }

  /** Model outputs for every sample (a tensor of inputs, or a dataset whose first tensor is the input). */
  predict(data: Tensor | Data, options: { batchSize?: number } = {}): Tensor {
    const batchSize = options.batchSize ?? 256;
    const loader = data instanceof DataLoader ? data
      : new DataLoader<Tensor[], Tensor[]>('shape' in data ? new TensorDataset(data as Tensor) : data as Dataset<Tensor[]>, { batchSize });
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      return noGrad(() => {
        const outputs: Tensor[] = [];
        for (const batch of loader.batches(0)) outputs.push(this.model.forward(batch[0]) as Tensor);
        return outputs.length === 1 ? outputs[0] : concat(outputs, 0);
      });
    } finally {
      this.model.train(wasTraining);
    }
  }
}

function checkStateKeys(callbacks: readonly Callback[]): void {
  const seen = new Map<string, Callback>();
  for (const cb of callbacks) {
    if (!cb.stateKey) continue;
    const other = seen.get(cb.stateKey);
    if (other) {
      throw new Error(`Trainer: two callbacks (${other.constructor.name}, ${cb.constructor.name}) keep their state under ` +
        `'${cb.stateKey}'; give one of them another stateKey`);
    }
    seen.set(cb.stateKey, cb);
  }
}
