// The native attention softmax kernels against the js kernels (the oracle): causal and not,
// L < S, L > S, rows shorter and longer than a vector, a size that splits over the thread pool,
// in place (out = scores, dScores = dp) as fusedAttention calls them.
//
// Skipped (with the reason printed) when the addon is not built.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { Generator } from '../../src/tensor/random.js';
import { assertClose } from '../helpers/assert-close.js';

const js = jsBackendInstance();
const loaded = loadNativeBackend(js);
const nb = loaded.backend;
const skip = nb ? false : `native addon unavailable (${loaded.reason}); build it with 'node scripts/build-native.js'`;
if (skip) console.log(`# skipping native attention tests: ${skip}`);

const g = new Generator(99);
const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => (2 * g.random() - 1) * scale);

// [batch, L, S]
const SIZES: Array<[number, number, number]> = [[1, 1, 1], [2, 3, 5], [3, 7, 4], [1, 17, 17], [2, 33, 40], [48, 64, 64]];

describe('native attention softmax', { skip }, () => {
  test('the native backend runs the attention kernels itself', () => {
    const f = new Float32Array(8);
    assert.ok(nb!.handles('attentionSoftmax', [f, 2, 2, 2, 1, false, f]) && nb!.handles('attentionSoftmaxBackward', [f, f, 2, 2, 2, 1, true, f]));
  });

  for (const causal of [false, true]) {
    test(`forward and backward match js${causal ? ' (causal)' : ''}`, () => {
      for (const [B, L, S] of SIZES) {
        const n = B * L * S, scale = 0.37;
        const scores = rand(n, 20);
        const p0 = new Float32Array(n);
        js.attentionSoftmax(scores, B, L, S, scale, causal, p0);
        const p1 = scores.slice();
        nb!.attentionSoftmax(p1, B, L, S, scale, causal, p1); // in place
        assertClose(p1, p0, { rtol: 1e-5, atol: 1e-6, label: `p ${B}x${L}x${S}` });
        const dp = rand(n, 1);
        const d0 = new Float32Array(n);
        js.attentionSoftmaxBackward(p0, dp, B, L, S, scale, causal, d0);
        const d1 = dp.slice();
        nb!.attentionSoftmaxBackward(p0, d1, B, L, S, scale, causal, d1); // in place
        assertClose(d1, d0, { rtol: 1e-5, atol: 1e-6, label: `dScores ${B}x${L}x${S}` });
      }
    });
  }

  test('sizes are checked against the arrays', () => {
    assert.throws(() => nb!.attentionSoftmax(new Float32Array(5), 1, 2, 3, 1, false, new Float32Array(6)), /scores/);
  });
});
