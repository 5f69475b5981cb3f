// Files: safetensors, model weights, training checkpoints, PNG images, atomic writes.

export { readSafetensors, writeSafetensors, decodeSafetensors, encodeSafetensors, type SafetensorsContents } from './safetensors.js';
export { saveWeights, loadWeights } from './weights.js';
export { saveCheckpoint, loadCheckpoint, stageCheckpoint, readCheckpointInfo, type CheckpointInfo, type StagedCheckpoint } from './checkpoint.js';
export { encodePng, decodePng, writePng } from './png.js';
export { writeFileAtomic, removeStaleTempFiles } from './atomic-write.js';
