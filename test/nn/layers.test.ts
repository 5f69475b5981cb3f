import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { Module } from '../../src/nn/module.js';
import { ones, randn, tensor, zeros } from '../../src/tensor/creation.js';
import { Generator } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { smallCnn, values } from './helpers.js';
import { fixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

interface LayerCase {
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  mode: 'train' | 'eval';
  warmupMode: 'train' | 'eval';
  state: Record<string, FixtureTensor>;
  warmup: FixtureTensor[];
  input: FixtureTensor;
  v: FixtureTensor;
  output: FixtureTensor;
  gradInput: FixtureTensor | null;
  gradParams: Record<string, FixtureTensor>;
  stateAfter: Record<string, FixtureTensor>;
}

const fixture = readFixture<{ cases: LayerCase[] }>('nn/layers.json');
/** float64 against PyTorch's float64. */
const TOL = { rtol: 1e-6, atol: 1e-6 };

/** Builds the layer a fixture case describes, through the public constructors. */
function build(c: LayerCase): Module {
  if (c.layer === 'smallCnn') return smallCnn();
  const Ctor = (nn as unknown as Record<string, new (...args: unknown[]) => Module>)[c.layer];
  assert.ok(Ctor, `no layer ${c.layer}`);
  return Object.keys(c.options).length ? new Ctor(...c.args, c.options) : new Ctor(...c.args);
}

for (const c of fixture.cases) {
  test(`${c.name} matches PyTorch (output, gradients, state)`, () => {
    const m = build(c).double();
    m.loadStateDict(new Map(Object.entries(c.state).map(([k, e]) => [k, fixtureTensor(e)])));
    m.train(c.warmupMode === 'train');
    for (const w of c.warmup) m.forward(fixtureTensor(w));
    m.train(c.mode === 'train');
    const x = fixtureTensor(c.input, { requiresGrad: true });
    const out = m.forward(x) as Tensor;
    assertClose(out, fixtureTensor(c.output), { ...TOL, label: 'output' });
    out.backward(fixtureTensor(c.v));
    if (c.gradInput) assertClose(x.grad, fixtureTensor(c.gradInput), { ...TOL, label: 'input gradient' });
    const params = new Map(m.namedParameters());
    assert.deepEqual([...params.keys()].sort(), Object.keys(c.gradParams).sort(), 'parameters with gradients');
    for (const [name, g] of Object.entries(c.gradParams)) assertClose(params.get(name)!.grad, fixtureTensor(g), { ...TOL, label: `gradient of ${name}` });
    const after = m.stateDict();
    assert.deepEqual([...after.keys()], Object.keys(c.stateAfter), 'state-dict keys');
    for (const [name, s] of Object.entries(c.stateAfter)) assertClose(after.get(name), fixtureTensor(s), { ...TOL, label: `state ${name} after the run` });
  });
}

test('default initialisation follows PyTorch: Linear/Conv2d bounds, Embedding N(0,1), norms 1 and 0', () => {
  const g = new Generator(7);
  const lin = new nn.Linear(400, 300, { generator: g });
  const bound = 1 / Math.sqrt(400);
  for (const p of [lin.weight, lin.bias!]) {
    const v = values(p);
    assert.ok(v.every((x) => Math.abs(x) <= bound), 'within 1/sqrt(fanIn)');
    assert.ok(Math.max(...v.map(Math.abs)) > 0.95 * bound, 'reaches close to the bound');
  }
  const w = values(lin.weight);
  const variance = w.reduce((s, x) => s + x * x, 0) / w.length;
  assert.ok(Math.abs(variance - bound * bound / 3) < 0.05 * bound * bound / 3, `uniform variance ${variance}`);
  const conv = new nn.Conv2d(6, 8, [3, 5], { groups: 2, generator: g });
  const cb = 1 / Math.sqrt(3 * 3 * 5); // fanIn = in / groups * kh * kw
  assert.ok(values(conv.weight).every((x) => Math.abs(x) <= cb) && Math.max(...values(conv.weight).map(Math.abs)) > 0.9 * cb);
  assert.ok(values(conv.bias!).every((x) => Math.abs(x) <= cb));
  const emb = new nn.Embedding(100, 50, { paddingIdx: 3, generator: g });
  const e = values(emb.weight);
  const row3 = e.slice(150, 200);
  assert.ok(row3.every((x) => x === 0), 'padding row is zero');
  const rest = e.filter((_, i) => i < 150 || i >= 200);
  const mean = rest.reduce((s, x) => s + x, 0) / rest.length;
  const varE = rest.reduce((s, x) => s + (x - mean) ** 2, 0) / rest.length;
  assert.ok(Math.abs(mean) < 0.05 && Math.abs(varE - 1) < 0.06, `N(0,1): mean ${mean}, var ${varE}`);
  const bn = new nn.BatchNorm2d(4);
  assert.deepEqual(values(bn.weight!), [1, 1, 1, 1]);
  assert.deepEqual(values(bn.bias!), [0, 0, 0, 0]);
  assert.deepEqual(values(bn.runningMean!), [0, 0, 0, 0]);
  assert.deepEqual(values(bn.runningVar!), [1, 1, 1, 1]);
  assert.equal(bn.numBatchesTracked!.dtype, 'int32');
  const ln = new nn.LayerNorm([2, 3]);
  assert.deepEqual(ln.weight!.shape, [2, 3]);
  assert.deepEqual(values(ln.weight!), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(values(ln.bias!), [0, 0, 0, 0, 0, 0]);
});

test('a generator makes initialisation reproducible', () => {
  const a = new nn.Linear(5, 4, { generator: new Generator(3) });
  const b = new nn.Linear(5, 4, { generator: new Generator(3) });
  const c = new nn.Linear(5, 4, { generator: new Generator(4) });
  assert.deepEqual(values(a.weight), values(b.weight));
  assert.notDeepEqual(values(a.weight), values(c.weight));
});

test('Dropout drops and rescales in training mode only', () => {
  const d = new nn.Dropout(0.25, { generator: new Generator(1) });
  const x = ones([4000]);
  const y = values(d.forward(x));
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6), 'kept values are scaled by 1/(1-p)');
  assert.ok(Math.abs(zeros / 4000 - 0.25) < 0.03, `drop rate ${zeros / 4000}`);
  d.eval();
  assert.deepEqual(values(d.forward(x)), values(x));
  const model = new nn.Sequential(new nn.Linear(3, 3), new nn.Dropout(0.5));
  model.eval();
  assert.equal((model.at(1) as nn.Dropout).training, false, 'eval() reaches children');
  model.train();
  assert.equal((model.at(1) as nn.Dropout).training, true);
});

test('BatchNorm uses batch statistics in training and running statistics in eval', () => {
  const bn = new nn.BatchNorm1d(2, { dtype: 'float64' });
  const x = tensor([[1, 10], [3, 20], [5, 60]], { dtype: 'float64' });
  // training: per-column standardisation with the biased variance
  const y = values(bn.forward(x));
  const col0 = [1, 3, 5], m0 = 3, v0 = 8 / 3;
  assertClose(col0.map((_, i) => y[i * 2]), col0.map((v) => (v - m0) / Math.sqrt(v0 + 1e-5)), { rtol: 0, atol: 1e-9, label: 'column 0' });
  // running stats moved 10% toward the batch mean and the unbiased variance
  assertClose(values(bn.runningMean!)[0], 0.3, { rtol: 0, atol: 1e-12, label: 'running mean' });
  assertClose(values(bn.runningVar!)[0], 0.9 + 0.1 * 4, { rtol: 0, atol: 1e-12, label: 'running variance' });
  assert.equal(bn.numBatchesTracked!.item(), 1);
  bn.eval();
  const ye = values(bn.forward(x));
  assertClose(ye[0], (1 - 0.3) / Math.sqrt(1.3 + 1e-5), { rtol: 0, atol: 1e-9, label: 'eval normalises with the running statistics' });
  assert.equal(bn.numBatchesTracked!.item(), 1, 'eval does not count batches');
  assert.deepEqual(values(bn.runningMean!).map((v) => Math.round(v * 1e9) / 1e9), [0.3, 3], 'eval leaves running stats alone');
});

test('layers name themselves, the expected and the actual shape in errors', () => {
  assert.throws(() => new nn.Linear(4, 2).forward(zeros([3, 5])), /Linear: expected input \[\.\.\., 4\].*got \[3,5\]/);
  assert.throws(() => new nn.Conv2d(3, 4, 3).forward(zeros([2, 1, 8, 8])), /Conv2d: expected input \[N, 3, H, W\].*got \[2,1,8,8\]/);
  assert.throws(() => new nn.BatchNorm2d(3).forward(zeros([2, 3, 4])), /BatchNorm2d: expected 4-D input.*got \[2,3,4\]/);
  assert.throws(() => new nn.BatchNorm1d(3).forward(zeros([2, 4])), /BatchNorm1d: expected 3 channels.*got input \[2,4\]/);
  assert.throws(() => new nn.LayerNorm([3, 4]).forward(zeros([2, 4, 3])), /LayerNorm: expected input \[\.\.\., 3, 4\].*got \[2,4,3\]/);
  assert.throws(() => new nn.Embedding(5, 2).forward(zeros([3])), /Embedding: indices must be int32/);
  assert.throws(() => new nn.Embedding(5, 2).forward(tensor([1, 5], { dtype: 'int32' })), /out of range|5/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /inChannels 3 must be divisible by groups 2/);
  assert.throws(() => new nn.Conv2d(2, 4, 3, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided/);
  assert.throws(() => new nn.Embedding(5, 2, { paddingIdx: 5 }), /paddingIdx 5/);
  assert.throws(() => new nn.Dropout(1.5), /Dropout: probability/);
  assert.throws(() => new nn.MaxPool2d(2).forward(zeros([4, 4])), /MaxPool2d: expected input \[N, C, H, W\]/);
  assert.throws(() => new nn.AvgPool2d(2).forward(zeros([4, 4])), /AvgPool2d: expected input \[N, C, H, W\] or \[C, H, W\], got \[4,4\]/);
  assert.throws(() => new nn.AvgPool2d(0), /AvgPool2d: kernelSize/);
  assert.throws(() => new nn.Conv2d(3, 4, [3, 0]), /Conv2d: kernelSize/);
  assert.throws(() => new nn.ConvTranspose2d(2, 4, 3, { groups: 0 }), /ConvTranspose2d: groups must be an integer >= 1, got 0/);
  assert.throws(() => new nn.ConvTranspose2d(2, 3, 3, { groups: 2 }), /ConvTranspose2d: outChannels 3 must be divisible by groups 2/);
});

test('Embedding.fromPretrained shares the table and freezes it by default', () => {
  const table = randn([4, 3]);
  const e = nn.Embedding.fromPretrained(table);
  assert.equal(e.weight.requiresGrad, false);
  assert.deepEqual(values(e.forward(tensor([2], { dtype: 'int32' }))), values(table).slice(6, 9));
  assert.equal(nn.Embedding.fromPretrained(table, { freeze: false }).weight.requiresGrad, true);
});

test('gradients flow through a model built from layers (float32 end to end)', () => {
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.BatchNorm2d(2), new nn.ReLU(),
    new nn.AvgPool2d(2), new nn.Flatten(), new nn.Linear(8, 3), new nn.LayerNorm(3), new nn.GELU());
  const y = model.forward(randn([2, 1, 4, 4]));
  assert.deepEqual(y.shape, [2, 3]);
  noGrad(() => assert.equal(model.forward(randn([2, 1, 4, 4])).requiresGrad, false));
  y.sum().backward();
  for (const [name, p] of model.namedParameters()) assert.ok(p.grad && p.grad.dtype === 'float32', `${name} has a gradient`);
});
