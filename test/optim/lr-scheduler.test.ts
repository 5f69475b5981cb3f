// LR schedules against PyTorch: each group's lr after construction and after each of 30
// steps; ReduceLROnPlateau on a fixed metric sequence; state dicts and argument errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LRScheduler, MultiStepLR, ReduceLROnPlateau,
  SequentialLR, SGD, StepLR, type LrLambda, type Optimizer,
} from '../../src/optim/index.js';
import { tensor, zeros } from '../../src/tensor/creation.js';
import { fixtures } from './fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

// the same functions as LAMBDAS in gen_optim_fixtures.py
const LAMBDAS: Record<string, LrLambda> = {
  inverse: (e) => 1 / (1 + e),
  power: (e) => 0.95 ** e,
  warmup: (e) => Math.min(1, (e + 1) / 10),
};

function makeOptimizer(lrs: number[]): SGD {
  return new SGD(lrs.map((lr) => ({ params: [zeros([1], { requiresGrad: true })], lr })));
}

type Spec = [string, Record<string, unknown>];

function makeScheduler(opt: Optimizer, name: string, options: Record<string, unknown>): LRScheduler {
  switch (name) {
    case 'StepLR': return new StepLR(opt, options as never);
    case 'MultiStepLR': return new MultiStepLR(opt, options as never);
    case 'ExponentialLR': return new ExponentialLR(opt, options as never);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, options as never);
    case 'LinearLR': return new LinearLR(opt, options);
    case 'LambdaLR': {
      const f = options.lrLambda as string | string[];
      return new LambdaLR(opt, { lrLambda: Array.isArray(f) ? f.map((n) => LAMBDAS[n]) : LAMBDAS[f] });
    }
    case 'SequentialLR': {
      const children = (options.schedulers as Spec[]).map(([n, o]) => makeScheduler(opt, n, o));
      return new SequentialLR(opt, { schedulers: children, milestones: options.milestones as number[] });
    }
    default: throw new Error(`no scheduler ${name}`);
  }
}

for (const c of fixtures.schedulers) {
  test(`${c.scheduler} ${c.name}: lrs equal torch ${fixtures.torch}'s for 30 steps`, () => {
    const opt = makeOptimizer(c.groupLrs);
    const sched = makeScheduler(opt, c.scheduler, c.options);
    const lrs = [sched.getLastLr()];
    for (let k = 0; k < c.lrs.length - 1; k++) {
      opt.step();
      sched.step();
      lrs.push(sched.getLastLr());
      assert.deepEqual(sched.getLastLr(), opt.paramGroups.map((g) => g.lr), 'getLastLr reports the groups\' lr');
    }
    lrs.forEach((got, k) => assertClose(got, c.lrs[k], { rtol: 1e-12, atol: 1e-15, label: `epoch ${k}` }));
  });

  test(`${c.scheduler} ${c.name}: resumes from a state dict (through JSON) as if never stopped`, () => {
    const opt = makeOptimizer(c.groupLrs);
    const sched = makeScheduler(opt, c.scheduler, c.options);
    for (let k = 0; k < 12; k++) sched.step();
    const saved = JSON.parse(JSON.stringify({ opt: opt.stateDict(), sched: sched.stateDict() }));

    const opt2 = makeOptimizer([9, 9]);
    const sched2 = makeScheduler(opt2, c.scheduler, c.options);
    opt2.loadStateDict(saved.opt);
    sched2.loadStateDict(saved.sched);
    assert.deepEqual(sched2.getLastLr(), sched.getLastLr());
    for (let k = 12; k < c.lrs.length - 1; k++) {
      sched.step();
      sched2.step();
      assert.deepEqual(sched2.getLastLr(), sched.getLastLr(), `epoch ${k + 1}`);
    }
  });
}

for (const c of fixtures.plateau) {
  test(`ReduceLROnPlateau ${c.name}: lrs equal torch's for a fixed metric sequence`, () => {
    const opt = makeOptimizer(c.groupLrs);
    const sched = new ReduceLROnPlateau(opt, c.options);
    assert.deepEqual(sched.getLastLr(), c.groupLrs);
    c.metrics.forEach((m, k) => {
      sched.step(m);
      assertClose(sched.getLastLr(), c.lrs[k], { rtol: 1e-12, atol: 0, label: `epoch ${k + 1}` });
    });
  });
}

test('ReduceLROnPlateau: state dict round trip through JSON, before and after the first metric', () => {
  const c = fixtures.plateau.find((p) => p.name === 'min_rel')!;
  const opt = makeOptimizer(c.groupLrs);
  const sched = new ReduceLROnPlateau(opt, c.options);
  const initial = JSON.parse(JSON.stringify(sched.stateDict()));
  assert.equal(initial.best, null, 'no best metric yet (Infinity is not JSON)');
  c.metrics.slice(0, 9).forEach((m) => sched.step(m));
  const saved = JSON.parse(JSON.stringify({ opt: opt.stateDict(), sched: sched.stateDict() }));

  const opt2 = makeOptimizer(c.groupLrs);
  const sched2 = new ReduceLROnPlateau(opt2, { mode: 'max' });
  opt2.loadStateDict(saved.opt);
  sched2.loadStateDict(saved.sched);
  c.metrics.slice(9).forEach((m, k) => {
    sched2.step(m);
    assertClose(sched2.getLastLr(), c.lrs[9 + k], { rtol: 1e-12, atol: 0, label: `epoch ${10 + k}` });
  });

  const fresh = new ReduceLROnPlateau(makeOptimizer([0.1]));
  fresh.loadStateDict(initial);
  assert.equal(fresh.best, Infinity);
});

test('ReduceLROnPlateau accepts a one-element tensor as the metric', () => {
  const opt = makeOptimizer([1]);
  const sched = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
  sched.step(tensor([2]));
  sched.step(tensor(3));
  assert.deepEqual(sched.getLastLr(), [0.5]);
});

test('SequentialLR: linear warm-up, then cosine from the peak', () => {
  const opt = makeOptimizer([1]);
  const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 4 });
  const cosine = new CosineAnnealingLR(opt, { tMax: 6 });
  const sched = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [4] });
  const lrs = [sched.getLastLr()[0]];
  for (let k = 0; k < 10; k++) { sched.step(); lrs.push(sched.getLastLr()[0]); }
  // warm-up: 0.1 + 0.9 * t / 4 for t < 4; then 0.5 * (1 + cos(pi * (t - 4) / 6))
  const expected = [0, 1, 2, 3].map((t) => 0.1 + 0.9 * t / 4)
    .concat([4, 5, 6, 7, 8, 9, 10].map((t) => 0.5 * (1 + Math.cos(Math.PI * (t - 4) / 6))));
  assertClose(lrs, expected, { rtol: 1e-12, atol: 1e-15, label: 'lr' });
});

test('schedulers record initialLr in the param groups, and resuming with lastEpoch needs it', () => {
  const opt = makeOptimizer([0.1, 0.2]);
  new ExponentialLR(opt, { gamma: 0.5 });
  assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), [0.1, 0.2]);
  assert.deepEqual(opt.stateDict().paramGroups.map((g) => g.initialLr), [0.1, 0.2]);
  assert.throws(() => new StepLR(makeOptimizer([0.1]), { stepSize: 2, lastEpoch: 4 }),
    /StepLR: param group 0 has no initialLr; resuming at lastEpoch 4 needs the optimizer state/);
});

test('LambdaLR\'s state dict leaves out the functions', () => {
  const opt = makeOptimizer([0.1]);
  const sched = new LambdaLR(opt, { lrLambda: LAMBDAS.inverse });
  sched.step();
  const sd = sched.stateDict();
  assert.deepEqual(Object.keys(sd).sort(), ['baseLrs', 'lastEpoch', 'lastLr', 'stepCount']);
  assert.equal(sd.lastEpoch, 1);
});

test('scheduler arguments are checked', () => {
  const opt = makeOptimizer([0.1, 0.2]);
  assert.throws(() => new StepLR(opt, { stepSize: 0 }), { message: 'StepLR: stepSize must be a positive integer, got 0' });
  assert.throws(() => new StepLR(opt, { step_size: 3 } as never), /StepLR: unknown option 'step_size' \(did you mean 'stepSize'\?\)/);
  assert.throws(() => new StepLR({} as never, { stepSize: 3 }), /StepLR: optimizer must be an Optimizer/);
  assert.throws(() => new MultiStepLR(opt, { milestones: [2, -1] }), /MultiStepLR: milestones must be a list of non-negative integers/);
  assert.throws(() => new ExponentialLR(opt, {} as never), /ExponentialLR: gamma must be a finite number, got undefined/);
  assert.throws(() => new CosineAnnealingLR(opt, { tMax: 0 }), /CosineAnnealingLR: tMax must be a positive integer, got 0/);
  assert.throws(() => new CosineAnnealingLR(opt, { T_max: 10 } as never), /unknown option 'T_max'/);
  assert.throws(() => new LinearLR(opt, { startFactor: 0 }), /LinearLR: startFactor must be in \(0, 1\], got 0/);
  assert.throws(() => new LinearLR(opt, { endFactor: 1.5 }), /LinearLR: endFactor must be in \[0, 1\], got 1.5/);
  assert.throws(() => new LambdaLR(opt, { lrLambda: [LAMBDAS.inverse] }), /LambdaLR: expected 2 lrLambda functions \(one per param group\), got 1/);
  assert.throws(() => new LambdaLR(opt, { lrLambda: 3 as never }), /LambdaLR: lrLambda must be a function, got 3/);
  const other = makeOptimizer([0.1]);
  const a = new StepLR(opt, { stepSize: 2 }), b = new StepLR(other, { stepSize: 2 });
  assert.throws(() => new SequentialLR(opt, { schedulers: [a, b], milestones: [3] }), /SequentialLR: schedulers\[1\] belongs to a different optimizer/);
  assert.throws(() => new SequentialLR(opt, { schedulers: [a], milestones: [3] }), /SequentialLR: expected 0 milestones for 1 schedulers, got \[3\]/);
  const c = new ExponentialLR(opt, { gamma: 0.9 });
  assert.throws(() => new SequentialLR(opt, { schedulers: [a, c], milestones: [0] }), /milestones must be increasing positive integers/);
  assert.throws(() => new ReduceLROnPlateau(opt, { factor: 1 }), { message: 'ReduceLROnPlateau: factor must be in [0, 1), got 1' });
  assert.throws(() => new ReduceLROnPlateau(opt, { mode: 'maximum' as never }), /ReduceLROnPlateau: mode must be one of 'min', 'max', got 'maximum'/);
  assert.throws(() => new ReduceLROnPlateau(opt, { minLr: [0.1] }), /ReduceLROnPlateau: expected 2 minLr values \(one per param group\), got 1/);
  assert.throws(() => a.loadStateDict({ bogus: 1 }), /StepLR.loadStateDict: unknown key 'bogus'/);
});
