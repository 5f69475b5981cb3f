// The model zoo: name -> recipe (architecture, data, training, evaluation).

import type { ZooModel } from './common.js';
import { mlp } from './mlp.js';
import { cnn } from './cnn.js';
import { vae } from './vae.js';
import { dvae } from './dvae.js';
import { gan } from './gan.js';
import { lstm } from './lstm.js';
import { gpt } from './gpt.js';
import { bertMini } from './bert-mini.js';

export const ZOO: Record<string, ZooModel> = { mlp, cnn, vae, dvae, gan, lstm, gpt, 'bert-mini': bertMini };

export function zooModel(name: string): ZooModel {
  const m = ZOO[name];
  if (!m) throw new Error(`unknown model '${name}' (available: ${Object.keys(ZOO).join(', ')})`);
  return m;
}

export { buildMlp } from './mlp.js';
export { buildCnn } from './cnn.js';
export { Vae, loadVae, sampleVaeImages, evaluateVae } from './vae.js';
export { DenoisingVae, loadDvae, addNoise, evaluateDenoising, psnr } from './dvae.js';
export { buildGenerator, buildDiscriminator, loadGenerator, sampleGan, ganStep } from './gan.js';
export { scoreGan, frechetDistance, gaussianStats, symmetricEigen, sqrtmSymmetric, loadFeatureExtractor, extractFeatures } from './fid.js';
export { LstmClassifier, type LstmClassifierOptions, type CellType } from './lstm.js';
export { GPT, GPT_CPU_CONFIG, loadGpt, loadGptStateDict, generateTokens, sampleToken, gptLr, type GptConfig, type SampleOptions } from './gpt.js';
export {
  BertEncoder, BertForMaskedLM, BertForSequenceClassification, pretrainBertMini, loadPretrainedEncoder, maskTokens, encodeForBert,
  BERT_MINI, type BertConfig,
} from './bert-mini.js';
export type { ZooModel, TrainOptions, EvalOptions, Summary } from './common.js';
