// A character-level GPT on tiny Shakespeare, in nanoGPT's CPU configuration ("shakespeare_char"
// with the settings of config/train_shakespeare_char.py for a laptop), as the PyTorch twin
// ../shared/bench/pytorch/gpt.py: 4 layers, 4 heads, 128 dims, block 64, batch 12, dropout 0, no
// biases, output head tied to the token embedding; AdamW (betas 0.9/0.99, weight decay 0.1 on
// matrices only), lr 1e-3 with 100 warm-up iterations and cosine decay to 1e-4 at iteration
// 2000, gradient clipping at 1.0; characters of the first 90% of the text train, the rest
// validates; train and validation loss (20 batches each) every 250 iterations and, at the end,
// over 200 batches.
//
// State-dict names follow the twin (wte, wpe, blocks.N.{ln1,attn.qkv,attn.proj,ln2,fc,proj}, lnf,
// head), except that its bias-free LayerNorm calls its weight `w` where myelin's LayerNorm has
// `weight`; loadGptStateDict accepts both.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { fromArray, arange } from '../tensor/creation.js';
import { Generator, manualSeed } from '../tensor/random.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/containers.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { LayerNorm } from '../nn/layers/normalization.js';
import { DecoderBlock } from '../nn/layers/transformer.js';
import { normal_ } from '../nn/init.js';
import { crossEntropy } from '../nn/losses.js';
import { add, narrow, reshape, softmax } from '../ops/index.js';
import { noGrad } from '../autograd/grad-mode.js';
import { AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import { saveWeights, weightsOf } from '../io/weights.js';
import { readSafetensors } from '../io/safetensors.js';
import { CharTokenizer, loadTokenizer, saveTokenizer } from '../text/tokenizers.js';
import { RunDir } from '../train/run-dir.js';
import { RunRecord } from '../train/run-record.js';
import { getBackendName } from '../backend/index.js';
import { baseSummary, round, type Summary, type ZooModel } from './common.js';
import { logger, runConfigOf, type SequenceEvalOptions, type SequenceTrainOptions } from './sequence-common.js';
import { loadShakespeare } from './text-data.js';

export interface GptConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
}

/** nanoGPT's shakespeare_char CPU configuration (the twin's). */
export const GPT_CPU_CONFIG: Omit<GptConfig, 'vocabSize'> = { blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false };

export class GPT extends Module {
  readonly config: GptConfig;
  wte: Embedding;
  wpe: Embedding;
  blocks: ModuleList;
  lnf: LayerNorm;
  head: Linear;

  constructor(config: GptConfig, options: { generator?: Generator } = {}) {
    super();
    this.config = { ...config };
    const { vocabSize: V, blockSize, nLayer, nHead, nEmbd: E, dropout, bias } = config;
    this.wte = new Embedding(V, E);
    this.wpe = new Embedding(blockSize, E);
    this.blocks = new ModuleList(Array.from({ length: nLayer }, () => new DecoderBlock(E, nHead, { bias, dropout })));
    this.lnf = new LayerNorm(E, { bias });
    this.head = new Linear(E, V, { bias: false });
    this.head.weight = this.wte.weight; // weight tying: one parameter, two uses
    // GPT-2 initialisation: N(0, 0.02) for every linear and embedding weight, residual
    // projections scaled down by sqrt(2 * nLayer)
    const g = options.generator;
    for (const [name, p] of this.namedParameters()) {
      if (p.ndim !== 2) continue;
      normal_(p, 0, name.endsWith('proj.weight') ? 0.02 / Math.sqrt(2 * nLayer) : 0.02, g);
    }
  }

  /** idx [B, T] int32 (T <= blockSize) -> logits [B, T, vocabSize]. */
  override forward(idx: Tensor): Tensor {
    const T = idx.shape[1];
    if (idx.ndim !== 2 || T > this.config.blockSize) {
      throw new Error(`GPT: expected token ids [batch, T] with T <= ${this.config.blockSize}, got shape [${idx.shape.join(', ')}]`);
    }
    let x = add(this.wte.forward(idx), this.wpe.forward(arange(T, undefined, 1, { dtype: 'int32' })));
    for (const block of this.blocks) x = (block as DecoderBlock).forward(x);
    return this.head.forward(this.lnf.forward(x));
  }

  /** Mean next-token cross-entropy of targets [B, T]. */
  loss(idx: Tensor, targets: Tensor): Tensor {
    const logits = this.forward(idx);
    return crossEntropy(reshape(logits, [-1, this.config.vocabSize]), reshape(targets, [-1]));
  }

  /** Parameters with weight decay (matrices: embeddings and linear weights) and without (norms, biases). */
  paramGroups(weightDecay: number): { params: Tensor[]; weightDecay: number }[] {
    const params = this.parameters();
    return [
      { params: params.filter((p) => p.ndim >= 2), weightDecay },
      { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
    ];
  }
}

/** Loads a GPT state dict, accepting the twin's LayerNorm names (`ln1.w` for `ln1.weight`). */
export function loadGptStateDict(model: GPT, weights: Map<string, Tensor>): void {
  const renamed = new Map<string, Tensor>();
  for (const [k, v] of weights) {
    if (k.endsWith('attn.mask')) continue; // the twin's causal-mask buffer
    renamed.set(k.replace(/(ln1|ln2|lnf)\.w$/, '$1.weight'), v);
  }
  if (!renamed.has('head.weight') && renamed.has('wte.weight')) renamed.set('head.weight', renamed.get('wte.weight')!);
  model.loadStateDict(renamed);
}

/** The learning rate of iteration `it` (nanoGPT's get_lr): linear warm-up, cosine decay, floor. */
export function gptLr(it: number, o: { lr?: number; minLr?: number; warmup?: number; decayIters?: number } = {}): number {
  const lr = o.lr ?? 1e-3, minLr = o.minLr ?? 1e-4, warmup = o.warmup ?? 100, decay = o.decayIters ?? 2000;
  if (it < warmup) return lr * it / warmup;
  if (it > decay) return minLr;
  const r = (it - warmup) / (decay - warmup);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * r)) * (lr - minLr);
}

/** Random windows of `block` tokens (and the next-token targets) from `data`. */
export function getBatch(data: Int32Array, batch: number, block: number, gen: Generator): [Tensor, Tensor] {
  const x = new Int32Array(batch * block), y = new Int32Array(batch * block);
  for (let b = 0; b < batch; b++) {
    const i = gen.randint(0, data.length - block);
    x.set(data.subarray(i, i + block), b * block);
    y.set(data.subarray(i + 1, i + 1 + block), b * block);
  }
  return [fromArray(x, [batch, block]), fromArray(y, [batch, block])];
}

export interface SampleOptions {
  /** Divide the logits by this (default 1; lower is more conservative). */
  temperature?: number;
  /** Sample only among the k most likely tokens. */
  topK?: number;
  generator?: Generator;
}

/** Draws one token id from logits [V] with temperature and top-k. */
export function sampleToken(logits: Float32Array | Float64Array, options: SampleOptions = {}): number {
  const t = options.temperature ?? 1, gen = options.generator ?? new Generator(0);
  const V = logits.length;
  const scaled = Float64Array.from(logits, (v) => v / Math.max(t, 1e-8));
  if (options.topK && options.topK < V) {
    const kth = Float64Array.from(scaled).sort((a, b) => b - a)[options.topK - 1];
    for (let i = 0; i < V; i++) if (scaled[i] < kth) scaled[i] = -Infinity;
  }
  const probs = softmax(fromArray(scaled, [V])).dataSync();
  let r = gen.random(), acc = 0;
  for (let i = 0; i < V; i++) { acc += probs[i]; if (r < acc) return i; }
  for (let i = V - 1; i >= 0; i--) if (probs[i] > 0) return i;
  return V - 1;
}

/**
 * Continues `context` by `maxNewTokens`, yielding each new id as it is drawn (the last blockSize
 * tokens are the model's context, as nanoGPT's generate).
 */
export function* generateTokens(model: GPT, context: Int32Array, maxNewTokens: number, options: SampleOptions = {}): globalThis.Generator<number, void, undefined> {
  const ids = Array.from(context);
  const wasTraining = model.training;
  model.eval();
  try {
    for (let n = 0; n < maxNewTokens; n++) {
      const window = ids.slice(-model.config.blockSize);
      const logits = noGrad(() => {
        const out = model.forward(fromArray(Int32Array.from(window), [1, window.length]));
        return narrow(out, 1, window.length - 1, 1).dataSync();
      }) as Float32Array;
      const next = sampleToken(logits, options);
      ids.push(next);
      yield next;
    }
  } finally {
    model.train(wasTraining);
  }
}

/** Mean loss over `iters` random batches of each split, in eval mode without gradients. */
function estimateLoss(model: GPT, splits: Record<string, Int32Array>, iters: number, batch: number, gen: Generator): Record<string, number> {
  model.eval();
  const out: Record<string, number> = {};
  noGrad(() => {
    for (const [name, data] of Object.entries(splits)) {
      let s = 0;
      for (let i = 0; i < iters; i++) s += model.loss(...getBatch(data, batch, model.config.blockSize, gen)).item();
      out[name] = s / iters;
    }
  });
  model.train();
  return out;
}

export interface PreparedShakespeare {
  path: string;
  tokenizer: CharTokenizer;
  train: Int32Array;
  val: Int32Array;
}

/** Characters as ids (sorted character set), first 90% for training (gpt.py). */
export function prepareShakespeare(data?: string, limit?: number): PreparedShakespeare {
  const { path, text: full } = loadShakespeare(data);
  const tokenizer = CharTokenizer.fromText(full);
  const text = limit ? full.slice(0, limit) : full;
  const ids = tokenizer.encode(text);
  const n = Math.floor(0.9 * ids.length);
  return { path, tokenizer, train: ids.subarray(0, n), val: ids.subarray(n) };
}

async function train(options: SequenceTrainOptions): Promise<Summary> {
  const log = logger(options);
  const maxIters = options.maxIters ?? 2000, evalEvery = options.evalEvery ?? 250, evalIters = options.evalIters ?? 20;
  const batch = options.batchSize ?? 12, lr = options.lr ?? 1e-3, seed = options.seed ?? 1337;
  const data = prepareShakespeare(options.data, options.limit);
  const config: GptConfig = { vocabSize: data.tokenizer.size, ...GPT_CPU_CONFIG };
  manualSeed(seed);
  const gen = new Generator(seed);
  const model = new GPT(config);
  const nParams = model.numParameters() - model.wpe.weight.size;
  log(`gpt: ${data.path}: ${data.train.length} training, ${data.val.length} validation characters, vocabulary ${config.vocabSize}; ` +
    `${(nParams / 1e6).toFixed(3)}M parameters (excl. positions); ${maxIters} iterations on ${getBackendName()}`);
  const run = RunDir.create('gpt', 'runs', options.out);
  const runConfig = { model: 'gpt', dataset: 'tinyshakespeare', architecture: config, tokenizer: 'tokenizer.json',
    training: { maxIters, evalEvery, batchSize: batch, lr, minLr: lr / 10, warmup: 100, decayIters: 2000, weightDecay: 0.1, betas: [0.9, 0.99], gradClip: 1, seed } };
  run.writeJson('config.json', { ...runConfig, backend: getBackendName(), status: 'training' });
  saveTokenizer(data.tokenizer, run.file('tokenizer.json'));
  const opt = new AdamW(model.paramGroups(0.1), { lr, betas: [0.9, 0.99] });
  const params = model.parameters();
  const history: Record<string, number>[] = [];
  const times: number[] = [];
  let trainTime = 0, lastLoss = NaN;
  const runRecord = new RunRecord(run.metricsFile);
  const record = (entry: Record<string, number>) => {
    history.push(entry);
    runRecord.append('eval', entry);
  };
  for (let it = 0; it <= maxIters; it++) {
    if (it % evalEvery === 0 || it === maxIters) {
      const l = estimateLoss(model, { train: data.train, val: data.val }, evalIters, batch, gen);
      const entry = { iter: it, train_loss: round(l.train), val_loss: round(l.val), train_time_s: round(trainTime / 1000, 1), lr: round(gptLr(it, { lr, minLr: lr / 10 }), 6) };
      record(entry);
      log(`gpt: iter ${it}: train loss ${entry.train_loss}, val loss ${entry.val_loss} (${entry.train_time_s} s of training${times.length ? `, ${round(trainTime / times.length, 1)} ms/iter` : ''})`);
    }
    if (it === maxIters) break;
    for (const g of opt.paramGroups) g.lr = gptLr(it, { lr, minLr: lr / 10 });
    const t0 = performance.now();
    const [x, y] = getBatch(data.train, batch, config.blockSize, gen);
    const loss = model.loss(x, y);
    opt.zeroGrad();
    loss.backward();
    clipGradNorm(params, 1.0);
    opt.step();
    lastLoss = loss.item();
    const dt = performance.now() - t0;
    trainTime += dt; times.push(dt);
  }
  const final = estimateLoss(model, { train: data.train, val: data.val }, 10 * evalIters, batch, gen);
  const sorted = (times.length > 20 ? times.slice(10) : times.slice()).sort((a, b) => a - b);
  const msMean = trainTime / Math.max(1, times.length), msMedian = sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN;
  const sample = data.tokenizer.decode([...generateTokens(model, data.tokenizer.encode('\n'), 200, { temperature: 0.8, topK: 40, generator: new Generator(seed) })]);
  saveWeights(model, run.file('model.safetensors'));
  const metrics = { train_loss: round(final.train), val_loss: round(final.val), ms_per_iter: round(msMean, 1), ms_per_iter_median: round(msMedian, 1) };
  run.writeJson('config.json', { ...runConfig, backend: getBackendName(), status: 'done', metrics });
  log(`gpt: final (${10 * evalIters} batches per split): train loss ${metrics.train_loss}, val loss ${metrics.val_loss}; ${metrics.ms_per_iter} ms/iter; sample:\n${sample}`);
  return {
    ...baseSummary('gpt', 'tinyshakespeare'), iters: maxIters, batch_size: batch, block_size: config.blockSize, parameters: nParams,
    ...metrics, last_batch_loss: round(lastLoss), train_seconds: round(trainTime / 1000, 1),
    tokens_per_second: round(times.length * batch * config.blockSize / Math.max(trainTime / 1000, 1e-9), 1),
    sequences_per_second: round(times.length * batch / Math.max(trainTime / 1000, 1e-9), 2),
    // the last periodic evaluation (evalIters batches per split, as nanoGPT reports its losses)
    last_eval: history[history.length - 1], history, sample, run_dir: run.path,
  };
}

/** A trained GPT and its tokenizer from a weights file (its run directory has config.json and tokenizer.json). */
export function loadGpt(weights: string, data?: string): { model: GPT; tokenizer: CharTokenizer } {
  const cfg = runConfigOf(weights);
  const tokFile = join(dirname(weights), (cfg?.tokenizer as string | undefined) ?? 'tokenizer.json');
  const tokenizer = existsSync(tokFile) ? loadTokenizer(tokFile) : prepareShakespeare(data).tokenizer;
  if (!(tokenizer instanceof CharTokenizer)) throw new Error(`${tokFile}: not a character tokenizer`);
  const tensors = weightsOf(readSafetensors(weights));
  const arch = (cfg?.architecture as GptConfig | undefined) ?? { vocabSize: tokenizer.size, ...GPT_CPU_CONFIG };
  const model = new GPT(arch);
  try {
    loadGptStateDict(model, tensors);
  } catch (e) {
    throw new Error(`${weights}: ${(e as Error).message}`);
  }
  return { model, tokenizer };
}

async function evaluate(options: SequenceEvalOptions): Promise<Summary> {
  const { model } = loadGpt(options.weights, options.data);
  const data = prepareShakespeare(options.data);
  const l = estimateLoss(model, { train: data.train, val: data.val }, 200, 12, new Generator(options.seed ?? 1337));
  return { ...baseSummary('gpt', 'tinyshakespeare'), weights: options.weights, train_loss: round(l.train), val_loss: round(l.val) };
}

export const gpt: ZooModel = {
  name: 'gpt',
  description: 'character-level GPT on tiny Shakespeare (nanoGPT CPU configuration)',
  train,
  evaluate,
};
