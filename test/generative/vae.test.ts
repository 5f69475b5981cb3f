// The VAE helpers (reparameterisation, Gaussian KL, Bernoulli and Gaussian reconstruction
// terms) against PyTorch, and the VAE model's deterministic parts from a vae.py-shaped state dict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import { fromArray, randn, zeros } from '../../src/tensor/creation.js';
import { Generator } from '../../src/tensor/random.js';
import { add, mul, sum } from '../../src/ops/index.js';
import { Vae, vaeLoss } from '../../src/models/vae.js';
import { decode, loadFixture, type EncodedTensor } from './helpers.js';
import { assertClose } from '../helpers/assert-close.js';

interface VaeFixture {
  logits: EncodedTensor; x: EncodedTensor; mu: EncodedTensor; logvar: EncodedTensor; meanOut: EncodedTensor; decLogvar: EncodedTensor;
  bernoulli: EncodedTensor; kl: EncodedTensor; gaussian: EncodedTensor; gaussianUnit: EncodedTensor;
  gradLogits: EncodedTensor; gradMu: EncodedTensor; gradLogvar: EncodedTensor; gradMeanOut: EncodedTensor; gradDecLogvar: EncodedTensor;
  tinyVae: { state: Record<string, EncodedTensor>; x: EncodedTensor; z: EncodedTensor; mu: EncodedTensor; logvar: EncodedTensor; decoded: EncodedTensor };
}

const f = loadFixture<VaeFixture>('vae.json');
/** float64 against PyTorch's float64, whose values the fixture holds to 10 digits. */
const TOL = { rtol: 1e-6, atol: 1e-6 };

test('Bernoulli, Gaussian and KL terms and their gradients match PyTorch', () => {
  const logits = decode(f.logits, true), x = decode(f.x), mu = decode(f.mu, true), logvar = decode(f.logvar, true);
  const meanOut = decode(f.meanOut, true), decLogvar = decode(f.decLogvar, true);
  const bern = nn.bernoulliReconstructionLoss(logits, x, { reduction: 'none' });
  const kl = nn.gaussianKl(mu, logvar, { reduction: 'none' });
  const gauss = nn.gaussianReconstructionLoss(meanOut, x, { logvar: decLogvar, reduction: 'none' });
  const gaussUnit = nn.gaussianReconstructionLoss(meanOut, x, { reduction: 'none' });
  assertClose(bern, decode(f.bernoulli), { ...TOL, label: 'bernoulli' });
  assertClose(kl, decode(f.kl), { ...TOL, label: 'kl' });
  assertClose(gauss, decode(f.gaussian), { ...TOL, label: 'gaussian with a learned log-variance' });
  assertClose(gaussUnit, decode(f.gaussianUnit), { ...TOL, label: 'gaussian with unit variance' });
  // the fixture's weighted total: per-sample weights on the Bernoulli term, scalars on the others
  const total = add(add(sum(mul(bern, fromArray(Float64Array.from([1, 2, 3])))), mul(sum(kl), 0.7)),
    add(mul(sum(gauss), 0.3), mul(sum(gaussUnit), 0.2)));
  total.backward();
  assertClose(logits.grad, decode(f.gradLogits), { ...TOL, label: 'gradient of the logits' });
  assertClose(mu.grad, decode(f.gradMu), { ...TOL, label: 'gradient of mu' });
  assertClose(logvar.grad, decode(f.gradLogvar), { ...TOL, label: 'gradient of logvar' });
  assertClose(meanOut.grad, decode(f.gradMeanOut), { ...TOL, label: 'gradient of the decoder mean' });
  assertClose(decLogvar.grad, decode(f.gradDecLogvar), { ...TOL, label: 'gradient of the decoder log-variance' });
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
  model.loadStateDict(new Map(Object.entries(t.state).map(([k, e]) => [k, decode(e)])));
  const { mu, logvar } = model.encode(decode(t.x));
  assertClose(mu, decode(t.mu), { ...TOL, label: 'mu' });
  assertClose(logvar, decode(t.logvar), { ...TOL, label: 'logvar' });
  assertClose(model.decodeLogits(decode(t.z)), decode(t.decoded), { ...TOL, label: 'decoder logits' });
  // the loss is the negative ELBO summed over the batch: Bernoulli term + KL
  const x = decode(t.x);
  const out = model.forward(x, new Generator(0));
  const l = vaeLoss(out, x);
  assertClose(l.loss.item(), l.reconstruction.item() + l.kl.item(), { rtol: 0, atol: 1e-9, label: 'loss = reconstruction + kl' });
  assert.ok(l.kl.item() > 0 && l.reconstruction.item() > 0);
});
