// One DCGAN training step (ganStep: the loop `myelin train gan` runs) against the same step in
// PyTorch, on a narrow copy of gan.py's networks, in float32: losses, every gradient, the
// parameters and BatchNorm statistics after both Adam steps, and the generator in eval mode.
// Also: a generator saved the way `gan.py --save` saves loads and samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/tensor/tensor.js';
import { Generator } from '../../src/tensor/random.js';
import { Adam } from '../../src/optim/adam.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { concat } from '../../src/ops/shape.js';
import { buildDiscriminator, buildGenerator, ganStep, loadGenerator, sampleGan } from '../../src/models/gan.js';
import { fixturePath, fixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

type State = Record<string, FixtureTensor>;
interface DcganFixture {
  noise: number; width: number; gState: State; dState: State; real: FixtureTensor; z: FixtureTensor;
  fake: FixtureTensor; dLoss: number; gLoss: number; dGrads: State; gGrads: State;
  gStateAfter: State; dStateAfter: State; gEvalOutput: FixtureTensor;
}

const f = readFixture<DcganFixture>('generative/dcgan.json');
/** float32 against PyTorch's float32 through a training step. */
const TOL = { rtol: 1e-4, atol: 1e-4 };
const f32 = (e: FixtureTensor) => fixtureTensor(e, { dtype: 'float32' });
const load = (s: State) => new Map(Object.entries(s).map(([k, e]) => [k, fixtureTensor(e)]));

/**
 * A state entry after the step within 1e-4. Adam's first step moves each parameter by about lr
 * times the sign of its gradient, so where the gradient is rounding noise (a bias followed by
 * BatchNorm in training mode has an exactly zero gradient in exact arithmetic) the two
 * frameworks may step in opposite directions: there the allowance is one step either way.
 */
function afterStep(actual: Tensor, expected: FixtureTensor, grad: FixtureTensor | undefined, what: string): void {
  const atol = expected.data.map((_, i) => 1e-4 + (grad !== undefined && Math.abs(grad.data[i] as number) < 1e-6 ? 2 * 2e-4 : 0));
  assertClose(actual, fixtureTensor(expected), { rtol: 1e-4, atol, label: what });
}

test('a DCGAN step matches PyTorch to 1e-4: losses, gradients, Adam updates, BatchNorm running statistics', () => {
  const g = buildGenerator(f.noise, f.width), d = buildDiscriminator(f.width);
  g.loadStateDict(load(f.gState)); d.loadStateDict(load(f.dState));
  const optG = new Adam(g.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const optD = new Adam(d.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  // capture the gradients each optimizer sees, just before its step
  const seen = (model: typeof g, opt: Adam, into: Map<string, Tensor>) => {
    const step = opt.step.bind(opt);
    opt.step = () => { for (const [k, p] of model.namedParameters()) into.set(k, p.grad!.clone()); step(); };
  };
  const gGrads = new Map<string, Tensor>(), dGrads = new Map<string, Tensor>();
  seen(g, optG, gGrads); seen(d, optD, dGrads);
  const r = ganStep(g, d, optG, optD, f32(f.real), f32(f.z));
  assertClose(r.dLoss, f.dLoss, { ...TOL, label: 'd loss' });
  assertClose(r.gLoss, f.gLoss, { ...TOL, label: 'g loss' });
  for (const [k, e] of Object.entries(f.dGrads)) assertClose(dGrads.get(k), fixtureTensor(e), { ...TOL, label: `D gradient of ${k}` });
  for (const [k, e] of Object.entries(f.gGrads)) assertClose(gGrads.get(k), fixtureTensor(e), { ...TOL, label: `G gradient of ${k}` });
  const gAfter = g.stateDict(), dAfter = d.stateDict();
  for (const [k, e] of Object.entries(f.gStateAfter)) afterStep(gAfter.get(k)!, e, f.gGrads[k], `G ${k} after the step`);
  for (const [k, e] of Object.entries(f.dStateAfter)) afterStep(dAfter.get(k)!, e, f.dGrads[k], `D ${k} after the step`);
  // three discriminator passes and one generator pass in training mode
  assert.equal(dAfter.get('3.num_batches_tracked')!.item(), 3);
  assert.equal(gAfter.get('2.num_batches_tracked')!.item(), 1);
  // eval mode (running statistics), from exactly PyTorch's state after the step
  g.loadStateDict(load(f.gStateAfter));
  g.eval();
  assertClose(noGrad(() => g.forward(f32(f.z))), fixtureTensor(f.gEvalOutput), { ...TOL, label: 'generator output in eval mode' });
});

test('a generator saved as gan.py --save saves it (F32 everywhere, num_batches_tracked too) loads and samples', () => {
  // tiny_generator.safetensors is the fixture's generator after its step
  const g = buildGenerator(f.noise, f.width);
  const keys = [...g.stateDict().keys()];
  assert.ok(keys.includes('2.num_batches_tracked') && keys.includes('4.weight') && keys.includes('5.running_var'));
  const loaded = loadGenerator(fixturePath('generative/tiny_generator.safetensors'));
  assert.equal(loaded.training, false);
  assert.equal(loaded.stateDict().get('2.num_batches_tracked')!.dtype, 'int32');
  assert.equal(loaded.stateDict().get('2.num_batches_tracked')!.item(), 1);
  assertClose(noGrad(() => loaded.forward(f32(f.z))), fixtureTensor(f.gEvalOutput), { ...TOL, label: 'loaded generator output' });
  const images = concat(sampleGan(loaded, 10, new Generator(1), 4), 0);
  assert.deepEqual(images.shape, [10, 1, 28, 28]);
  const v = images.dataSync();
  assert.ok(v.every((p) => p >= 0 && p <= 1), 'samples are mapped to [0, 1]');
  // seeded: the same noise gives the same images
  assert.deepEqual(Array.from(concat(sampleGan(loaded, 10, new Generator(1), 4), 0).dataSync()), Array.from(v));
});
