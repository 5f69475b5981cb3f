// The model zoo: name -> recipe (architecture, data, training, evaluation).

import type { ZooModel } from './common.js';
import { mlp } from './mlp.js';
import { cnn } from './cnn.js';

export const ZOO: Record<string, ZooModel> = { mlp, cnn };

export function zooModel(name: string): ZooModel {
  const m = ZOO[name];
  if (!m) throw new Error(`unknown model '${name}' (available: ${Object.keys(ZOO).join(', ')})`);
  return m;
}

export { buildMlp } from './mlp.js';
export { buildCnn } from './cnn.js';
export type { ZooModel, TrainOptions, EvalOptions, Summary } from './common.js';
