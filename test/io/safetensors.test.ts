import { crc32c, crcHex } from '../../src/io/crc32c.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors,
  type TensorToWrite,
} from '../../src/io/safetensors.js';
import type { TypedArray } from '../../src/dtype/dtype.js';
import { fixturePath, fixtureValues, readFixture, type FixtureDType, type FixtureTensor } from '../helpers/fixtures.js';


// ---------------------------------------------------------------------------------------------
// helpers: an independent, deliberately naive file builder (no padding, no checks)

/** header: object (JSON-encoded), string, or raw bytes. headerLen overrides the declared length. */
function buildFile(header: unknown, data: ArrayLike<number> = [], headerLen?: bigint): Uint8Array {
  const raw = header instanceof Uint8Array ? header
    : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + raw.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(raw.length), true);
  out.set(raw, 8);
  out.set(data, 8 + raw.length);
  return out;
}

/** Little-endian bytes from a DataView writer. */
function bytesOf(size: number, write: (v: DataView) => void): Uint8Array {
  const b = new Uint8Array(size);
  write(new DataView(b.buffer));
  return b;
}

/** Element-wise identical: Object.is (so -0 != 0), except any NaN equals any NaN. */
function assertSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
    else assert.ok(Object.is(a, e), `${what}[${i}]: expected ${Object.is(e, -0) ? '-0' : e}, got ${Object.is(a, -0) ? '-0' : a}`);
  }
}

function entry(dtype: string, shape: number[], begin: number, end: number) {
  return { dtype, shape, data_offsets: [begin, end] };
}

// ---------------------------------------------------------------------------------------------
// round trip

test('round trip keeps values bit-exact, names in order, and metadata', () => {
  const f32min = 2 ** -149; // smallest float32 subnormal
  const tensors: [string, TensorToWrite][] = [
    ['w', { shape: [2, 3], data: Float32Array.of(NaN, -0, f32min, 3.4028234663852886e38, -Infinity, 2 ** -126 - f32min) }],
    ['0', { shape: [4], data: Float64Array.of(5e-324, -0, NaN, Math.PI) }], // integer-like name
    ['idx', { shape: [3], data: Int32Array.of(-2147483648, 2147483647, 0) }],
    ['scalar', { shape: [], data: Float32Array.of(7) }],
    ['empty', { shape: [2, 0], data: new Float32Array(0) }],
    ['ünï', { shape: [1], data: Float64Array.of(1e300) }],
  ];
  const metadata = { epoch: '3', note: 'héllo "quoted"\n' };
  const bytes = encodeSafetensors(tensors, metadata);
  const back = decodeSafetensors(bytes);

  assert.deepEqual([...back.tensors.keys()], tensors.map(([n]) => n));
  assert.deepEqual(back.metadata, metadata);
  for (const [name, t] of tensors) {
    const got = back.tensors.get(name)!;
    assert.deepEqual(got.shape, t.shape, name);
    assert.equal(got.data.constructor, t.data.constructor, `${name}: array type`);
    assert.equal(got.dtype, { Float32Array: 'F32', Float64Array: 'F64', Int32Array: 'I32' }[t.data.constructor.name]);
    assertSameValues(got.data, t.data, name);
  }
});

test('encoded layout: padded header, keys in insertion order, contiguous little-endian data', () => {
  const bytes = encodeSafetensors(new Map<string, TensorToWrite>([
    ['b', { shape: [2], data: Float32Array.of(1, -2) }],
    ['a', { shape: [1], data: Int32Array.of(-2) }],
    ['7', { shape: [1], data: Float64Array.of(1) }],
  ]));
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0, 'header padded to a multiple of 8');
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(text, /^\{.*\} *$/s, 'JSON then only spaces');
  assert.ok(text.indexOf('"b"') < text.indexOf('"a"') && text.indexOf('"a"') < text.indexOf('"7"'), text);
  const header = JSON.parse(text);
  assert.deepEqual(header.b, entry('F32', [2], 0, 8));
  assert.deepEqual(header.a, entry('I32', [1], 8, 12));
  assert.deepEqual(header['7'], entry('F64', [1], 12, 20));
  assert.deepEqual(Object.keys(header.__metadata__), ['myelin.crc32c'], 'only the checksums when no metadata is given');
  // b's checksum: CRC-32C of its 8 stored bytes, continued over its dtype and shape
  const sums = JSON.parse(header.__metadata__['myelin.crc32c']);
  const bBytes = bytes.subarray(8 + n, 8 + n + 8);
  assert.equal(sums.b, crcHex(crc32c(new TextEncoder().encode('F32[2]'), crc32c(bBytes))));
  // 1.0f, -2.0f, int32 -2, 1.0 as float64 - all little-endian, hand-encoded.
  const expectedData = [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0xfe, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];
  assert.deepEqual([...bytes.subarray(8 + n)], expectedData);
});

test('an empty tensor set encodes and decodes', () => {
  const back = decodeSafetensors(encodeSafetensors([]));
  assert.equal(back.tensors.size, 0);
  assert.equal(back.metadata, null);
});

test('encode rejects bad input with the tensor name', () => {
  assert.throws(() => encodeSafetensors([['x', { shape: [2, 2], data: new Float32Array(3) }]]),
    /tensor 'x'.*shape \[2,2\] holds 4 elements but data has 3/);
  assert.throws(() => encodeSafetensors([['x', { shape: [-1], data: new Float32Array(0) }]]),
    /tensor 'x'.*shape\[0\] = -1/);
  assert.throws(() => encodeSafetensors([['__metadata__', { shape: [0], data: new Float32Array(0) }]]),
    /reserved/);
  const t = { shape: [1], data: new Float32Array(1) };
  assert.throws(() => encodeSafetensors([['x', t], ['x', t]]), /tensor 'x'.*duplicate/);
  assert.throws(() => encodeSafetensors([['u', { shape: [1], data: new Uint8Array(1) as unknown as Float32Array }]]),
    /tensor 'u'.*Float32Array, Float64Array or Int32Array/);
  assert.throws(() => encodeSafetensors([], { n: 3 as unknown as string }), /metadata value for 'n' must be a string/);
});

// ---------------------------------------------------------------------------------------------
// decoding hand-built files

test('F16 and BF16 widen exactly to float32 (normal, subnormal, inf, nan, -0)', () => {
  const f16 = [0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x8000, 0x7bff, 0x7e00];
  const f16Expected = [1, -2, Infinity, -Infinity, 2 ** -24, 1023 * 2 ** -24, -0, 65504, NaN];
  const bf16 = [0x3f80, 0xc020, 0x0001, 0x7f80, 0x7fc0];
  const bf16Expected = [1, -2.5, 2 ** -133, Infinity, NaN]; // 0x0001: smallest bf16 subnormal
  const data = bytesOf(2 * (f16.length + bf16.length), (v) => {
    [...f16, ...bf16].forEach((h, i) => v.setUint16(2 * i, h, true));
  });
  const file = buildFile({
    h: entry('F16', [f16.length], 0, 2 * f16.length),
    b: entry('BF16', [bf16.length], 2 * f16.length, data.length),
  }, data);
  const { tensors } = decodeSafetensors(file);
  const h = tensors.get('h')!;
  const b = tensors.get('b')!;
  assert.equal(h.dtype, 'F16');
  assert.equal(b.dtype, 'BF16');
  assert.ok(h.data instanceof Float32Array && b.data instanceof Float32Array);
  assertSameValues(h.data, f16Expected, 'F16');
  assertSameValues(b.data, bf16Expected, 'BF16');
});

test('integer dtypes (I64, I32, I16, U16, I8, U8, BOOL) decode to Int32Array', () => {
  const i64 = [-5n, 2147483647n, -2147483648n, 0n];
  const cases = [
    { name: 'i64', dtype: 'I64', size: 8, values: i64.map(Number), write: (v: DataView, i: number) => v.setBigInt64(8 * i, i64[i]!, true) },
    { name: 'i32', dtype: 'I32', size: 4, values: [-7, 65536], write: (v: DataView, i: number) => v.setInt32(4 * i, [-7, 65536][i]!, true) },
    { name: 'i16', dtype: 'I16', size: 2, values: [-32768, 300], write: (v: DataView, i: number) => v.setInt16(2 * i, [-32768, 300][i]!, true) },
    { name: 'u16', dtype: 'U16', size: 2, values: [65535, 1], write: (v: DataView, i: number) => v.setUint16(2 * i, [65535, 1][i]!, true) },
    { name: 'i8', dtype: 'I8', size: 1, values: [-128, 127], write: (v: DataView, i: number) => v.setInt8(i, [-128, 127][i]!) },
    { name: 'u8', dtype: 'U8', size: 1, values: [0, 200, 255], write: (v: DataView, i: number) => v.setUint8(i, [0, 200, 255][i]!) },
    // BOOL: any nonzero byte is true.
    { name: 'flag', dtype: 'BOOL', size: 1, values: [1, 0, 1], write: (v: DataView, i: number) => v.setUint8(i, [1, 0, 7][i]!) },
  ];
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const c of cases) {
    const n = c.values.length;
    chunks.push(bytesOf(n * c.size, (v) => { for (let i = 0; i < n; i++) c.write(v, i); }));
    header[c.name] = entry(c.dtype, [n], offset, offset + n * c.size);
    offset += n * c.size;
  }
  const data = new Uint8Array(offset);
  chunks.reduce((pos, ch) => { data.set(ch, pos); return pos + ch.length; }, 0);
  const { tensors } = decodeSafetensors(buildFile(header, data));
  for (const c of cases) {
    const t = tensors.get(c.name)!;
    assert.equal(t.dtype, c.dtype);
    assert.ok(t.data instanceof Int32Array, `${c.name} is Int32Array`);
    assert.deepEqual([...t.data], c.values, c.name);
  }
});

test('I64 values outside int32 range are rejected with tensor name and value', () => {
  for (const big of [2n ** 31n, -(2n ** 31n) - 1n, 2n ** 40n]) {
    const data = bytesOf(16, (v) => { v.setBigInt64(0, 1n, true); v.setBigInt64(8, big, true); });
    assert.throws(() => decodeSafetensors(buildFile({ ids: entry('I64', [2], 0, 16) }, data), 'ids.st'),
      new RegExp(`ids\\.st: tensor 'ids' \\(I64\\) element 1 = ${big} is outside the int32 range`));
  }
});

test('unaligned tensors in an unaligned buffer decode correctly', () => {
  // A 1-byte U8 tensor pushes the F32 and F64 tensors off alignment; the file itself also sits
  // at an odd offset inside a larger buffer.
  const data = bytesOf(1 + 8 + 8, (v) => {
    v.setUint8(0, 9);
    v.setFloat32(1, 1.5, true); v.setFloat32(5, -0.125, true);
    v.setFloat64(9, -1e-300, true);
  });
  const file = buildFile({
    tag: entry('U8', [1], 0, 1), f: entry('F32', [2], 1, 9), d: entry('F64', [1], 9, 17),
  }, data);
  const host = new Uint8Array(file.length + 3);
  host.set(file, 3);
  const { tensors } = decodeSafetensors(host.subarray(3));
  assert.deepEqual([...tensors.get('tag')!.data], [9]);
  assert.deepEqual([...tensors.get('f')!.data], [1.5, -0.125]);
  assert.deepEqual([...tensors.get('d')!.data], [-1e-300]);
});

test('header padded with spaces and zero-sized tensors are accepted', () => {
  const file = buildFile(JSON.stringify({
    __metadata__: { k: 'v' }, z: entry('F32', [0, 3], 0, 0), a: entry('I8', [2], 0, 2),
  }) + '     ', [1, 255]);
  const { tensors, metadata } = decodeSafetensors(file);
  assert.deepEqual(metadata, { k: 'v' });
  assert.deepEqual(tensors.get('z')!.shape, [0, 3]);
  assert.equal(tensors.get('z')!.data.length, 0);
  assert.deepEqual([...tensors.get('a')!.data], [1, -1]);
});

// ---------------------------------------------------------------------------------------------
// malformed files

test('malformed files are rejected with a message naming the source and the problem', () => {
  const f32x2 = entry('F32', [2], 0, 8);
  const eight = new Uint8Array(8);
  const cases: [string, Uint8Array, RegExp][] = [
    ['short file', new Uint8Array(5), /5 bytes, shorter than the 8-byte header length/],
    ['header length past file', buildFile('{}', [], 100n), /header length 100 exceeds the 2 bytes left/],
    ['header length above cap', buildFile('{}', [], 2n ** 40n), /header length 1099511627776 exceeds the limit of 100000000/],
    ['u64 header length', buildFile('{}', [], 2n ** 64n - 1n), /header length 18446744073709551615 exceeds the limit/],
    ['invalid utf-8', buildFile(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)), /header is not valid UTF-8/],
    ['invalid json', buildFile('{"a":'), /header is not valid JSON/],
    ['empty header', buildFile(''), /header is not valid JSON/],
    ['array header', buildFile('[1,2]'), /header is not a JSON object \(got array\)/],
    ['null header', buildFile('null'), /header is not a JSON object \(got null\)/],
    ['number header', buildFile('3'), /header is not a JSON object \(got number\)/],
    ['entry not object', buildFile({ a: 3 }), /tensor 'a': entry is not an object/],
    ['missing dtype', buildFile({ a: { shape: [2], data_offsets: [0, 8] } }, eight), /tensor 'a': 'dtype' must be a string \(got undefined\)/],
    ['dtype not string', buildFile({ a: { ...f32x2, dtype: 4 } }, eight), /tensor 'a': 'dtype' must be a string \(got number\)/],
    ['unknown dtype', buildFile({ a: { ...f32x2, dtype: 'X42' } }, eight), /tensor 'a': unsupported dtype 'X42'/],
    ['unsupported spec dtype', buildFile({ a: entry('U64', [1], 0, 8) }, eight), /tensor 'a': unsupported dtype 'U64'/],
    ['prototype dtype', buildFile({ a: { ...f32x2, dtype: 'toString' } }, eight), /unsupported dtype 'toString'/],
    ['missing shape', buildFile({ a: { dtype: 'F32', data_offsets: [0, 8] } }, eight), /tensor 'a': 'shape' must be an array/],
    ['negative dim', buildFile({ a: entry('F32', [-2], 0, 8) }, eight), /tensor 'a': shape\[0\] = -2 is not a non-negative integer/],
    ['fractional dim', buildFile({ a: entry('F32', [2, 1.5], 0, 8) }, eight), /shape\[1\] = 1.5 is not a non-negative integer/],
    ['string dim', buildFile({ a: entry('F32', ['2' as unknown as number], 0, 8) }, eight), /shape\[0\] = "2" is not/],
    ['missing offsets', buildFile({ a: { dtype: 'F32', shape: [2] } }, eight), /tensor 'a': 'data_offsets' must be an array \[begin, end\]/],
    ['three offsets', buildFile({ a: { ...f32x2, data_offsets: [0, 4, 8] } }, eight), /'data_offsets' must be an array \[begin, end\]/],
    ['negative offset', buildFile({ a: entry('F32', [2], -8, 0) }, eight), /data_offsets \[-8,0\] must be non-negative integers/],
    ['fractional offset', buildFile({ a: entry('F32', [2], 0, 7.5) }, eight), /must be non-negative integers/],
    ['begin > end', buildFile({ a: entry('F32', [2], 8, 0) }, eight), /tensor 'a': data_offsets begin 8 is greater than end 0/],
    ['end past buffer', buildFile({ a: entry('F32', [4], 0, 16) }, eight), /tensor 'a': data_offsets end 16 is past the end of the 8-byte data buffer/],
    ['byte length mismatch', buildFile({ a: entry('F32', [3], 0, 8) }, eight), /tensor 'a': byte length 8 does not match shape \[3\] of F32 \(expected 12 bytes\)/],
    ['overlap', buildFile({ a: entry('F32', [2], 0, 8), b: entry('F32', [1], 4, 8) }, eight), /tensors 'a' \[0, 8\) and 'b' \[4, 8\) overlap/],
    ['duplicate range', buildFile({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 0, 4), c: entry('F32', [1], 4, 8) }, eight), /'a' \[0, 4\) and 'b' \[0, 4\) overlap/],
    ['hole in middle', buildFile({ a: entry('F32', [1], 0, 4), b: entry('U8', [2], 6, 8) }, eight), /bytes \[4, 6\) of the data buffer belong to no tensor/],
    ['hole at start', buildFile({ a: entry('F32', [1], 4, 8) }, eight), /bytes \[0, 4\) .*no tensor/],
    ['trailing bytes', buildFile({ a: entry('F32', [1], 0, 4) }, eight), /bytes \[4, 8\) .*no tensor/],
    ['metadata not object', buildFile({ __metadata__: ['x'] }), /__metadata__ must be an object of strings \(got array\)/],
    ['metadata value not string', buildFile({ __metadata__: { epoch: 3 } }), /__metadata__ value for 'epoch' must be a string \(got number\)/],
  ];
  for (const [label, file, re] of cases) {
    assert.throws(() => decodeSafetensors(file, 'bad.safetensors'), (err: Error) => {
      assert.match(err.message, /^safetensors bad\.safetensors: /, label);
      assert.match(err.message, re, label);
      return true;
    }, label);
  }
});

test('a header declaring a 2^40-byte tensor in a tiny file is rejected without allocating it', () => {
  const huge = 2 ** 40;
  const before = process.memoryUsage().arrayBuffers;
  // Offsets past the file, and offsets that fit but a shape that does not.
  const lies: [Uint8Array, RegExp][] = [
    [buildFile({ big: entry('F32', [huge / 4], 0, huge) }, new Uint8Array(8)), /end 1099511627776 is past the end of the 8-byte/],
    [buildFile({ big: entry('F32', [huge / 4], 0, 8) }, new Uint8Array(8)), /byte length 8 does not match .* \(expected 1099511627776 bytes\)/],
    [buildFile({ big: entry('F64', [2 ** 30, 2 ** 30, 2 ** 30], 0, 8) }, new Uint8Array(8)), /byte length 8 does not match/],
  ];
  for (const [file, re] of lies) {
    // A failed 1 TB allocation would surface as a RangeError, not as our message.
    assert.throws(() => decodeSafetensors(file), (err: Error) => !(err instanceof RangeError) && re.test(err.message));
  }
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, 'no large buffers allocated');
});

// ---------------------------------------------------------------------------------------------
// files

test('writeSafetensors / readSafetensors round trip on disk; errors name the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-st-'));
  try {
    const path = join(dir, 'model.safetensors');
    writeSafetensors(path, [['w', { shape: [2], data: Float32Array.of(0.5, -3) }]], { format: 'pt' });
    assert.deepEqual(readdirSync(dir), ['model.safetensors'], 'no temp files left');
    const back = readSafetensors(path);
    assert.deepEqual([...back.tensors.get('w')!.data], [0.5, -3]);
    assert.deepEqual(back.metadata, { format: 'pt' });

    const missing = join(dir, 'nope.safetensors');
    assert.throws(() => readSafetensors(missing), (e: Error) => e.message.includes(missing) && /cannot read file.*not found/.test(e.message));

    const garbage = join(dir, 'garbage.safetensors');
    writeFileSync(garbage, 'hello');
    assert.throws(() => readSafetensors(garbage), (e: Error) => e.message.startsWith(`safetensors ${garbage}: `) && /shorter than/.test(e.message));

    assert.throws(() => writeSafetensors(path, [['x', { shape: [3], data: new Float32Array(2) }]]),
      (e: Error) => e.message.includes(path) && /tensor 'x'/.test(e.message));
    assert.deepEqual([...readSafetensors(path).tensors.keys()], ['w'], 'failed write left the old file');

    const noDir = join(dir, 'missing', 'model.safetensors');
    assert.throws(() => writeSafetensors(noDir, []), (e: Error) => e.message.includes(noDir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// a file written on the PyTorch side (see test/fixtures/gen_safetensors_fixture.py)

interface FixtureExpectation {
  metadata: Record<string, string>;
  tensors: Record<string, FixtureTensor>;
}

test('a PyTorch-written file decodes to the values torch reports', () => {
  const expected = readFixture<FixtureExpectation>('torch_small.json');
  const { tensors, metadata } = readSafetensors(fixturePath('torch_small.safetensors'));
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected.tensors).sort());
  // torch's dtype -> the safetensors dtype it is stored as, and the array myelin decodes it to
  const stored: Record<FixtureDType, [string, new (n: number) => TypedArray]> = {
    float32: ['F32', Float32Array], float16: ['F16', Float32Array], bfloat16: ['BF16', Float32Array], float64: ['F64', Float64Array],
    int64: ['I64', Int32Array], int32: ['I32', Int32Array], int16: ['I16', Int32Array], int8: ['I8', Int32Array],
    uint8: ['U8', Int32Array], bool: ['BOOL', Int32Array],
  };
  for (const [name, e] of Object.entries(expected.tensors)) {
    const t = tensors.get(name)!;
    const [dtype, array] = stored[e.dtype];
    assert.equal(t.dtype, dtype, name);
    assert.deepEqual(t.shape, e.shape, name);
    assert.ok(t.data instanceof array, `${name}: ${t.data.constructor.name} for ${dtype}`);
    assertSameValues(t.data, fixtureValues(e), name);
  }
});
