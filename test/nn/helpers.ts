// Shared helpers of the nn tests: tensor values and the small CNN of the fixtures.

import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';

/** Values of a tensor as a plain number array. */
export function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** The `small_cnn` of gen_nn_fixtures.py. */
export function smallCnn(): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(8, 3), new nn.Dropout(0.5));
}
