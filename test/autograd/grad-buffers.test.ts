// Storage reuse in backward passes (autograd/grad-buffers.ts, backend/storage-pool.ts): the
// engine gives back only storages that nothing can read again. Each test runs the same
// computation with reuse on and with the backend's release() disabled, and requires the same
// gradients to the bit; and checks that what the user holds (leaf grads, the seed, forward
// outputs, retained grads) never changes behind their back. Tensors are large enough
// (>= 16 KB) to be recorded and pooled.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { backend, setBackend, type Backend } from '../../src/backend/index.js';
import { pooledStorage, POOL_MIN_BYTES } from '../../src/backend/storage-pool.js';
import { randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as nn from '../../src/nn/index.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { Adam } from '../../src/optim/adam.js';
import { randint } from '../../src/tensor/creation.js';

const values = (t: Tensor) => Array.from(t.dataSync());

/** Runs fn with the current backend's release() replaced by a no-op (no reuse at all). */
function withoutReuse<T>(fn: () => T): T {
  const b = backend() as Backend & { release?: Backend['release'] };
  const release = b.release;
  b.release = () => {};
  try { return fn(); } finally { b.release = release; }
}

/** Counts the storages the engine hands back during fn. */
function countReleased(fn: () => void): number {
  const b = backend() as Backend & { release?: Backend['release'] };
  const release = b.release!;
  let n = 0;
  b.release = (list) => { n += list.length; release.call(b, list); };
  try { fn(); } finally { b.release = release; }
  return n;
}

describe('storage pool', () => {
  const fresh = (dtype: string, size: number) => (dtype === 'int32' ? new Int32Array(size) : new Float32Array(size));
  const big = POOL_MIN_BYTES / 4;

  test('a released storage comes back for the same dtype and size; alloc zero-fills it', () => {
    const pool = pooledStorage(fresh as never, (s, v) => s.fill(v));
    const a = pool.allocUninit('float32', big);
    a.fill(7);
    pool.release([a]);
    assert.notEqual(pool.allocUninit('float32', big + 1), a, 'another size gets a fresh storage');
    assert.notEqual(pool.allocUninit('int32', big), a, 'another dtype gets a fresh storage');
    const b = pool.alloc('float32', big);
    assert.equal(b, a);
    assert.ok(b.every((v) => v === 0), 'alloc zero-fills a reused storage');
    assert.notEqual(pool.allocUninit('float32', big), a, 'a storage is handed out once');
  });

  test('small storages and views are not pooled; a full pool starts afresh', () => {
    const pool = pooledStorage(fresh as never, (s, v) => s.fill(v), 2 * POOL_MIN_BYTES);
    const small = new Float32Array(16);
    const view = new Float32Array(2 * big).subarray(0, big);
    pool.release([small, view]);
    assert.notEqual(pool.allocUninit('float32', 16), small);
    assert.notEqual(pool.allocUninit('float32', big), view);
    const [a, b, c] = [0, 1, 2].map(() => new Float32Array(big));
    pool.release([a, b, c]); // two fit; the third empties the pool first
    const got = [0, 1, 2].map(() => pool.allocUninit('float32', big));
    assert.equal(got[0], c);
    assert.ok(!got.includes(a) && !got.includes(b), 'the earlier storages were dropped');
    const huge = new Float32Array(3 * big);
    pool.release([huge]);
    assert.notEqual(pool.allocUninit('float32', 3 * big), huge, 'a storage larger than the capacity is never pooled');
  });

  test('recording lists the large allocations only, and nests', () => {
    const pool = pooledStorage(fresh as never, (s, v) => s.fill(v));
    const outer: Float32Array[] = [], inner: Float32Array[] = [];
    assert.equal(pool.recordAllocations(outer as never), null);
    const a = pool.alloc('float32', big);
    pool.alloc('float32', 4);
    const prev = pool.recordAllocations(inner as never);
    const b = pool.allocUninit('float32', big);
    pool.recordAllocations(prev);
    pool.recordAllocations(null);
    pool.alloc('float32', big);
    assert.deepEqual([outer.length, inner.length], [1, 1]);
    assert.ok(outer[0] === a && inner[0] === b);
  });
});

for (const name of ['js', 'native'] as const) {
  describe(`backward with storage reuse (${name} backend)`, () => {
    const restore = backend();
    const skip = setBackend(name).name !== name;
    setBackend(restore.name as 'js' | 'native');
    const on = (fn: () => void) => () => { const was = backend().name; setBackend(name); try { fn(); } finally { setBackend(was as 'js' | 'native'); } };

    test('gradients through add (one tensor to two inputs), views, casts and a retained grad match no reuse', { skip }, on(() => {
      manualSeed(1);
      const x = randn([64, 96]).requiresGrad_(), w = randn([96, 96]).requiresGrad_();
      const run = () => {
        x.grad = null; w.grad = null;
        const h = x.matmul(w).relu();
        h.retainGrad();
        const y = h.add(h.reshape([96, 64]).reshape([64, 96])).tanh().mul(x).sum(1).double().sum();
        y.backward();
        return [values(x.grad!), values(w.grad!), values(h.grad!)];
      };
      const reused = run();
      const released = countReleased(run);
      const plain = withoutReuse(run);
      assert.deepEqual(reused, plain);
      assert.ok(released > 0, 'the engine gave storages back');
    }));

    test('what the user holds survives later passes: leaf grads, the seed, forward outputs', { skip }, on(() => {
      manualSeed(2);
      const x = randn([128, 64]).requiresGrad_();
      const out = x.mul(x).tanh();
      const seed = randn([128, 64]);
      const seedBefore = values(seed), outBefore = values(out);
      out.backward(seed);
      const grad = x.grad!, gradBefore = values(grad);
      // more passes that allocate and release storages of the same sizes
      for (let i = 0; i < 3; i++) { const z = randn([128, 64]).requiresGrad_(); z.mul(z).exp().sum().backward(); }
      assert.deepEqual(values(seed), seedBefore);
      assert.deepEqual(values(out), outBefore);
      assert.deepEqual(values(grad), gradBefore);
      assert.equal(x.grad, grad);
    }));

    test('leaves never share a .grad storage with each other or with the caller\'s seed', { skip }, on(() => {
      manualSeed(4);
      const a = randn([64, 80]).requiresGrad_(), b = randn([64, 80]).requiresGrad_();
      a.add(b).sum().backward(); // add hands one gradient to both
      const bBefore = values(b.grad!);
      a.grad!.zero_();
      assert.deepEqual(values(b.grad!), bBefore);
      const x = randn([64, 80]).requiresGrad_(), seed = randn([80, 64]);
      x.reshape([80, 64]).backward(seed); // reshape's backward returns a view of the seed
      const xBefore = values(x.grad!);
      seed.fill_(0);
      assert.deepEqual(values(x.grad!), xBefore);
    }));

    test('a CNN trained for a few steps ends with the same weights with and without reuse', { skip }, on(() => {
      const train = () => {
        manualSeed(3);
        const model = new nn.Sequential(new nn.Conv2d(1, 8, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 13 * 13, 10));
        const opt = new Adam(model.parameters(), { lr: 1e-2 });
        const x = randn([32, 1, 28, 28]), y = randint(0, 10, [32]);
        for (let i = 0; i < 4; i++) { const loss = crossEntropy(model.forward(x), y); opt.zeroGrad(); loss.backward(); opt.step(); }
        return model.parameters().map(values);
      };
      assert.deepEqual(train(), withoutReuse(train));
    }));
  });
}
