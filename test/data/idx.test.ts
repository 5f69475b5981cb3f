import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseIdx } from '../../src/data/idx.js';

// Expected values are written as literal big-endian bytes (from the IEEE 754 / two's
// complement encodings worked out by hand), not produced by an encoder under test.

test('ubyte 3-d file: shape and bytes as written', () => {
  const bytes = Uint8Array.from([
    0, 0, 0x08, 3,
    0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, // dims 2 x 2 x 3
    0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255,
  ]);
  const { shape, data } = parseIdx(bytes, 'a.idx');
  assert.deepEqual(shape, [2, 2, 3]);
  assert.ok(data instanceof Uint8Array);
  assert.deepEqual([...data], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  // The result owns its memory: changing the input must not change it.
  bytes[16] = 99;
  assert.equal(data[0], 0);
});

test('signed byte, short and int are big-endian two\'s complement', () => {
  const b = parseIdx(Uint8Array.from([0, 0, 0x09, 1, 0, 0, 0, 3, 0x7f, 0x80, 0xff]), 'b');
  assert.ok(b.data instanceof Int8Array);
  assert.deepEqual([...b.data], [127, -128, -1]);

  const s = parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 3, 0x01, 0x02, 0xff, 0xfe, 0x80, 0x00]), 's');
  assert.ok(s.data instanceof Int16Array);
  assert.deepEqual([...s.data], [258, -2, -32768]);

  const i = parseIdx(Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xfd]), 'i');
  assert.ok(i.data instanceof Int32Array);
  assert.deepEqual([...i.data], [65536, -3]);
});

test('float and double are big-endian IEEE 754', () => {
  // 1.5f = 0x3FC00000, -2.0f = 0xC0000000
  const f = parseIdx(Uint8Array.from([0, 0, 0x0d, 2, 0, 0, 0, 1, 0, 0, 0, 2,
    0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]), 'f');
  assert.ok(f.data instanceof Float32Array);
  assert.deepEqual(f.shape, [1, 2]);
  assert.deepEqual([...f.data], [1.5, -2]);
  // 0.1 (double) = 0x3FB999999999999A
  const d = parseIdx(Uint8Array.from([0, 0, 0x0e, 1, 0, 0, 0, 1, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]), 'd');
  assert.ok(d.data instanceof Float64Array);
  assert.equal(d.data[0], 0.1);
});

test('gzip input is inflated transparently', () => {
  const raw = Uint8Array.from([0, 0, 0x08, 1, 0, 0, 0, 4, 9, 8, 7, 6]);
  const { shape, data } = parseIdx(gzipSync(raw), 'x.gz');
  assert.deepEqual(shape, [4]);
  assert.deepEqual([...data], [9, 8, 7, 6]);
});

test('a byte view with an offset into a larger buffer is read correctly', () => {
  const big = new Uint8Array(32);
  big.set([0, 0, 0x0b, 1, 0, 0, 0, 1, 0x12, 0x34], 5);
  const { data } = parseIdx(big.subarray(5, 15), 'view');
  assert.deepEqual([...data], [0x1234]);
});

test('bad magic names the source', () => {
  assert.throws(() => parseIdx(Uint8Array.from([1, 2, 0x08, 1, 0, 0, 0, 0]), 'bad.idx'),
    /bad\.idx: not an IDX file: bad magic number 0x01020801/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0]), 'short.idx'), /short\.idx: not an IDX file: only 2 bytes/);
});

test('unknown type code names the source and the code', () => {
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), 'odd.idx'),
    /odd\.idx: unknown IDX type code 0x0a/);
});

test('truncated data, truncated header and trailing bytes are size errors', () => {
  // 3 shorts need 6 bytes; 5 given.
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5]), 't.idx'),
    /t\.idx: truncated IDX data: shape \[3\] of short needs 14 bytes .* file has 13/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x08, 3, 0, 0, 0, 1, 0, 0]), 'h.idx'),
    /h\.idx: truncated IDX header: 3 dimensions need 16 bytes, file has 10/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 0x08, 1, 0, 0, 0, 1, 7, 7]), 'long.idx'),
    /long\.idx: IDX data has trailing bytes/);
  // A gzip stream cut short is also reported against the source.
  const gz = gzipSync(Uint8Array.from([0, 0, 0x08, 1, 0, 0, 0, 100, ...new Array(100).fill(3)]));
  assert.throws(() => parseIdx(gz.subarray(0, gz.length - 10), 'cut.gz'), /cut\.gz: corrupt gzip data/);
});

test('corrupt gzip names the source', () => {
  const bytes = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef]);
  assert.throws(() => parseIdx(bytes, 'corrupt.gz'), /corrupt\.gz: corrupt gzip data/);
});
