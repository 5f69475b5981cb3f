import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { decodePng, encodePng, writePng } from '../../src/io/png.js';

// CRC-32 (PNG's chunk checksum), bit by bit from its definition.
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

// A PNG assembled by hand from the spec (no filtering), independent of pngjs's encoder.
function handMadePng(width: number, height: number, colorType: 0 | 2, rows: number[][]): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const raw = Uint8Array.from(rows.flatMap((r) => [0, ...r]));
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

test('decodePng reads a hand-made grayscale and RGB PNG as RGBA', () => {
  const gray = decodePng(handMadePng(3, 2, 0, [[0, 100, 255], [7, 8, 9]]));
  assert.equal(gray.width, 3);
  assert.equal(gray.height, 2);
  assert.equal(gray.channels, 4);
  assert.deepEqual([...gray.data.subarray(4, 8)], [100, 100, 100, 255]); // (x=1, y=0)
  assert.deepEqual([...gray.data.subarray(20, 24)], [9, 9, 9, 255]); // (x=2, y=1)
  const rgb = decodePng(handMadePng(2, 1, 2, [[1, 2, 3, 250, 251, 252]]));
  assert.deepEqual([...rgb.data], [1, 2, 3, 255, 250, 251, 252, 255]);
});

test('encodePng writes a PNG of the right size and colour type, and round-trips', () => {
  const width = 5;
  const height = 3;
  for (const [channels, colorType] of [[1, 0], [3, 2], [4, 6]] as const) {
    const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + 11) % 256);
    const bytes = encodePng({ width, height, channels, data });
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(Buffer.from(bytes.subarray(12, 16)).toString('latin1'), 'IHDR');
    const ihdr = new DataView(bytes.buffer, bytes.byteOffset + 16, 13);
    assert.equal(ihdr.getUint32(0), width);
    assert.equal(ihdr.getUint32(4), height);
    assert.equal(ihdr.getUint8(8), 8, 'bit depth');
    assert.equal(ihdr.getUint8(9), colorType, `colour type for ${channels} channels`);
    const back = decodePng(bytes);
    for (let p = 0; p < width * height; p++) {
      const px = [...data.subarray(p * channels, (p + 1) * channels)];
      const expected = channels === 1 ? [px[0], px[0], px[0], 255] : channels === 3 ? [...px, 255] : px;
      assert.deepEqual([...back.data.subarray(p * 4, p * 4 + 4)], expected, `pixel ${p}, ${channels} channels`);
    }
  }
});

test('encodePng accepts a view into a larger buffer', () => {
  const big = Uint8Array.from({ length: 20 }, (_, i) => i * 10);
  const back = decodePng(encodePng({ width: 2, height: 2, channels: 1, data: big.subarray(5, 9) }));
  assert.deepEqual([0, 1, 2, 3].map((p) => back.data[p * 4]), [50, 60, 70, 80]);
});

test('encodePng rejects bad shapes with clear messages', () => {
  assert.throws(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }),
    /encodePng: data has 11 bytes, expected width\*height\*channels = 2\*2\*3 = 12/);
  assert.throws(() => encodePng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) }), /width and height must be positive integers/);
  assert.throws(() => encodePng({ width: 1, height: 1, channels: 2 as 1, data: new Uint8Array(2) }), /channels must be 1, 3 or 4, got 2/);
});

test('writePng writes a file that decodes to the image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-png-'));
  const path = join(dir, 'a.png');
  writePng(path, { width: 1, height: 2, channels: 3, data: Uint8Array.from([255, 0, 0, 0, 0, 255]) });
  const back = decodePng(readFileSync(path));
  assert.deepEqual([...back.data], [255, 0, 0, 255, 0, 0, 255, 255]);
});
