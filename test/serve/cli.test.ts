// `myelin serve` and `myelin export` as child processes: startup line, SIGTERM under load
// (requests in flight are answered, exit code 0), exporting a checkpoint and serving it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, get, metric, mlpRawTestSet, post, serve, trainMlp } from './helpers.js';

let mlpDir: string;

before(async () => { mlpDir = await trainMlp(); });

test('SIGTERM under load: queued and in-flight requests are answered, new ones refused, exit code 0', async () => {
  // batches wait up to 20 s to fill to 64, so the 24 requests are certainly in flight at SIGTERM
  const s = await serve(mlpDir, '--workers', '1', '--max-batch', '64', '--batch-timeout-ms', '20000');
  const rows = mlpRawTestSet().rows.slice(0, 24);
  const pending = rows.map((r) => post(`${s.url}/v1/models/mlp:predict`, { instances: [r] }));
  for (let i = 0; i < 400; i++) {
    if (metric((await get(`${s.url}/metrics`)).text, 'myelin_queue_depth') === rows.length) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(metric((await get(`${s.url}/metrics`)).text, 'myelin_queue_depth'), rows.length);
  s.child.kill('SIGTERM');
  const results = await Promise.all(pending);
  for (const r of results) {
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.predictions.length, 1);
  }
  assert.equal(await s.exited, 0, s.stderr());
  assert.match(s.stderr(), /SIGTERM: finishing requests in flight/);
  await assert.rejects(fetch(`${s.url}/v2/health/live`)); // no longer listening
});

test('SIGTERM with a client sending its body a byte at a time: cut at --drain-timeout, exit code 0', async () => {
  const s = await serve(mlpDir, '--workers', '1', '--drain-timeout', '0.5');
  const port = Number(new URL(s.url).port);
  const slow = net.connect(port, '127.0.0.1');
  const timer = setInterval(() => { if (slow.writable) slow.write(' '); }, 100);
  let closed = false;
  slow.on('error', () => {});
  slow.on('close', () => { closed = true; clearInterval(timer); });
  slow.write('POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{');
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0, s.stderr());
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 10, `exited ${seconds} s after SIGTERM`);
  assert.match(s.stderr(), /cut 1 connection still open after 0\.5 s \(--drain-timeout\)/);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(closed, 'the slow connection is closed');
});

test('myelin export writes a saved model from a checkpoint that myelin serve loads', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'myelin-export-')), 'best');
  const r = spawnSync(process.execPath, [bin, 'export', '--checkpoint', join(mlpDir, 'checkpoints', 'best.safetensors'), '--out', out, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.model, 'mlp');
  assert.ok(summary.epoch >= 1);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(config.exported_from.epoch, summary.epoch);
  assert.deepEqual(config.input, { shape: [30], dtype: 'float32' });
  assert.ok(existsSync(join(out, 'model.safetensors')));
  const s = await serve(out, '--name', 'cancer', '--workers', '1');
  try {
    const ok = await post(`${s.url}/v2/models/cancer/infer`, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: mlpRawTestSet().rows[0] }] });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal((await post(`${s.url}/v2/models/mlp/infer`, {})).status, 404);
  } finally {
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  }
  const missing = spawnSync(process.execPath, [bin, 'export', '--checkpoint', '/nonexistent.safetensors', '--out', out], { encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\/nonexistent\.safetensors: not found/);
});

test('myelin serve on a directory without a saved model fails with one line and exit code 1', () => {
  const r = spawnSync(process.execPath, [bin, 'serve', '/nonexistent/run'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/nonexistent\/run\/config\.json: not found/);
  const flag = spawnSync(process.execPath, [bin, 'serve', mlpDir, '--max-batch', '0'], { encoding: 'utf8' });
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--max-batch must be a positive integer/);
  const timeout = spawnSync(process.execPath, [bin, 'serve', mlpDir, '--drain-timeout', '0'], { encoding: 'utf8' });
  assert.equal(timeout.status, 2);
  assert.match(timeout.stderr, /--drain-timeout must be a number of seconds > 0/);
});
