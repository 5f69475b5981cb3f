// bert-mini: a small word-level Transformer encoder, pre-trained as a masked language model on
// unlabeled text (the MR training sentences without their labels, plus tiny Shakespeare) and
// fine-tuned with a classification head on MR sentence polarity.
//
//   tokens: lower-cased words and punctuation ('basic' split), the 8,000 most frequent of the
//           pre-training text plus [PAD]=0, [UNK]=1, [CLS], [SEP], [MASK]; [CLS] w1 .. wn [SEP],
//           at most 64 tokens, padded per batch to its longest sequence
//   encoder: word embeddings + learned positions, LayerNorm, dropout 0.1, 2 post-norm
//            TransformerEncoderLayers (128 dims, 4 heads, feed-forward 512, GELU) - BERT's layout,
//            with dropout 0.1 on embeddings and residual branches (none on attention weights)
//   MLM head: dense 128 + GELU + LayerNorm, decoder tied to the word embeddings (+ bias);
//           15% of the tokens predicted, of which 80% [MASK], 10% a random word, 10% unchanged
//   classifier: mean of the token states, tanh pooler, dropout, Linear(128, 2)
// Pre-training (`myelin pretrain bert-mini`): 24000 steps of 64 texts (4000 fine-tuned below
// scratch, 12000 just below: the corpus is small), AdamW (peak lr 1e-3, weight
// decay 0.01 on matrices), 6% linear warm-up then linear decay, gradient clipping at 1.0; the
// masked-token accuracy on 2% held-out text every 250 steps. Text: the MR training split only
// (the validation sentences stay unseen), and Shakespeare in passages of about 32 words.
// Fine-tuning (`myelin train bert-mini [--init PRETRAINED.safetensors]`) uses the same recipe with
// and without pre-trained weights, so the two runs differ only in the initialisation: AdamW
// (lr 2e-4, weight decay 0.01), batch 32, 5 epochs, linear warm-up over 10% then linear decay;
// validation on the same 10% of MR as `train lstm`.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { Generator, manualSeed } from '../tensor/random.js';
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { LayerNorm } from '../nn/layers/normalization.js';
import { Dropout } from '../nn/layers/dropout.js';
import { LearnedPositionalEmbedding, TransformerEncoder, TransformerEncoderLayer } from '../nn/layers/transformer.js';
import { normal_, zeros_ } from '../nn/init.js';
import { crossEntropy } from '../nn/losses.js';
import { div, gelu, indexSelect, linear, mul, narrow, ne, reshape, sum, tanh, unsqueeze } from '../ops/index.js';
import { noGrad } from '../autograd/grad-mode.js';
import { AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import { Trainer } from '../train/trainer.js';
import type { Callback } from '../train/callback.js';
import { TensorDataset } from '../data/dataset.js';
import { saveWeights, weightsOf } from '../io/weights.js';
import { readSafetensors } from '../io/safetensors.js';
import { RunDir } from '../train/run-dir.js';
import { RunRecord } from '../train/run-record.js';
import { getBackendName } from '../backend/index.js';
import { WordTokenizer, loadTokenizer, saveTokenizer, splitLines } from '../text/tokenizers.js';
import { padSequences } from '../text/padding.js';
import { baseSummary, round, startRun, type Summary, type ZooModel } from './common.js';
import { finishSentimentRun, logger, runConfigOf, type SequenceEvalOptions, type SequenceTrainOptions } from './sequence-common.js';
import { loadMrPolarity, loadShakespeare } from './text-data.js';

export interface BertConfig {
  vocabSize: number;
  maxLen: number;
  dModel: number;
  nLayer: number;
  nHead: number;
  dimFeedforward: number;
  dropout: number;
}

export const BERT_MINI: Omit<BertConfig, 'vocabSize'> = { maxLen: 64, dModel: 128, nLayer: 2, nHead: 4, dimFeedforward: 512, dropout: 0.1 };
export const BERT_VOCAB = 8000;
export const SPECIALS = ['[CLS]', '[SEP]', '[MASK]'];
/**
 * Pre-training sees each MR sentence this many times per pass over the text, Shakespeare once
 * (about 70% of the pre-training sequences are then movie-review sentences): the encoder should
 * model the fine-tuning domain, and Elizabethan English alone teaches it little about reviews.
 */
export const MR_REPEAT = 3;
const PAD = 0;

/** BERT's learning-rate factor: linear warm-up over `warm` steps, then linear decay to 0 at `total`. */
function warmupThenLinearDecay(step: number, warm: number, total: number): number {
  return step < warm ? (step + 1) / warm : Math.max(0, (total - step) / (total - warm));
}

/** Embeddings + encoder: ids [B, T] (0 = padding) -> hidden states [B, T', d], T' = longest sequence in the batch. */
export class BertEncoder extends Module {
  readonly config: BertConfig;
  words: Embedding;
  positions: LearnedPositionalEmbedding;
  norm: LayerNorm;
  drop: Dropout;
  encoder: TransformerEncoder;

  constructor(config: BertConfig) {
    super();
    this.config = { ...config };
    const { vocabSize, maxLen, dModel: d, nLayer, nHead, dimFeedforward, dropout } = config;
    this.words = new Embedding(vocabSize, d, { paddingIdx: PAD });
    normal_(this.words.weight, 0, 0.02);
    noGrad(() => { const w = this.words.weight.dataSync(); w.fill(0, 0, d); this.words.weight.copy_(fromArray(w, this.words.weight.shape)); });
    this.positions = new LearnedPositionalEmbedding(maxLen, d);
    this.norm = new LayerNorm(d);
    this.drop = new Dropout(dropout);
    // dropout on the residual branches and embeddings only: masks over the attention weights
    // and the feed-forward activations are 8x more elements, and drawing them dominated a step
    this.encoder = new TransformerEncoder(() => new TransformerEncoderLayer(d, nHead, {
      dimFeedforward, dropout, attnDropout: 0, activationDropout: 0, activation: 'gelu', batchFirst: true,
    }), nLayer);
    // BERT's initialisation of the linear layers: N(0, 0.02), zero biases
    for (const [name, p] of this.encoder.namedParameters()) {
      if (name.includes('norm')) continue;
      if (p.ndim === 2) normal_(p, 0, 0.02); else zeros_(p);
    }
  }

  override forward(ids: Tensor): Tensor {
    // trim columns that are padding in every row (batches are padded to a fixed width)
    const host = ids.dataSync(), [B, T] = ids.shape;
    let len = 1;
    for (let b = 0; b < B; b++) for (let t = T - 1; t >= len; t--) if (host[b * T + t] !== PAD) { len = t + 1; break; }
    const x = len < T ? narrow(ids, 1, 0, len) : ids;
    const h = this.drop.forward(this.norm.forward(this.positions.forward(this.words.forward(x))));
    return this.encoder.forward(h, { srcKeyPaddingMask: x.eq(PAD) });
  }
}

/** The encoder with the masked-language-model head (decoder tied to the word embeddings). */
export class BertForMaskedLM extends Module {
  bert: BertEncoder;
  dense: Linear;
  norm: LayerNorm;
  declare decoder_bias: Parameter;

  constructor(config: BertConfig) {
    super();
    this.bert = new BertEncoder(config);
    this.dense = new Linear(config.dModel, config.dModel);
    normal_(this.dense.weight, 0, 0.02); zeros_(this.dense.bias!);
    this.norm = new LayerNorm(config.dModel);
    this.registerParameter('decoder_bias', new Parameter(fromArray(new Float32Array(config.vocabSize), [config.vocabSize])));
  }

  /** Logits [M, V] at the flat positions (b * T + t) of `positions` [M]. */
  override forward(ids: Tensor, positions: Tensor): Tensor {
    const h = this.bert.forward(ids);
    const [B, T, d] = h.shape, full = ids.shape[1];
    // positions index the [B, full] grid; the encoder trimmed trailing padding columns
    const pos = T === full ? positions : fromArray(Int32Array.from(positions.dataSync(), (p) => Math.floor(p / full) * T + (p % full)), positions.shape);
    const picked = indexSelect(reshape(h, [B * T, d]), 0, pos);
    const z = this.norm.forward(gelu(this.dense.forward(picked)));
    return linear(z, this.bert.words.weight, this.decoder_bias);
  }
}

/**
 * The encoder with a classification head over the mean of the token states (MLM pre-training
 * never trains [CLS] to summarise the sentence, so its state transfers less than the mean).
 */
export class BertForSequenceClassification extends Module {
  bert: BertEncoder;
  pooler: Linear;
  drop: Dropout;
  classifier: Linear;

  constructor(config: BertConfig, numClasses = 2) {
    super();
    this.bert = new BertEncoder(config);
    this.pooler = new Linear(config.dModel, config.dModel);
    this.drop = new Dropout(config.dropout);
    this.classifier = new Linear(config.dModel, numClasses);
    for (const l of [this.pooler, this.classifier]) { normal_(l.weight, 0, 0.02); zeros_(l.bias!); }
  }

  /** Mean of the token states (padding excluded) -> tanh pooler -> dropout -> Linear. */
  override forward(ids: Tensor): Tensor {
    const h = this.bert.forward(ids);
    const x = h.shape[1] < ids.shape[1] ? narrow(ids, 1, 0, h.shape[1]) : ids;
    const keep = unsqueeze(ne(x, PAD).to(h.dtype), 2); // [B, T, 1]
    const pooled = div(sum(mul(h, keep), 1), sum(keep, 1));
    return this.classifier.forward(this.drop.forward(tanh(this.pooler.forward(pooled))));
  }
}

// --- data -------------------------------------------------------------------------------

/** Shakespeare as chunks of consecutive lines of up to `maxWords` tokens (blank lines split speeches). */
function shakespeareChunks(text: string, tokenizer: WordTokenizer | null, maxWords: number): string[] {
  const chunks: string[] = [];
  let cur: string[] = [], count = 0;
  const tok = tokenizer ?? WordTokenizer.fit([], { split: 'basic' });
  for (const line of splitLines(text)) {
    if (line.trim() === '') { if (cur.length) chunks.push(cur.join(' ')); cur = []; count = 0; continue; }
    const n = tok.tokenize(line).length;
    if (count + n > maxWords && cur.length) { chunks.push(cur.join(' ')); cur = []; count = 0; }
    cur.push(line); count += n;
  }
  if (cur.length) chunks.push(cur.join(' '));
  return chunks;
}

export interface PretrainCorpus {
  tokenizer: WordTokenizer;
  texts: string[];
  mr: number;
  shakespeare: number;
}

/** The unlabeled pre-training text and the tokenizer built from it (deterministic). */
export function pretrainCorpus(data?: string, maxLen = BERT_MINI.maxLen): PretrainCorpus {
  const mr = loadMrPolarity({ data }).trainTexts;
  // passages about as long as the MR sentences (~20 words), so that batches pad little
  const sh = shakespeareChunks(loadShakespeare(data).text, null, 32);
  const texts = [...mr, ...sh];
  const tokenizer = WordTokenizer.fit(texts, { split: 'basic', lower: true, maxSize: BERT_VOCAB, padToken: '[PAD]', unkToken: '[UNK]', specialTokens: SPECIALS });
  return { tokenizer, texts, mr: mr.length, shakespeare: sh.length };
}

/** [CLS] tokens [SEP], truncated to maxLen, padded ('post') to maxLen. */
export function encodeForBert(tokenizer: WordTokenizer, texts: readonly string[], maxLen: number): Tensor {
  const cls = tokenizer.vocab.id('[CLS]'), sep = tokenizer.vocab.id('[SEP]');
  const seqs = texts.map((t) => {
    const ids = tokenizer.encode(t).subarray(0, maxLen - 2);
    return Int32Array.from([cls, ...ids, sep]);
  });
  return padSequences(seqs, { maxLen, padding: 'post', truncating: 'post', value: PAD }).ids;
}

/**
 * BERT's masking of a batch of ids [B, T]: 15% of the real tokens are to be predicted; of those
 * 80% become [MASK], 10% a random word, 10% stay. Returns the corrupted ids, the flat positions
 * and the original ids there.
 */
export function maskTokens(ids: Int32Array, vocabSize: number, specialIds: Set<number>, maskId: number, gen: Generator, rate = 0.15):
  { input: Int32Array; positions: Int32Array; labels: Int32Array } {
  const input = ids.slice(), positions: number[] = [], labels: number[] = [];
  const firstWord = Math.max(...specialIds) + 1;
  for (let i = 0; i < ids.length; i++) {
    if (specialIds.has(ids[i]) || gen.random() >= rate) continue;
    positions.push(i); labels.push(ids[i]);
    const r = gen.random();
    if (r < 0.8) input[i] = maskId;
    else if (r < 0.9) input[i] = gen.randint(firstWord, vocabSize);
  }
  if (positions.length === 0) { // always predict something
    const i = ids.findIndex((v) => !specialIds.has(v));
    if (i >= 0) { positions.push(i); labels.push(ids[i]); input[i] = maskId; }
  }
  return { input, positions: Int32Array.from(positions), labels: Int32Array.from(labels) };
}

// --- pre-training -------------------------------------------------------------------------

export interface PretrainOptions extends SequenceTrainOptions {
  json?: boolean;
}

/**
 * `myelin pretrain bert-mini`: masked-language-model pre-training; writes model.safetensors +
 * tokenizer.json. With `init` it continues from an earlier run's weights (a fresh optimizer and
 * learning-rate schedule, as when pre-training is resumed for more steps).
 */
export async function pretrainBertMini(options: PretrainOptions = {}): Promise<Summary> {
  const log = logger(options);
  const maxIters = options.maxIters ?? 24000, batch = options.batchSize ?? 64, lr = options.lr ?? 1e-3, seed = options.seed ?? 0;
  const evalEvery = options.evalEvery ?? 250;
  const init = options.init ?? null;
  const corpus = pretrainCorpus(options.data);
  const tokenizer = init ? tokenizerFor(init, options.data) : corpus.tokenizer;
  manualSeed(seed);
  // the held-out split is seed 0's for every seed, so that runs with other seeds (and runs that
  // continue another with --init) are measured on text none of them trained on
  const splitGen = new Generator(0);
  const gen = seed === 0 ? splitGen : new Generator(seed);
  let texts = corpus.texts.map((text, i) => ({ text, mr: i < corpus.mr }));
  if (options.limit) texts = texts.filter((_, i) => i % Math.max(1, Math.floor(texts.length / options.limit!)) === 0).slice(0, options.limit);
  // hold out 2% of the text to measure masked-token accuracy
  const order = splitGen.permutation(texts.length);
  const nVal = Math.max(1, Math.floor(texts.length * 0.02));
  const valTexts = Array.from(order.subarray(0, nVal), (i) => texts[i].text);
  // the in-domain MR sentences MR_REPEAT times per epoch (each time masked afresh), Shakespeare once
  const trainTexts = Array.from(order.subarray(nVal), (i) => texts[i]).flatMap((x) => Array<string>(x.mr ? MR_REPEAT : 1).fill(x.text));
  const config: BertConfig = { vocabSize: tokenizer.size, ...BERT_MINI };
  const ids = encodeForBert(tokenizer, trainTexts, config.maxLen).dataSync() as Int32Array;
  const valIds = encodeForBert(tokenizer, valTexts, config.maxLen).dataSync() as Int32Array;
  const T = config.maxLen;
  log(`bert-mini pretrain: ${corpus.mr} MR training sentences (no labels) + ${corpus.shakespeare} Shakespeare passages; ` +
    `${trainTexts.length} train / ${valTexts.length} held-out texts; vocabulary ${tokenizer.size}; ${maxIters} iterations of ${batch} on ${getBackendName()}`);
  const model = new BertForMaskedLM(config);
  if (init) {
    try {
      model.loadStateDict(weightsOf(readSafetensors(init)));
    } catch (e) {
      throw new Error(`${init}: not a bert-mini pre-training checkpoint for this vocabulary: ${(e as Error).message}`);
    }
    log(`bert-mini pretrain: continuing from ${init}`);
  }
  const run = RunDir.create('bert-mini-pretrain', 'runs', options.out);
  saveTokenizer(tokenizer, run.file('tokenizer.json'));
  const runConfig = { model: 'bert-mini', task: 'masked-lm', architecture: config, tokenizer: 'tokenizer.json',
    data: { mrTrainSentences: corpus.mr, shakespearePassages: corpus.shakespeare }, init, training: { maxIters, batchSize: batch, lr, weightDecay: 0.01, warmup: 0.06, mrRepeat: MR_REPEAT, seed } };
  run.writeJson('config.json', { ...runConfig, backend: getBackendName(), status: 'training' });
  const decay = model.parameters().filter((p) => p.ndim >= 2), noDecay = model.parameters().filter((p) => p.ndim < 2);
  const opt = new AdamW([{ params: decay, weightDecay: 0.01 }, { params: noDecay, weightDecay: 0 }], { lr });
  const specialIds = new Set([PAD, tokenizer.vocab.unkId, ...SPECIALS.map((s) => tokenizer.vocab.id(s))]);
  const maskId = tokenizer.vocab.id('[MASK]');
  const rows = ids.length / T;
  const warm = Math.max(1, Math.round(0.06 * maxIters));
  const lrAt = (it: number) => lr * warmupThenLinearDecay(it, warm, maxIters);
  const batchOf = (src: Int32Array, picks: ArrayLike<number>) => {
    const out = new Int32Array(picks.length * T);
    for (let i = 0; i < picks.length; i++) out.set(src.subarray(picks[i] * T, picks[i] * T + T), i * T);
    return out;
  };
  const evaluateMlm = (): { loss: number; accuracy: number } => {
    model.eval();
    const evalGen = new Generator(12345);
    let loss = 0, correct = 0, count = 0;
    noGrad(() => {
      const nRows = valIds.length / T;
      for (let s = 0; s < nRows; s += 128) {
        const picks = Array.from({ length: Math.min(128, nRows - s) }, (_, i) => s + i);
        const m = maskTokens(batchOf(valIds, picks), tokenizer.size, specialIds, maskId, evalGen);
        const logits = model.forward(fromArray(m.input, [picks.length, T]), fromArray(m.positions, [m.positions.length]));
        loss += crossEntropy(logits, fromArray(m.labels, [m.labels.length])).item() * m.labels.length;
        const pred = logits.argmax(1).dataSync();
        for (let i = 0; i < pred.length; i++) if (pred[i] === m.labels[i]) correct++;
        count += m.labels.length;
      }
    });
    model.train();
    return { loss: loss / count, accuracy: correct / count };
  };
  let perm = gen.permutation(rows), cursor = 0, trainTime = 0, recent: number[] = [];
  const history: Record<string, number>[] = [];
  const runRecord = new RunRecord(run.metricsFile);
  for (let it = 0; it <= maxIters; it++) {
    if (it % evalEvery === 0 || it === maxIters) {
      const e = evaluateMlm();
      const entry = { iter: it, train_mlm_loss: round(recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN), val_mlm_loss: round(e.loss), val_mlm_accuracy: round(e.accuracy), train_time_s: round(trainTime / 1000, 1) };
      history.push(entry);
      runRecord.append('eval', entry);
      const trainPart = recent.length ? `train MLM loss ${entry.train_mlm_loss}, ` : ''; // none before the first step
      log(`bert-mini pretrain: iter ${it}: ${trainPart}held-out MLM loss ${entry.val_mlm_loss}, masked-token accuracy ${entry.val_mlm_accuracy} (${entry.train_time_s} s)`);
      recent = [];
    }
    if (it === maxIters) break;
    const t0 = performance.now();
    if (cursor + batch > rows) { perm = gen.permutation(rows); cursor = 0; }
    const picks = perm.subarray(cursor, cursor + batch); cursor += batch;
    const m = maskTokens(batchOf(ids, picks), tokenizer.size, specialIds, maskId, gen);
    for (const g of opt.paramGroups) g.lr = lrAt(it);
    const logits = model.forward(fromArray(m.input, [picks.length, T]), fromArray(m.positions, [m.positions.length]));
    const loss = crossEntropy(logits, fromArray(m.labels, [m.labels.length]));
    opt.zeroGrad();
    loss.backward();
    clipGradNorm(model.parameters(), 1.0);
    opt.step();
    recent.push(loss.item());
    trainTime += performance.now() - t0;
  }
  saveWeights(model, run.file('model.safetensors'));
  const last = history[history.length - 1];
  run.writeJson('config.json', { ...runConfig, backend: getBackendName(), status: 'done', metrics: last });
  return {
    ...baseSummary('bert-mini', 'mr-polarity (unlabeled) + tinyshakespeare'), task: 'masked-lm', init, iters: maxIters, batch_size: batch,
    val_mlm_loss: last.val_mlm_loss, val_mlm_accuracy: last.val_mlm_accuracy, train_seconds: round(trainTime / 1000, 1),
    ms_per_iter: round(trainTime / Math.max(1, maxIters), 1), history, weights: run.file('model.safetensors'), run_dir: run.path,
  };
}

// --- fine-tuning ----------------------------------------------------------------------------

/** The tokenizer of a pre-trained checkpoint (tokenizer.json beside it), or the one pre-training would build. */
function tokenizerFor(init: string | undefined, data?: string): WordTokenizer {
  if (init) {
    const file = join(dirname(init), 'tokenizer.json');
    if (existsSync(file)) {
      const t = loadTokenizer(file);
      if (!(t instanceof WordTokenizer)) throw new Error(`${file}: not a word tokenizer`);
      return t;
    }
  }
  return pretrainCorpus(data).tokenizer;
}

/** Loads the encoder weights (`bert.*`) of a pre-trained masked-LM checkpoint into `model.bert`. */
export function loadPretrainedEncoder(model: BertForSequenceClassification, path: string): number {
  const encoder = new Map<string, Tensor>();
  for (const [k, v] of weightsOf(readSafetensors(path))) if (k.startsWith('bert.')) encoder.set(k.slice(5), v);
  if (encoder.size === 0) throw new Error(`${path}: no encoder weights (bert.*) in this file; pass the model.safetensors of 'myelin pretrain bert-mini'`);
  try {
    model.bert.loadStateDict(encoder);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  return encoder.size;
}

async function train(options: SequenceTrainOptions): Promise<Summary> {
  const log = logger(options);
  const epochs = options.epochs ?? 5, batchSize = options.batchSize ?? 32, lr = options.lr ?? 2e-4, seed = options.seed ?? 0;
  const tokenizer = tokenizerFor(options.init, options.data);
  const mr = loadMrPolarity({ data: options.data, limit: options.limit });
  const config: BertConfig = { vocabSize: tokenizer.size, ...BERT_MINI };
  const dataset = (texts: string[], labels: Tensor) => new TensorDataset(encodeForBert(tokenizer, texts, config.maxLen), labels.to('int32'));
  const trainSet = dataset(mr.trainTexts, mr.train.tensors[1]), valSet = dataset(mr.testTexts, mr.test.tensors[1]);
  const init = options.init ?? null;
  log(`bert-mini: MR ${trainSet.length} training, ${valSet.length} validation sentences; ${init ? `encoder from ${init}` : 'from scratch'}; vocabulary ${tokenizer.size}`);
  const { run, callbacks } = startRun('bert-mini', options, { dataset: 'mr-polarity', init, epochs, batchSize, lr, seed });
  manualSeed(seed);
  const model = new BertForSequenceClassification(config);
  if (init) log(`bert-mini: loaded ${loadPretrainedEncoder(model, init)} pre-trained encoder tensors`);
  const decay = model.parameters().filter((p) => p.ndim >= 2), noDecay = model.parameters().filter((p) => p.ndim < 2);
  const opt = new AdamW([{ params: decay, weightDecay: 0.01 }, { params: noDecay, weightDecay: 0 }], { lr });
  const total = epochs * Math.ceil(trainSet.length / batchSize), warm = Math.max(1, Math.round(0.1 * total));
  const schedule: Callback = {
    onBatchEnd: (trainer) => {
      const s = trainer.globalStep;
      for (const g of opt.paramGroups) g.lr = lr * warmupThenLinearDecay(s, warm, total);
    },
  };
  for (const g of opt.paramGroups) g.lr = lr * warmupThenLinearDecay(0, warm, total);
  const trainer = new Trainer(model, { optimizer: opt, loss: (o, y) => crossEntropy(o, y), metrics: ['accuracy'], gradClipNorm: 1.0 });
  const history = await trainer.fit(trainSet, { epochs, batchSize, seed, validation: valSet, callbacks: [schedule, ...callbacks], progress: options.progress, evalBatchSize: 256 });
  const perEpoch = history.epochs.map((e) => ({ epoch: e.epoch, train_loss: round(e.loss), val_loss: round(e.val_loss), val_accuracy: round(e.val_accuracy) }));
  return finishSentimentRun({
    name: 'bert-mini', run, model, tokenizer, perEpoch, history, log,
    config: { architecture: config, tokenizer: 'tokenizer.json', init },
    training: { epochs, batchSize, lr, seed, optimizer: 'AdamW' },
    summary: { init },
  });
}

async function evaluate(options: SequenceEvalOptions): Promise<Summary> {
  const cfg = runConfigOf(options.weights);
  const tokenizer = tokenizerFor(options.weights, options.data);
  const config: BertConfig = (cfg?.architecture as BertConfig | undefined) ?? { vocabSize: tokenizer.size, ...BERT_MINI };
  const mr = loadMrPolarity({ data: options.data, limit: options.limit });
  const model = new BertForSequenceClassification(config);
  const w = weightsOf(readSafetensors(options.weights));
  model.loadStateDict(w);
  const valSet = new TensorDataset(encodeForBert(tokenizer, mr.testTexts, config.maxLen), mr.test.tensors[1].to('int32'));
  const trainer = new Trainer(model, { optimizer: new AdamW(model.parameters()), loss: (o, y) => crossEntropy(o, y), metrics: ['accuracy'] });
  const logs = trainer.evaluate(valSet, { batchSize: 256 });
  return { ...baseSummary('bert-mini', 'mr-polarity'), weights: options.weights, val_accuracy: round(logs.accuracy), val_loss: round(logs.loss) };
}

export const bertMini: ZooModel = {
  name: 'bert-mini',
  description: 'small Transformer encoder fine-tuned on MR polarity (pre-train it with `myelin pretrain bert-mini`)',
  train,
  evaluate,
};

