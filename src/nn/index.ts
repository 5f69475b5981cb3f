// The nn package: Module and Parameter, containers, layers, losses, init and functional.
// Imported by the top level as `nn` (nn.Linear, nn.crossEntropy, nn.init.kaimingUniform_, nn.F.relu).

export { Parameter } from './parameter.js';
export {
  Module, type StateDict, type StateDictLike, type LoadStateDictOptions, type LoadStateDictResult,
} from './module.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export { Linear, Identity, type LinearOptions, type FactoryOptions } from './layers/linear.js';
export { Conv2d, type Conv2dOptions } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './layers/pooling.js';
export { Flatten, Unflatten } from './layers/shape.js';
export { Dropout } from './layers/dropout.js';
export {
  BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions, type LayerNormOptions,
} from './layers/normalization.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { ReLU, Sigmoid, Tanh, GELU, SiLU, Softplus, LeakyReLU, Softmax, LogSoftmax } from './layers/activation.js';
export {
  MSELoss, L1Loss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
} from './layers/loss.js';
export {
  mseLoss, l1Loss, smoothL1Loss, huberLoss, nllLoss, crossEntropy, binaryCrossEntropy,
  binaryCrossEntropyWithLogits, klDiv, l1Penalty, l2Penalty,
  type Reduction, type ReductionOptions, type NllOptions, type CrossEntropyOptions, type BceOptions,
  type BceWithLogitsOptions, type KlDivOptions, type SmoothL1Options, type HuberOptions,
} from './losses.js';
export * as init from './init.js';
export * as functional from './functional.js';
export * as F from './functional.js';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './layers/conv-transpose.js';
export { Upsample, type UpsampleOptions } from './layers/upsample.js';
export {
  reparameterize, gaussianKl, bernoulliReconstructionLoss, gaussianReconstructionLoss,
  type SampleReduction, type SampleReductionOptions, type GaussianReconstructionOptions,
} from './generative.js';
export { LSTM, GRU, LSTMCell, GRUCell, orthogonal_, type RNNOptions } from './layers/rnn.js';
export {
  MultiheadAttention, CausalSelfAttention,
  type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions, type CausalSelfAttentionOptions,
} from './layers/attention.js';
export {
  TransformerEncoderLayer, TransformerEncoder, DecoderBlock, LearnedPositionalEmbedding, SinusoidalPositionalEncoding,
  type TransformerEncoderLayerOptions, type EncoderForwardOptions, type DecoderBlockOptions, type TransformerActivation,
} from './layers/transformer.js';
