// Smoke runs of the sequence models on tiny slices of the real data (the full recipes are
// benchmarks: bench/sequence.ts), the CLI commands around them, and weight round trips.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { zooModel } from '../../src/models/index.js';
import { loadGpt, generateTokens } from '../../src/models/gpt.js';
import { pretrainBertMini, BertForSequenceClassification, BERT_MINI, loadPretrainedEncoder } from '../../src/models/bert-mini.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { weightsOf } from '../../src/io/weights.js';
import { loadTokenizer } from '../../src/text/tokenizers.js';
import { sharedDataDir } from '../../src/models/text-data.js';
import { Generator } from '../../src/tensor/random.js';
import type { SequenceTrainOptions } from '../../src/models/sequence-common.js';

const DATA = sharedDataDir();
const haveMr = existsSync(join(DATA, 'mr-polarity', 'rt-polarity.pos'));
const haveShakespeare = existsSync(join(DATA, 'tinyshakespeare', 'input.txt'));
const quiet = { progress: false, log: () => {} };
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `myelin-${p}-`));
const bin = new URL('../../../bin/myelin.js', import.meta.url).pathname;

describe('sequence models (smoke)', () => {
  test('train lstm and --cell gru: one epoch on 256 sentences writes a run that eval reads back', { skip: !haveMr && 'no MR data' }, async () => {
    for (const cell of ['lstm', 'gru']) {
      const out = tmp(`lstm-${cell}`);
      const opts: SequenceTrainOptions = { ...quiet, cell, epochs: 1, limit: 256, out };
      const s = await zooModel('lstm').train(opts);
      assert.equal(s.cell, cell);
      for (const k of ['best_val_accuracy', 'val_accuracy', 'samples_per_second']) assert.equal(typeof s[k], 'number', k);
      assert.ok((s.best_val_accuracy as number) > 0.3);
      for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'metrics.jsonl']) assert.ok(existsSync(join(out, f)), f);
      const e = await zooModel('lstm').evaluate({ weights: join(out, 'model.safetensors'), limit: 256 });
      assert.equal(e.cell, cell);
      assert.equal(e.val_accuracy, s.val_accuracy);
    }
  });

  test('train gpt: a few iterations lower the loss; generate streams a reproducible sample from the saved weights', { skip: !haveShakespeare && 'no Shakespeare' }, async () => {
    const out = tmp('gpt');
    const opts: SequenceTrainOptions = { ...quiet, maxIters: 12, evalEvery: 6, evalIters: 2, out };
    const s = await zooModel('gpt').train(opts);
    for (const k of ['train_loss', 'val_loss', 'ms_per_iter']) assert.equal(typeof s[k], 'number', k);
    const h = s.history as { iter: number; val_loss: number }[];
    assert.deepEqual(h.map((e) => e.iter), [0, 6, 12]);
    assert.ok(h[2].val_loss < h[0].val_loss, `val loss ${h[0].val_loss} -> ${h[2].val_loss}`);
    const { model, tokenizer } = loadGpt(join(out, 'model.safetensors'));
    const a = tokenizer.decode([...generateTokens(model, tokenizer.encode('ROMEO:'), 10, { generator: new Generator(1) })]);
    assert.equal(a.length, 10);
    const run = spawnSync(process.execPath, [bin, 'generate', 'gpt', '--weights', join(out, 'model.safetensors'), '--prompt', 'ROMEO:', '--tokens', '10', '--temperature', '1', '--seed', '1'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `ROMEO:${a}\n`);
    const bad = spawnSync(process.execPath, [bin, 'generate', 'gpt', '--weights', join(out, 'model.safetensors'), '--prompt', 'caf\u00e9'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /outside the model's vocabulary/);
  });

  test('pretrain bert-mini, then train bert-mini --init loads the encoder (and from scratch runs too)', { skip: !(haveMr && haveShakespeare) && 'no data' }, async () => {
    const pre = await pretrainBertMini({ ...quiet, maxIters: 3, evalEvery: 3, limit: 300, batchSize: 16, out: tmp('bert-pre') });
    assert.equal(typeof pre.val_mlm_loss, 'number');
    const weights = pre.weights as string;
    assert.ok(existsSync(weights) && existsSync(join(pre.run_dir as string, 'tokenizer.json')));
    // every encoder tensor of the checkpoint lands in the classifier's encoder, unchanged
    const tokenizer = loadTokenizer(join(pre.run_dir as string, 'tokenizer.json'));
    const clf = new BertForSequenceClassification({ vocabSize: tokenizer.size, ...BERT_MINI });
    const encoderKeys = [...clf.bert.namedParameters()].map(([k]) => k);
    assert.equal(loadPretrainedEncoder(clf, weights), encoderKeys.length);
    const saved = weightsOf(readSafetensors(weights));
    for (const [k, p] of clf.bert.namedParameters()) assert.deepEqual(p.dataSync(), saved.get(`bert.${k}`)!.dataSync(), k);
    const opts: SequenceTrainOptions = { ...quiet, epochs: 1, limit: 96, batchSize: 32, out: tmp('bert-ft'), init: weights };
    const ft = await zooModel('bert-mini').train(opts);
    assert.equal(ft.init, weights);
    assert.equal(typeof ft.best_val_accuracy, 'number');
    const scratch = await zooModel('bert-mini').train({ ...opts, init: undefined, out: tmp('bert-scratch') } as SequenceTrainOptions);
    assert.equal(scratch.init, null);
    const config = JSON.parse(readFileSync(join(ft.run_dir as string, 'config.json'), 'utf8'));
    assert.equal(config.init, weights);
    await assert.rejects(zooModel('bert-mini').train({ ...opts, init: join(tmp('x'), 'missing.safetensors') } as SequenceTrainOptions));
    // pretrain --init continues from a checkpoint: with no further step and another seed, the
    // same weights and the same held-out text give the same held-out loss
    const more = await pretrainBertMini({ ...quiet, maxIters: 0, evalEvery: 3, limit: 300, batchSize: 16, seed: 1, init: weights, out: tmp('bert-more') });
    assert.equal(more.init, weights);
    assert.equal(more.val_mlm_loss, pre.val_mlm_loss);
    const cont = weightsOf(readSafetensors(more.weights as string));
    for (const [k, v] of saved) assert.deepEqual(cont.get(k)!.dataSync(), v.dataSync(), k);
    await assert.rejects(pretrainBertMini({ ...quiet, maxIters: 1, limit: 300, init: join(ft.run_dir as string, 'model.safetensors'), out: tmp('bert-bad') }),
      /not a bert-mini pre-training checkpoint[\s\S]*missing key/);
  });
});
