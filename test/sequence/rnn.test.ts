// LSTM and GRU against PyTorch (fixtures from gen_sequence_fixtures.py, float64): outputs,
// final states and the gradients of every input and parameter; plus layer behaviour.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LSTM, GRU, LSTMCell, GRUCell, orthogonal_ } from '../../src/nn/index.js';
import { fromArray, randn, zeros } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { fixtureCase, stateDictOf, weightedSum } from './fixtures.js';
import { fixtureTensor } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';
import { LstmClassifier } from '../../src/models/lstm.js';

function checkCase(name: string, build: (cfg: Record<string, unknown>) => LSTM | GRU, run: (m: LSTM | GRU, inputs: Record<string, Tensor>) => Record<string, Tensor>) {
  // float64 (exact arithmetic check, 1e-6) and float32 (what training runs, on the current backend, 1e-4)
  for (const [dtype, tol] of [['float64', 1e-6], ['float32', 1e-4]] as const) {
    test(`${name} (${dtype}): outputs and all gradients match PyTorch to ${tol}`, () => {
      const c = fixtureCase(name);
      const m = build(c.config);
      assert.deepEqual([...m.stateDict().keys()], Object.keys(c.params), 'state-dict names and order');
      if (dtype === 'float32') m.float();
      m.loadStateDict(stateDictOf(c));
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, dtype === 'float32' ? fixtureTensor(v, { dtype: 'float32', requiresGrad: true }) : fixtureTensor(v, { requiresGrad: true })]));
      const outs = run(m, inputs);
      for (const [k, want] of Object.entries(c.outputs)) assertClose(outs[k], fixtureTensor(want), { rtol: tol, atol: tol, label: `${name} ${k}` });
      weightedSum(c, outs).backward();
      const params = new Map(m.namedParameters());
      for (const [k, want] of Object.entries(c.grads)) {
        const [kind, key] = [k.slice(0, k.indexOf('.')), k.slice(k.indexOf('.') + 1)];
        const got = kind === 'input' ? inputs[key].grad : params.get(key)!.grad;
        assertClose(got, fixtureTensor(want), { rtol: tol, atol: tol, label: `${name} grad ${k}` });
      }
    });
  }
}

const opts = (cfg: Record<string, unknown>) => ({
  dtype: 'float64' as const, numLayers: cfg.numLayers as number | undefined, batchFirst: cfg.batchFirst as boolean | undefined,
  bidirectional: cfg.bidirectional as boolean | undefined, bias: cfg.bias as boolean | undefined,
});

describe('LSTM and GRU match PyTorch', () => {
  checkCase('lstm_2layer_bidirectional_batchfirst', (cfg) => new LSTM(cfg.inputSize as number, cfg.hiddenSize as number, opts(cfg)),
    (m, i) => { const [output, [h_n, c_n]] = (m as LSTM).forward(i.x, [i.h0, i.c0]); return { output, h_n, c_n }; });
  checkCase('lstm_nobias_timemajor', (cfg) => new LSTM(cfg.inputSize as number, cfg.hiddenSize as number, opts(cfg)),
    (m, i) => { const [output, [h_n, c_n]] = (m as LSTM).forward(i.x); return { output, h_n, c_n }; });
  checkCase('gru_2layer_bidirectional', (cfg) => new GRU(cfg.inputSize as number, cfg.hiddenSize as number, opts(cfg)),
    (m, i) => { const [output, h_n] = (m as GRU).forward(i.x, i.h0); return { output, h_n }; });
  checkCase('gru_batchfirst', (cfg) => new GRU(cfg.inputSize as number, cfg.hiddenSize as number, opts(cfg)),
    (m, i) => { const [output, h_n] = (m as GRU).forward(i.x); return { output, h_n }; });
});

describe('recurrent layers', () => {
  test('PyTorch parameter names, shapes and default init bound 1/sqrt(hidden)', () => {
    manualSeed(1);
    const lstm = new LSTM(10, 16, { numLayers: 2, bidirectional: true });
    const names = [...lstm.stateDict().keys()];
    assert.deepEqual(names.slice(0, 8), ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
      'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse']);
    assert.deepEqual(lstm.getParameter('weight_ih_l1').shape, [64, 32]);
    assert.deepEqual(new GRU(10, 16).getParameter('weight_hh_l0').shape, [48, 16]);
    for (const p of lstm.parameters()) {
      const d = p.dataSync();
      assert.ok(d.every((v) => Math.abs(v) <= 0.25), 'within 1/sqrt(16)');
      assert.ok(d.some((v) => Math.abs(v) > 0.2), 'spread over the range');
    }
  });

  test('unbatched input, float32, and the last output step equals h_n (LSTM and GRU)', () => {
    manualSeed(2);
    for (const m of [new LSTM(3, 5), new GRU(3, 5)]) {
      const x = randn([7, 3]);
      const [out, st] = m.forward(x) as [Tensor, Tensor | [Tensor, Tensor]];
      const h = Array.isArray(st) ? st[0] : st;
      assert.deepEqual(out.shape, [7, 5]);
      assert.deepEqual(h.shape, [1, 5]);
      assert.deepEqual(Array.from(out.dataSync().slice(30)), Array.from(h.dataSync()));
      assert.equal(out.dtype, 'float32');
    }
  });

  test('dropout between layers only in training; eval is deterministic', () => {
    manualSeed(3);
    const m = new LSTM(4, 6, { numLayers: 2, dropout: 0.5, batchFirst: true });
    const x = randn([2, 5, 4]);
    m.eval();
    const a = noGrad(() => m.forward(x)[0].dataSync()), b = noGrad(() => m.forward(x)[0].dataSync());
    assert.deepEqual(Array.from(a), Array.from(b));
    m.train();
    const c = noGrad(() => m.forward(x)[0].dataSync());
    assert.notDeepEqual(Array.from(a), Array.from(c));
  });

  test('clear errors for wrong input and state shapes', () => {
    const m = new LSTM(4, 6, { numLayers: 2 });
    assert.throws(() => m.forward(randn([5, 2, 3])), /expected 4 input features/);
    assert.throws(() => m.forward(randn([5, 2, 4]), [zeros([1, 2, 6]), zeros([1, 2, 6])]), /h0 of shape \[2, 2, 6\]/);
  });

  test('orthogonal_ gives orthonormal rows or columns', () => {
    manualSeed(4);
    const w = orthogonal_(zeros([12, 4]));
    const d = w.dataSync();
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
      let s = 0;
      for (let i = 0; i < 12; i++) s += d[i * 4 + a] * d[i * 4 + b];
      assertClose(s, a === b ? 1 : 0, { rtol: 0, atol: 1e-5, label: `columns ${a},${b}` });
    }
  });

  test("the LSTM classifier has its twin's state-dict names (lstm.py) and Keras-like initial values", () => {
    manualSeed(5);
    const m = new LstmClassifier({ vocabSize: 50, embedDim: 8, hidden: 4 });
    assert.deepEqual([...m.stateDict().keys()], ['emb.weight',
      'l1.weight_ih_l0', 'l1.weight_hh_l0', 'l1.bias_ih_l0', 'l1.bias_hh_l0',
      'l2.weight_ih_l0', 'l2.weight_hh_l0', 'l2.bias_ih_l0', 'l2.bias_hh_l0', 'out.weight', 'out.bias']);
    assert.deepEqual(Array.from(m.l1.getParameter('bias_ih_l0').dataSync()), [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.ok(m.emb.weight.dataSync().every((v) => Math.abs(v) <= 0.05));
    const out = m.forward(fromArray(Int32Array.from({ length: 12 }, (_, i) => i % 50), [3, 4]));
    assert.deepEqual(out.shape, [3]);
    assert.equal(new LstmClassifier({ cell: 'gru', vocabSize: 50, embedDim: 8, hidden: 4 }).l1.getParameter('weight_hh_l0').shape[0], 12);
  });

  test('LSTMCell and GRUCell equal one step of LSTM and GRU with the same weights (PyTorch names weight_ih, ...)', () => {
    manualSeed(6);
    const cell = new LSTMCell(3, 4), lstm = new LSTM(3, 4);
    assert.deepEqual([...cell.stateDict().keys()], ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
    lstm.loadStateDict(new Map([...cell.stateDict()].map(([k, v]) => [`${k}_l0`, v])));
    const x = randn([2, 3]), h = randn([2, 4]), c = randn([2, 4]);
    const [h1, c1] = cell.forward(x, [h, c]);
    const [, [h2, c2]] = lstm.forward(x.unsqueeze(0), [h.unsqueeze(0), c.unsqueeze(0)]);
    assert.deepEqual(Array.from(h1.dataSync()), Array.from(h2.dataSync()));
    assert.deepEqual(Array.from(c1.dataSync()), Array.from(c2.dataSync()));
    const gcell = new GRUCell(3, 4), gru = new GRU(3, 4);
    gru.loadStateDict(new Map([...gcell.stateDict()].map(([k, v]) => [`${k}_l0`, v])));
    const g1 = gcell.forward(x.select(0, 0));
    const [, g2] = gru.forward(x.select(0, 0).unsqueeze(0));
    assert.deepEqual(g1.shape, [4]);
    assert.deepEqual(Array.from(g1.dataSync()), Array.from(g2.dataSync()));
  });
});
