// Integrity and bounded cost of safetensors reading: the CRC-32C against its published check
// values, the checksums catching what structure alone cannot (a flipped data bit, two tensors'
// offsets swapped, a relabelled dtype, edited metadata), PyTorch's files (no checksums) still
// loading, and crafted headers (deep nesting, a million tensors, huge names, duplicate keys)
// rejected fast with short messages.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, crcHex } from '../../src/io/crc32c.js';
import { decodeSafetensors, encodeSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { fixturePath } from '../helpers/fixtures.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Linear } from '../../src/nn/layers/linear.js';
import { fromArray, zeros } from '../../src/tensor/creation.js';

const enc = new TextEncoder();

/** A file: 8-byte length, the header text as given, then `data`. */
function craft(header: string, data: Uint8Array<ArrayBufferLike> = new Uint8Array(0)): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function headerOf(bytes: Uint8Array): { n: number; json: Record<string, Record<string, unknown>> } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) };
}

/** The file with its header replaced (same data), re-padded. */
function withHeader(bytes: Uint8Array, json: unknown): Uint8Array {
  const { n } = headerOf(bytes);
  return craft(JSON.stringify(json), bytes.subarray(8 + n));
}

const sample = () => encodeSafetensors([
  ['w', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
  ['b', { shape: [3], data: Float32Array.of(7, 8, 9) }],
  ['steps', { shape: [3], data: Int32Array.of(1, 2, 3) }],
], { epoch: '4' });

describe('CRC-32C', () => {
  test('matches the published check values', () => {
    assert.equal(crcHex(crc32c(enc.encode('123456789'))), 'e3069283'); // the CRC catalogue's check value
    assert.equal(crcHex(crc32c(new Uint8Array(32))), '8a9136aa'); // RFC 3720, 32 bytes of zeros
    assert.equal(crcHex(crc32c(new Uint8Array(32).fill(0xff))), '62a8ab43'); // RFC 3720, 32 bytes of 0xff
    assert.equal(crcHex(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))), '46dd794e'); // RFC 3720, 0..31
    assert.equal(crc32c(enc.encode('6789'), crc32c(enc.encode('12345'))), crc32c(enc.encode('123456789')), 'continues');
  });
});

describe('safetensors checksums', () => {
  test('a file myelin wrote verifies, and its checksums stay out of the metadata it returns', () => {
    const back = decodeSafetensors(sample(), 'model.safetensors');
    assert.equal(back.verified, true);
    assert.deepEqual(back.metadata, { epoch: '4' });
  });

  test('every single bit flipped in the data is caught, naming the tensor', () => {
    const bytes = sample();
    const { n } = headerOf(bytes);
    for (let i = 8 + n; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = bytes.slice();
        bad[i] ^= 1 << bit;
        assert.throws(() => decodeSafetensors(bad, 'model.safetensors'),
          /model\.safetensors: tensor '(w|b|steps)' does not match its checksum/);
      }
    }
  });

  test('a relabelled dtype, edited metadata and a renamed tensor are caught', () => {
    const bytes = sample();
    const { json } = headerOf(bytes);
    const relabelled = structuredClone(json);
    relabelled.steps.dtype = 'F32';
    assert.throws(() => decodeSafetensors(withHeader(bytes, relabelled), 'f'), /tensor 'steps' does not match its checksum/);
    const edited = structuredClone(json);
    (edited.__metadata__ as Record<string, string>).epoch = '5';
    assert.throws(() => decodeSafetensors(withHeader(bytes, edited), 'f'), /__metadata__ does not match its checksum/);
    const renamed = structuredClone(json);
    renamed.bias = renamed.b;
    delete renamed.b;
    assert.throws(() => decodeSafetensors(withHeader(bytes, renamed), 'f'), /tensor 'bias' has no checksum/);
  });

  test('a swap of two equal-shaped tensors, structurally valid, is caught by their checksums', () => {
    const bytes = encodeSafetensors([['x', { shape: [2], data: Float32Array.of(1, 2) }], ['y', { shape: [2], data: Float32Array.of(3, 4) }]]);
    const { json } = headerOf(bytes);
    [json.x.data_offsets, json.y.data_offsets] = [json.y.data_offsets, json.x.data_offsets];
    assert.throws(() => decodeSafetensors(withHeader(bytes, json), 'f'), /tensor '(x|y)' does not match its checksum/);
  });

  test('a named pipe where a weights file should be is refused, not waited on', { skip: process.platform === 'win32' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'myelin-fifo-'));
    const fifo = join(dir, 'model.safetensors');
    spawnSync('mkfifo', [fifo]);
    assert.throws(() => readSafetensors(fifo), /model\.safetensors: cannot read file: .*named pipe/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a file without checksums (written by PyTorch) still loads, unverified', () => {
    const back = readSafetensors(fixturePath('torch_small.safetensors'));
    assert.equal(back.verified, false);
    assert.ok(back.tensors.size > 0);
  });
});

describe('bounded header parsing', () => {
  const rejectsFast = (bytes: Uint8Array, pattern: RegExp) => {
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    let message = '';
    try { decodeSafetensors(bytes, 'crafted.safetensors'); } catch (e) { message = (e as Error).message; }
    const ms = performance.now() - t0;
    assert.match(message, pattern);
    assert.ok(message.length < 300, `a short message (${message.length} characters)`);
    assert.match(message, /crafted\.safetensors/);
    return { ms, mb: (process.memoryUsage().rss - rss) / 2 ** 20 };
  };

  test('100 MB-class crafted headers are rejected with short messages naming the file', () => {
    const big = 99_000_000;
    const nested = new Uint8Array(big).fill(0x5b); // [[[[...
    const r1 = rejectsFast(craft(new TextDecoder().decode(nested)), /nesting deeper than 3 levels/);
    const many = '{' + Array.from({ length: 1_700_000 }, (_, i) => `"t${i}":{}`).join(',') + '}';
    const r2 = rejectsFast(craft(many), /more than 200000 tensors/);
    const longName = `{"${'n'.repeat(big)}":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`;
    const r3 = rejectsFast(craft(longName), /a key of 99000000 bytes/);
    console.log(`# rejected: nested ${r1.ms.toFixed(0)} ms, 1.7M tensors ${r2.ms.toFixed(0)} ms, 99 MB name ${r3.ms.toFixed(0)} ms`);
  });

  test('duplicate keys, long arrays and deep values are rejected; a good header still loads', () => {
    rejectsFast(craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      new Uint8Array(4)), /the key 'a' appears twice/);
    rejectsFast(craft('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /'dtype' appears twice/);
    rejectsFast(craft(`{"a":{"dtype":"F32","shape":[${new Array(65).fill(1).join(',')}],"data_offsets":[0,4]}}`, new Uint8Array(4)),
      /array longer than 64/);
    rejectsFast(craft('{"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}', new Uint8Array(4)), /nesting deeper/);
    const ok = decodeSafetensors(craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"k":"v, [x] {y}"}}',
      new Uint8Array(4)));
    assert.deepEqual(ok.metadata, { k: 'v, [x] {y}' });
  });

  test('a 99 MB tensor name in an entry error is quoted in a few dozen characters', () => {
    const name = 'x'.repeat(4000);
    assert.throws(() => decodeSafetensors(craft(`{"${name}":{"dtype":"F99","shape":[],"data_offsets":[0,0]}}`), 'f'),
      (e: Error) => e.message.length < 300 && /'x{40}\.\.\.' \(4000 characters\)/.test(e.message));
  });
});

describe('loading weights into a model', () => {
  test('integer data into a float parameter and non-finite weights are refused, the model unchanged; allowNonFinite accepts them', () => {
    const lin = new Linear(2, 2);
    const before = Array.from(lin.weight.dataSync());
    assert.throws(() => lin.loadStateDict({ weight: fromArray(Int32Array.of(1, 2, 3, 4), [2, 2]), bias: zeros([2]) }),
      /dtype mismatch for weight: copying int32 data/);
    assert.throws(() => lin.loadStateDict({ weight: fromArray(Float32Array.of(1, NaN, 3, 4), [2, 2]), bias: zeros([2]) }),
      /non-finite value for weight: element 1 is NaN/);
    assert.deepEqual(Array.from(lin.weight.dataSync()), before, 'a failed load leaves the weights');
    lin.loadStateDict({ weight: fromArray(Float32Array.of(1, Infinity, 3, 4), [2, 2]), bias: zeros([2]) }, { allowNonFinite: true });
    assert.equal(lin.weight.dataSync()[1], Infinity);
  });

  test('myelin verify: exit 0 for good files (verified or not), 1 naming the bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'myelin-verify-'));
    const good = join(dir, 'good.safetensors'), bad = join(dir, 'bad.safetensors');
    writeFileSync(good, sample());
    const corrupt = sample();
    corrupt[corrupt.length - 1] ^= 1;
    writeFileSync(bad, corrupt);
    const cli = fileURLToPath(new URL('../../../bin/myelin.js', import.meta.url));
    const ok = spawnSync(process.execPath, [cli, 'verify', good, fixturePath('torch_small.safetensors')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /good\.safetensors: ok, 3 tensors, checksums verified/);
    assert.match(ok.stdout, /torch_small\.safetensors: ok, \d+ tensors, checksums absent/);
    const no = spawnSync(process.execPath, [cli, 'verify', good, bad], { encoding: 'utf8' });
    assert.equal(no.status, 1);
    assert.match(no.stdout, /bad\.safetensors: FAILED: .*tensor 'steps' does not match its checksum/);
    assert.match(no.stderr, /1 of 2 file\(s\) failed verification/);
    rmSync(dir, { recursive: true, force: true });
  });
});
