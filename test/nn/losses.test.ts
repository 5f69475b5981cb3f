import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { F } from '../../src/nn/index.js';
import { fromArray, tensor } from '../../src/tensor/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { Generator } from '../../src/tensor/random.js';
import { gradCheck } from '../../src/autograd/gradcheck.js';
import { values } from './helpers.js';
import { fixtureTensor, fixtureValues, isFixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

interface LossCase {
  name: string;
  fn: string;
  options: Record<string, unknown>;
  input: FixtureTensor;
  target: FixtureTensor;
  v: FixtureTensor;
  output: FixtureTensor;
  gradInput: FixtureTensor;
  gradTarget: FixtureTensor | null;
}

type LossFn = (input: Tensor, target: Tensor, options?: object) => Tensor;
const LOSSES: Record<string, LossFn> = {
  mseLoss: nn.mseLoss, l1Loss: nn.l1Loss, smoothL1Loss: nn.smoothL1Loss, huberLoss: nn.huberLoss,
  crossEntropy: nn.crossEntropy, nllLoss: nn.nllLoss, binaryCrossEntropy: nn.binaryCrossEntropy,
  binaryCrossEntropyWithLogits: nn.binaryCrossEntropyWithLogits, klDiv: nn.klDiv,
};

const fixture = readFixture<{ cases: LossCase[] }>('nn/losses.json');
/** float64 against PyTorch's float64. */
const TOL = { rtol: 1e-6, atol: 1e-6 };
for (const c of fixture.cases) {
  test(`${c.name}: ${c.fn} matches PyTorch (value and gradients)`, () => {
    const options = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, isFixtureTensor(v) ? fixtureTensor(v) : v]));
    const x = fixtureTensor(c.input, { requiresGrad: true });
    const t = fixtureTensor(c.target, { requiresGrad: c.gradTarget !== null });
    const out = LOSSES[c.fn](x, t, options);
    assertClose(out, fixtureTensor(c.output), { ...TOL, label: 'loss' });
    out.backward(fixtureTensor(c.v));
    assertClose(x.grad, fixtureTensor(c.gradInput), { ...TOL, label: 'input gradient' });
    if (c.gradTarget) {
      // klDiv's target gradient log(t) + 1 - x has no value at t = 0, where PyTorch reports NaN
      // (myelin a finite number): those elements are left out, all others compared
      const want = fixtureValues(c.gradTarget), target = fixtureValues(c.target);
      const kept = Array.from(want.keys()).filter((i) => !Number.isNaN(want[i]));
      assert.ok(kept.every((i) => c.fn === 'klDiv' ? target[i] !== 0 : true) && kept.length === want.length - (c.fn === 'klDiv' ? target.filter((v) => v === 0).length : 0),
        'PyTorch gives NaN exactly where klDiv has t = 0');
      const got = values(t.grad!);
      assertClose(kept.map((i) => got[i]), kept.map((i) => want[i]), { ...TOL, label: 'target gradient' });
    }
  });
}

// --- finite-difference gradient checks, one per loss ----------------------------------------

const gen = new Generator(99);
const rand = (shape: number[], lo = -1, hi = 1) => fromArray(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * gen.random()), shape);
const ints = (data: number[]) => tensor(data, { dtype: 'int32' });

function check(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  test(`gradCheck: ${name}`, () => {
    const r = gradCheck(fn, inputs);
    assert.ok(r.passed, `max error ${r.maxAbsError}: ${JSON.stringify(r.failures.slice(0, 3))}`);
  });
}

check('mseLoss', (x, y) => nn.mseLoss(x, y), [rand([3, 4]), rand([3, 4])]);
// inputs offset from the targets so that no |difference| sits on a kink
check('l1Loss', (x, y) => nn.l1Loss(x, y, { reduction: 'sum' }), [rand([3, 4], 0.1, 1), rand([3, 4], -1, -0.1)]);
check('smoothL1Loss', (x, y) => nn.smoothL1Loss(x, y, { beta: 0.8 }), [tensor([0.1, 0.5, 2, -3]), tensor([0.3, 0, 0.4, 0])]);
check('huberLoss', (x, y) => nn.huberLoss(x, y, { delta: 0.8 }), [tensor([0.1, 0.5, 2, -3]), tensor([0.3, 0, 0.4, 0])]);
check('crossEntropy (weight, label smoothing, ignoreIndex)', (x) => nn.crossEntropy(x, ints([0, 2, 1, 2]),
  { weight: tensor([0.3, 1, 2]), labelSmoothing: 0.1, ignoreIndex: 1 }), [rand([4, 3], -2, 2)]);
check('crossEntropy (spatial)', (x) => nn.crossEntropy(x, ints([0, 2, 1, 2, 1, 0, 0, 1]).reshape(2, 2, 2)), [rand([2, 3, 2, 2], -2, 2)]);
check('crossEntropy (probabilities)', (x, p) => nn.crossEntropy(x, p, { labelSmoothing: 0.2 }), [rand([3, 4]), rand([3, 4], 0, 1)]);
check('nllLoss', (x) => nn.nllLoss(x, ints([1, 0, 3]), { weight: tensor([1, 2, 0.5, 1]) }), [rand([3, 4])]);
check('binaryCrossEntropy', (p) => nn.binaryCrossEntropy(p, tensor([[1, 0, 0.3], [0, 1, 0.6]]), { weight: tensor([1, 2, 0.5]) }),
  [rand([2, 3], 0.1, 0.9)]);
check('binaryCrossEntropyWithLogits', (z, t) => nn.binaryCrossEntropyWithLogits(z, t, { posWeight: tensor([2, 0.5, 1]) }),
  [rand([2, 3], -3, 3), rand([2, 3], 0, 1)]);
check('klDiv', (x, t) => nn.klDiv(x, t, { reduction: 'batchmean' }), [rand([2, 3], -3, -0.1), rand([2, 3], 0.1, 1)]);
check('klDiv (logTarget)', (x, t) => nn.klDiv(x, t, { reduction: 'sum', logTarget: true }), [rand([2, 3], -3, -0.1), rand([2, 3], -3, -0.1)]);
check('l1Penalty', (a, b) => nn.l1Penalty([a, b]), [rand([2, 3], 0.1, 1), rand([4], -1, -0.1)]);
check('l2Penalty', (a, b) => nn.l2Penalty([a, b]), [rand([2, 3]), rand([4])]);

// --- semantics not covered by the fixtures ------------------------------------------------

test('penalties are the sums of |w| and w^2 over all parameters', () => {
  const a = tensor([1, -2]), b = tensor([[3], [-0.5]]);
  assert.equal(nn.l1Penalty([a, b]).item(), 6.5);
  assert.equal(nn.l2Penalty([a, b]).item(), 14.25);
  assert.equal(nn.l2Penalty([]).item(), 0);
  const model = new nn.Linear(3, 2);
  const manual = model.parameters().reduce((s, p) => s + values(p).reduce((t, v) => t + v * v, 0), 0);
  assertClose(nn.l2Penalty(model.parameters()).item(), manual, { rtol: 0, atol: 1e-5 });
});

test('binaryCrossEntropy stays finite with saturated probabilities (log clamped at -100)', () => {
  const p = tensor([0, 1, 0, 1], { requiresGrad: true });
  const loss = nn.binaryCrossEntropy(p, tensor([1, 0, 0, 1]), { reduction: 'none' });
  assert.deepEqual(values(loss).map((v) => v + 0), [100, 100, 0, 0]); // + 0 turns -0 into 0
  loss.sum().backward();
  assert.ok(values(p.grad!).every(Number.isFinite), 'no NaN or infinite gradient');
});

test('binaryCrossEntropyWithLogits does not overflow for large logits', () => {
  const z = tensor([200, -200, 200, -200]);
  const loss = nn.binaryCrossEntropyWithLogits(z, tensor([1, 0, 0, 1]), { reduction: 'none' });
  assert.deepEqual(values(loss), [0, 0, 200, 200]);
});

test('losses validate targets with clear errors', () => {
  const logits = tensor([[1, 2, 3, 4, 5]]);
  assert.throws(() => nn.crossEntropy(logits, ints([7])), /crossEntropy: target class 7 is out of range for 5 classes/);
  assert.throws(() => nn.crossEntropy(logits, ints([-1])), /target class -1 is out of range/);
  assert.throws(() => nn.crossEntropy(logits, tensor([1])), /crossEntropy: probability target shape \[1\] must equal input shape \[1,5\]/);
  assert.throws(() => nn.crossEntropy(logits, ints([1, 2])), /target shape \[2\] does not match input \[1,5\] \(expected \[1\]\)/);
  assert.throws(() => nn.crossEntropy(logits, ints([1]), { weight: tensor([1, 2]) }), /weight must be \[5\]/);
  assert.throws(() => nn.nllLoss(logits, tensor([1]).to('float64')), /nllLoss: target must hold int32 class indices/);
  assert.throws(() => nn.mseLoss(tensor([[1], [2]]), tensor([1, 2])), /mseLoss: target shape \[2\] does not match input shape \[2,1\]/);
  assert.throws(() => nn.binaryCrossEntropy(tensor([0.5, 1.5]), tensor([1, 0])), /input must hold probabilities in \[0, 1\], got 1.5 at index 1/);
  assert.throws(() => nn.mseLoss(tensor([1]), tensor([1]), { reduction: 'avg' as 'mean' }), /unknown reduction 'avg'/);
  // ignored targets may hold any value, even out of range
  assert.ok(Number.isFinite(nn.crossEntropy(tensor([[1, 2], [3, 4]]), ints([-100, 1])).item()));
});

test('crossEntropy with every target ignored gives NaN for mean, as PyTorch', () => {
  assert.ok(Number.isNaN(nn.crossEntropy(tensor([[1, 2]]), ints([-100])).item()));
  assert.equal(nn.crossEntropy(tensor([[1, 2]]), ints([-100]), { reduction: 'sum' }).item(), 0);
});

test('crossEntropy equals nllLoss of logSoftmax, and accepts 0/1 integer BCE targets', () => {
  const x = tensor([[0.5, -1, 2], [0.1, 0.2, 0.3]]);
  const t = ints([2, 0]);
  const a = nn.crossEntropy(x, t).item(), b = nn.nllLoss(F.logSoftmax(x, 1), t).item();
  assertClose(a, b, { rtol: 0, atol: 1e-6 });
  const p = tensor([0.2, 0.9]);
  const viaInt = nn.binaryCrossEntropy(p, ints([0, 1])).item();
  assertClose(viaInt, -(Math.log(0.8) + Math.log(0.9)) / 2, { rtol: 0, atol: 1e-6 });
});

test('loss modules wrap the functions and keep class weights as buffers', () => {
  const w = tensor([1, 2, 3]);
  const ce = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 });
  const x = tensor([[0.5, -1, 2], [0.1, 0.2, 0.3]]), t = ints([2, 0]);
  assert.equal(ce.forward(x, t).item(), nn.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1 }).item());
  assert.deepEqual([...ce.stateDict().keys()], ['weight']);
  const bce = new nn.BCEWithLogitsLoss({ posWeight: tensor([2, 1, 1]) });
  assert.deepEqual([...bce.stateDict().keys()], ['pos_weight']);
  assert.equal(new nn.MSELoss({ reduction: 'sum' }).call(tensor([1, 2]), tensor([0, 0])).item(), 5);
  assert.equal(new nn.L1Loss().forward(tensor([1, -3]), tensor([0, 0])).item(), 2);
  assert.equal(new nn.KLDivLoss({ reduction: 'batchmean' }).forward(tensor([[0, 0]]), tensor([[0.5, 0.5]])).item(),
    nn.klDiv(tensor([[0, 0]]), tensor([[0.5, 0.5]]), { reduction: 'batchmean' }).item());
  assert.throws(() => new nn.MSELoss({ reduction: 'avg' as 'mean' }), /MSELoss: unknown reduction 'avg'/);
});

test('F.oneHot and F.normalize', () => {
  const oh = F.oneHot(ints([2, 0, 1]), 4);
  assert.equal(oh.dtype, 'int32');
  assert.deepEqual(oh.toArray(), [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]);
  assert.deepEqual(F.oneHot(ints([1, 3])).shape, [2, 4]);
  assert.throws(() => F.oneHot(ints([5]), 3), /class 5 is out of range for 3 classes/);
  const x = tensor([[3, 4], [0, 0]], { requiresGrad: true });
  const n = F.normalize(x);
  assert.deepEqual(values(n), [0.6000000238418579, 0.800000011920929, 0, 0].map((v) => Math.fround(v)));
  n.sum().backward();
  assert.ok(values(x.grad!).every(Number.isFinite), 'a zero row gets a finite gradient');
  const l1 = F.normalize(tensor([[1, -3]]), { p: 1 });
  assert.deepEqual(values(l1), [0.25, -0.75]);
});
