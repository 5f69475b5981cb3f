// dropout's mask (one 32-bit draw per element from the seeded generator): the keep rate is
// 1 - p within a few standard deviations on a large tensor, kept values are scaled by exactly
// 1 / (1 - p) in the input's dtype, the gradient is the mask, and the masks are reproducible
// under manualSeed and a given Generator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropout } from '../../src/ops/random-ops.js';
import { fromArray, ones, dropoutMask, bernoulli } from '../../src/tensor/creation.js';
import { Generator, manualSeed } from '../../src/tensor/random.js';
import { assertClose } from '../helpers/assert-close.js';

/** Count of zeros and the set of distinct non-zero values. */
function census(v: ArrayLike<number>): { zeros: number; kept: Set<number> } {
  let zeros = 0;
  const kept = new Set<number>();
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) zeros++;
    else kept.add(v[i]);
  }
  return { zeros, kept };
}

test('dropout on a large tensor: keep rate near 1 - p, kept values scaled by 1/(1-p)', () => {
  const n = 1_000_000;
  for (const p of [0.1, 0.5, 0.8]) {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = ones([1000, 1000], { dtype });
      const y = dropout(x, p, true, new Generator(42)).dataSync();
      const { zeros, kept } = census(y);
      const keepRate = 1 - zeros / n;
      const sd = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs(keepRate - (1 - p)) < 5 * sd, `p=${p} ${dtype}: keep rate ${keepRate}, want ${1 - p} ± ${5 * sd}`);
      const scale = dtype === 'float32' ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
      assert.deepEqual([...kept], [scale], `p=${p} ${dtype}: kept values`);
    }
  }
});

test('dropout masks are not patterned: halves, odd/even positions and neighbours are independent', () => {
  const n = 400_000, p = 0.3;
  const y = dropout(ones([n]), p, true, new Generator(3)).dataSync();
  const sd = Math.sqrt((p * (1 - p)) / (n / 2));
  const rate = (keep: (i: number) => boolean) => {
    let k = 0, c = 0;
    for (let i = 0; i < n; i++) if (keep(i)) { c++; if (y[i] !== 0) k++; }
    return k / c;
  };
  for (const [what, sel] of [['first half', (i: number) => i < n / 2], ['second half', (i: number) => i >= n / 2],
    ['even', (i: number) => i % 2 === 0], ['odd', (i: number) => i % 2 === 1],
    ['after a kept one', (i: number) => i > 0 && y[i - 1] !== 0], ['after a dropped one', (i: number) => i > 0 && y[i - 1] === 0]] as const) {
    const r = rate(sel);
    assert.ok(Math.abs(r - (1 - p)) < 6 * sd, `${what}: keep rate ${r}`);
  }
});

test('the gradient of dropout is its mask (times the upstream gradient)', () => {
  const x = fromArray(Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) + 2), [10, 100], { requiresGrad: true });
  const y = dropout(x, 0.25, true, new Generator(5));
  y.sum().backward();
  const g = x.grad!.dataSync(), yv = y.dataSync(), xv = x.dataSync();
  assertClose(g, yv.map((v, i) => v / xv[i]), { rtol: 0, atol: 1e-12, label: 'gradient against the mask' });
});

test('masks are reproducible under manualSeed and a given Generator, and change with the seed', () => {
  const draw = () => Array.from(dropout(ones([5000]), 0.5, true).dataSync());
  manualSeed(11);
  const a = draw();
  manualSeed(11);
  assert.deepEqual(draw(), a);
  manualSeed(12);
  assert.notDeepEqual(draw(), a);
  const g1 = new Generator(9), g2 = new Generator(9);
  assert.deepEqual(dropout(ones([3, 333]), 0.4, true, g1).dataSync(), dropout(ones([3, 333]), 0.4, true, g2).dataSync());
  // one 32-bit draw per element: the generators stay in step with nextUint32()
  const g3 = new Generator(9);
  dropoutMask([999], 0.6, 1, { generator: g3 });
  const g4 = new Generator(9);
  for (let i = 0; i < 999; i++) g4.nextUint32();
  assert.deepEqual(g3.getState(), g4.getState());
  // and consecutive masks differ
  assert.notDeepEqual(dropout(ones([3, 333]), 0.4, true, g1).dataSync(), dropout(ones([3, 333]), 0.4, true, g1).dataSync());
});

test('edge probabilities, eval mode and errors', () => {
  const x = fromArray(Float32Array.from([1, -2, 3, 4]), [4]);
  assert.deepEqual(Array.from(dropout(x, 0, true).dataSync()), [1, -2, 3, 4]);
  assert.deepEqual(Array.from(dropout(x, 0.9, false).dataSync()), [1, -2, 3, 4]);
  assert.ok(dropout(x, 1, true).dataSync().every((v) => v === 0));
  assert.ok(dropoutMask([1000], 1, 2).dataSync().every((v) => v === 2));
  assert.ok(dropoutMask([1000], 0, 2).dataSync().every((v) => v === 0));
  assert.throws(() => dropout(x, 1.5), /dropout: probability/);
  assert.throws(() => dropoutMask([2], -0.1, 1), /dropoutMask/);
  // int32 bernoulli goes through the same draws
  const bi = bernoulli([2000], 0.5, { dtype: 'int32', generator: new Generator(1) }).dataSync();
  const bf = bernoulli([2000], 0.5, { generator: new Generator(1) }).dataSync();
  assert.deepEqual(Array.from(bi), Array.from(bf));
});
