// myelin's public API.
//
//   import { tensor, nn, optim, data, Trainer } from 'myelin';

export { Tensor, type TensorLike } from './tensor/tensor.js';
export type { DType, TypedArray } from './dtype/dtype.js';
export * from './tensor/creation.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export * from './ops/index.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { gradCheck, type GradCheckOptions, type GradCheckResult } from './autograd/gradcheck.js';
export { setBackend, getBackendName, type BackendName } from './backend/index.js';

export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as train from './train/index.js';
export { Trainer, type TrainerOptions, type FitOptions, type History } from './train/trainer.js';
export { EarlyStopping, ModelCheckpoint, JsonlLogger, LRSchedulerCallback } from './train/index.js';
export * as metrics from './train/metrics.js';
export * as io from './io/index.js';
export * as models from './models/index.js';
export * as text from './text/index.js';
