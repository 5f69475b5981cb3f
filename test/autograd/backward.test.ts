// The tape: backward(), accumulation, retained and freed graphs, grad mode, detach,
// retainGrad, in-place guards, deep graphs, higher-order gradients. Expected gradients are
// derived by hand.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, fromArray, zeros, ones } from '../../src/tensor/creation.js';
import { noGrad, enableGrad, isGradEnabled, setGradEnabled } from '../../src/autograd/grad-mode.js';
import { sum, max } from '../../src/ops/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/assert-close.js';

const f64 = (data: number[], shape = [data.length], requiresGrad = true) =>
  fromArray(Float64Array.from(data), shape, { requiresGrad });

/** Hand-derived gradients hold to rounding (float64). */
const TOL = { rtol: 1e-9, atol: 1e-9 };

const grad = (t: Tensor) => { assert.ok(t.grad, 'expected a gradient'); return Array.from(t.grad.dataSync()); };

describe('basic backward', () => {
  test('gradient of a polynomial', () => {
    const x = f64([1, -2, 3]);
    x.mul(x).mul(x).add(x.mul(2)).sum().backward(); // d/dx (x^3 + 2x) = 3x^2 + 2
    assert.deepEqual(grad(x), [5, 14, 29]);
  });

  test('gradients accumulate across two backward calls', () => {
    const x = f64([1, 2]);
    x.mul(3).sum().backward();
    assert.deepEqual(grad(x), [3, 3]);
    x.mul(x).sum().backward();
    assert.deepEqual(grad(x), [5, 7]);
  });

  test('a diamond: x used by two branches sums both contributions', () => {
    const x = f64([0.5, -1.5]);
    const a = x.mul(2);          // a = 2x
    const b = a.mul(a);          // b = 4x^2
    const c = a.sin();           // c = sin(2x)
    b.add(c).add(x).sum().backward(); // d/dx = 8x + 2cos(2x) + 1
    assertClose(grad(x), [0.5, -1.5].map((v) => 8 * v + 2 * Math.cos(2 * v) + 1), TOL);
  });

  test('the same tensor as both operands', () => {
    const x = f64([3]);
    x.mul(x).backward();
    assert.deepEqual(grad(x), [6]);
    const y = f64([4]);
    y.sub(y).add(y.div(y)).backward();
    assert.deepEqual(grad(y), [0]);
  });

  test('inputs that do not require grad get no gradient', () => {
    const x = f64([1, 2]);
    const c = f64([5, 6], [2], false);
    x.mul(c).sum().backward();
    assert.deepEqual(grad(x), [5, 6]);
    assert.equal(c.grad, null);
  });

  test('an explicit gradient for a non-scalar output (vector-Jacobian product)', () => {
    const x = f64([1, 2, 3]);
    const y = x.mul(x);
    y.backward(f64([1, 0.5, -1], [3], false));
    assert.deepEqual(grad(x), [2, 2, -6]);
  });

  test('backward of a leaf sets its own gradient', () => {
    const x = f64([1, 2]);
    x.backward(f64([3, 4], [2], false));
    assert.deepEqual(grad(x), [3, 4]);
  });

  test('the gradient after a plain backward is itself a constant', () => {
    const x = f64([1, 2]);
    x.mul(x).sum().backward();
    assert.equal(x.grad!.requiresGrad, false);
    assert.equal(x.grad!.gradFn, null);
    assert.deepEqual(x.grad!.shape, [2]);
    assert.ok(x.isLeaf);
  });
});

describe('backward errors', () => {
  test('non-scalar output without a gradient: the error names the shape', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.throws(() => x.mul(2).backward(), (e: Error) => /backward/.test(e.message) && e.message.includes('[2,3]'));
  });

  test('a one-element non-scalar output needs no gradient', () => {
    const x = f64([2], [1, 1]);
    x.mul(x).backward();
    assert.deepEqual(grad(x), [4]);
  });

  test('gradient of the wrong shape: the error names both shapes', () => {
    const x = f64([1, 2, 3]);
    const y = x.mul(2);
    assert.throws(() => y.backward(f64([1, 2], [2], false)), (e: Error) => e.message.includes('[2]') && e.message.includes('[3]'));
    assert.throws(() => y.backward(f64([1, 2, 3], [3, 1], false)), (e: Error) => e.message.includes('[3,1]') && e.message.includes('[3]'));
  });

  test('backward on a tensor that does not require grad', () => {
    assert.throws(() => tensor([1, 2]).sum().backward(), /does not require grad/);
  });

  test('a second backward through a freed graph is a clear error naming retainGraph', () => {
    const x = f64([1, 2]);
    const loss = x.exp().sum();
    loss.backward();
    assert.throws(() => loss.backward(), (e: Error) => /second time/.test(e.message) && /retainGraph/.test(e.message));
  });

  test('retainGraph: true allows a second pass (and the gradients add up)', () => {
    const x = f64([0, 1]);
    const loss = x.exp().sum();
    loss.backward(undefined, { retainGraph: true });
    loss.backward(undefined, { retainGraph: true });
    assertClose(grad(x), [2, 2 * Math.E], TOL);
    loss.backward();
    assertClose(grad(x), [3, 3 * Math.E], TOL);
    assert.throws(() => loss.backward(), /second time/);
  });

  test('a shared subgraph freed by one backward cannot be reused by another loss', () => {
    const x = f64([1, 2]);
    const h = x.exp();
    h.sum().backward();
    assert.throws(() => h.mul(2).sum().backward(), /second time/);
  });
});

describe('grad mode', () => {
  test('noGrad: results do not require grad and record no graph', () => {
    const x = f64([1, 2]);
    const y = noGrad(() => x.mul(2).add(1));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    assert.equal(isGradEnabled(), true);
    assert.throws(() => y.sum().backward(), /does not require grad/);
  });

  test('noGrad returns the function value and restores the mode after an exception', () => {
    assert.equal(noGrad(() => 42), 42);
    assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
    assert.equal(isGradEnabled(), true);
  });

  test('noGrad refuses a function that returns a promise', async () => {
    assert.throws(() => noGrad(async () => 1), /promise/);
    assert.equal(isGradEnabled(), true);
    assert.throws(() => enableGrad(() => Promise.resolve(1)), /promise/);
  });

  test('enableGrad inside noGrad records again; nesting restores each level', () => {
    const x = f64([1, 2]);
    noGrad(() => {
      assert.equal(isGradEnabled(), false);
      const y = enableGrad(() => x.mul(3));
      assert.equal(y.requiresGrad, true);
      assert.equal(isGradEnabled(), false);
      assert.equal(x.mul(3).requiresGrad, false);
      // backward itself runs fine inside noGrad when the graph was recorded
      enableGrad(() => y.sum()).backward();
    });
    assert.deepEqual(grad(x), [3, 3]);
  });

  test('setGradEnabled returns the previous mode', () => {
    const prev = setGradEnabled(false);
    try {
      assert.equal(prev, true);
      assert.equal(isGradEnabled(), false);
      assert.equal(f64([1]).mul(2).requiresGrad, false);
    } finally {
      assert.equal(setGradEnabled(prev), false);
    }
    assert.equal(isGradEnabled(), true);
  });
});

describe('detach, retainGrad, requiresGrad', () => {
  test('detach shares storage but cuts the graph', () => {
    const x = f64([1, 2]);
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.gradFn, null);
    noGrad(() => x.fill_(7));
    assert.deepEqual(Array.from(d.dataSync()), [7, 7], 'detach shares storage');
    // d is a constant: d/dx (x * detach(x)) = detach(x)
    x.mul(d).sum().backward();
    assert.deepEqual(grad(x), [7, 7]);
  });

  test('detach of a computed tensor is a leaf that can require grad on its own', () => {
    const x = f64([2]);
    const h = x.mul(x).detach().requiresGrad_();
    h.mul(3).backward();
    assert.deepEqual(grad(h), [3]);
    assert.equal(x.grad, null);
  });

  test('retainGrad keeps the gradient of an intermediate; others keep none', () => {
    const x = f64([1, -2]);
    const y = x.mul(2).retainGrad();
    const z = x.mul(5);
    y.mul(y).add(z).sum().backward(); // d/dy = 2y = 4x, d/dx = 8x + 5
    assert.deepEqual(grad(y), [4, -8]);
    assert.deepEqual(grad(x), [13, -11]);
    assert.equal(z.grad, null);
  });

  test('retainGrad on the output keeps the seed gradient', () => {
    const x = f64([1, 2]);
    const y = x.mul(3).retainGrad();
    y.backward(f64([1, -1], [2], false));
    assert.deepEqual(grad(y), [1, -1]);
    assert.deepEqual(grad(x), [3, -3]);
  });

  test('only floating-point tensors can require grad', () => {
    assert.throws(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /floating/);
    assert.throws(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_(), /floating/);
    assert.doesNotThrow(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_(false));
  });

  test('requiresGrad_ is for leaves only', () => {
    const x = f64([1]);
    assert.throws(() => x.mul(2).requiresGrad_(false), /leaf/);
    assert.equal(tensor([1]).requiresGrad_().requiresGrad, true);
  });

  test('results of ops on int tensors never require grad', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    const x = f64([1, 2]);
    assert.equal(i.eq(x).requiresGrad, false);
    assert.equal(x.argmax().requiresGrad, false);
  });
});

describe('in-place guards', () => {
  test('fill_/zero_/copy_ on a leaf that requires grad throw under grad mode', () => {
    const x = f64([1, 2]);
    assert.throws(() => x.fill_(0), /fill_.*leaf|leaf.*fill_/);
    assert.throws(() => x.zero_(), /zero_/);
    assert.throws(() => x.copy_(f64([3, 4], [2], false)), /copy_/);
    assert.deepEqual(Array.from(x.dataSync()), [1, 2]);
  });

  test('...and are allowed under noGrad', () => {
    const x = f64([1, 2]);
    noGrad(() => x.fill_(5));
    assert.deepEqual(Array.from(x.dataSync()), [5, 5]);
    noGrad(() => x.copy_(f64([3, 4], [2], false)));
    assert.deepEqual(Array.from(x.dataSync()), [3, 4]);
    noGrad(() => x.zero_());
    assert.deepEqual(Array.from(x.dataSync()), [0, 0]);
  });

  test('tensors that do not require grad can be modified any time; copy_ casts and checks sizes', () => {
    const t = zeros([2, 2]);
    t.fill_(2.5);
    assert.deepEqual(t.toArray(), [[2.5, 2.5], [2.5, 2.5]]);
    const i = zeros([3], { dtype: 'int32' });
    i.copy_(tensor([1.9, -1.9, 3]));
    assert.deepEqual(Array.from(i.dataSync()), [1, -1, 3]);
    assert.throws(() => t.copy_(ones([3])), /copy_/);
  });
});

describe('deep graphs', () => {
  test('a chain of 20,000 ops does not overflow the stack', () => {
    const x = f64([0.5]);
    let y: Tensor = x;
    for (let i = 0; i < 20000; i++) y = y.mul(1.0001).add(0.001);
    y.sum().backward();
    assertClose(grad(x), [Math.pow(1.0001, 20000)], TOL);
  });

  test('a chain of 20,000 binary ops with a shared leaf', () => {
    const x = f64([1]);
    const w = f64([1e-4]);
    let y: Tensor = x;
    for (let i = 0; i < 20000; i++) y = y.add(w);
    y.sum().backward();
    assert.deepEqual(grad(x), [1]);
    assert.deepEqual(grad(w), [20000]);
  });
});

describe('higher-order gradients (createGraph)', () => {
  /** Second derivative of f at the points xs, via two backward passes. */
  function secondDerivative(f: (x: Tensor) => Tensor, xs: number[], options: { retainGraph?: boolean } = {}): number[] {
    const x = f64(xs);
    f(x).sum().backward(undefined, { createGraph: true, ...options });
    const g = x.grad!;
    assert.equal(g.requiresGrad, true, 'with createGraph the gradient must itself be differentiable');
    x.grad = null;
    g.sum().backward();
    return grad(x);
  }

  const xs = [-1.3, 0.4, 2];

  test('d2/dx2 x^3 = 6x (pow)', () => {
    assertClose(secondDerivative((x) => x.pow(3), xs), xs.map((v) => 6 * v), TOL);
  });

  test('d2/dx2 x*x*x = 6x (products, with retainGraph)', () => {
    assertClose(secondDerivative((x) => x.mul(x).mul(x), xs, { retainGraph: true }), xs.map((v) => 6 * v), TOL);
  });

  test('d2/dx2 sin x = -sin x', () => {
    assertClose(secondDerivative((x) => x.sin(), xs), xs.map((v) => -Math.sin(v)), TOL);
  });

  test('d2/dx2 cos x = -cos x', () => {
    assertClose(secondDerivative((x) => x.cos(), xs), xs.map((v) => -Math.cos(v)), TOL);
  });

  test('the first-order gradient itself is right under createGraph', () => {
    const x = f64(xs);
    x.pow(3).sum().backward(undefined, { createGraph: true });
    assertClose(grad(x), xs.map((v) => 3 * v * v), TOL);
  });

  test('d2/dx2 exp x = exp x with retainGraph', () => {
    assertClose(secondDerivative((x) => x.exp(), xs, { retainGraph: true }), xs.map(Math.exp), TOL);
  });

  test('createGraph keeps the forward graph (retainGraph defaults to createGraph, as PyTorch)',
    () => {
      // exp's gradient uses exp's output, whose graph the first pass freed
      assertClose(secondDerivative((x) => x.exp(), xs), xs.map(Math.exp), TOL);
      assertClose(secondDerivative((x) => x.mul(x).mul(x), xs), xs.map((v) => 6 * v), TOL);
      assertClose(secondDerivative((x) => x.sqrt(), [0.5, 2]), [0.5, 2].map((v) => -0.25 * v ** -1.5), TOL);
    });

  test('second derivatives through activations with fused gradient kernels',
    () => {
      const t = (v: number) => Math.tanh(v);
      assertClose(secondDerivative((x) => x.tanh(), xs, { retainGraph: true }), xs.map((v) => -2 * t(v) * (1 - t(v) ** 2)), { rtol: 1e-7, atol: 1e-7 });
      const s = (v: number) => 1 / (1 + Math.exp(-v));
      assertClose(secondDerivative((x) => x.sigmoid(), xs, { retainGraph: true }), xs.map((v) => s(v) * (1 - s(v)) * (1 - 2 * s(v))), { rtol: 1e-7, atol: 1e-7 });
      // gradient penalty through leaky ReLU: d/dx of (d/dx leakyRelu(x)^2) = 2 * slope^2 (x < 0), 2 (x > 0)
      assertClose(secondDerivative((x) => x.leakyRelu(0.2).square(), xs, { retainGraph: true }), xs.map((v) => (v > 0 ? 2 : 2 * 0.04)), { rtol: 1e-7, atol: 1e-7 });
    });
});

describe('reductions of 0-d tensors and empty axis lists', () => {
  test('sum of a 0-d leaf gives a new tensor and gradient 1',
    () => {
      const x = f64([2], [], true);
      const y = x.sum();
      assert.notEqual(y, x, 'sum must not return its input');
      assert.ok(x.isLeaf, 'x must stay a leaf');
      y.backward();
      assert.deepEqual(grad(x), [1]);
    });

  test('max of a 0-d leaf leaves it a leaf', () => {
    const x = f64([2], [], true);
    const y = max(x);
    assert.ok(x.isLeaf);
    y.mul(3).backward();
    assert.deepEqual(grad(x), [3]);
  });

  test('sum over an empty axis list does not turn the input into a non-leaf', () => {
    const x = f64([1, 2, 3]);
    const y = sum(x, []);
    assert.ok(x.isLeaf);
    assert.ok(y.gradFn === null || !y.gradFn.inputs.includes(y), 'a tensor must not be its own input');
  });
});

describe('gradient dtype and aliasing', () => {
  test('a leaf receives a gradient of its own dtype, as PyTorch', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = fromArray(new Float64Array([3, 4]), [2]);
    x.mul(y).sum().backward();
    assert.equal(x.grad!.dtype, 'float32');
    assert.deepEqual(grad(x), [3, 4]);
  });

  test('gradients of different leaves do not share storage', () => {
    const x = f64([1, 2]), y = f64([3, 4]);
    x.add(y).sum().backward();
    noGrad(() => x.grad!.zero_());
    assert.deepEqual(grad(y), [1, 1], 'zeroing x.grad must not change y.grad');
  });

  test('a leaf gradient does not alias the gradient passed to backward', () => {
    const x = f64([1, 2]);
    const seed = f64([5, 6], [2], false);
    x.clone().backward(seed);
    seed.fill_(0);
    assert.deepEqual(grad(x), [5, 6]);
  });
});
