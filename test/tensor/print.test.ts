// Printing in PyTorch's style. Small tensors are compared with the exact text PyTorch prints
// for the same values (myelin writes dtype=int32 where PyTorch writes dtype=torch.int32, and
// gradFn=<op name> for grad_fn=<...>); large ones are checked for their structure.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { tensor, arange, zeros, fromArray } from '../../src/tensor/creation.js';

/** The part between "tensor(" and the first ", <key>=" extra (or the closing parenthesis). */
function body(s: string): string {
  assert.ok(s.startsWith('tensor(') && s.endsWith(')'), s);
  const inner = s.slice(7, -1);
  const m = /, (dtype|shape|gradFn|requiresGrad)=/.exec(inner);
  return m ? inner.slice(0, m.index) : inner;
}

describe('printing small tensors', () => {
  test('vector', () => {
    assert.equal(tensor([1, 2, 3]).toString(), 'tensor([1., 2., 3.])');
  });

  test('matrix: one row per line, rows aligned under the first', () => {
    assert.equal(tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]])');
  });

  test('3-D: a blank line between the 2-D blocks', () => {
    const want = [
      'tensor([[[0., 0.],',
      '         [0., 0.]],',
      '',
      '        [[0., 0.],',
      '         [0., 0.]]])',
    ].join('\n');
    assert.equal(zeros([2, 2, 2]).toString(), want);
  });

  test('4-D: two blank lines between 3-D blocks', () => {
    const s = zeros([2, 1, 1, 2]).toString();
    assert.equal(s.split('\n\n\n').length, 2, s);
  });

  test('fractional values get four decimals and right-aligned columns', () => {
    assert.equal(tensor([0.5, -1.25]).toString(), 'tensor([ 0.5000, -1.2500])');
  });

  test('every element uses the same number format, as PyTorch', () => {
    // PyTorch: tensor([ -1.5000, 100.0000,   2.0000])
    assert.equal(tensor([-1.5, 100, 2]).toString(), 'tensor([ -1.5000, 100.0000,   2.0000])');
  });

  test('int32: no decimal point, columns aligned, dtype shown', () => {
    const s = tensor([[1, 10], [100, 2]], { dtype: 'int32' }).toString();
    assert.equal(body(s), '[[  1,  10],\n        [100,   2]]');
    assert.match(s, /dtype=int32/);
    assert.equal(arange(3).toString(), 'tensor([0, 1, 2], dtype=int32)');
  });

  test('float64 shows its dtype, float32 does not', () => {
    assert.match(tensor([1, 2], { dtype: 'float64' }).toString(), /dtype=float64/);
    assert.doesNotMatch(tensor([1, 2]).toString(), /dtype/);
  });

  test('scalars print the bare value', () => {
    assert.equal(body(tensor(3.5).toString()), '3.5000');
    assert.equal(body(tensor(-2).toString()), '-2.');
    assert.equal(body(tensor(7, { dtype: 'int32' }).toString()), '7');
    assert.match(tensor(7, { dtype: 'int32' }).toString(), /dtype=int32/);
  });

  test('NaN and infinities', () => {
    // PyTorch pads every cell to the widest one: tensor([ nan,  inf, -inf,   1.])
    assert.equal(body(tensor([Number.NaN, Infinity, -Infinity, 1]).toString()), '[ nan,  inf, -inf,   1.]');
  });

  test('empty tensors', () => {
    assert.equal(body(tensor([]).toString()), '[]');
    assert.match(zeros([2, 0]).toString(), /shape=\[2, 0\]/);
  });

  test('tiny and huge magnitudes switch to scientific notation', () => {
    assert.match(tensor([1e-5, 1]).toString(), /e-/);
    assert.match(tensor([1e9, 1]).toString(), /e\+/);
    assert.doesNotMatch(tensor([0.25, 12]).toString(), /e[+-]/);
  });

  test('util.inspect uses the same text', () => {
    const t = tensor([[1, 2], [3, 4]]);
    assert.equal(inspect(t), t.toString());
  });
});

describe('printing large tensors', () => {
  test('1000 elements print in full; 1001 are summarised with "..."', () => {
    const full = arange(1000).toString();
    assert.doesNotMatch(full, /\.\.\./);
    assert.equal(body(full).split(',').length, 1000);
    const summ = arange(1001).toString();
    assert.match(summ, /\.\.\./);
  });

  test('summarised vector: three items at each end', () => {
    const s = arange(5000).toString();
    const cells = body(s).replace(/^\[|\]$/g, '').split(',').map((c) => c.trim());
    assert.deepEqual(cells, ['0', '1', '2', '...', '4997', '4998', '4999']);
    assert.match(s, /shape=\[5000\]/);
    assert.match(s, /dtype=int32/);
  });

  test('summarised matrix: three rows at each end, each row summarised', () => {
    const t = arange(2000).reshape(40, 50);
    const lines = t.toString().split('\n');
    assert.equal(lines.length, 7, t.toString());
    assert.equal(lines[3].trim(), '...,');
    const row = (line: string) => line.replace(/^tensor\(|[[\]]|, dtype.*$/g, '').split(',').map((c) => c.trim()).filter((c) => c !== '');
    assert.deepEqual(row(lines[0]), ['0', '1', '2', '...', '47', '48', '49']);
    assert.deepEqual(row(lines[2]), ['100', '101', '102', '...', '147', '148', '149']);
    assert.deepEqual(row(lines[4]), ['1850', '1851', '1852', '...', '1897', '1898', '1899']);
    assert.deepEqual(row(lines[6]).slice(0, 7), ['1950', '1951', '1952', '...', '1997', '1998', '1999']);
    assert.match(lines[6], /shape=\[40, 50\]/);
  });

  test('a summarised dimension of size <= 6 is printed in full', () => {
    const t = zeros([400, 3]);
    const lines = t.toString().split('\n');
    assert.equal(lines.length, 7);
    assert.equal(lines[0].split('0.').length - 1, 3);
  });

  test('summarised 3-D tensor keeps the block structure', () => {
    const t = fromArray(new Float32Array(20 * 10 * 10), [20, 10, 10]);
    const s = t.toString();
    // 6 blocks shown plus a "...," line between them; each block has 7 lines
    const pieces = s.split('\n\n');
    assert.equal(pieces.length, 7, s);
    assert.equal(pieces[3].trim(), '...,');
    for (const b of pieces.filter((_, i) => i !== 3)) assert.equal(b.split('\n').length, 7);
    assert.match(s, /shape=\[20, 10, 10\]/);
  });
});

describe('printing autograd information', () => {
  test('a leaf that requires grad says so', () => {
    assert.match(tensor([1, 2], { requiresGrad: true }).toString(), /requiresGrad=true/);
    assert.doesNotMatch(tensor([1, 2]).toString(), /requiresGrad|gradFn/);
  });

  test('a computed tensor shows the op that produced it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = tensor([3, 4], { requiresGrad: true });
    assert.match(x.mul(y).toString(), /gradFn=mul/);
    assert.match(x.add(y).sum().toString(), /gradFn=sum/);
    assert.doesNotMatch(x.mul(y).toString(), /requiresGrad=true/);
    assert.doesNotMatch(x.detach().toString(), /gradFn|requiresGrad/);
  });
});
