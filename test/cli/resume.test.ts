// `myelin train <model> --resume RUN_DIR`, through the real command: a run stopped (or killed
// with SIGKILL) and resumed ends with the same weights, bit for bit, as the run that was never
// stopped; its metrics.jsonl records each epoch once; a run that cannot be resumed is refused
// with one clear line and its directory left as it was.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { readCheckpointInfo } from '../../src/io/checkpoint.js';

const bin = new URL('../../../bin/myelin.js', import.meta.url).pathname;
const FASHION = '/usr/share/datasets/fashion-mnist';
const root = mkdtempSync(join(tmpdir(), 'myelin-resume-'));
const env = { ...process.env, MYELIN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'myelin-cache-')) };
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, cwd: root });

function train(model: string, ...args: string[]): void {
  const r = run('train', model, '--no-progress', '--json', ...args);
  assert.equal(r.status, 0, r.stderr);
}

/** The tensors of a safetensors file, as arrays (bit-exact comparison). */
function weights(path: string): Record<string, number[]> {
  return Object.fromEntries([...readSafetensors(path).tensors].map(([k, t]) => [k, Array.from(t.data)]));
}

function epochsRecorded(dir: string): number[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'epoch').map((r) => r.epoch);
}

test('mlp: 5 epochs, then --resume to 12, gives the weights of 12 straight epochs bit for bit', () => {
  const straight = join(root, 'mlp-straight'), part = join(root, 'mlp-part');
  train('mlp', '--epochs', '12', '--seed', '3', '--lr', '0.003', '--out', straight);
  train('mlp', '--epochs', '5', '--seed', '3', '--lr', '0.003', '--out', part);
  const r = run('train', 'mlp', '--resume', part, '--epochs', '12', '--no-progress', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /mlp: resuming .*mlp-part after epoch 5 \(step \d+\)/);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.run_dir, part);
  assert.equal(summary.epochs, 12);
  assert.deepEqual(weights(join(part, 'model.safetensors')), weights(join(straight, 'model.safetensors')));
  assert.deepEqual(weights(join(part, 'checkpoints', 'best.safetensors')), weights(join(straight, 'checkpoints', 'best.safetensors')));
  assert.deepEqual(epochsRecorded(part), Array.from({ length: 12 }, (_, i) => i + 1));
  const config = JSON.parse(readFileSync(join(part, 'config.json'), 'utf8'));
  assert.deepEqual(config.trainOptions, { epochs: 12, lr: 0.003, seed: 3 });
  assert.deepEqual(config.training, { epochs: 12, batchSize: 32, lr: 0.003, seed: 3, optimizer: 'Adam' });
});

test('mlp: a run killed with SIGKILL mid-training resumes to the uninterrupted run\'s weights', async () => {
  const epochs = '150';
  const straight = join(root, 'kill-straight'), killed = join(root, 'kill-killed');
  train('mlp', '--epochs', epochs, '--seed', '5', '--out', straight);
  const child = spawn(process.execPath, [bin, 'train', 'mlp', '--epochs', epochs, '--seed', '5', '--out', killed, '--no-progress'],
    { env, cwd: root, stdio: 'ignore' });
  const exited = new Promise((res) => child.once('exit', res));
  const last = join(killed, 'checkpoints', 'last.safetensors');
  // kill it as soon as it has a checkpoint (whenever that is, the outcome must be the same)
  while (!existsSync(last) && child.exitCode === null) await new Promise((res) => setTimeout(res, 5));
  child.kill('SIGKILL');
  await exited;
  const info = readCheckpointInfo(last); // the newest checkpoint always loads
  assert.ok(info.epoch >= 1);
  const r = run('train', 'mlp', '--resume', killed, '--no-progress', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(weights(join(killed, 'model.safetensors')), weights(join(straight, 'model.safetensors')));
  assert.deepEqual(epochsRecorded(killed), Array.from({ length: 150 }, (_, i) => i + 1));
  assert.deepEqual(readdirSync(join(killed, 'checkpoints')).filter((f) => f.endsWith('.tmp')), []);
});

test('cnn --limit 300: 1 epoch, then --resume to 2, gives the weights of 2 straight epochs bit for bit',
  { skip: !existsSync(FASHION) && 'dataset-fashion-mnist is not installed' }, () => {
    const straight = join(root, 'cnn-straight'), part = join(root, 'cnn-part');
    train('cnn', '--epochs', '2', '--limit', '300', '--out', straight);
    train('cnn', '--epochs', '1', '--limit', '300', '--out', part);
    train('cnn', '--resume', part, '--epochs', '2');
    assert.deepEqual(weights(join(part, 'model.safetensors')), weights(join(straight, 'model.safetensors')));
    assert.deepEqual(epochsRecorded(part), [1, 2]);
  });

test('--resume refuses what it cannot resume, with one line, and leaves the run directory as it was', () => {
  const dir = join(root, 'mlp-refuse');
  train('mlp', '--epochs', '2', '--out', dir);
  const snapshot = () => Object.fromEntries(['config.json', 'metrics.jsonl'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const before = snapshot();
  const refused = (args: string[], message: RegExp) => {
    const r = run('train', ...args, '--no-progress');
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.deepEqual(snapshot(), before);
  };
  refused(['mlp', '--resume', dir, '--lr', '0.5'], /--lr 0.5 differs from the run's default \(the flag was not given\); a resumed run keeps its settings/);
  refused(['mlp', '--resume', dir, '--seed', '4'], /--seed 4 differs from the run's 0/);
  refused(['mlp', '--resume', dir, '--out', join(root, 'elsewhere')], /--out .* differs; a resumed run goes on in its own directory/);
  refused(['cnn', '--resume', dir], /this is a run of "mlp", not of 'cnn'/);
  refused(['gan', '--resume', dir], /gan runs cannot be resumed yet/);
  refused(['mlp', '--resume', join(root, 'nope')], /nope: not a run directory/);
  // a damaged last checkpoint: the error names the file and the field
  const last = join(dir, 'checkpoints', 'last.safetensors');
  const good = readFileSync(last);
  const c = readSafetensors(last);
  writeSafetensors(last, [...c.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }] as const),
    { myelin: JSON.stringify({ ...JSON.parse(c.metadata!.myelin), epoch: -1 }) });
  refused(['mlp', '--resume', dir, '--epochs', '4'], new RegExp(`${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: checkpoint field 'epoch' must be an integer >= 0, got -1`));
  writeFileSync(last, good);
  // no checkpoint at all
  const empty = join(root, 'no-ckpt');
  mkdirSync(empty);
  writeFileSync(join(empty, 'config.json'), JSON.stringify({ model: 'mlp', trainOptions: { epochs: 3 } }));
  const r = run('train', 'mlp', '--resume', empty, '--no-progress');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no checkpoint to resume from \(.*last.safetensors does not exist\)/);
  assert.deepEqual(JSON.parse(readFileSync(join(empty, 'config.json'), 'utf8')), { model: 'mlp', trainOptions: { epochs: 3 } });
});

test('export checks a checkpoint\'s metadata like any load (null metadata is an error naming the file, not a TypeError)', () => {
  const dir = join(root, 'mlp-export');
  train('mlp', '--epochs', '1', '--out', dir);
  const best = join(dir, 'checkpoints', 'best.safetensors');
  const c = readSafetensors(best);
  writeSafetensors(best, [...c.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }] as const), { myelin: 'null' });
  const r = run('export', '--checkpoint', best, '--out', join(root, 'exported'));
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(`${best}: checkpoint metadata must be a JSON object, got null`), r.stderr);
  assert.ok(!existsSync(join(root, 'exported', 'model.safetensors')));
});
