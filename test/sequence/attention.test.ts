// MultiheadAttention and TransformerEncoderLayer against PyTorch (float64 fixtures), and the
// attention op's masks.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MultiheadAttention, TransformerEncoderLayer } from '../../src/nn/index.js';
import { fromArray, randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { scaledDotProductAttention, matmulNT, matmul, transpose } from '../../src/ops/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Module } from '../../src/nn/module.js';
import { fixtureCase, stateDictOf, weightedSum } from './fixtures.js';
import { fixtureTensor, isFloatingFixture } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

function checkCase(name: string, build: (cfg: Record<string, unknown>) => Module, run: (m: Module, inputs: Record<string, Tensor>) => Record<string, Tensor>) {
  // float64 (exact arithmetic check, 1e-6) and float32 (what training runs, on the current backend, 1e-4)
  for (const [dtype, tol] of [['float64', 1e-6], ['float32', 1e-4]] as const) {
    test(`${name} (${dtype}): outputs and all gradients match PyTorch to ${tol}`, () => {
      const c = fixtureCase(name);
      const m = build(c.config);
      assert.deepEqual([...m.stateDict().keys()], Object.keys(c.params), 'state-dict names and order');
      if (dtype === 'float32') m.float();
      m.loadStateDict(stateDictOf(c));
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => {
        const t = fixtureTensor(v);
        if (!isFloatingFixture(v)) return [k, t];
        const cast = dtype === 'float32' ? t.float() : t;
        return [k, k.includes('mask') ? cast : cast.requiresGrad_()];
      }));
      const outs = run(m, inputs);
      for (const [k, want] of Object.entries(c.outputs)) assertClose(outs[k], fixtureTensor(want), { rtol: tol, atol: tol, label: `${name} ${k}` });
      weightedSum(c, outs).backward();
      const params = new Map(m.namedParameters());
      for (const [k, want] of Object.entries(c.grads)) {
        const [kind, key] = [k.slice(0, k.indexOf('.')), k.slice(k.indexOf('.') + 1)];
        assertClose(kind === 'input' ? inputs[key].grad : params.get(key)!.grad, fixtureTensor(want), { rtol: tol, atol: tol, label: `${name} grad ${k}` });
      }
    });
  }
}

describe('attention matches PyTorch', () => {
  checkCase('mha_self_batchfirst_masks', (cfg) => new MultiheadAttention(cfg.embedDim as number, cfg.numHeads as number, { batchFirst: true, dtype: 'float64' }),
    (m, i) => {
      const [output, weights] = (m as MultiheadAttention).forward(i.x, i.x, i.x, { keyPaddingMask: i.key_padding_mask, attnMask: i.attn_mask });
      return { output, weights: weights! };
    });
  checkCase('mha_cross_timemajor_causal', (cfg) => new MultiheadAttention(cfg.embedDim as number, cfg.numHeads as number, { dtype: 'float64' }),
    (m, i) => {
      const [output, weights] = (m as MultiheadAttention).forward(i.query, i.key, i.value, { attnMask: i.attn_mask, averageAttnWeights: false });
      return { output, weights: weights! };
    });
  for (const kind of ['postnorm', 'prenorm']) {
    checkCase(`encoder_layer_${kind}`, (cfg) => new TransformerEncoderLayer(cfg.dModel as number, cfg.nhead as number, {
      dimFeedforward: cfg.dimFeedforward as number, dropout: 0, batchFirst: true, normFirst: cfg.normFirst as boolean, activation: 'gelu', dtype: 'float64',
    }), (m, i) => ({ output: (m as TransformerEncoderLayer).forward(i.x, { srcKeyPaddingMask: i.key_padding_mask }) }));
  }
});

describe('attention op', () => {
  test('isCausal equals an explicit upper-triangular int32 mask, and hides the future', () => {
    manualSeed(5);
    const q = randn([2, 3, 4, 8]), k = randn([2, 3, 4, 8]), v = randn([2, 3, 4, 8]);
    const a = scaledDotProductAttention(q, k, v, { isCausal: true });
    const mask = fromArray(Int32Array.from({ length: 16 }, (_, i) => (i % 4 > Math.floor(i / 4) ? 1 : 0)), [4, 4]);
    const b = scaledDotProductAttention(q, k, v, { attnMask: mask });
    assert.deepEqual(Array.from(a.output.dataSync()), Array.from(b.output.dataSync()));
    const w = a.weights.dataSync();
    for (let r = 0; r < 4; r++) for (let c = r + 1; c < 4; c++) assert.equal(w[r * 4 + c], 0);
  });

  test('matmulNT equals matmul with a transposed copy, including a shared right operand', () => {
    manualSeed(6);
    const a = randn([2, 3, 5]), b = randn([2, 4, 5]), w = randn([4, 5]);
    assertClose(matmulNT(a, b), matmul(a, transpose(b)), { rtol: 0, atol: 1e-5 });
    assertClose(matmulNT(a, w), matmul(a, transpose(w)), { rtol: 0, atol: 1e-5 });
  });
});
