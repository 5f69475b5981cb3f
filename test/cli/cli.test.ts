// The real command, as a child process: exit codes, --json output, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../../bin/myelin.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, MYELIN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'myelin-cache-')) } });

test('myelin train mlp --json prints one JSON summary on stdout and progress on stderr', () => {
  const out = mkdtempSync(join(tmpdir(), 'myelin-cli-'));
  const r = run('train', 'mlp', '--epochs', '3', '--json', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  for (const k of ['model', 'dataset', 'backend', 'epochs', 'train_seconds', 'samples_per_second', 'test_accuracy', 'test_loss']) assert.ok(k in summary, `missing ${k}`);
  assert.equal(summary.epochs, 3);
  assert.equal(summary.run_dir, out);
  assert.match(r.stderr, /epoch 3\/3/);
});

test('a bad flag value exits 2 with a message naming the flag', () => {
  const r = run('train', 'mlp', '--epochs', 'many');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--epochs must be a positive integer/);
});

test('an unknown model exits 1 with one line listing the models; --verbose adds the stack', () => {
  const r = run('train', 'resnet');
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown model 'resnet' \(available: mlp, cnn/);
  const v = run('train', 'resnet', '--verbose');
  assert.ok(v.stderr.trim().split('\n').length > 1);
});

test('eval with a missing or corrupt weights file names the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-cli-'));
  const missing = join(dir, 'nope.safetensors');
  let r = run('eval', 'mlp', '--weights', missing);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(missing), r.stderr);
  const corrupt = join(dir, 'bad.safetensors');
  writeFileSync(corrupt, Buffer.from([1, 2, 3]));
  r = run('eval', 'mlp', '--weights', corrupt);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(corrupt) && r.stderr.trim().split('\n').length === 1, r.stderr);
});

test('a missing dataset directory is a clear error', () => {
  const r = run('train', 'cnn', '--dataset', '/nonexistent/fashion', '--epochs', '1');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/nonexistent\/fashion/);
});

test('myelin info --json reports the backend', () => {
  const r = run('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(['js', 'native'].includes(JSON.parse(r.stdout).backend));
});
