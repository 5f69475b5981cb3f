// Every op, as a function. Tensor methods forward here; nn.functional re-exports these.

export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './linalg.js';
export * from './conv.js';
export * from './softmax.js';
export * from './normalization.js';
export * from './random-ops.js';
export * from './embedding.js';
export * from './copy.js';
export * from './conv-transpose.js';
export * from './upsample.js';
export * from './rnn.js';
export * from './attention.js';
