// The GPT model against its PyTorch twin's architecture (a tiny configuration built by
// gen_sequence_fixtures.py with gpt.py's classes), the learning-rate schedule, and sampling.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GPT, loadGptStateDict, gptLr, sampleToken, generateTokens } from '../../src/models/gpt.js';
import { Generator } from '../../src/tensor/random.js';
import { fixtureCase, stateDictOf } from './fixtures.js';
import { fixtureTensor } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert-close.js';

/** float64 against PyTorch's float64. */
const TOL = { rtol: 1e-6, atol: 1e-6 };

describe('GPT', () => {
  test('the twin architecture: logits, loss and every gradient match PyTorch (tied head included)', () => {
    const c = fixtureCase('gpt_tiny');
    const cfg = c.config as Record<string, number>;
    const model = new GPT({ vocabSize: cfg.vocabSize, blockSize: cfg.blockSize, nLayer: cfg.nLayer, nHead: cfg.nHead, nEmbd: cfg.nEmbd, dropout: 0, bias: false });
    model.double();
    loadGptStateDict(model, stateDictOf(c));
    assert.equal(model.head.weight, model.wte.weight, 'head tied to the token embedding');
    const idx = fixtureTensor(c.inputs.idx), tgt = fixtureTensor(c.inputs.targets);
    assertClose(model.forward(idx), fixtureTensor(c.outputs.logits), { ...TOL, label: 'logits' });
    const loss = model.loss(idx, tgt);
    assertClose(loss, fixtureTensor(c.outputs.loss), { ...TOL, label: 'loss' });
    loss.backward();
    const params = new Map(model.namedParameters());
    for (const [k, want] of Object.entries(c.grads)) {
      const name = k.slice('param.'.length).replace(/(ln1|ln2|lnf)\.w$/, '$1.weight');
      assertClose(params.get(name)!.grad, fixtureTensor(want), { ...TOL, label: `grad ${name}` });
    }
  });

  test('learning rate: linear warm-up from 0, cosine to 1e-4 at 2000, then flat', () => {
    assert.equal(gptLr(0), 0);
    assertClose(gptLr(50), 5e-4, { rtol: 0, atol: 1e-12 });
    assertClose(gptLr(100), 1e-3, { rtol: 0, atol: 1e-12 });
    assertClose(gptLr(1050), 5.5e-4, { rtol: 0, atol: 1e-12 });
    assertClose(gptLr(2000), 1e-4, { rtol: 0, atol: 1e-12 });
    assert.equal(gptLr(2500), 1e-4);
  });

  test('sampling: top-k 1 is argmax, temperature sharpens, the seed makes it reproducible', () => {
    const logits = Float32Array.from([0.1, 2.0, -1, 1.9]);
    assert.equal(sampleToken(logits, { topK: 1, generator: new Generator(1) }), 1);
    const counts = [0, 0, 0, 0];
    const g = new Generator(2);
    for (let i = 0; i < 400; i++) counts[sampleToken(logits, { topK: 2, generator: g })]++;
    assert.equal(counts[0] + counts[2], 0, 'only the top 2');
    assert.ok(counts[1] > 150 && counts[3] > 150);
    const model = new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 8, dropout: 0, bias: false });
    const a = [...generateTokens(model, Int32Array.of(1, 2), 7, { generator: new Generator(3) })];
    const b = [...generateTokens(model, Int32Array.of(1, 2), 7, { generator: new Generator(3) })];
    assert.equal(a.length, 7);
    assert.deepEqual(a, b);
  });
});
