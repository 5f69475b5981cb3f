// TensorBoard event files: CRC32C test vectors, TFRecord framing, Event protobuf bytes
// checked by hand against the wire format, a reader that checks every CRC, and the run
// directories training writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  crc32c, maskCrc, unmaskCrc, maskedCrc32c, encodeRecord, decodeRecords, encodeEvent, decodeEvent,
  EventFileWriter, readEventFile, eventFiles, pngInfo, FILE_VERSION,
} from '../../src/io/tensorboard/index.js';
import { encodePng } from '../../src/io/png.js';
import { TensorBoardLogger, logFinalImages } from '../../src/train/callbacks/tensorboard.js';
import { zooModel } from '../../src/models/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { Sequential, Linear } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { mseLoss } from '../../src/nn/losses.js';
import { TensorDataset } from '../../src/data/dataset.js';
import { randn } from '../../src/tensor/creation.js';
import type { Callback } from '../../src/train/callback.js';
import { assertClose } from '../helpers/assert-close.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => [...Buffer.from(s, 'utf8')];
const f64 = (v: number) => { const b = Buffer.alloc(8); b.writeDoubleLE(v); return [...b]; };
const f32 = (v: number) => { const b = Buffer.alloc(4); b.writeFloatLE(v); return [...b]; };

test('CRC32C matches the standard test vectors (RFC 3720 B.4, "123456789")', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // TensorFlow's mask: rotate right 15, add 0xa282ead8
  const c = 0xe3069283;
  assert.equal(maskCrc(c), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  for (const v of [0, 1, 0xffffffff, 0x12345678, c]) assert.equal(unmaskCrc(maskCrc(v)), v);
});

test('a TFRecord is length, masked CRC of the length, data, masked CRC of the data (little-endian)', () => {
  const data = Buffer.from('hello, tensorboard');
  const rec = encodeRecord(data);
  assert.equal(rec.length, 8 + 4 + data.length + 4);
  const view = Buffer.from(rec);
  assert.equal(view.readBigUInt64LE(0), BigInt(data.length));
  assert.equal(view.readUInt32LE(8), maskedCrc32c(rec.subarray(0, 8)));
  assert.deepEqual(rec.subarray(12, 12 + data.length), new Uint8Array(data));
  assert.equal(view.readUInt32LE(12 + data.length), maskedCrc32c(data));
  const two = new Uint8Array([...rec, ...encodeRecord(bytes(1, 2, 3))]);
  assert.deepEqual(decodeRecords(two).records.map((r) => [...r]), [[...data], [1, 2, 3]]);
  // corruption anywhere is caught, and named
  const bad = two.slice(); bad[14] ^= 1;
  assert.throws(() => decodeRecords(bad), /data CRC mismatch in the record at byte 0/);
  const badLen = two.slice(); badLen[0] ^= 1;
  assert.throws(() => decodeRecords(badLen), /length CRC mismatch/);
  const cut = two.subarray(0, two.length - 2);
  assert.throws(() => decodeRecords(cut), /truncated record at byte 34/);
  assert.equal(decodeRecords(cut, { allowPartialTail: true }).records.length, 1);
});

test('Event protobufs: the file_version event and a scalar summary, byte for byte', () => {
  // Event{wall_time=1 (fixed64), file_version=3 (len)}
  assert.deepEqual([...encodeEvent({ wallTime: 1700000000.25, step: 0, fileVersion: FILE_VERSION })],
    [0x09, ...f64(1700000000.25), 0x1a, 13, ...ascii('brain.Event:2')]);
  // Event{wall_time, step=2 (varint), summary=5 {value=1 {tag=1 "loss", simple_value=2 (fixed32)}}}
  const value = [0x0a, 4, ...ascii('loss'), 0x15, ...f32(0.25)];
  const summary = [0x0a, value.length, ...value];
  assert.deepEqual([...encodeEvent({ wallTime: 1.5, step: 300, summary: { values: [{ tag: 'loss', simpleValue: 0.25 }] } })],
    [0x09, ...f64(1.5), 0x10, 0xac, 0x02, 0x2a, summary.length, ...summary]);
  // an image: Value{tag, image=4 {height=1, width=2, colorspace=3, encoded_image_string=4}}
  const png = bytes(9, 8, 7);
  const image = [0x08, 2, 0x10, 3, 0x18, 3, 0x22, 3, 9, 8, 7];
  const v2 = [0x0a, 1, ...ascii('g'), 0x22, image.length, ...image];
  assert.deepEqual([...encodeEvent({ wallTime: 0, step: 1, summary: { values: [{ tag: 'g', image: { height: 2, width: 3, colorspace: 3, encodedImageString: png } }] } })],
    [0x09, ...f64(0), 0x10, 1, 0x2a, v2.length + 2, 0x0a, v2.length, ...v2]);
  // and back
  const e = decodeEvent(encodeEvent({ wallTime: 2.5, step: -7, summary: { values: [{ tag: 'a/b', simpleValue: -1.5 }, { tag: 'c', simpleValue: 3 }] } }));
  assert.deepEqual(e, { wallTime: 2.5, step: -7, summary: { values: [{ tag: 'a/b', simpleValue: -1.5 }, { tag: 'c', simpleValue: 3 }] } });
  assert.throws(() => decodeEvent(bytes(0x08, 1)), /wall_time.*wire type 0, expected 1/);
});

test('EventFileWriter writes events.out.tfevents.<time>.<host> that the reader parses back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-tb-'));
  const w = new EventFileWriter(dir);
  assert.match(w.path, /\/events\.out\.tfevents\.\d{10}\.[^/]+$/);
  w.scalars(10, { loss: 0.5, accuracy: 0.75, broken: NaN });
  const png = encodePng({ width: 3, height: 2, channels: 3, data: Uint8Array.from({ length: 18 }, (_, i) => i * 10) });
  w.image('samples/grid', 10, png);
  w.close();
  assert.deepEqual(eventFiles(dir), [w.path]);
  const events = readEventFile(w.path);
  assert.equal(events.length, 3);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.equal(events[0].step, 0);
  assert.ok(Math.abs(events[0].wallTime - Date.now() / 1000) < 60);
  assert.deepEqual(events[1].summary, { values: [{ tag: 'loss', simpleValue: 0.5 }, { tag: 'accuracy', simpleValue: 0.75 }] });
  assert.equal(events[1].step, 10);
  const img = events[2].summary!.values[0];
  assert.equal(img.tag, 'samples/grid');
  assert.deepEqual({ ...img.image, encodedImageString: [...img.image!.encodedImageString] }, { height: 2, width: 3, colorspace: 3, encodedImageString: [...png] });
  assert.deepEqual(pngInfo(encodePng({ width: 1, height: 1, channels: 1, data: bytes(0) })), { width: 1, height: 1, colorspace: 1 });
  assert.deepEqual(pngInfo(encodePng({ width: 1, height: 1, channels: 4, data: bytes(0, 0, 0, 0) })).colorspace, 4);
  // appending to an existing file adds no second file_version event
  const again = EventFileWriter.append(w.path);
  again.scalars(11, { loss: 0.25 });
  again.close();
  assert.deepEqual(readEventFile(w.path).map((e) => e.fileVersion ?? e.step), ['brain.Event:2', 10, 10, 11]);
});

test('TensorBoardLogger: epoch scalars, every-N-step batch scalars and new PNGs of the run as images', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-tb-fit-'));
  const model = new Sequential(new Linear(4, 1));
  const ds = new TensorDataset(randn([64, 4]), randn([64, 1]));
  // a callback that draws a picture each epoch, as the generative models do
  const painter: Callback = {
    onEpochEnd: (_t, epoch) => writeFileSync(join(dir, `samples_epoch_${epoch + 1}.png`),
      encodePng({ width: 2, height: 2, channels: 1, data: bytes(0, 80, 160, 255 - epoch) })),
  };
  const logger = new TensorBoardLogger(dir, { everySteps: 4 });
  const trainer = new Trainer(model, { optimizer: new SGD(model.parameters(), { lr: 0.01 }), loss: mseLoss });
  await trainer.fit(ds, { epochs: 2, batchSize: 16, validation: ds, progress: false, callbacks: [painter, logger] });
  const events = readEventFile(eventFiles(dir)[0]);
  const scalars = events.flatMap((e) => (e.summary?.values ?? []).filter((v) => v.simpleValue !== undefined).map((v) => `${e.step}:${v.tag}`));
  for (const s of ['4:batch/loss', '8:batch/loss', '4:loss', '4:val_loss', '4:lr', '8:loss', '8:epoch']) assert.ok(scalars.includes(s), `${s} in ${scalars.join(' ')}`);
  const images = events.flatMap((e) => (e.summary?.values ?? []).filter((v) => v.image).map((v) => `${e.step}:${v.tag}`));
  assert.deepEqual(images, ['4:samples_epoch_1', '8:samples_epoch_2']);
});

test('myelin train writes an event file into the run directory, with the final pictures', async () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-tb-run-'));
  await zooModel('mlp').train({ epochs: 3, out, progress: false });
  const files = eventFiles(out);
  assert.equal(files.length, 1);
  const events = readEventFile(files[0]);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  const tags = new Set(events.flatMap((e) => e.summary?.values.map((v) => v.tag) ?? []));
  for (const t of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']) assert.ok(tags.has(t), t);
  // roc.json for the dashboard
  const roc = JSON.parse(readFileSync(join(out, 'roc.json'), 'utf8'));
  assert.equal(roc.kind, 'binary');
  assert.equal(roc.curves.length, 1);
  assert.equal(roc.curves[0].fpr[0], 0);
  assert.equal(roc.curves[0].tpr.at(-1), 1);
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assertClose(roc.curves[0].auc, cfg.metrics.roc_auc, { rtol: 0, atol: 1e-3, label: 'AUC in roc.json and config.json' });
  assert.equal(JSON.stringify(cfg).includes('fpr'), false);
});

test('a run trained by a custom loop (no logger) gets an event file from its metrics.jsonl and pictures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-tb-custom-'));
  writeFileSync(join(dir, 'metrics.jsonl'), [
    { time: '2025-01-01T00:00:00.000Z', kind: 'epoch', epoch: 1, step: 50, d_loss: 1.25, g_loss: 0.75 },
    { time: '2025-01-01T00:01:00.000Z', kind: 'epoch', epoch: 2, step: 100, d_loss: 1, g_loss: 1 },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n{"partial');
  writeFileSync(join(dir, 'samples_epoch_2.png'), encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) }));
  assert.equal(logFinalImages(dir), 1);
  const events = readEventFile(eventFiles(dir)[0]);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.deepEqual(events.slice(1).map((e) => [e.step, e.summary!.values.map((v) => v.tag).join(',')]),
    [[50, 'epoch,d_loss,g_loss'], [100, 'epoch,d_loss,g_loss'], [100, 'samples_epoch_2']]);
  assert.equal(events[1].wallTime, Date.parse('2025-01-01T00:00:00.000Z') / 1000);
});
