// myelin's public API.

export { Tensor, type TensorLike } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export * from './tensor/creation.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export * from './ops/index.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { gradCheck, type GradCheckOptions, type GradCheckResult } from './autograd/gradcheck.js';
export { setBackend, getBackendName, type BackendName } from './backend/index.js';
