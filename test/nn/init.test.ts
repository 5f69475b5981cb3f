import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, Parameter } from '../../src/nn/index.js';
import { zeros } from '../../src/tensor/creation.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { values } from './helpers.js';

/** Mean and (population) variance of a tensor's values. */
function moments(v: number[]): [number, number] {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return [mean, v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length];
}

/** A fresh parameter (requires grad: init must work on it without recording a graph). */
const param = (shape: number[]) => new Parameter(zeros(shape));

test('calculateGain has PyTorch\'s values', () => {
  assert.equal(init.calculateGain('linear'), 1);
  assert.equal(init.calculateGain('conv2d'), 1);
  assert.equal(init.calculateGain('sigmoid'), 1);
  assert.equal(init.calculateGain('tanh'), 5 / 3);
  assert.equal(init.calculateGain('relu'), Math.sqrt(2));
  assert.equal(init.calculateGain('leakyRelu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
  assert.equal(init.calculateGain('selu'), 0.75);
  assert.throws(() => init.calculateGain('swish' as 'relu'), /unsupported nonlinearity 'swish'/);
});

test('fanInAndFanOut follows PyTorch\'s convention for Linear and Conv weights', () => {
  assert.deepEqual(init.fanInAndFanOut([10, 20]), [20, 10]);
  assert.deepEqual(init.fanInAndFanOut(zeros([8, 3, 5, 2])), [30, 80]);
  assert.throws(() => init.fanInAndFanOut([5]), /fewer than 2 dimensions \(shape \[5\]\)/);
});

test('constant, zeros and ones fill in place and return the tensor', () => {
  const p = param([2, 3]);
  assert.equal(init.constant_(p, 2.5), p);
  assert.deepEqual(values(p), [2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
  init.ones_(p);
  assert.ok(values(p).every((v) => v === 1));
  init.zeros(p);
  assert.ok(values(p).every((v) => v === 0));
  assert.equal(p.gradFn, null, 'no graph recorded');
  assert.equal(p.requiresGrad, true);
});

test('uniform_ and normal_ have the requested distribution (seeded, wide tolerances)', () => {
  const g = new Generator(11);
  const u = values(init.uniform_(param([100, 100]), -2, 3, g));
  assert.ok(u.every((v) => v >= -2 && v < 3));
  const [um, uv] = moments(u);
  assert.ok(Math.abs(um - 0.5) < 0.05 && Math.abs(uv - 25 / 12) < 0.1, `U(-2,3): mean ${um}, var ${uv}`);
  const n = values(init.normal_(param([100, 100]), 1, 0.5, g));
  const [nm, nv] = moments(n);
  assert.ok(Math.abs(nm - 1) < 0.02 && Math.abs(nv - 0.25) < 0.015, `N(1, 0.25): mean ${nm}, var ${nv}`);
  const t = values(init.truncNormal_(param([100, 100]), 0, 1, -1, 1.5, g));
  assert.ok(t.every((v) => v >= -1 && v <= 1.5));
  assert.ok(Math.min(...t) < -0.99 && Math.max(...t) > 1.49);
});

test('xavier initialisation scales with fanIn + fanOut', () => {
  const g = new Generator(12);
  const w = values(init.xavierUniform_(param([200, 300]), 2, g));
  const bound = 2 * Math.sqrt(6 / 500);
  assert.ok(w.every((v) => Math.abs(v) <= bound) && Math.max(...w.map(Math.abs)) > 0.99 * bound);
  const [, n] = moments(values(init.xavierNormal_(param([200, 300]), 1, g)));
  assert.ok(Math.abs(n - 2 / 500) < 0.05 * (2 / 500), `variance ${n}`);
});

test('kaiming initialisation: gain / sqrt(fan) with mode and nonlinearity', () => {
  const g = new Generator(13);
  const fanIn = 64 * 9, fanOut = 32 * 9;
  // default: leaky relu with a = 0 (== relu), fan in
  const u = values(init.kaimingUniform_(param([32, 64, 3, 3]), { generator: g }));
  const bound = Math.sqrt(2) * Math.sqrt(3 / fanIn);
  assert.ok(u.every((v) => Math.abs(v) <= bound) && Math.max(...u.map(Math.abs)) > 0.99 * bound);
  const out = values(init.kaimingUniform_(param([32, 64, 3, 3]), { mode: 'fanOut', nonlinearity: 'relu', generator: g }));
  assert.ok(Math.max(...out.map(Math.abs)) > 1.4 * bound, 'fan out (smaller) gives a wider bound');
  assert.ok(out.every((v) => Math.abs(v) <= Math.sqrt(6 / fanOut)));
  // a = sqrt(5) gives PyTorch's Linear default U(-1/sqrt(fanIn), 1/sqrt(fanIn))
  const lin = values(init.kaimingUniform_(param([50, 400]), { a: Math.sqrt(5), generator: g }));
  assert.ok(lin.every((v) => Math.abs(v) <= 1 / 20) && Math.max(...lin.map(Math.abs)) > 0.99 / 20);
  const [m, v] = moments(values(init.kaimingNormal_(param([100, 400]), { mode: 'fan_in', generator: g })));
  assert.ok(Math.abs(m) < 0.005 && Math.abs(v - 2 / 400) < 0.05 * (2 / 400), `N(0, 2/fanIn): mean ${m}, var ${v}`);
  const [, vt] = moments(values(init.kaimingNormal_(param([100, 400]), { nonlinearity: 'tanh', generator: g })));
  assert.ok(Math.abs(vt - (25 / 9) / 400) < 0.05 * (25 / 9) / 400);
  assert.throws(() => init.kaimingUniform_(param([2, 2]), { mode: 'fanAll' as 'fanIn' }), /mode must be 'fanIn' or 'fanOut'/);
});

test('the default generator makes init reproducible after manualSeed', () => {
  manualSeed(5);
  const a = values(init.normal_(param([10])));
  manualSeed(5);
  const b = values(init.normal(param([10])));
  assert.deepEqual(a, b);
  const c = values(init.normal_(param([10])));
  assert.notDeepEqual(a, c);
});
