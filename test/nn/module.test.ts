import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { Module, Parameter, Sequential, ModuleList, ModuleDict, Linear, ReLU } from '../../src/nn/index.js';
import { full, ones, randn, tensor, zeros } from '../../src/tensor/creation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { backend } from '../../src/backend/index.js';
import { smallCnn, values } from './helpers.js';
import { readFixture } from '../helpers/fixtures.js';

const keysFixture = readFixture<{ models: Record<string, unknown> }>('nn/state_dict_keys.json').models;
const torchKeys = (name: string) => keysFixture[name] as [string, number[]][];

function mnistCnn(): Sequential {
  return new Sequential(
    new nn.Conv2d(1, 32, 3), new ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(64, 64, 3), new ReLU(),
    new nn.Flatten(), new Linear(576, 64), new ReLU(), new Linear(64, 10));
}

function bnCnn(): Sequential {
  return new Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new ReLU(),
    new nn.Flatten(), new Linear(8 * 4 * 4, 16), new nn.BatchNorm1d(16), new Linear(16, 2));
}

/** The PyTorch module `Nested` of gen_nn_fixtures.py, written the TypeScript way (fields). */
class Nested extends Module {
  embed = new nn.Embedding(10, 4, { paddingIdx: 0 });
  blocks = new ModuleList([0, 1].map(() => new Sequential(new Linear(4, 4), new nn.LayerNorm(4))));
  norm = new nn.BatchNorm1d(4);
  head = new Linear(4, 3);
  declare scale: Tensor;
  constructor() {
    super();
    this.registerBuffer('scale', ones([1]));
    this.registerBuffer('cache', zeros([2]), false);
  }
  override forward(x: Tensor): Tensor {
    let h = this.embed.forward(x).mean(1);
    for (const b of this.blocks) h = b.forward(h);
    return this.head.forward(this.norm.forward(h)).mul(this.scale);
  }
}

const MODELS: Record<string, () => Module> = { mnistCnn, bnCnn, smallCnn, nested: () => new Nested() };

for (const [name, make] of Object.entries(MODELS)) {
  test(`state-dict names, order and shapes equal PyTorch's: ${name}`, () => {
    const sd = make().stateDict();
    assert.deepEqual([...sd].map(([k, t]) => [k, [...t.shape]]), torchKeys(name));
  });
}

test('the MNIST CNN has the keys of the design example and PyTorch\'s parameter count', () => {
  const model = mnistCnn();
  assert.deepEqual([...model.stateDict().keys()],
    ['0.weight', '0.bias', '3.weight', '3.bias', '6.weight', '6.bias', '9.weight', '9.bias', '11.weight', '11.bias']);
  const torchCount = torchKeys('mnistCnn').reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
  assert.equal(model.numParameters(), torchCount);
  assert.deepEqual(model.namedParameters().map(([k]) => k), [...model.stateDict().keys()]);
});

test('BatchNorm state dict uses PyTorch\'s snake_case buffer names; the getters are camelCase', () => {
  const bn = new nn.BatchNorm2d(3);
  assert.deepEqual([...bn.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  assert.equal(bn.runningMean, bn.getBuffer('running_mean'));
  assert.equal(bn.numBatchesTracked!.dtype, 'int32');
  assert.deepEqual(bn.namedBuffers().map(([k]) => k), ['running_mean', 'running_var', 'num_batches_tracked']);
  const noTrack = new nn.BatchNorm1d(3, { trackRunningStats: false, affine: false });
  assert.deepEqual([...noTrack.stateDict().keys()], []);
});

test('the printed module has PyTorch\'s structure', () => {
  // (indent, child name, type) of every line that opens a module, e.g. "  (0): Linear("
  const structure = (repr: string) => repr.split('\n').map((line) => {
    const m = /^(\s*)(?:\((\w+)\): )?(\w+)\(/.exec(line);
    return m ? `${m[1].length}|${m[2] ?? ''}|${m[3]}` : line.trim();
  });
  assert.deepEqual(structure(new Nested().toString()), structure(keysFixture.nested_repr as string));
  assert.equal(new Sequential(new Linear(2, 3, { bias: false }), new ReLU()).toString(),
    'Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=false)\n  (1): ReLU()\n)');
  assert.equal(new nn.Conv2d(2, 4, [3, 2], { stride: 2, padding: 1, groups: 2, bias: false }).toString(),
    'Conv2d(2, 4, kernelSize=(3, 2), stride=(2, 2), padding=(1, 1), groups=2, bias=false)');
  assert.equal(new nn.Conv2d(1, 2, 3, { padding: 'same', dilation: 2 }).toString(), "Conv2d(1, 2, kernelSize=(3, 3), stride=(1, 1), padding='same', dilation=(2, 2))");
  assert.equal(new nn.MaxPool2d(2).toString(), 'MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)');
  assert.equal(new nn.AvgPool2d([3, 2], { stride: 1, padding: [1, 0] }).toString(), 'AvgPool2d(kernelSize=(3, 2), stride=1, padding=(1, 0))');
  // embedding 10x4, two blocks of Linear(4,4) + LayerNorm(4), BatchNorm1d(4) weight and bias, Linear(4,3)
  const count = 40 + 2 * (20 + 8) + 8 + 15;
  assert.equal(new Nested().numParameters(), count);
  assert.match(new Nested().summary(), new RegExp(`blocks\\.1\\.1 +LayerNorm +8\n[^]*Total params: ${count}\n`));
});

// --- registration ----------------------------------------------------------------------------

class Custom extends Module {
  first = new Linear(2, 3);
  scale = new Parameter(ones([3]));
  notAParam = ones([3]); // plain tensors are not registered (as in PyTorch)
  activation = new ReLU();
  second: Linear;
  constructor() {
    super();
    this.registerBuffer('running_total', zeros([1]));
    this.second = new Linear(3, 1);
  }
  override forward(x: Tensor): Tensor {
    return this.second.forward(this.activation.forward(this.first.forward(x)).mul(this.scale));
  }
}

test('fields holding Parameters and Modules register themselves in declaration order', () => {
  const m = new Custom();
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['scale', 'first.weight', 'first.bias', 'second.weight', 'second.bias']);
  assert.deepEqual(m.namedChildren().map(([k]) => k), ['first', 'activation', 'second']);
  assert.deepEqual(m.namedModules().map(([k]) => k), ['', 'first', 'activation', 'second']);
  assert.deepEqual([...m.stateDict().keys()],
    ['scale', 'running_total', 'first.weight', 'first.bias', 'second.weight', 'second.bias']);
  assert.ok(m.parameters().every((p) => p instanceof Parameter && p.requiresGrad));
  assert.equal(m.buffers()[0], m.getBuffer('running_total'));
});

test('reassigning a field replaces the entry in place; null removes it from listings', () => {
  const m = new Custom();
  const replacement = new Linear(2, 3, { bias: false });
  m.first = replacement;
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['scale', 'first.weight', 'second.weight', 'second.bias']);
  assert.equal(m.getSubmodule('first'), replacement);
  (m as unknown as { scale: Parameter | null }).scale = null;
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['first.weight', 'second.weight', 'second.bias']);
  (m as unknown as { running_total: Tensor }).running_total = full([1], 5);
  assert.deepEqual(values(m.stateDict().get('running_total')!), [5], 'assigning a buffer field updates the buffer');
  (m as unknown as { second: unknown }).second = new Parameter(zeros([2]));
  assert.deepEqual(m.namedChildren().map(([k]) => k), ['first', 'activation'], 'a field that changes kind moves');
  assert.ok(m.namedParameters().some(([k]) => k === 'second'));
});

test('explicit registration: snake_case names, aliases, non-persistent buffers, name checks', () => {
  class Cell extends Module {
    weightIh: Parameter;
    constructor() {
      super();
      this.weightIh = this.registerParameter('weight_ih_l0', new Parameter(zeros([4, 2])));
      this.registerParameter('bias_ih_l0', null);
      this.registerBuffer('mask', ones([2]), false);
      this.registerModule('0', new ReLU());
    }
    override forward(x: Tensor): Tensor { return x; }
  }
  const c = new Cell();
  assert.deepEqual(c.namedParameters().map(([k]) => k), ['weight_ih_l0'], 'the alias field adds no duplicate');
  assert.deepEqual([...c.stateDict().keys()], ['weight_ih_l0'], 'non-persistent buffers are not saved');
  assert.deepEqual(c.namedBuffers().map(([k]) => k), ['mask']);
  assert.deepEqual(c.namedChildren().map(([k]) => k), ['0']);
  assert.equal((c as unknown as Record<string, unknown>).weight_ih_l0, c.weightIh, 'registration also sets the field');
  assert.throws(() => c.registerBuffer('forward', zeros([1])), /'forward' would shadow an existing member of Cell/);
  assert.throws(() => c.registerModule('a.b', new ReLU()), /without '\.'/);
  assert.throws(() => c.registerParameter('p', zeros([1]) as Parameter), /must be a Parameter/);
  assert.throws(() => c.registerBuffer('b', new Parameter(zeros([1]))), /is a Parameter; use registerParameter/);
});

test('shared parameters are listed once but saved under every name, as PyTorch', () => {
  const shared = new Linear(2, 2);
  const m = new Sequential(shared, new ReLU(), shared);
  assert.equal(m.parameters().length, 2);
  assert.deepEqual([...m.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.equal(m.modules().length, 3);
});

test('train/eval reach every descendant; apply visits children first', () => {
  const m = new Nested();
  m.eval();
  assert.ok(m.modules().every((x) => x.training === false));
  m.train();
  assert.ok(m.modules().every((x) => x.training === true));
  const order: string[] = [];
  new Sequential(new Linear(1, 1), new Sequential(new ReLU())).apply((x) => order.push(x.typeName()));
  assert.deepEqual(order, ['Linear', 'ReLU', 'Sequential', 'Sequential']);
  // the usual "freeze BatchNorm" idiom: switching modes from inside apply
  const model = bnCnn().train();
  model.apply((x) => { if (x instanceof nn.BatchNorm2d) x.eval(); });
  assert.deepEqual(model.modules().filter((x) => !x.training).map((x) => x.typeName()), ['BatchNorm2d']);
});

test('zeroGrad, requiresGrad_ and forward/call', () => {
  const m = new Custom();
  const x = randn([4, 2]);
  assert.deepEqual(values(m.call(x)), values(m.forward(x)));
  m.forward(x).sum().backward();
  assert.ok(m.parameters().every((p) => p.grad !== null));
  m.zeroGrad(false);
  assert.ok(m.parameters().every((p) => p.grad !== null && values(p.grad).every((v) => v === 0)));
  m.zeroGrad();
  assert.ok(m.parameters().every((p) => p.grad === null));
  m.requiresGrad_(false);
  assert.equal(m.numParameters({ trainableOnly: true }), 0);
  assert.equal(m.forward(x).requiresGrad, false);
});

test('getSubmodule, getParameter and getBuffer follow dotted paths', () => {
  const m = new Nested();
  assert.ok(m.getSubmodule('blocks.1.0') instanceof Linear);
  assert.equal(m.getParameter('blocks.1.1.weight'), (m.blocks.at(1) as Sequential).at(1).getParameter('weight'));
  assert.equal(m.getBuffer('norm.running_var'), m.norm.runningVar);
  assert.throws(() => m.getSubmodule('blocks.5'), /ModuleList at 'blocks' has no submodule '5'/);
  assert.throws(() => m.getParameter('head.nope'), /no parameter 'head.nope'/);
});

test('to(dtype) converts floating parameters and buffers in place, keeping parameter identity', () => {
  const m = bnCnn();
  const params = m.parameters();
  m.forward(randn([2, 3, 4, 4])).sum().backward();
  m.double();
  assert.deepEqual(m.parameters(), params, 'same Parameter objects');
  assert.ok(m.parameters().every((p) => p.dtype === 'float64' && p.grad!.dtype === 'float64'));
  assert.equal(m.getBuffer('1.running_mean').dtype, 'float64');
  assert.equal(m.getBuffer('1.num_batches_tracked').dtype, 'int32');
  assert.equal(m.forward(randn([2, 3, 4, 4]).double()).dtype, 'float64');
  m.float();
  assert.ok(m.parameters().every((p) => p.dtype === 'float32'));
});

// --- loadStateDict ---------------------------------------------------------------------------

test('loadStateDict copies values in place (round trip between two models)', () => {
  const a = bnCnn(), b = bnCnn();
  a.train();
  a.forward(randn([4, 3, 4, 4])); // move running stats away from their defaults
  const weightObject = b.getParameter('0.weight');
  const result = b.loadStateDict(a.stateDict());
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
  assert.equal(b.getParameter('0.weight'), weightObject, 'parameters are updated in place');
  for (const [k, t] of a.stateDict()) assert.deepEqual(values(b.stateDict().get(k)!), values(t), k);
  const x = randn([2, 3, 4, 4]);
  a.eval(); b.eval();
  assert.deepEqual(values(b.forward(x)), values(a.forward(x)));
  assert.notEqual(b.getParameter('0.weight').storage, a.getParameter('0.weight').storage, 'values are copied, not shared');
});

test('loadStateDict lists missing and unexpected keys and shape mismatches, and changes nothing on error', () => {
  const m = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
  const before = values(m.getParameter('0.weight'));
  const sd = new Map(m.stateDict());
  sd.delete('2.bias');
  sd.set('0.weight', zeros([2, 4]));
  sd.set('extra.weight', zeros([1]));
  assert.throws(() => m.loadStateDict(sd), (e: Error) => {
    assert.match(e.message, /loadStateDict: error\(s\) in loading state dict for Sequential/);
    assert.match(e.message, /missing key\(s\) in state dict: "2\.bias"/);
    assert.match(e.message, /unexpected key\(s\) in state dict: "extra\.weight"/);
    assert.match(e.message, /size mismatch for 0\.weight: copying a param with shape \[2,4\] from the state dict, the shape in the current model is \[2,3\]/);
    return true;
  });
  assert.deepEqual(values(m.getParameter('0.weight')), before, 'nothing was copied');
  // non-strict: missing/unexpected are reported, the rest is loaded; shape mismatches still fail
  sd.set('0.weight', full([2, 3], 0.5));
  const result = m.loadStateDict(sd, { strict: false });
  assert.deepEqual(result, { missingKeys: ['2.bias'], unexpectedKeys: ['extra.weight'] });
  assert.deepEqual(values(m.getParameter('0.weight')), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  sd.set('0.weight', zeros([3, 2]));
  assert.throws(() => m.loadStateDict(sd, { strict: false }), /size mismatch for 0\.weight/);
  assert.throws(() => m.loadStateDict({ '0.weight': [1, 2] as unknown as Tensor }, { strict: false }), /value for 0\.weight is not a Tensor/);
});

test('loadStateDict casts dtypes and loads PyTorch\'s num_batches_tracked (int64 there), or its absence', () => {
  const bn = new nn.BatchNorm1d(2);
  const sd: Record<string, Tensor> = {
    weight: tensor([2, 3], { dtype: 'float64' }), bias: tensor([0.5, -0.5], { dtype: 'float64' }),
    running_mean: tensor([1, 2], { dtype: 'float64' }), running_var: tensor([4, 9], { dtype: 'float64' }),
    num_batches_tracked: full([], 12, { dtype: 'float64' }),
  };
  bn.loadStateDict(sd);
  assert.equal(bn.weight!.dtype, 'float32');
  assert.deepEqual(values(bn.runningVar!), [4, 9]);
  assert.equal(bn.numBatchesTracked!.dtype, 'int32');
  assert.equal(bn.numBatchesTracked!.item(), 12);
  bn.loadStateDict({ ...sd, num_batches_tracked: full([], 3, { dtype: 'int32' }) });
  assert.equal(bn.numBatchesTracked!.item(), 3);
  const { num_batches_tracked: _drop, ...old } = sd;
  assert.deepEqual(bn.loadStateDict(old), { missingKeys: [], unexpectedKeys: [] }, 'old state dicts without the counter load');
  assert.equal(bn.numBatchesTracked!.item(), 0);
});

// --- containers and Parameter ----------------------------------------------------------------

test('Sequential chains forward and supports at, append, insert, pop, slice and iteration', () => {
  const l1 = new Linear(2, 3), l2 = new Linear(3, 1);
  const seq = new Sequential(l1, new ReLU());
  seq.append(l2);
  assert.equal(seq.length, 3);
  assert.equal(seq.at(-1), l2);
  const x = randn([5, 2]);
  assert.deepEqual(values(seq.forward(x)), values(l2.forward(l1.forward(x).relu())));
  seq.insert(0, new nn.Identity());
  assert.deepEqual(seq.namedChildren().map(([k, m]) => `${k}:${m.typeName()}`), ['0:Identity', '1:Linear', '2:ReLU', '3:Linear']);
  assert.deepEqual([...seq.stateDict().keys()], ['1.weight', '1.bias', '3.weight', '3.bias']);
  assert.equal(seq.pop(0).typeName(), 'Identity');
  assert.deepEqual([...seq.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.deepEqual([...seq].map((m) => m.typeName()), ['Linear', 'ReLU', 'Linear']);
  assert.equal(seq.slice(0, 2).at(0), l1);
  assert.throws(() => seq.at(3), /Sequential.at: index 3 is out of range for 3 modules/);
  assert.throws(() => seq.append(42 as unknown as Module), /expected a Module/);
});

test('ModuleList and ModuleDict register their modules', () => {
  const list = new ModuleList([new Linear(1, 2), new Linear(2, 2)]);
  list.set(1, new Linear(2, 3));
  assert.deepEqual([...list.stateDict()].map(([k, t]) => `${k}${JSON.stringify(t.shape)}`),
    ['0.weight[2,1]', '0.bias[2]', '1.weight[3,2]', '1.bias[3]']);
  assert.throws(() => list.forward(), /ModuleList has no forward/);
  const dict = new ModuleDict({ encoder: new Linear(2, 2), head: new Linear(2, 1) });
  dict.set('act', new ReLU());
  assert.deepEqual(dict.keys(), ['encoder', 'head', 'act']);
  assert.ok(dict.get('head') instanceof Linear);
  assert.deepEqual([...dict.stateDict().keys()], ['encoder.weight', 'encoder.bias', 'head.weight', 'head.bias']);
  assert.throws(() => dict.get('nope'), /ModuleDict: no module named 'nope' \(have 'encoder', 'head', 'act'\)/);
});

test('an array of modules in a field is not registered and triggers a warning', async () => {
  const warned = new Promise<string>((resolve) => process.once('warning', (w) => resolve(w.message)));
  class Bad extends Module {
    layers = [new Linear(1, 1)];
    override forward(x: Tensor): Tensor { return x; }
  }
  const bad = new Bad();
  assert.equal(bad.parameters().length, 0);
  assert.match(await warned, /Bad\.layers is an array of Modules\/Parameters.*use ModuleList/);
});

test('Parameter is a Tensor that requires grad and shares the storage it wraps', () => {
  const t = tensor([1, 2, 3]);
  const p = new Parameter(t);
  assert.ok(p instanceof Tensor && p instanceof Parameter);
  assert.equal(p.requiresGrad, true);
  assert.equal(p.storage, t.storage);
  assert.equal(new Parameter(t, false).requiresGrad, false);
  assert.throws(() => new Parameter(tensor([1], { dtype: 'int32' })), /only floating-point tensors can require gradients/);
  assert.ok(!(p.mul(2) instanceof Parameter), 'op results are plain tensors');
  assert.match(p.toString(), /^Parameter containing:\n/);
});

test('a module that contains itself gives a clear error instead of a stack overflow', () => {
  class Child extends Module {
    parent: Module | null = null;
    override forward(x: Tensor): Tensor { return x; }
  }
  const child = new Child();
  const root = new Sequential(new Linear(1, 1), child);
  child.parent = root;
  assert.throws(() => root.stateDict(), /stateDict: Sequential contains itself/);
  assert.throws(() => root.train(), /train: Sequential contains itself/);
  assert.equal(root.parameters().length, 2, 'deduplicating listings still work');
});

test('Sequential runs ReLU then MaxPool2d as one pooling with the ReLU fused: same output and gradients as ReLU first', () => {
  const model = new Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new Linear(3 * 3 * 3, 2));
  // integers make ties inside pooling windows likely, and the negative shift leaves whole
  // windows <= 0, where neither order may pass a gradient
  const x = randn([2, 2, 6, 6]).mul(2).round().sub(1).requiresGrad_();
  const params = model.parameters();
  const run = (forward: () => Tensor) => {
    for (const p of params) p.grad = null;
    x.grad = null;
    const y = forward();
    y.mul(randnFixed).sum().backward();
    return { y: values(y), grads: [x, ...params].map((t) => values(t.grad!)) };
  };
  const randnFixed = randn([2, 2]);
  const fused = run(() => model.forward(x));
  const items = [...model];
  const reluFirst = run(() => items.reduce((h, m) => m.forward(h), x));
  assert.deepEqual(fused.y, reluFirst.y);
  assert.deepEqual(fused.grads, reluFirst.grads);
  // the rewrite did happen: one fused pooling op, no ReLU op of its own
  const opNames = (t: Tensor): string[] => (t.gradFn ? [t.gradFn.name, ...opNames(t.gradFn.inputs[0]!)] : []);
  const names = opNames(model.forward(x));
  assert.ok(names.includes('maxPool2dRelu') && !names.some((n) => /^relu$/i.test(n)), `ops from the output back: ${names.join(' <- ')}`);
});

test('Sequential gives a Conv2d output back to the backend once MaxPool2d has read it, and nothing else', () => {
  const model = new Sequential(new nn.Conv2d(1, 8, 3), new nn.MaxPool2d(2), new nn.Conv2d(8, 8, 3), new ReLU());
  const x = randn([4, 1, 30, 30]);
  const b = backend() as { release?: (s: readonly unknown[]) => void };
  const release = b.release;
  if (!release) return; // a backend without storage reuse: nothing to check
  const released: unknown[] = [];
  b.release = (list) => { released.push(...list); release.call(b, list); };
  let y: Tensor;
  try { y = model.forward(x); } finally { b.release = release; }
  // only the first convolution's [4, 8, 28, 28] output; the second is not followed by pooling
  assert.equal(released.length, 1);
  assert.equal((released[0] as Float32Array).length, 4 * 8 * 28 * 28);
  const items = [...model];
  assert.deepEqual(values(y), values(items.reduce((h, m) => m.forward(h), x)));
});
