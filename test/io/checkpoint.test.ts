// Checkpoints are untrusted input: loading one is all or nothing. For every kind of damage a
// file can carry (nonsense metadata, a wrong or insane optimizer state, a bad RNG state,
// weights that do not fit), loadCheckpoint and Trainer.resume throw an error naming the file
// and the field, and leave the model, the optimizer, the random generator, the trainer's step
// and the callbacks exactly as they were.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential, Linear, ReLU } from '../../src/nn/index.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { Adam } from '../../src/optim/adam.js';
import { StepLR } from '../../src/optim/decay-lr.js';
import { defaultGenerator, manualSeed } from '../../src/tensor/random.js';
import { fromArray, randn, tensor } from '../../src/tensor/creation.js';
import { loadCheckpoint, readCheckpointInfo, saveCheckpoint } from '../../src/io/checkpoint.js';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from '../../src/io/safetensors.js';
import { Trainer } from '../../src/train/trainer.js';
import { ModelCheckpoint } from '../../src/train/callbacks/checkpoint.js';
import { EarlyStopping } from '../../src/train/callbacks/early-stopping.js';
import { LRSchedulerCallback } from '../../src/train/callbacks/lr-scheduler.js';
import { TensorDataset } from '../../src/data/dataset.js';
import type { TypedArray } from '../../src/dtype/dtype.js';

const dir = mkdtempSync(join(tmpdir(), 'myelin-ckpt-'));

function makeModel(seed: number): Sequential {
  manualSeed(seed);
  return new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
}

/** A model and an Adam optimizer with state (two steps taken). */
function trained(seed: number): { model: Sequential; opt: Adam } {
  const model = makeModel(seed);
  const opt = new Adam(model.parameters(), { lr: 0.01, amsgrad: true });
  const x = randn([5, 4]), y = tensor([0, 1, 2, 1, 0], { dtype: 'int32' });
  for (let i = 0; i < 2; i++) {
    opt.zeroGrad();
    crossEntropy(model.forward(x), y).backward();
    opt.step();
  }
  return { model, opt };
}

// the checkpoint every case damages
const source = trained(1);
const goodPath = join(dir, 'good.safetensors');
manualSeed(123);
saveCheckpoint(goodPath, source.model, source.opt, { epoch: 4, step: 8, metrics: { loss: 0.5, val_loss: 0.25 } });
const savedRng = defaultGenerator.getState();

interface Parts { meta: Record<string, unknown>; tensors: Map<string, SafetensorsTensor> }

/** A copy of the good checkpoint with `edit` applied to its metadata and tensors. */
function damaged(name: string, edit: (p: Parts) => void, raw?: string): string {
  const c = readSafetensors(goodPath);
  const parts: Parts = { meta: JSON.parse(c.metadata!.myelin), tensors: new Map(c.tensors) };
  edit(parts);
  const path = join(dir, `${name}.safetensors`);
  writeSafetensors(path, [...parts.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }] as const),
    { myelin: raw ?? JSON.stringify(parts.meta) });
  return path;
}

const withData = (t: SafetensorsTensor, f: (d: TypedArray) => void, shape = t.shape): SafetensorsTensor => {
  const data = t.data.slice();
  f(data);
  return { ...t, shape, data };
};
const optState = (p: Parts) => p.meta.optimizer as { state: Record<string, { step: unknown; buffers: string[] }>; paramGroups: Record<string, unknown>[] };

/** [case name, edit, raw metadata (instead of the edited JSON), what the error must say]. */
const CASES: [string, (p: Parts) => void, string | undefined, RegExp][] = [
  ['metadata null', () => {}, 'null', /checkpoint metadata must be a JSON object, got null/],
  ['metadata array', () => {}, '[1,2]', /checkpoint metadata must be a JSON object, got an array of 2/],
  ['metadata not JSON', () => {}, '{"epoch": 1,', /corrupt checkpoint metadata/],
  ['metadata string', () => {}, '"abc"', /must be a JSON object, got "abc"/],
  ['format', (p) => { p.meta.format = 'other.v9'; }, undefined, /field 'format' is "other.v9"; expected 'myelin.checkpoint.v1'/],
  ['epoch -1', (p) => { p.meta.epoch = -1; }, undefined, /field 'epoch' must be an integer >= 0, got -1/],
  ['epoch abc', (p) => { p.meta.epoch = 'abc'; }, undefined, /field 'epoch' must be an integer >= 0, got "abc"/],
  ['epoch 1.5', (p) => { p.meta.epoch = 1.5; }, undefined, /field 'epoch' must be an integer >= 0, got 1.5/],
  ['epoch missing', (p) => { delete p.meta.epoch; }, undefined, /field 'epoch' must be an integer >= 0, got undefined/],
  ['step -5', (p) => { p.meta.step = -5; }, undefined, /field 'step' must be an integer >= 0, got -5/],
  ['step huge', (p) => { p.meta.step = 1e300; }, undefined, /field 'step' must be an integer >= 0/],
  ['metric null (a NaN through JSON)', (p) => { (p.meta.metrics as Record<string, unknown>).loss = null; }, undefined, /field 'metrics.loss' must be a finite number, got null/],
  ['metric string', (p) => { (p.meta.metrics as Record<string, unknown>).val_loss = '0.1'; }, undefined, /field 'metrics.val_loss' must be a finite number/],
  ['metrics array', (p) => { p.meta.metrics = [1]; }, undefined, /field 'metrics' must be an object of numbers/],
  ['callbacks array', (p) => { p.meta.callbacks = [1]; }, undefined, /field 'callbacks' must be an object/],
  ['rng all zero', (p) => { p.meta.rng = [0, 0, 0, 0, null]; }, undefined, /field 'rng' is not a random generator state: the state words are all zero/],
  ['rng short', (p) => { p.meta.rng = [1, 2, 3]; }, undefined, /field 'rng' .*array of 3/],
  ['rng negative word', (p) => { p.meta.rng = [1, -2, 3, 4, null]; }, undefined, /field 'rng' .*word 1 must be an integer in \[0, 2\^32\)/],
  ['rng string', (p) => { p.meta.rng = 'abc'; }, undefined, /field 'rng' .*got string/],
  ['rng missing', (p) => { delete p.meta.rng; }, undefined, /field 'rng' is missing/],
  ['rng spare NaN (null is fine, a string is not)', (p) => { (p.meta.rng as unknown[])[4] = 'x'; }, undefined, /field 'rng' .*spareNormal/],
  ['optimizer null', (p) => { p.meta.optimizer = null; }, undefined, /field 'optimizer' is null: the checkpoint was saved without optimizer state/],
  ['optimizer number', (p) => { p.meta.optimizer = 5; }, undefined, /field 'optimizer' must be an object/],
  ['optimizer missing', (p) => { delete p.meta.optimizer; }, undefined, /field 'optimizer' is missing/],
  ['optimizer two param groups', (p) => { const o = optState(p); o.paramGroups.push({ ...o.paramGroups[0], params: [] }); }, undefined,
    /field 'optimizer' does not fit the optimizer: Adam.loadStateDict: the state dict has 2 parameter groups but the optimizer has 1/],
  ['optimizer group with too few params', (p) => { const g = optState(p).paramGroups[0]; g.params = (g.params as number[]).slice(1); }, undefined,
    /parameter group 0 has 3 parameters in the state dict but 4 in the optimizer/],
  ['optimizer lr negative', (p) => { optState(p).paramGroups[0].lr = -1; }, undefined, /field 'optimizer' .*lr must be a non-negative number, got -1/],
  ['optimizer betas wrong', (p) => { optState(p).paramGroups[0].betas = [0.9]; }, undefined, /field 'optimizer' .*betas must be a pair/],
  ['optimizer step -1', (p) => { optState(p).state['0'].step = -1; }, undefined, /field 'optimizer' .*state.0 must be \{ step, buffers \} with a non-negative integer step/],
  ['optimizer step abc', (p) => { optState(p).state['1'].step = 'abc'; }, undefined, /state.1 must be \{ step, buffers \}/],
  ['optimizer state not listed', (p) => { optState(p).state['9'] = { step: 1, buffers: [] }; }, undefined, /state for parameter 9, which no parameter group lists/],
  ['optimizer buffers not a list', (p) => { (optState(p).state['0'] as Record<string, unknown>).buffers = 'exp_avg'; }, undefined, /field 'optimizer.state.0' must be \{ step, buffers: \[names\] \}/],
  ['optimizer unknown buffer', (p) => {
    optState(p).state['0'].buffers.push('momentum_buffer');
    p.tensors.set('optimizer/state.0.momentum_buffer', p.tensors.get('optimizer/state.0.exp_avg')!);
  }, undefined, /unknown buffer 'momentum_buffer' in state.0/],
  ['negative second moment', (p) => {
    p.tensors.set('optimizer/state.0.exp_avg_sq', withData(p.tensors.get('optimizer/state.0.exp_avg_sq')!, (d) => { d[5] = -0.5; }));
  }, undefined, /field 'optimizer' .*state.0.exp_avg_sq holds -0.5 at element 5; exp_avg_sq is built from squares and cannot be negative/],
  ['negative max second moment', (p) => {
    p.tensors.set('optimizer/state.3.max_exp_avg_sq', withData(p.tensors.get('optimizer/state.3.max_exp_avg_sq')!, (d) => { d[0] = -2; }));
  }, undefined, /state.3.max_exp_avg_sq holds -2 at element 0/],
  ['NaN first moment', (p) => {
    p.tensors.set('optimizer/state.1.exp_avg', withData(p.tensors.get('optimizer/state.1.exp_avg')!, (d) => { d[2] = NaN; }));
  }, undefined, /state.1.exp_avg holds NaN at element 2; optimizer state must be finite/],
  ['infinite second moment', (p) => {
    p.tensors.set('optimizer/state.2.exp_avg_sq', withData(p.tensors.get('optimizer/state.2.exp_avg_sq')!, (d) => { d[0] = Infinity; }));
  }, undefined, /state.2.exp_avg_sq holds Infinity/],
  ['optimizer state of the wrong shape', (p) => {
    const t = p.tensors.get('optimizer/state.0.exp_avg')!;
    p.tensors.set('optimizer/state.0.exp_avg', withData(t, () => {}, [t.shape[1], t.shape[0]]));
  }, undefined, /state.0.exp_avg has shape \[4,8\] but parameter 0 has shape \[8,4\]/],
  ['optimizer tensor missing', (p) => { p.tensors.delete('optimizer/state.2.exp_avg'); }, undefined, /missing tensor 'optimizer\/state.2.exp_avg'/],
  ['optimizer tensor not listed', (p) => { p.tensors.set('optimizer/state.0.extra', p.tensors.get('optimizer/state.0.exp_avg')!); }, undefined,
    /field 'optimizer' does not list the file's tensor 'optimizer\/state.0.extra'/],
  ['weight of the wrong shape', (p) => {
    const t = p.tensors.get('0.bias')!;
    p.tensors.set('0.bias', { ...t, shape: [2, 4] });
  }, undefined, /does not fit Sequential: '0.bias' has shape \[2,4\] in the checkpoint but \[8\] in the model/],
  ['weight missing', (p) => { p.tensors.delete('2.weight'); }, undefined, /does not fit Sequential: missing tensor\(s\) '2.weight'/],
  ['unexpected weight', (p) => { p.tensors.set('3.weight', p.tensors.get('2.bias')!); }, undefined, /unexpected tensor '3.weight'/],
  ['weight of another dtype', (p) => { const t = p.tensors.get('2.bias')!; p.tensors.set('2.bias', { ...t, data: Float64Array.from(t.data) }); }, undefined,
    /'2.bias' is F64 in the checkpoint but float32 in the model/],
];

/** Everything a load could change: weights, optimizer state and hyper-parameters, RNG state. */
function snapshot(model: Sequential, opt: Adam): unknown {
  const sd = opt.stateDict();
  return {
    weights: [...model.stateDict()].map(([k, t]) => [k, Array.from(t.dataSync())]),
    groups: sd.paramGroups,
    state: Object.entries(sd.state).map(([k, s]) => [k, s.step, Object.entries(s.buffers).map(([b, t]) => [b, Array.from(t.dataSync())])]),
    rng: defaultGenerator.getState(),
  };
}

test('the undamaged checkpoint loads weights, optimizer state and RNG state bit-exactly', () => {
  const { model, opt } = trained(2);
  manualSeed(999);
  const info = loadCheckpoint(goodPath, model, opt);
  assert.deepEqual(info, { epoch: 4, step: 8, metrics: { loss: 0.5, val_loss: 0.25 } });
  defaultGenerator.setState(savedRng); // the snapshot's rng must match the one restored
  const expected = snapshot(source.model, source.opt);
  manualSeed(999);
  loadCheckpoint(goodPath, model, opt);
  assert.deepEqual(snapshot(model, opt), expected);
  assert.deepEqual(readCheckpointInfo(goodPath), info);
});

for (const [name, edit, raw, expected] of CASES) {
  test(`a damaged checkpoint (${name}) throws naming the file and the field; model, optimizer and RNG are unchanged`, () => {
    const path = damaged(name.replace(/[^a-z0-9]+/gi, '-'), edit, raw);
    const { model, opt } = trained(3);
    manualSeed(77);
    defaultGenerator.normal(); // a cached deviate is part of the state too
    const before = snapshot(model, opt);
    assert.throws(() => loadCheckpoint(path, model, opt), (e: Error) => {
      assert.ok(e.message.startsWith(`${path}: `), `the error should start with the file: ${e.message}`);
      assert.match(e.message, expected);
      return true;
    });
    assert.deepEqual(snapshot(model, opt), before);
  });
}

test('the file read fails (truncated): the error names the file and nothing changes', () => {
  const path = join(dir, 'truncated.safetensors');
  writeFileSync(path, readFileSync(goodPath).subarray(0, 200));
  const { model, opt } = trained(4);
  const before = snapshot(model, opt);
  assert.throws(() => loadCheckpoint(path, model, opt), (e: Error) => e.message.includes(path));
  assert.deepEqual(snapshot(model, opt), before);
});

test('a checkpoint saved without optimizer state loads into a model alone, not with an optimizer', () => {
  const path = join(dir, 'no-opt.safetensors');
  saveCheckpoint(path, source.model, null, { epoch: 1, step: 2 });
  const { model, opt } = trained(5);
  assert.throws(() => loadCheckpoint(path, model, opt), /field 'optimizer' is null/);
  assert.equal(loadCheckpoint(path, model).epoch, 1);
});

test('saveCheckpoint refuses nonsense info and leaves non-finite metrics out', () => {
  const path = join(dir, 'save.safetensors');
  assert.throws(() => saveCheckpoint(path, source.model, null, { epoch: -1, step: 0 }), /saveCheckpoint .*: epoch must be an integer >= 0, got -1/);
  assert.throws(() => saveCheckpoint(path, source.model, null, { epoch: 1, step: NaN }), /step must be an integer >= 0, got NaN/);
  saveCheckpoint(path, source.model, null, { epoch: 1, step: 2, metrics: { loss: NaN, acc: 0.5, worst: -Infinity } });
  assert.deepEqual(readCheckpointInfo(path).metrics, { acc: 0.5 });
});

// --- Trainer.resume: the same, with the callbacks' states --------------------------------------

function iris4(): TensorDataset {
  manualSeed(0);
  return new TensorDataset(randn([40, 4]), fromArray(Int32Array.from({ length: 40 }, (_, i) => i % 3), [40]));
}

test('Trainer.resume with a damaged callback state throws naming the field; model, optimizer, RNG, step and callbacks are unchanged', async () => {
  const ckptDir = join(dir, 'resume');
  const { model, opt } = trained(6);
  const trainer = new Trainer(model, { optimizer: opt, loss: crossEntropy });
  const mc = new ModelCheckpoint(ckptDir, { monitor: 'loss' });
  await trainer.fit(iris4(), { epochs: 2, batchSize: 8, progress: false, callbacks: [mc] });
  const c = readSafetensors(mc.lastPath);
  const meta = JSON.parse(c.metadata!.myelin);
  assert.equal(meta.callbacks.ModelCheckpoint.bestEpoch, mc.bestEpoch);
  assert.equal(meta.callbacks.ModelCheckpoint.best, mc.best);

  const badStates: [unknown, RegExp][] = [
    [{ ...meta.callbacks.ModelCheckpoint, best: 'low' }, /best must be null or a finite number/],
    [{ ...meta.callbacks.ModelCheckpoint, bestEpoch: -7 }, /bestEpoch must be an integer >= -1/],
    [{ ...meta.callbacks.ModelCheckpoint, best: null }, /both or neither/],
    [null, /expected \{ monitor, mode, best, bestEpoch \}/],
  ];
  for (const [state, re] of badStates) {
    const path = join(dir, 'bad-callback.safetensors');
    writeSafetensors(path, [...c.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }] as const),
      { myelin: JSON.stringify({ ...meta, callbacks: { ModelCheckpoint: state } }) });
    const other = trained(7);
    const t2 = new Trainer(other.model, { optimizer: other.opt, loss: crossEntropy });
    t2.globalStep = 3;
    const mc2 = new ModelCheckpoint(join(dir, 'x'), { monitor: 'loss' });
    const before = snapshot(other.model, other.opt);
    assert.throws(() => t2.resume(path, { callbacks: [mc2] }), (e: Error) =>
      e.message.startsWith(`${path}: checkpoint field 'callbacks.ModelCheckpoint': `) && re.test(e.message));
    assert.deepEqual(snapshot(other.model, other.opt), before);
    assert.equal(t2.globalStep, 3);
    assert.equal(mc2.bestEpoch, -1);
    assert.equal(mc2.best, Infinity);
  }
});

test('ModelCheckpoint keeps the best score across a resume: best.safetensors holds the best epoch of the whole run', async () => {
  // a metric that is best at epoch 2 and never as good again (a fake "val_loss" from a callback)
  const scores = [0.9, 0.5, 0.1, 0.4, 0.3, 0.2, 0.35, 0.25];
  const score: import('../../src/train/callback.js').Callback = {
    onEpochEnd: (_t, epoch, logs) => { logs.val_loss = scores[epoch]; },
  };
  const data = iris4();
  const run = async (ckptDir: string, epochs: number, resume: boolean) => {
    const model = makeModel(8);
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const trainer = new Trainer(model, { optimizer: opt, loss: crossEntropy });
    const mc = new ModelCheckpoint(ckptDir);
    const callbacks = [score, mc];
    const initialEpoch = resume ? trainer.resume(mc.lastPath, { callbacks }) : 0;
    await trainer.fit(data, { epochs, batchSize: 8, progress: false, callbacks, initialEpoch });
    return mc;
  };
  const straightDir = join(dir, 'mc-straight'), resumedDir = join(dir, 'mc-resumed');
  const straight = await run(straightDir, 8, false);
  await run(resumedDir, 4, false);
  const resumed = await run(resumedDir, 8, true);
  assert.equal(straight.bestEpoch, 2);
  assert.equal(resumed.bestEpoch, 2, 'the resumed run remembers that epoch 3 (index 2) was best');
  assert.equal(resumed.best, 0.1);
  assert.equal(readCheckpointInfo(resumed.bestPath).epoch, 3);
  assert.equal(readCheckpointInfo(resumed.bestPath).metrics?.val_loss, 0.1);
  // and the files are those of the uninterrupted run
  for (const f of ['best.safetensors', 'last.safetensors']) {
    const a = readSafetensors(join(straightDir, f)), b = readSafetensors(join(resumedDir, f));
    for (const [k, t] of a.tensors) assert.deepEqual(Array.from(b.tensors.get(k)!.data), Array.from(t.data), `${f} ${k}`);
    assert.equal(b.metadata!.myelin.replace(/"epoch_seconds":[^,]*,"samples_per_second":[^,}]*/, ''),
      a.metadata!.myelin.replace(/"epoch_seconds":[^,]*,"samples_per_second":[^,}]*/, ''), f);
  }
});

test('resume restores EarlyStopping and the LR schedule: the resumed run stops and ends as the uninterrupted one', async () => {
  const data = iris4();
  const run = async (ckptDir: string, epochs: number, resume: boolean) => {
    const model = makeModel(9);
    const opt = new Adam(model.parameters(), { lr: 0.05 });
    const trainer = new Trainer(model, { optimizer: opt, loss: crossEntropy });
    const stopper = new EarlyStopping({ monitor: 'loss', patience: 1, minDelta: 0.02 });
    const sched = new LRSchedulerCallback(new StepLR(opt, { stepSize: 2, gamma: 0.5 }));
    const mc = new ModelCheckpoint(ckptDir, { monitor: 'loss' });
    const callbacks = [stopper, sched, mc];
    const initialEpoch = resume ? trainer.resume(mc.lastPath, { callbacks }) : 0;
    const h = await trainer.fit(data, { epochs, batchSize: 8, progress: false, callbacks, initialEpoch });
    return { weights: model.parameters().map((p) => Array.from(p.dataSync())), lrs: h.epochs.map((e) => e.lr), stopped: stopper.stoppedEpoch, lr: opt.paramGroups[0].lr };
  };
  const straight = await run(join(dir, 'es-straight'), 30, false);
  assert.ok(straight.stopped > 3, `the straight run should train a few epochs before stopping (stopped at ${straight.stopped})`);
  await run(join(dir, 'es-resumed'), 3, false);
  const resumed = await run(join(dir, 'es-resumed'), 30, true);
  assert.equal(resumed.stopped, straight.stopped);
  assert.deepEqual(resumed.lrs, straight.lrs.slice(3));
  assert.equal(resumed.lr, straight.lr);
  assert.deepEqual(resumed.weights, straight.weights);
});

test('two callbacks with the same state key are refused', async () => {
  const { model, opt } = trained(10);
  const trainer = new Trainer(model, { optimizer: opt, loss: crossEntropy });
  await assert.rejects(trainer.fit(iris4(), { epochs: 1, progress: false, callbacks: [new ModelCheckpoint(join(dir, 'a')), new ModelCheckpoint(join(dir, 'b'))] }),
    /two callbacks \(ModelCheckpoint, ModelCheckpoint\) keep their state under 'ModelCheckpoint'/);
});
