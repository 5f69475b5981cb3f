// The train package: Trainer, callbacks, metrics, run directories, pictures.

export { Trainer, type TrainerOptions, type FitOptions, type History, type LossFn } from './trainer.js';
export type { Callback, Logs } from './callback.js';
export { ProgressCallback } from './callbacks/progress.js';
export { EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { LRSchedulerCallback, type LRSchedulerCallbackOptions } from './callbacks/lr-scheduler.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './callbacks/checkpoint.js';
export { JsonlLogger } from './callbacks/jsonl-logger.js';
export { ProgressBar } from './progress.js';
export { batchAccuracy, type Metric, type MetricSpec } from './batch-metrics.js';
export * as metrics from './metrics.js';
export { RunDir } from './run-dir.js';
export { RunRecord, type RunRecordKind } from './run-record.js';
export { imageGrid, writeImageGrid, confusionMatrixImage, writeConfusionMatrixImage } from './image-grid.js';
