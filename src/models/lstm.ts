// The seed's LSTM sentiment classifier on MR sentence polarity, and its GRU variant:
//   Embedding(10000, 128) -> LSTM(128, all steps) -> Dropout(0.5) -> LSTM(128, last step)
//   -> Dropout(0.5) -> Linear(128, 1) (a logit; sigmoid + binary cross-entropy)
// Adam (lr 1e-3, eps 1e-7), batch 64, 10 epochs, Keras-like initialisation (embedding
// U(-0.05, 0.05), Glorot input weights, orthogonal recurrent weights, forget-gate bias 1), data
// prepared as the PyTorch twin ../shared/bench/pytorch/lstm.py + polarity.py does. State-dict
// names are the twin's (emb, l1, l2, out), so the twin's weights load.

import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/creation.js';
import { Module } from '../nn/module.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { LSTM, GRU, orthogonal_ } from '../nn/layers/rnn.js';
import { uniform_, xavierUniform_, zeros_ } from '../nn/init.js';
import { binaryCrossEntropyWithLogits } from '../nn/losses.js';
import { dropout, select, squeeze } from '../ops/index.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Adam } from '../optim/adam.js';
import { Trainer } from '../train/trainer.js';
import { loadWeights } from '../io/weights.js';
import { manualSeed } from '../tensor/random.js';
import { baseSummary, round, startRun, type Summary, type ZooModel } from './common.js';
import { finishSentimentRun, logger, runConfigOf, type SequenceEvalOptions, type SequenceTrainOptions } from './sequence-common.js';
import { loadMrPolarity, MR_MAXLEN, MR_VOCAB } from './text-data.js';

export type CellType = 'lstm' | 'gru';

export interface LstmClassifierOptions {
  cell?: CellType;
  vocabSize?: number;
  embedDim?: number;
  hidden?: number;
  dropout?: number;
}

export class LstmClassifier extends Module {
  readonly cell: CellType;
  readonly p: number;
  emb: Embedding;
  l1: LSTM | GRU;
  l2: LSTM | GRU;
  out: Linear;

  constructor(options: LstmClassifierOptions = {}) {
    super();
    const cell = options.cell ?? 'lstm', V = options.vocabSize ?? MR_VOCAB, E = options.embedDim ?? 128, H = options.hidden ?? 128;
    if (cell !== 'lstm' && cell !== 'gru') throw new Error(`lstm: --cell must be 'lstm' or 'gru', got '${String(cell)}'`);
    this.cell = cell;
    this.p = options.dropout ?? 0.5;
    this.emb = new Embedding(V, E);
    const Rnn = cell === 'lstm' ? LSTM : GRU;
    this.l1 = new Rnn(E, H, { batchFirst: true });
    this.l2 = new Rnn(H, H, { batchFirst: true });
    this.out = new Linear(H, 1);
    // Keras-like initialisation, as the twin
    uniform_(this.emb.weight, -0.05, 0.05);
    for (const l of [this.l1, this.l2]) {
      const [wIh, wHh, bIh, bHh] = l.layerParameters(0, 0);
      xavierUniform_(wIh); orthogonal_(wHh); zeros_(bIh!); zeros_(bHh!);
      if (cell === 'lstm') {
        // unit forget bias: bias_ih[H:2H] = 1
        const b = new Float64Array(bIh!.size).fill(1, H, 2 * H);
        noGrad(() => bIh!.copy_(fromArray(b, bIh!.shape, { dtype: bIh!.dtype })));
      }
    }
    xavierUniform_(this.out.weight); zeros_(this.out.bias!);
  }

  /** ids [B, T] int32 -> logits [B]. */
  override forward(ids: Tensor): Tensor {
    const [h1] = this.l1.forward(this.emb.forward(ids));
    const [, state] = this.l2.forward(dropout(h1, this.p, this.training)) as [Tensor, Tensor | [Tensor, Tensor]];
    const hN = Array.isArray(state) ? state[0] : state; // [1, B, H]
    return squeeze(this.out.forward(dropout(select(hN, 0, -1), this.p, this.training)), 1);
  }
}

async function train(options: SequenceTrainOptions): Promise<Summary> {
  const cell = (options.cell ?? 'lstm') as CellType;
  const epochs = options.epochs ?? 10, batchSize = options.batchSize ?? 64, lr = options.lr ?? 1e-3, seed = options.seed ?? 0;
  const log = logger(options);
  const data = loadMrPolarity({ data: options.data, limit: options.limit });
  log(`lstm: MR polarity from ${data.dir}: ${data.train.length} training, ${data.test.length} validation sentences, vocabulary ${data.tokenizer.size}, cell ${cell}`);
  const { run, callbacks } = startRun('lstm', options, { dataset: 'mr-polarity', cell, epochs, batchSize, lr, seed, limit: options.limit ?? null });
  manualSeed(seed);
  const model = new LstmClassifier({ cell, vocabSize: data.tokenizer.size });
  const trainer = new Trainer(model, {
    optimizer: new Adam(model.parameters(), { lr, eps: 1e-7 }),
    loss: (out, y) => binaryCrossEntropyWithLogits(out, y), metrics: ['accuracy'],
  });
  const history = await trainer.fit(data.train, { epochs, batchSize, seed, validation: data.test, callbacks, progress: options.progress, evalBatchSize: 512 });
  const perEpoch = history.epochs.map((e) => ({
    epoch: e.epoch, train_loss: round(e.loss), train_accuracy: round(e.accuracy), val_loss: round(e.val_loss), val_accuracy: round(e.val_accuracy),
    samples_per_second: round(e.samples_per_second, 1),
  }));
  return finishSentimentRun({
    name: 'lstm', run, model, tokenizer: data.tokenizer, perEpoch, history, log,
    config: {
      cell, architecture: { vocabSize: data.tokenizer.size, embedDim: 128, hidden: 128, dropout: 0.5 },
      input: { shape: [MR_MAXLEN], dtype: 'int32', tokenizer: 'tokenizer.json', padding: 'pre', truncating: 'pre' },
    },
    training: { epochs, batchSize, lr, seed, optimizer: 'Adam' },
    summary: { cell },
  });
}

async function evaluate(options: SequenceEvalOptions): Promise<Summary> {
  const cfg = runConfigOf(options.weights);
  const cell = (cfg?.cell as CellType | undefined) ?? 'lstm';
  const data = loadMrPolarity({ data: options.data, limit: options.limit });
  const model = new LstmClassifier({ cell, vocabSize: data.tokenizer.size });
  loadWeights(model, options.weights);
  const trainer = new Trainer(model, { optimizer: new Adam(model.parameters()), loss: (o, y) => binaryCrossEntropyWithLogits(o, y), metrics: ['accuracy'] });
  const logs = trainer.evaluate(data.test, { batchSize: 512 });
  return { ...baseSummary('lstm', 'mr-polarity'), cell, weights: options.weights, val_samples: data.test.length, val_accuracy: round(logs.accuracy), val_loss: round(logs.loss) };
}

export const lstm: ZooModel = {
  name: 'lstm',
  description: 'LSTM (or --cell gru) sentiment classifier on MR sentence polarity',
  train,
  evaluate,
};
