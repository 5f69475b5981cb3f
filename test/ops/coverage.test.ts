// The op x backend coverage matrix (src/ops/coverage.ts): docs/ops.md must be what it renders
// now, and the native backend must implement every kernel the zoo models call on float32 data,
// found by tracing one training step and one evaluation of a small instance of each model.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { coverageGaps, coverageMarkdown, defaultTargets, opCoverage } from '../../src/ops/coverage.js';
import { jsBackendInstance, withBackend } from '../../src/backend/index.js';
import { createNativeBackend, loadAddon, loadNativeBackend } from '../../src/backend/native/index.js';
import { KERNELS } from '../../src/backend/kernels.js';
import { traceKernels } from '../../src/backend/trace.js';
import { OP_TABLE } from '../../src/ops/table.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { fromArray, rand, randn } from '../../src/tensor/creation.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { TensorDataset } from '../../src/data/dataset.js';
import type { Module } from '../../src/nn/module.js';
import { crossEntropy, binaryCrossEntropyWithLogits } from '../../src/nn/losses.js';
import { bernoulliReconstructionLoss, gaussianKl } from '../../src/nn/generative.js';
import { add, mul } from '../../src/ops/index.js';
import { Adam, AdamW } from '../../src/optim/adam.js';
import { clipGradNorm } from '../../src/optim/clip.js';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import { buildMlp } from '../../src/models/mlp.js';
import { buildCnn } from '../../src/models/cnn.js';
import { LstmClassifier } from '../../src/models/lstm.js';
import { GPT, getBatch } from '../../src/models/gpt.js';
import { BertForMaskedLM, BertForSequenceClassification, type BertConfig } from '../../src/models/bert-mini.js';
import { Vae, vaeLoss, evaluateVae } from '../../src/models/vae.js';
import { DenoisingVae, addNoise, evaluateDenoising } from '../../src/models/dvae.js';
import { buildDiscriminator, buildGenerator, ganStep, sampleGan } from '../../src/models/gan.js';

const native = loadNativeBackend(jsBackendInstance());
const noNative = !native.backend && `native backend unavailable (${native.reason})`;

// --- the zoo, small: one float32 training step and one evaluation each ----------------------

const f32 = (shape: number[], lo = 0, hi = 1) => add(mul(rand(shape), hi - lo), lo);
const ints = (shape: number[], low: number, high: number, g: Generator) =>
  fromArray(Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => g.randint(low, high)), shape);

/** Trainer.trainStep then Trainer.evaluate, as the zoo's Trainer-based models do. */
function trainerStepAndEval(model: Module, x: Tensor, y: Tensor, options: TrainerOptions): void {
  const trainer = new Trainer(model, options);
  trainer.trainStep(x, y);
  trainer.evaluate(new TensorDataset(x, y));
}

const tinyBert = (vocabSize: number): BertConfig => ({ vocabSize, maxLen: 8, dModel: 8, nLayer: 1, nHead: 2, dimFeedforward: 16, dropout: 0.1 });

/** bert ids [2, 8]: row 1 padded, and a padding column in both rows (the encoder trims it). */
const bertIds = () => fromArray(Int32Array.from([3, 5, 6, 7, 8, 9, 4, 0, 3, 10, 11, 4, 0, 0, 0, 0]), [2, 8]);

const ZOO: { name: string; run: (g: Generator) => void }[] = [
  { name: 'mlp', run: (g) => {
    const model = buildMlp(4, 3);
    trainerStepAndEval(model, f32([8, 4], -1, 1), ints([8], 0, 3, g), { optimizer: new Adam(model.parameters()), loss: crossEntropy, metrics: ['accuracy'] });
  } },
  { name: 'cnn', run: (g) => {
    const model = buildCnn();
    trainerStepAndEval(model, f32([2, 1, 28, 28]), ints([2], 0, 10, g), { optimizer: new Adam(model.parameters()), loss: crossEntropy, metrics: ['accuracy'] });
  } },
  ...(['lstm', 'gru'] as const).map((cell) => ({ name: `lstm (${cell})`, run: (g: Generator) => {
    const model = new LstmClassifier({ cell, vocabSize: 20, embedDim: 8, hidden: 8 });
    const y = fromArray(Float32Array.from({ length: 4 }, () => g.randint(0, 2)), [4]);
    trainerStepAndEval(model, ints([4, 6], 0, 20, g), y, {
      optimizer: new Adam(model.parameters(), { eps: 1e-7 }), loss: (o, t) => binaryCrossEntropyWithLogits(o, t), metrics: ['accuracy'],
    });
  } })),
  { name: 'gpt', run: (g) => {
    const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, bias: false });
    const data = Int32Array.from({ length: 64 }, () => g.randint(0, 11));
    const opt = new AdamW(model.paramGroups(0.1), { lr: 1e-3, betas: [0.9, 0.99] });
    const loss = model.loss(...getBatch(data, 2, 8, g));
    opt.zeroGrad(); loss.backward(); clipGradNorm(model.parameters(), 1.0); opt.step();
    model.eval();
    noGrad(() => model.loss(...getBatch(data, 2, 8, g)).item());
  } },
  { name: 'bert-mini (masked LM)', run: () => {
    const model = new BertForMaskedLM(tinyBert(12));
    const params = model.parameters();
    const opt = new AdamW([{ params: params.filter((p) => p.ndim >= 2), weightDecay: 0.01 }, { params: params.filter((p) => p.ndim < 2), weightDecay: 0 }]);
    const positions = fromArray(Int32Array.from([1, 2, 9]), [3]), labels = fromArray(Int32Array.from([5, 6, 10]), [3]);
    const loss = crossEntropy(model.forward(bertIds(), positions), labels);
    opt.zeroGrad(); loss.backward(); clipGradNorm(params, 1.0); opt.step();
    model.eval();
    noGrad(() => { const logits = model.forward(bertIds(), positions); crossEntropy(logits, labels).item(); logits.argmax(1).dataSync(); });
  } },
  { name: 'bert-mini (classifier)', run: () => {
    const model = new BertForSequenceClassification(tinyBert(12));
    trainerStepAndEval(model, bertIds(), fromArray(Int32Array.from([0, 1]), [2]), {
      optimizer: new AdamW(model.parameters()), loss: (o, y) => crossEntropy(o, y), metrics: ['accuracy'], gradClipNorm: 1.0,
    });
  } },
  { name: 'vae', run: (g) => {
    const model = new Vae(4, 16);
    const images = f32([4, 1, 28, 28]), x = images.reshape([4, 784]);
    const opt = new Adam(model.parameters());
    const { loss } = vaeLoss(model.forward(x, g), x);
    opt.zeroGrad(); loss.backward(); opt.step();
    evaluateVae(model, new TensorDataset(images), g);
  } },
  { name: 'dvae', run: (g) => {
    const model = new DenoisingVae(4);
    const clean = f32([2, 1, 28, 28]);
    const opt = new Adam(model.parameters());
    const out = model.forward(addNoise(clean, g), g);
    const loss = add(bernoulliReconstructionLoss(out.logits, clean), gaussianKl(out.mu, out.logvar));
    opt.zeroGrad(); loss.backward(); opt.step();
    evaluateDenoising(model, new TensorDataset(clean), g);
  } },
  { name: 'gan', run: (g) => {
    const gen = buildGenerator(8, 4), disc = buildDiscriminator(4);
    const optG = new Adam(gen.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    const optD = new Adam(disc.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
    ganStep(gen, disc, optG, optD, f32([2, 1, 28, 28], -1, 1), randn([2, 8], { generator: g }));
    sampleGan(gen, 2, g);
  } },
];

describe('op x backend coverage', () => {
  // measured once: every op-table sample, forward and backward, on js (float64) and native (float32)
  const rows = native.backend ? opCoverage(defaultTargets(jsBackendInstance(), native.backend)) : [];

  test('docs/ops.md is the matrix coverage.ts renders now (regenerate: node scripts/op-coverage.js)', { skip: noNative }, () => {
    const want = coverageMarkdown(defaultTargets(jsBackendInstance(), native.backend!));
    const got = readFileSync(new URL('../../../docs/ops.md', import.meta.url), 'utf8');
    if (got === want) return;
    const g = got.split('\n'), w = want.split('\n');
    const first = w.findIndex((line, k) => line !== g[k]), i = first < 0 ? w.length : first;
    assert.fail(`docs/ops.md is stale (line ${i + 1}: has ${JSON.stringify(g[i])}, should be ${JSON.stringify(w[i])}); ` +
      'run `npx tsc -p . && node scripts/op-coverage.js`');
  });

  test('every op runs each kernel of its forward and backward natively on float32 (measured)', { skip: noNative }, () => {
    assert.deepEqual(coverageGaps(rows, 'native'), [], 'ops whose float32 kernels the native backend hands to js');
    assert.deepEqual(coverageGaps(rows, 'js'), []);
    for (const r of rows) {
      if (r.op === 'reshape' || r.op === 'flatten' || r.op === 'unsqueeze') continue; // views: no kernel
      assert.ok(r.backends.native.kernels.length > 0, `no kernel traced for ${r.op}`);
    }
  });

  test('a native kernel deleted from the declarations makes the check fail, naming the ops that use it', { skip: noNative }, () => {
    const specs = { ...KERNELS, softmaxBackward: { ...KERNELS.softmaxBackward, native: [] } };
    const crippled = createNativeBackend(loadAddon().addon!, jsBackendInstance(), specs);
    const ops = OP_TABLE.filter((o) => ['softmax', 'logSoftmax', 'add'].includes(o.name));
    const gaps = coverageGaps(opCoverage([{ backend: crippled, dtype: 'float32' }], ops), 'native');
    assert.deepEqual(gaps, ['softmax: softmaxBackward', 'logSoftmax: softmaxBackward']);
  });

  test('the native backend runs every kernel the zoo models call on float32 data (traced)', { skip: noNative }, () => {
    const b = native.backend!;
    const fallbacks = new Map<string, Set<string>>();
    const perModel = new Map<string, number>();
    for (const m of ZOO) {
      manualSeed(0);
      const calls = withBackend(b, () => traceKernels(b, () => m.run(new Generator(1))));
      perModel.set(m.name, calls.length);
      for (const c of calls) {
        if (c.handled || !c.dtypes.includes('float32')) continue;
        if (!fallbacks.has(c.use)) fallbacks.set(c.use, new Set());
        fallbacks.get(c.use)!.add(m.name);
      }
    }
    // the trace saw every model (a kernel called through a cached reference would escape it)
    for (const m of ZOO) assert.ok((perModel.get(m.name) ?? 0) > 0, `no kernel call traced for ${m.name}`);
    assert.deepEqual([...fallbacks].map(([use, models]) => `${use} (${[...models].join(', ')})`), [],
      'kernels the zoo calls on float32 data that the native backend hands to js');
  });
});
