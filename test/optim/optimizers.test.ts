// Optimizer trajectories against PyTorch: the same initial parameters and gradients, the
// parameters after each of 5 steps (float64 to ~1e-12; float32 to float32 rounding).

import { test } from 'node:test';
import { buildOptimizer, fixtures, makeTensor, TOLERANCE, type FloatDType } from './fixtures.js';
import { assertClose } from '../helpers/assert-close.js';
import { fixtureTensor } from '../helpers/fixtures.js';

for (const c of fixtures.optimizers) {
  for (const dtype of ['float64', 'float32'] as FloatDType[]) {
    test(`${c.optimizer} ${c.name} (${dtype}) follows torch ${fixtures.torch}`, () => {
      const params = c.params.map((p) => makeTensor(p, dtype, true));
      const opt = buildOptimizer(c, params);
      const { rtol, atol } = TOLERANCE[dtype];
      c.grads.forEach((grads, step) => {
        params.forEach((p, i) => {
          const g = grads[i];
          p.grad = g === null ? null : makeTensor(g, dtype);
        });
        opt.step();
        params.forEach((p, i) => assertClose(p, fixtureTensor(c.expected[dtype][step][i]), { rtol, atol, label: `step ${step + 1}, param ${i}` }));
      });
    });
  }
}
