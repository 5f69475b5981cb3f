import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunRecord } from '../../src/train/run-record.js';
import { readScalars } from '../../src/dashboard/runs.js';

test('RunRecord appends one {time, kind, ...fields} JSON line per record, creating the directory', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'myelin-run-record-')), 'nested', 'run');
  const record = new RunRecord(join(dir, 'metrics.jsonl'));
  record.append('epoch', { epoch: 1, loss: 0.5 });
  record.append('eval', { iter: 10, val_loss: 0.25 });
  const text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 2);
  const first = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(first), ['time', 'kind', 'epoch', 'loss']);
  const { time, ...rest } = first;
  assert.equal(new Date(time).toISOString(), time);
  assert.deepEqual(rest, { kind: 'epoch', epoch: 1, loss: 0.5 });
  assert.equal(lines[1].replace(/"time":"[^"]*"/, '"time":"T"'), '{"time":"T","kind":"eval","iter":10,"val_loss":0.25}');
  // the dashboard reads what it writes
  assert.deepEqual(readScalars(dir).map((r) => r.kind), ['epoch', 'eval']);
});

test('RunRecord appends to an existing record (a resumed run) and leaves earlier lines alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-run-record-'));
  const path = join(dir, 'metrics.jsonl');
  writeFileSync(path, '{"time":"2024-01-01T00:00:00.000Z","kind":"epoch","epoch":1}\n');
  new RunRecord(path).append('epoch', { epoch: 2 });
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.epoch), [1, 2]);
  assert.equal(lines[0].time, '2024-01-01T00:00:00.000Z');
});

test('truncateAfter (a resumed run) drops the records after the checkpoint\'s step and a partial last line, keeps step-less ones', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'myelin-run-record-')), 'metrics.jsonl');
  const record = new RunRecord(path);
  record.truncateAfter(5); // no file yet: nothing to do
  record.append('step', { step: 10, loss: 1 });
  record.append('epoch', { epoch: 1, step: 20, loss: 0.9 });
  record.append('eval', { iter: 3, val_loss: 0.8 });
  record.append('epoch', { epoch: 2, step: 40, loss: 0.7 });
  writeFileSync(path, readFileSync(path, 'utf8') + '{"time":"2024-01-01T00:00:00Z","kind":"epo', { flag: 'w' }); // killed mid-append
  record.truncateAfter(20);
  const kept = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(kept.map((r) => [r.kind, r.step ?? null]), [['step', 10], ['epoch', 20], ['eval', null]]);
  record.append('epoch', { epoch: 2, step: 40, loss: 0.7 });
  assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 4);
});
