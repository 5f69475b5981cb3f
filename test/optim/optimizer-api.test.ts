// The Optimizer API around the update rules: defaults, param groups, zeroGrad, skipping
// parameters without gradients, argument errors, and state dicts (including a resume through
// JSON + safetensors that must equal an uninterrupted run bit for bit).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam, AdamW, RMSprop, SGD, flattenOptimizerState, unflattenOptimizerState,
  type Optimizer, type OptimizerStateMeta,
} from '../../src/optim/index.js';
import { backend } from '../../src/backend/index.js';
import { fromArray, tensor, zeros } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { buildOptimizer, fixtures, makeTensor, type OptimizerCase } from './fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

const param = (values: number[], dtype: 'float32' | 'float64' = 'float64') =>
  tensor(values, { dtype, requiresGrad: true });

test('defaults are PyTorch\'s', () => {
  const p = [param([1])];
  assert.deepEqual({ ...new SGD(p).defaults },
    { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
  assert.deepEqual({ ...new Adam(p).defaults },
    { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
  assert.deepEqual({ ...new AdamW(p).defaults },
    { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
  assert.deepEqual({ ...new RMSprop(p).defaults },
    { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
});

test('zeroGrad sets gradients to null, or to zeros in place', () => {
  const a = param([1, 2]), b = param([3]);
  const opt = new SGD([a, b], { lr: 0.1 });
  a.grad = tensor([5, 6], { dtype: 'float64' });
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);

  a.grad = tensor([5, 6], { dtype: 'float64' });
  opt.zeroGrad(false);
  assert.deepEqual(Array.from(a.grad!.dataSync()), [0, 0]);
  assert.deepEqual(a.grad!.shape, [2]);
  assert.equal(b.grad, null, 'a missing gradient stays missing');
});

test('zeroGrad(false) leaves alone a gradient that shares storage with one it clears', () => {
  // after backward through an add, both leaves' gradients can be views of one tensor
  const a = param([1, 2]), b = param([3, 4]);
  a.add(b).mul(tensor([3, 4], { dtype: 'float64' })).sum().backward();
  new SGD([a]).zeroGrad(false);
  assert.deepEqual(Array.from(a.grad!.dataSync()), [0, 0]);
  assert.deepEqual(Array.from(b.grad!.dataSync()), [3, 4]);
});

test('step skips parameters whose grad is null and creates no state for them', () => {
  const a = param([1, 2]), b = param([3]);
  const opt = new Adam([a, b], { lr: 0.1 });
  a.grad = tensor([1, -1], { dtype: 'float64' });
  opt.step();
  assert.deepEqual(Array.from(b.dataSync()), [3]);
  assert.equal(opt.state.has(b), false);
  assert.equal(opt.state.get(a)!.step, 1);
  // Adam's first step moves each element by lr (the bias-corrected ratio is +-1, up to eps)
  const moved = a.dataSync();
  assertClose(moved, [0.9, 2.1], { rtol: 0, atol: 1e-6 });
});

test('param groups have their own hyper-parameters', () => {
  const a = param([1]), b = param([1]);
  const opt = new SGD([{ params: [a], lr: 0.5 }, { params: [b] }], { lr: 0.1 });
  assert.equal(opt.paramGroups[0].lr, 0.5);
  assert.equal(opt.paramGroups[1].lr, 0.1);
  a.grad = tensor([2], { dtype: 'float64' });
  b.grad = tensor([2], { dtype: 'float64' });
  opt.step();
  assert.equal(a.item(), 1 - 0.5 * 2);
  assert.equal(b.item(), 1 - 0.1 * 2);
  // a group's hyper-parameters can be changed between steps (what LR schedulers do)
  opt.paramGroups[1].lr = 0.25;
  opt.step();
  assert.equal(b.item(), 1 - 0.1 * 2 - 0.25 * 2);
});

test('addParamGroup fills in the defaults and rejects parameters already optimized', () => {
  const a = param([1]), b = param([2]);
  const opt = new Adam([a], { lr: 0.01, betas: [0.8, 0.9] });
  opt.addParamGroup({ params: [b], eps: 0.5 });
  assert.equal(opt.paramGroups.length, 2);
  assert.deepEqual(opt.paramGroups[1].betas, [0.8, 0.9]);
  assert.equal(opt.paramGroups[1].eps, 0.5);
  assert.equal(opt.paramGroups[1].lr, 0.01);
  assert.notEqual(opt.paramGroups[1].betas, opt.paramGroups[0].betas, 'groups do not share the defaults\' arrays');
  assert.throws(() => opt.addParamGroup({ params: [a] }), /Adam \(param group 2\): parameter 0 already belongs to another parameter group/);
});

test('params may be any iterable, e.g. a generator', () => {
  const list = [param([1]), param([2])];
  function* gen() { yield* list; }
  const opt = new RMSprop(gen());
  assert.deepEqual(opt.paramGroups[0].params, list);
});

test('bad hyper-parameters and parameters give clear errors', () => {
  const p = [param([1])];
  assert.throws(() => new Adam(p, { lr: -1 }), { message: 'Adam: lr must be a non-negative number, got -1' });
  assert.throws(() => new Adam(p, { betas: [1, 0.999] }), { message: 'Adam: betas[0] must be in [0, 1), got 1' });
  assert.throws(() => new AdamW(p, { betas: [0.9] as unknown as [number, number] }), /AdamW: betas must be a pair \[beta1, beta2\], got \[0.9\]/);
  assert.throws(() => new Adam(p, { eps: -1e-8 }), /Adam: eps must be a non-negative number, got -1e-8/);
  assert.throws(() => new AdamW(p, { weightDecay: NaN }), /AdamW: weightDecay must be a non-negative number, got NaN/);
  assert.throws(() => new Adam(p, { amsgrad: 1 as unknown as boolean }), /Adam: amsgrad must be a boolean, got 1/);
  assert.throws(() => new SGD(p, { momentum: -0.9 }), /SGD: momentum must be a non-negative number, got -0.9/);
  assert.throws(() => new SGD(p, { nesterov: true }), /SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0/);
  assert.throws(() => new SGD(p, { nesterov: true, momentum: 0.9, dampening: 0.1 }), /nesterov needs momentum > 0 and dampening 0/);
  assert.throws(() => new RMSprop(p, { alpha: -0.5 }), /RMSprop: alpha must be a non-negative number, got -0.5/);
  assert.throws(() => new Adam(p, { weight_decay: 0.1 } as never), /Adam: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/);
  assert.throws(() => new SGD(p, { learningRate: 0.1 } as never), /SGD: unknown option 'learningRate'; expected one of lr, momentum/);
  assert.throws(() => new Adam([{ params: [param([1])] }, { params: [param([2])], lr: -1 }]),
    { message: 'Adam (param group 1): lr must be a non-negative number, got -1' });
  assert.throws(() => new Adam([{ params: [param([1])], weight_decay: 1 } as never]), /did you mean 'weightDecay'/);

  assert.throws(() => new Adam([]), /Adam: got an empty parameter list/);
  assert.throws(() => new Adam(param([1]) as never), /Adam: params must be a list of tensors or of parameter groups, got a single Tensor/);
  assert.throws(() => new Adam([tensor([1], { dtype: 'int32' })]), /Adam \(param group 0\): parameter 0 has dtype int32/);
  const leaf = param([1]);
  assert.throws(() => new SGD([leaf.mul(2)]), /SGD \(param group 0\): parameter 0 is not a leaf tensor/);
  assert.throws(() => new SGD([leaf, leaf]), /SGD \(param group 0\): parameter 1 appears twice in the group/);
  assert.throws(() => new SGD([{ params: [leaf] }, { params: [leaf] }]), /SGD \(param group 1\): parameter 0 already belongs to another parameter group/);
  assert.throws(() => new SGD([leaf, { params: [] }] as never), /SGD: params mixes tensors and parameter groups/);
  assert.throws(() => new SGD([leaf], 0.1 as never), /SGD: options must be an object, got 0.1/);

  const opt = new SGD([leaf]);
  leaf.grad = tensor([1, 2], { dtype: 'float64' });
  assert.throws(() => opt.step(), /SGD: the gradient of parameter 0 has shape \[2\] but the parameter has shape \[1\]/);
});

test('a gradient of another float dtype is cast to the parameter\'s', () => {
  const p = param([1, 2], 'float32');
  const opt = new SGD([p], { lr: 0.5 });
  p.grad = tensor([2, 4], { dtype: 'float64' });
  opt.step();
  assert.deepEqual(Array.from(p.dataSync()), [0, 0]);
  assert.equal(p.dtype, 'float32');
});

test('step(closure) evaluates the closure with gradients on and returns its value', () => {
  const p = param([3]);
  const opt = new SGD([p], { lr: 0.1 });
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = p.square().sum();
    l.backward();
    return l.item();
  });
  assert.equal(loss, 9);
  assertClose(p.item(), 3 - 0.1 * 6, { rtol: 0, atol: 1e-12 });
});

test('updates run through the backend\'s fused kernels', () => {
  const b = backend() as unknown as Record<string, (...args: unknown[]) => void>;
  const calls: string[] = [];
  const saved = { sgdUpdate: b.sgdUpdate, adamUpdate: b.adamUpdate, rmspropUpdate: b.rmspropUpdate };
  for (const name of Object.keys(saved) as (keyof typeof saved)[]) {
    b[name] = (...args: unknown[]) => { calls.push(name); saved[name](...args); };
  }
  try {
    const ps = [param([1, 2]), param([3]), param([4]), param([5])];
    const opts = [new SGD([ps[0]], { momentum: 0.9 }), new Adam([ps[1]]), new AdamW([ps[2]]), new RMSprop([ps[3]], { centered: true })];
    ps.forEach((p) => { p.grad = zeros(p.shape, { dtype: 'float64' }).fill_(1); });
    opts.forEach((o) => o.step());
  } finally {
    Object.assign(b, saved);
  }
  assert.deepEqual(calls, ['sgdUpdate', 'adamUpdate', 'adamUpdate', 'rmspropUpdate']);
});

// --- state dicts ---------------------------------------------------------------------------

/** The fixture cases whose optimizers keep every kind of buffer. */
const RESUME_CASES = ['sgd_momentum', 'sgd_skip', 'adam_amsgrad', 'adam_groups', 'adam_skip', 'adamw_amsgrad', 'rmsprop_all', 'rmsprop_maximize']
  .map((name) => fixtures.optimizers.find((c) => c.name === name)!);

function setGrads(c: OptimizerCase, params: Tensor[], step: number, dtype: 'float32' | 'float64'): void {
  params.forEach((p, i) => {
    const g = c.grads[step][i];
    p.grad = g === null ? null : makeTensor(g, dtype);
  });
}

function runSteps(c: OptimizerCase, opt: Optimizer, params: Tensor[], from: number, to: number, dtype: 'float32' | 'float64'): void {
  for (let k = from; k < to; k++) { setGrads(c, params, k, dtype); opt.step(); }
}

/** Through a checkpoint as the io layer writes it: JSON metadata + a safetensors file. */
function throughCheckpoint(opt: Optimizer): ReturnType<Optimizer['stateDict']> {
  const { meta, tensors } = flattenOptimizerState(opt.stateDict(), 'optimizer.');
  const bytes = encodeSafetensors(new Map([...tensors].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() }])));
  const json = JSON.parse(JSON.stringify(meta)) as OptimizerStateMeta;
  return unflattenOptimizerState(json, decodeSafetensors(bytes).tensors, 'optimizer.');
}

for (const c of RESUME_CASES) {
  for (const dtype of ['float64', 'float32'] as const) {
    test(`${c.name} (${dtype}): 3 steps + save/load + 2 steps equals 5 steps bit for bit`, () => {
      const straight = c.params.map((p) => makeTensor(p, dtype, true));
      runSteps(c, buildOptimizer(c, straight), straight, 0, 5, dtype);

      for (const route of ['memory', 'checkpoint'] as const) {
        const first = c.params.map((p) => makeTensor(p, dtype, true));
        const opt1 = buildOptimizer(c, first);
        runSteps(c, opt1, first, 0, 3, dtype);
        const saved = route === 'memory' ? opt1.stateDict() : throughCheckpoint(opt1);
        // a fresh model (parameters restored from the first one) and a fresh optimizer
        const second = first.map((p) => fromArray(p.dataSync(), p.shape.slice(), { requiresGrad: true }));
        const opt2 = buildOptimizer({ ...c, options: { ...c.options, lr: 123 } }, second);
        opt2.loadStateDict(saved);
        runSteps(c, opt2, second, 3, 5, dtype);
        second.forEach((p, i) => assert.deepEqual(p.dataSync(), straight[i].dataSync(), `${route}: param ${i}`));
      }
    });
  }
}

test('stateDict format: group hyper-parameters with parameter indices, per-index step and buffers', () => {
  const a = param([1, 2]), b = param([3]), c = param([4, 5, 6]);
  const opt = new Adam([{ params: [a, b], amsgrad: true }, { params: [c], lr: 0.5 }], { lr: 0.1 });
  a.grad = tensor([1, 1], { dtype: 'float64' });
  c.grad = tensor([1, 1, 1], { dtype: 'float64' });
  opt.step();
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.paramGroups, [
    { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0, 1] },
    { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [2] },
  ]);
  assert.deepEqual(Object.keys(sd.state), ['0', '2'], 'b never had a gradient');
  assert.equal(sd.state[0].step, 2);
  assert.deepEqual(Object.keys(sd.state[0].buffers).sort(), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
  assert.deepEqual(Object.keys(sd.state[2].buffers).sort(), ['exp_avg', 'exp_avg_sq']);

  const { meta, tensors } = flattenOptimizerState(sd);
  assert.deepEqual([...tensors.keys()].sort(),
    ['state.0.exp_avg', 'state.0.exp_avg_sq', 'state.0.max_exp_avg_sq', 'state.2.exp_avg', 'state.2.exp_avg_sq']);
  assert.deepEqual(JSON.parse(JSON.stringify(meta)), meta, 'the metadata is plain JSON');
  assert.deepEqual(meta.state['2'], { step: 2, buffers: ['exp_avg', 'exp_avg_sq'] });

  // a snapshot: later steps do not change it
  const before = sd.state[0].buffers.exp_avg.dataSync();
  opt.step();
  assert.deepEqual(sd.state[0].buffers.exp_avg.dataSync(), before);
  assert.notDeepEqual(opt.state.get(a)!.buffers.exp_avg.dataSync(), before);
});

test('loadStateDict restores hyper-parameters and casts state to the parameters\' dtype', () => {
  const src = param([1, 2], 'float64');
  const opt1 = new RMSprop([src], { lr: 0.05, momentum: 0.5 });
  src.grad = tensor([0.5, -0.5], { dtype: 'float64' });
  opt1.step();
  const dst = param([1, 2], 'float32');
  const opt2 = new RMSprop([dst]);
  opt2.loadStateDict(opt1.stateDict());
  assert.equal(opt2.paramGroups[0].lr, 0.05);
  assert.equal(opt2.paramGroups[0].momentum, 0.5);
  assert.equal(opt2.paramGroups[0].params[0], dst, 'the optimizer keeps its own parameters');
  const s = opt2.state.get(dst)!;
  assert.equal(s.step, 1);
  assert.equal(s.buffers.square_avg.dtype, 'float32');
  assert.equal(s.buffers.momentum_buffer.dtype, 'float32');
});

test('loadStateDict rejects a state dict that does not fit, and then changes nothing', () => {
  const a = param([1, 2]), b = param([3]);
  const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
  a.grad = tensor([1, 1], { dtype: 'float64' });
  opt.step();
  const good = opt.stateDict();
  const other = new SGD([param([1, 2])], { momentum: 0.9 });
  assert.throws(() => other.loadStateDict(good), /SGD.loadStateDict: parameter group 0 has 2 parameters in the state dict but 1 in the optimizer/);
  const twoGroups = new SGD([{ params: [param([1, 2])] }, { params: [param([3])] }]);
  assert.throws(() => twoGroups.loadStateDict(good), /the state dict has 1 parameter groups but the optimizer has 2/);

  const fresh = new SGD([param([1, 2]), param([3])], { lr: 0.7, momentum: 0.1 });
  const wrongShape = { ...good, state: { 0: { step: 1, buffers: { momentum_buffer: zeros([3], { dtype: 'float64' }) } } } };
  assert.throws(() => fresh.loadStateDict(wrongShape), /SGD.loadStateDict: state.0.momentum_buffer has shape \[3\] but parameter 0 has shape \[2\]/);
  const wrongBuffer = { ...good, state: { 0: { step: 1, buffers: { exp_avg: zeros([2], { dtype: 'float64' }) } } } };
  assert.throws(() => fresh.loadStateDict(wrongBuffer), /SGD.loadStateDict: unknown buffer 'exp_avg' in state.0 \(SGD keeps momentum_buffer\)/);
  const badLr = { ...good, paramGroups: [{ ...good.paramGroups[0], lr: -2 }] };
  assert.throws(() => fresh.loadStateDict(badLr), /SGD.loadStateDict \(param group 0\): lr must be a non-negative number, got -2/);
  const unlisted = { ...good, state: { 7: { step: 1, buffers: {} } } };
  assert.throws(() => fresh.loadStateDict(unlisted), /state for parameter 7, which no parameter group lists/);
  assert.equal(fresh.paramGroups[0].lr, 0.7, 'nothing was loaded');
  assert.equal(fresh.state.size, 0);

  assert.throws(() => unflattenOptimizerState(flattenOptimizerState(good).meta, new Map()), /unflattenOptimizerState: missing tensor 'state.0.momentum_buffer'/);
});

test('loadStateDict rejects state values no run produces (negative second moments, NaN, Infinity) and changes nothing', () => {
  const a = param([1, 2], 'float32');
  const adam = new Adam([a], { lr: 0.1, amsgrad: true });
  a.grad = tensor([0.5, -1], { dtype: 'float32' });
  adam.step();
  const good = adam.stateDict();
  const b = param([3, 4], 'float32');
  const fresh = new Adam([b], { lr: 0.5 });
  const withBuffer = (name: string, values: number[], step = 1) =>
    ({ ...good, state: { 0: { step, buffers: { ...good.state[0].buffers, [name]: tensor(values, { dtype: 'float32' }) } } } });
  assert.throws(() => fresh.loadStateDict(withBuffer('exp_avg_sq', [0.1, -0.5])),
    /Adam.loadStateDict: state.0.exp_avg_sq holds -0.5 at element 1; exp_avg_sq is built from squares and cannot be negative/);
  assert.throws(() => fresh.loadStateDict(withBuffer('max_exp_avg_sq', [-0.25, 1])), /state.0.max_exp_avg_sq holds -0.25 at element 0/);
  assert.throws(() => fresh.loadStateDict(withBuffer('exp_avg', [NaN, 0])), /state.0.exp_avg holds NaN at element 0; optimizer state must be finite/);
  assert.throws(() => fresh.loadStateDict(withBuffer('exp_avg_sq', [1, Infinity])), /state.0.exp_avg_sq holds Infinity at element 1/);
  assert.throws(() => fresh.loadStateDict(withBuffer('exp_avg', [1, 2], -5)), /state.0 must be \{ step, buffers \} with a non-negative integer step/);
  assert.throws(() => fresh.loadStateDict(withBuffer('exp_avg', [1, 2], 1.5)), /non-negative integer step/);
  assert.throws(() => fresh.loadStateDict({ ...good, state: { abc: good.state[0] } }), /state for parameter abc, which no parameter group lists/);
  assert.throws(() => fresh.loadStateDict({ ...good, state: { 0: { step: 1, buffers: null as never } } }), /state.0.buffers must be an object of tensors, got null/);
  const rms = new RMSprop([param([1, 2], 'float32')]);
  assert.throws(() => rms.loadStateDict({ paramGroups: rms.stateDict().paramGroups, state: { 0: { step: 1, buffers: { square_avg: tensor([-1, 0], { dtype: 'float32' }) } } } }),
    /RMSprop.loadStateDict: state.0.square_avg holds -1 at element 0/);
  // a momentum (or first moment) may be negative
  const sgd = new SGD([param([1, 2], 'float32')], { momentum: 0.9 });
  sgd.loadStateDict({ paramGroups: sgd.stateDict().paramGroups, state: { 0: { step: 1, buffers: { momentum_buffer: tensor([-1, 0], { dtype: 'float32' }) } } } });
  assert.equal(fresh.paramGroups[0].lr, 0.5, 'nothing was loaded');
  assert.equal(fresh.state.size, 0);
  // the good state loads
  fresh.loadStateDict(good);
  assert.equal(fresh.paramGroups[0].lr, 0.1);
});

test('stageStateDict checks and builds the state but installs it only when its result is called', () => {
  const a = param([1, 2], 'float32');
  const sgd = new SGD([a], { lr: 0.1, momentum: 0.9 });
  a.grad = tensor([1, 1], { dtype: 'float32' });
  sgd.step();
  const saved = sgd.stateDict();
  const b = param([1, 2], 'float32');
  const other = new SGD([b], { lr: 0.3, momentum: 0.5 });
  const commit = other.stageStateDict(saved);
  assert.equal(other.paramGroups[0].lr, 0.3);
  assert.equal(other.state.size, 0);
  commit();
  assert.equal(other.paramGroups[0].lr, 0.1);
  assert.deepEqual(Array.from(other.state.get(b)!.buffers.momentum_buffer.dataSync()), Array.from(saved.state[0].buffers.momentum_buffer.dataSync()));
});
