// Backend.allocUninit: the storage kernels write in full without zeroing first. Its contents
// are unspecified, so the tests check what callers rely on: the kind, the length, a buffer of
// its own (safetensors and the addon read storage.buffer), independence between allocations,
// and that ops whose outputs come from it still compute what the js backend computes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import type { Backend } from '../../src/backend/backend.js';
import type { DType } from '../../src/dtype/dtype.js';

const js = jsBackendInstance();
const loaded = loadNativeBackend(js);
const skipNative = loaded.backend ? false : `native addon unavailable (${loaded.reason})`;

const KINDS: Record<DType, typeof Float32Array | typeof Float64Array | typeof Int32Array | typeof Uint16Array> = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bfloat16: Uint16Array };

function checkShape(b: Backend): void {
  // sizes on both sides of the native backend's small-allocation cut-off, and empty
  for (const dtype of ['float32', 'int32', 'float64'] as DType[]) {
    for (const size of [0, 1, 7, 4095, 4096, 4097, 100_003]) {
      const s = b.allocUninit(dtype, size);
      assert.ok(s instanceof KINDS[dtype], `${b.name} ${dtype}[${size}] kind`);
      assert.equal(s.length, size, `${b.name} ${dtype}[${size}] length`);
      assert.equal(s.byteOffset, 0, `${b.name} ${dtype}[${size}] offset`);
      assert.equal(s.buffer.byteLength, s.byteLength, `${b.name} ${dtype}[${size}]: a buffer of its own`);
    }
  }
}

describe('allocUninit', () => {
  test('js: zero-filled storage of the right kind and length', () => {
    checkShape(js);
    assert.ok(js.allocUninit('float32', 5000).every((v) => v === 0));
  });

  test('native: the right kind and length, a buffer of its own, independent allocations', { skip: skipNative }, () => {
    const b = loaded.backend!;
    checkShape(b);
    const a = b.allocUninit('float32', 50_000), c = b.allocUninit('float32', 50_000);
    a.fill(1);
    c.fill(2);
    assert.ok(a.every((v) => v === 1) && c.every((v) => v === 2));
  });

  test('native: outputs written in full over reused memory (freed garbage of earlier allocations)', { skip: skipNative }, () => {
    const b = loaded.backend!;
    const n = 70_001;
    const x = new Float32Array(n).map((_, i) => ((i * 7919) % 201) - 100);
    for (let round = 0; round < 20; round++) {
      // dirty memory that is then dropped, so that later allocations may reuse it
      b.allocUninit('float32', n).fill(NaN);
      const out = b.allocUninit('float32', n);
      b.unary('relu', x, out);
      const ref = js.alloc('float32', n);
      js.unary('relu', x, ref);
      assert.deepEqual(out, ref);
    }
  });
});
