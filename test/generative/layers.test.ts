// ConvTranspose2d, BatchNorm2d and Upsample against PyTorch (test/fixtures/generative/
// gen_generative_fixtures.py): outputs, input and parameter gradients, and state after the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import type { Module } from '../../src/nn/module.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randn, zeros } from '../../src/tensor/creation.js';
import { Generator } from '../../src/tensor/random.js';
import { fixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

interface LayerCase {
  name: string; layer: string; args: unknown[]; options: Record<string, unknown>;
  mode: 'train' | 'eval'; warmupMode: 'train' | 'eval';
  state: Record<string, FixtureTensor>; warmup: FixtureTensor[];
  input: FixtureTensor; v: FixtureTensor; output: FixtureTensor; gradInput: FixtureTensor;
  gradParams: Record<string, FixtureTensor>; stateAfter: Record<string, FixtureTensor>;
}

const { cases } = readFixture<{ cases: LayerCase[] }>('generative/layers.json');
/** float64 against PyTorch's float64, within the 1e-4 the test names promise. */
const TOL = { rtol: 1e-4, atol: 1e-4 };

function build(c: LayerCase): Module {
  const Ctor = (nn as unknown as Record<string, new (...args: unknown[]) => Module>)[c.layer];
  assert.ok(Ctor, `no layer ${c.layer}`);
  return Object.keys(c.options).length ? new Ctor(...c.args, c.options) : new Ctor(...c.args);
}

for (const c of cases) {
  test(`${c.name} matches PyTorch to 1e-4 (output, gradients, state)`, () => {
    const m = build(c).double();
    m.loadStateDict(new Map(Object.entries(c.state).map(([k, e]) => [k, fixtureTensor(e)])));
    m.train(c.warmupMode === 'train');
    for (const w of c.warmup) m.forward(fixtureTensor(w));
    m.train(c.mode === 'train');
    const x = fixtureTensor(c.input, { requiresGrad: true });
    const out = m.forward(x) as Tensor;
    assertClose(out, fixtureTensor(c.output), { ...TOL, label: 'output' });
    out.backward(fixtureTensor(c.v));
    assertClose(x.grad, fixtureTensor(c.gradInput), { ...TOL, label: 'input gradient' });
    const params = new Map(m.namedParameters());
    assert.deepEqual([...params.keys()].sort(), Object.keys(c.gradParams).sort());
    for (const [name, g] of Object.entries(c.gradParams)) assertClose(params.get(name)!.grad, fixtureTensor(g), { ...TOL, label: `gradient of ${name}` });
    const after = m.stateDict();
    assert.deepEqual([...after.keys()], Object.keys(c.stateAfter), 'state-dict keys');
    for (const [name, s] of Object.entries(c.stateAfter)) assertClose(after.get(name), fixtureTensor(s), { ...TOL, label: `state ${name} after the call` });
  });
}

test('ConvTranspose2d: PyTorch layout, default init bounds, output size formula, clear errors', () => {
  const ct = new nn.ConvTranspose2d(6, 4, [3, 5], { stride: 2, padding: 1, outputPadding: 1, groups: 2, generator: new Generator(3) });
  assert.deepEqual(ct.weight.shape, [6, 2, 3, 5]);
  assert.deepEqual(ct.bias!.shape, [4]);
  assert.deepEqual([...ct.stateDict().keys()], ['weight', 'bias']);
  // PyTorch reads the fan-in of a transposed convolution from weight dim 1: out/groups * kh * kw
  const bound = 1 / Math.sqrt(2 * 3 * 5);
  const w = Array.from(ct.weight.dataSync());
  assert.ok(w.every((v) => Math.abs(v) <= bound) && Math.max(...w.map(Math.abs)) > 0.9 * bound);
  assert.ok(Array.from(ct.bias!.dataSync()).every((v) => Math.abs(v) <= bound));
  // H_out = (H - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1
  assert.deepEqual(ct.forward(randn([2, 6, 7, 4])).shape, [2, 4, 14, 10]);
  assert.deepEqual(new nn.ConvTranspose2d(128, 64, 4, { stride: 2, padding: 1 }).forward(zeros([1, 128, 7, 7])).shape, [1, 64, 14, 14]);
  assert.match(ct.toString(), /ConvTranspose2d\(6, 4, kernelSize=\(3, 5\), stride=\(2, 2\), padding=\(1, 1\), outputPadding=\(1, 1\), groups=2\)/);
  assert.throws(() => ct.forward(zeros([1, 5, 3, 3])), /ConvTranspose2d: expected input \[N, 6, H, W\].*got \[1,5,3,3\]/);
  assert.throws(() => new nn.ConvTranspose2d(2, 2, 3, { stride: 2, outputPadding: 2 }), /outputPadding \(2, 2\) must be smaller than either stride/);
  assert.throws(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 }), /inChannels 3 must be divisible by groups 2/);
});

test('Upsample: integer factors repeat pixels, a size resamples; bad options are refused', () => {
  const x = randn([1, 1, 2, 2]);
  const y = new nn.Upsample({ scaleFactor: 2 }).forward(x);
  const xs = x.dataSync(), ys = y.dataSync();
  assert.deepEqual(y.shape, [1, 1, 4, 4]);
  assert.equal(ys[0], xs[0]); assert.equal(ys[1], xs[0]); assert.equal(ys[4], xs[0]); assert.equal(ys[2], xs[1]); assert.equal(ys[15], xs[3]);
  assert.deepEqual(new nn.Upsample({ scaleFactor: 1.5 }).forward(randn([2, 3, 4, 4])).shape, [2, 3, 6, 6]);
  assert.throws(() => new nn.Upsample({}), /exactly one of size and scaleFactor/);
  assert.throws(() => new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' as 'nearest' }), /mode 'bilinear' is not supported/);
});

test('BatchNorm2d: num_batches_tracked counts training batches and survives a state-dict round trip', () => {
  const bn = new nn.BatchNorm2d(3);
  for (let i = 0; i < 3; i++) bn.forward(randn([4, 3, 2, 2]));
  bn.eval();
  bn.forward(randn([4, 3, 2, 2]));
  assert.equal(bn.numBatchesTracked!.item(), 3);
  const copy = new nn.BatchNorm2d(3);
  copy.loadStateDict(bn.stateDict());
  assert.equal(copy.numBatchesTracked!.item(), 3);
  assert.deepEqual(Array.from(copy.runningVar!.dataSync()), Array.from(bn.runningVar!.dataSync()));
});
