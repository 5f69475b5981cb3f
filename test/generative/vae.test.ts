// The VAE helpers (reparameterisation, Gaussian KL, Bernoulli and Gaussian reconstruction
// terms) against PyTorch, and the VAE model's deterministic parts from a vae.py-shaped state dict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { fromArray, randn, zeros } from '../../src/tensor/creation.js';
import { Generator } from '../../src/tensor/random.js';
import { add, mul, sum } from '../../src/ops/index.js';
import { Vae, vaeLoss } from '../../src/models/vae.js';
import { fixtureTensor, readFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

interface VaeFixture {
  logits: FixtureTensor; x: FixtureTensor; mu: FixtureTensor; logvar: FixtureTensor; meanOut: FixtureTensor; decLogvar: FixtureTensor;
  bernoulli: FixtureTensor; kl: FixtureTensor; gaussian: FixtureTensor; gaussianUnit: FixtureTensor;
  gradLogits: FixtureTensor; gradMu: FixtureTensor; gradLogvar: FixtureTensor; gradMeanOut: FixtureTensor; gradDecLogvar: FixtureTensor;
  tinyVae: { state: Record<string, FixtureTensor>; x: FixtureTensor; z: FixtureTensor; mu: FixtureTensor; logvar: FixtureTensor; decoded: FixtureTensor };
}

const f = readFixture<VaeFixture>('generative/vae.json');
/** float64 against PyTorch's float64. */
const TOL = { rtol: 1e-6, atol: 1e-6 };

test('Bernoulli, Gaussian and KL terms and their gradients match PyTorch', () => {
  const logits = fixtureTensor(f.logits, { requiresGrad: true }), x = fixtureTensor(f.x), mu = fixtureTensor(f.mu, { requiresGrad: true }), logvar = fixtureTensor(f.logvar, { requiresGrad: true });
  const meanOut = fixtureTensor(f.meanOut, { requiresGrad: true }), decLogvar = fixtureTensor(f.decLogvar, { requiresGrad: true });
  const bern = nn.bernoulliReconstructionLoss(logits, x, { reduction: 'none' });
  const kl = nn.gaussianKl(mu, logvar, { reduction: 'none' });
  const gauss = nn.gaussianReconstructionLoss(meanOut, x, { logvar: decLogvar, reduction: 'none' });
  const gaussUnit = nn.gaussianReconstructionLoss(meanOut, x, { reduction: 'none' });
  assertClose(bern, fixtureTensor(f.bernoulli), { ...TOL, label: 'bernoulli' });
  assertClose(kl, fixtureTensor(f.kl), { ...TOL, label: 'kl' });
  assertClose(gauss, fixtureTensor(f.gaussian), { ...TOL, label: 'gaussian with a learned log-variance' });
  assertClose(gaussUnit, fixtureTensor(f.gaussianUnit), { ...TOL, label: 'gaussian with unit variance' });
  // the fixture's weighted total: per-sample weights on the Bernoulli term, scalars on the others
  const total = add(add(sum(mul(bern, fromArray(Float64Array.from([1, 2, 3])))), mul(sum(kl), 0.7)),
    add(mul(sum(gauss), 0.3), mul(sum(gaussUnit), 0.2)));
  total.backward();
  assertClose(logits.grad, fixtureTensor(f.gradLogits), { ...TOL, label: 'gradient of the logits' });
  assertClose(mu.grad, fixtureTensor(f.gradMu), { ...TOL, label: 'gradient of mu' });
  assertClose(logvar.grad, fixtureTensor(f.gradLogvar), { ...TOL, label: 'gradient of logvar' });
  assertClose(meanOut.grad, fixtureTensor(f.gradMeanOut), { ...TOL, label: 'gradient of the decoder mean' });
  assertClose(decLogvar.grad, fixtureTensor(f.gradDecLogvar), { ...TOL, label: 'gradient of the decoder log-variance' });
  // reductions: 'sum' (default) and 'mean' over the batch
  const perSample = Array.from(kl.dataSync());
  assertClose(nn.gaussianKl(mu, logvar).item(), perSample.reduce((a, b) => a + b), { rtol: 0, atol: 1e-9, label: 'sum' });
  assertClose(nn.gaussianKl(mu, logvar, { reduction: 'mean' }).item(), perSample.reduce((a, b) => a + b) / 3, { rtol: 0, atol: 1e-9, label: 'mean' });
  assert.throws(() => nn.gaussianKl(mu, zeros([3, 5], { dtype: 'float64' })), /gaussianKl: mu and logvar shapes \[3,4\] and \[3,5\] differ/);
});

test('reparameterize: seeded noise, mu + sigma * eps, gradients to mu and logvar', () => {
  const mu = randn([2000, 2], { dtype: 'float64' }).mul(0).add(3).detach().requiresGrad_();
  const logvar = zeros([2000, 2], { dtype: 'float64' }).add(Math.log(0.25)).detach().requiresGrad_();
  const z1 = nn.reparameterize(mu, logvar, new Generator(9));
  const z2 = nn.reparameterize(mu, logvar, new Generator(9));
  assert.deepEqual(Array.from(z1.dataSync()), Array.from(z2.dataSync()), 'the same seed gives the same sample');
  const v = Array.from(z1.dataSync());
  const mean = v.reduce((a, b) => a + b) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  assert.ok(Math.abs(mean - 3) < 0.05 && Math.abs(sd - 0.5) < 0.03, `mean ${mean}, sd ${sd}`);
  sum(z1).backward();
  assert.ok(Array.from(mu.grad!.dataSync()).every((g) => g === 1), 'dz/dmu = 1');
  // dz/dlogvar = eps * sigma / 2 = (z - mu) / 2
  const gl = logvar.grad!.dataSync();
  assertClose(gl, v.map((z) => (z - 3) / 2), { rtol: 0, atol: 1e-12, label: 'dz/dlogvar' });
});

test('the VAE loads vae.py\'s state-dict names and encodes/decodes as PyTorch does', () => {
  const t = f.tinyVae;
  const model = new Vae(3, 5, 16).double();
  assert.deepEqual([...model.stateDict().keys()],
    ['fc1.weight', 'fc1.bias', 'fc21.weight', 'fc21.bias', 'fc22.weight', 'fc22.bias', 'fc3.weight', 'fc3.bias', 'fc4.weight', 'fc4.bias']);
  model.loadStateDict(new Map(Object.entries(t.state).map(([k, e]) => [k, fixtureTensor(e)])));
  const { mu, logvar } = model.encode(fixtureTensor(t.x));
  assertClose(mu, fixtureTensor(t.mu), { ...TOL, label: 'mu' });
  assertClose(logvar, fixtureTensor(t.logvar), { ...TOL, label: 'logvar' });
  assertClose(model.decodeLogits(fixtureTensor(t.z)), fixtureTensor(t.decoded), { ...TOL, label: 'decoder logits' });
  // the loss is the negative ELBO summed over the batch: Bernoulli term + KL
  const x = fixtureTensor(t.x);
  const out = model.forward(x, new Generator(0));
  const l = vaeLoss(out, x);
  assertClose(l.loss.item(), l.reconstruction.item() + l.kl.item(), { rtol: 0, atol: 1e-9, label: 'loss = reconstruction + kl' });
  assert.ok(l.kl.item() > 0 && l.reconstruction.item() > 0);
});
