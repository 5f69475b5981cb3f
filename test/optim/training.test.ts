// End to end: each optimizer minimises a quadratic through autograd (backward -> step), alone
// and together with an LR schedule and gradient clipping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Adam, AdamW, CosineAnnealingLR, LinearLR, RMSprop, SequentialLR, SGD, clipGradNorm, type Optimizer,
} from '../../src/optim/index.js';
import { tensor, zeros } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/assert-close.js';

const CURVATURE = tensor([1, 5, 0.5, 2]);
const TARGET = tensor([1, -2, 3, 0.5]);

/** sum(c * (w - t)^2): minimum 0 at w = t. */
const quadratic = (w: Tensor): Tensor => w.sub(TARGET).square().mul(CURVATURE).sum();

function train(w: Tensor, opt: Optimizer, steps: number, afterBackward?: () => void, afterStep?: () => void): number[] {
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    const loss = quadratic(w);
    losses.push(loss.item());
    loss.backward();
    afterBackward?.();
    opt.step();
    afterStep?.();
  }
  losses.push(quadratic(w).item());
  return losses;
}

const CASES: [string, (w: Tensor) => Optimizer][] = [
  ['SGD', (w) => new SGD([w], { lr: 0.05 })],
  ['SGD nesterov', (w) => new SGD([w], { lr: 0.02, momentum: 0.9, nesterov: true })],
  ['Adam', (w) => new Adam([w], { lr: 0.1 })],
  ['Adam amsgrad', (w) => new Adam([w], { lr: 0.1, amsgrad: true })],
  ['AdamW', (w) => new AdamW([w], { lr: 0.1 })],
  ['RMSprop', (w) => new RMSprop([w], { lr: 0.05 })],
  ['RMSprop centered momentum', (w) => new RMSprop([w], { lr: 0.01, centered: true, momentum: 0.5 })],
];

for (const [name, make] of CASES) {
  test(`${name} minimises a quadratic`, () => {
    const w = zeros([4], { requiresGrad: true });
    const losses = train(w, make(w), 300);
    const first = losses[0], last = losses[losses.length - 1];
    assert.ok(losses[10] < first, `${name}: loss after 10 steps ${losses[10]} is not below ${first}`);
    assert.ok(last < 1e-2 * first, `${name}: final loss ${last} (initial ${first})`);
  });
}

test('Adam with warm-up + cosine schedule and gradient clipping converges', () => {
  const w = zeros([4], { requiresGrad: true });
  const opt = new Adam([w], { lr: 0.2 });
  const sched = new SequentialLR(opt, {
    schedulers: [new LinearLR(opt, { startFactor: 0.1, totalIters: 10 }), new CosineAnnealingLR(opt, { tMax: 290, etaMin: 1e-3 })],
    milestones: [10],
  });
  const norms: number[] = [];
  const losses = train(w, opt, 300, () => norms.push(clipGradNorm([w], 1)), () => sched.step());
  assert.ok(norms[0] > 1, 'the first gradients were clipped');
  assert.ok(losses[losses.length - 1] < 1e-3 * losses[0], `final loss ${losses[losses.length - 1]}`);
  assertClose(sched.getLastLr()[0], 1e-3, { rtol: 0, atol: 1e-4, label: 'the schedule ends near etaMin' });
});
