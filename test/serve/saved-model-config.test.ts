// A saved model's config.json is checked field by field when it loads: a zero standard
// deviation, a non-finite mean, a bad shape or a file that is not a config at all fails with the
// file and the field named, and never with the file's contents in the message.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFromConfig, readSavedModelConfig } from '../../src/models/saved-model.js';
import { createServer } from '../../src/serve/server.js';
import { trainMlp } from './helpers.js';

let mlpDir: string;
let good: any;
before(async () => {
  mlpDir = await trainMlp();
  good = JSON.parse(readFileSync(join(mlpDir, 'config.json'), 'utf8'));
});

/** A saved-model directory whose config.json is `config` (or this text), with the mlp's weights. */
function modelDir(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-config-'));
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  copyFileSync(join(mlpDir, 'model.safetensors'), join(dir, 'model.safetensors'));
  return dir;
}

// edited by hand, as an operator would: without myelin's checksum field, so the field checks answer
const edit = (f: (c: any) => void) => { const c = structuredClone(good); delete c.crc32c; f(c); return c; };

test('config values are checked when a saved model loads; the error names the file and the field', () => {
  const cases: [string, any, RegExp][] = [
    ['zero std', edit((c) => { c.preprocessing.standardize.std[3] = 0; }), /config\.json: preprocessing\.standardize\.std\[3\]: must be a finite number > 0.*got 0/],
    ['negative std', edit((c) => { c.preprocessing.standardize.std[0] = -1; }), /preprocessing\.standardize\.std\[0\]: .*got -1/],
    ['std below float32', edit((c) => { c.preprocessing.standardize.std[1] = 1e-50; }), /preprocessing\.standardize\.std\[1\]: .*got 1e-50/],
    ['std a string', edit((c) => { c.preprocessing.standardize.std[2] = '1'; }), /preprocessing\.standardize\.std\[2\]: .*got a string/],
    ['mean beyond float32', edit((c) => { c.preprocessing.standardize.mean[5] = 1e39; }), /preprocessing\.standardize\.mean\[5\]: must be a finite number.*got 1e\+39/],
    ['mean null', edit((c) => { c.preprocessing.standardize.mean[5] = null; }), /preprocessing\.standardize\.mean\[5\]: .*got null/],
    ['mean too short', edit((c) => { c.preprocessing.standardize.mean.pop(); }), /preprocessing\.standardize needs mean and std of 30 values/],
    ['zero in shape', edit((c) => { c.input.shape = [0]; }), /input\.shape/],
    ['huge shape', edit((c) => { c.input.shape = [65536, 65536]; }), /input\.shape: \[65536, 65536\] must have 1 to 8 dimensions and at most/],
    ['scale zero', edit((c) => { c.preprocessing.scale = 0; }), /preprocessing\.scale: must be a finite positive number, got 0/],
    ['numClasses zero', edit((c) => { c.architecture.numClasses = 0; }), /architecture\.numClasses: must be a positive integer, got 0/],
    ['labels for numClasses', edit((c) => { c.labels = ['a', 'b', 'c']; }), /labels: 3 names for architecture\.numClasses 2/],
  ];
  for (const [what, config, message] of cases) {
    const dir = modelDir(config);
    assert.throws(() => readSavedModelConfig(dir), (e: Error) => {
      assert.match(e.message, message, what);
      assert.ok(e.message.startsWith(join(dir, 'config.json') + ': '), `${what}: ${e.message}`);
      return true;
    }, what);
  }
  // the server refuses it at start, before any worker
  assert.throws(() => createServer({ dir: modelDir(cases[0][1]), port: 0 }), /std\[3\]/);
  // and the architecture builders check what they need
  assert.throws(() => buildFromConfig({ ...good, architecture: { ...good.architecture, inFeatures: 31 } }), /architecture\.inFeatures \(31\) differs from the size of input\.shape \(30\)/);
  assert.throws(() => buildFromConfig({ model: 'cnn', input: { shape: [3, 28, 28], dtype: 'float32' } }), /cnn: config\.json: input\.shape must be \[1, 28, 28\]/);
});

test('a config.json that is not JSON, a symlink to a secret, a named pipe or a huge file: no contents in the message, no hang', () => {
  const secret = 'root:x:0:0:root:/root:/bin/bash\nhunter2-password-line\n';
  const dir = mkdtempSync(join(tmpdir(), 'myelin-config-'));
  writeFileSync(join(dir, 'secret.txt'), secret);
  symlinkSync(join(dir, 'secret.txt'), join(dir, 'config.json'));
  assert.throws(() => readSavedModelConfig(dir), (e: Error) => {
    assert.match(e.message, /config\.json: invalid JSON \(unexpected character at line 1, column 1\)/);
    assert.doesNotMatch(e.message, /root|hunter2|x:0/);
    return true;
  });
  const broken = modelDir('{"model": "mlp", "input": {"shape": [30]},\n "labels": [hunter2-password]}');
  assert.throws(() => readSavedModelConfig(broken), (e: Error) => {
    assert.match(e.message, /invalid JSON \(unexpected character at line 2, column 13\)/);
    assert.doesNotMatch(e.message, /hunter2/);
    return true;
  });
  const fifo = mkdtempSync(join(tmpdir(), 'myelin-config-'));
  execFileSync('mkfifo', [join(fifo, 'config.json')]);
  assert.throws(() => readSavedModelConfig(fifo), /config\.json: is a named pipe, not a regular file/);
  const big = modelDir(' '.repeat(17 * 1024 * 1024));
  assert.throws(() => readSavedModelConfig(big), /config\.json: is 17 MiB, larger than the limit of 16 MiB/);
});
