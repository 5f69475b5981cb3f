// optim: optimizers, learning-rate schedules and gradient clipping (torch.optim's names in
// camelCase). Exported from the package root as `optim`.

export {
  Optimizer, type BaseOptions, type ParamGroup, type ParamGroupInput, type Params, type ParamState,
  type ParamGroupState, type OptimizerStateDict,
} from './optimizer.js';
export { SGD, SGD_DEFAULTS, type SGDOptions } from './sgd.js';
export { Adam, AdamW, ADAM_DEFAULTS, ADAMW_DEFAULTS, type AdamOptions } from './adam.js';
export { RMSprop, RMSPROP_DEFAULTS, type RMSpropOptions } from './rmsprop.js';
export {
  flattenOptimizerState, unflattenOptimizerState, optimizerTensorName,
  type OptimizerStateMeta, type HostTensor, type NamedTensors,
} from './state-dict.js';

export { LRScheduler, type SchedulerOptions, type SchedulerStateDict } from './lr-scheduler.js';
export {
  StepLR, MultiStepLR, ExponentialLR, LambdaLR,
  type StepLROptions, type MultiStepLROptions, type ExponentialLROptions, type LambdaLROptions, type LrLambda,
} from './decay-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-lr.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';

export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
