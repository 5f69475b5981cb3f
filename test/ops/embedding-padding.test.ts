import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embedding } from '../../src/ops/embedding.js';
import { fromArray } from '../../src/tensor/creation.js';
import { gradCheck } from '../../src/autograd/gradcheck.js';

test('embedding with paddingIdx: the padding row gets zero gradient, other rows the finite-difference one', () => {
  const idx = fromArray(Int32Array.from([0, 2, 2, 1, 0, 3]), [2, 3]);
  const w = fromArray(Float64Array.from({ length: 16 }, (_, i) => Math.sin(i + 1)), [4, 4], { requiresGrad: true });
  embedding(idx, w, 0).mul(fromArray(Float64Array.from({ length: 24 }, (_, i) => i - 10), [2, 3, 4])).sum().backward();
  const g = w.grad!.dataSync();
  assert.deepEqual(Array.from(g.slice(0, 4)), [0, 0, 0, 0]);
  // rows 1..3 against finite differences: the same function without padding behaves the same there
  const check = gradCheck((wt) => embedding(idx, wt), [w.detach()]);
  const nonPadFailures = check.failures.filter((f) => f.index >= 4);
  assert.equal(nonPadFailures.length, 0);
  const noPad = w.detach().clone().requiresGrad_();
  embedding(idx, noPad).mul(fromArray(Float64Array.from({ length: 24 }, (_, i) => i - 10), [2, 3, 4])).sum().backward();
  assert.deepEqual(Array.from(g.slice(4)), Array.from(noPad.grad!.dataSync().slice(4)));
});
