// The inference server, in-process on port 0, against small real models trained here:
// routes, predictions equal to Trainer.predict / myelin eval, bad inputs, batching, limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type InferenceServer } from '../../src/serve/server.js';
import { firstNonFiniteRow } from '../../src/serve/requests.js';
import { loadSavedModel } from '../../src/models/saved-model.js';
import { zooModel } from '../../src/models/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { Adam } from '../../src/optim/adam.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { Standardizer } from '../../src/data/transforms.js';
import { fromArray } from '../../src/tensor/creation.js';
import { fashionMnist } from '../../src/data/datasets.js';
import { loadMnistLike } from '../../src/data/mnist-files.js';
import { get, hasFashion, metric, mlpRawTestSet, post, trainCnn, trainMlp, FASHION } from './helpers.js';
import { assertClose } from '../helpers/assert-close.js';

let mlpDir: string;
let server: InferenceServer;
let url: string;

before(async () => {
  mlpDir = await trainMlp();
  server = createServer({ dir: mlpDir, port: 0, workers: 1 });
  url = await server.listen();
  await server.ready;
});
after(async () => { await server?.close(); });

function predictor(dir: string) {
  const { model, config } = loadSavedModel(dir);
  return { config, trainer: new Trainer(model, { optimizer: new Adam(model.parameters()), loss: crossEntropy }) };
}

test('health, readiness, model metadata and status answer on the v2 and TF Serving routes', async () => {
  assert.deepEqual((await get(`${url}/v2/health/live`)).json, { live: true });
  const ready = await get(`${url}/v2/health/ready`);
  assert.equal(ready.status, 200);
  assert.equal((await get(`${url}/v2/models/mlp/ready`)).status, 200);
  const meta = (await get(`${url}/v2/models/mlp`)).json;
  assert.equal(meta.name, 'mlp');
  assert.deepEqual(meta.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 30] }]);
  assert.deepEqual(meta.outputs.map((o: { name: string }) => o.name), ['logits', 'probabilities', 'class', 'label']);
  const status = (await get(`${url}/v1/models/mlp`)).json;
  assert.equal(status.model_version_status[0].state, 'AVAILABLE');
  assert.equal((await get(`${url}/v1/models/mlp/metadata`)).status, 200);
  assert.equal((await get(`${url}/v2`)).json.name, 'myelin');
});

test('served predictions (raw features in, standardised by the server) equal Trainer.predict and myelin eval', async () => {
  const { rows, labels } = mlpRawTestSet();
  const { config, trainer } = predictor(mlpDir);
  const scaler = Standardizer.fromJSON(config.preprocessing!.standardize!);
  const expected = trainer.predict(scaler.transform(fromArray(Float32Array.from(rows.flat()), [rows.length, 30])));
  const exp = expected.dataSync();
  const got: number[][] = [];
  for (let i = 0; i < rows.length; i += 32) {
    const r = await post(`${url}/v1/models/mlp:predict`, { instances: rows.slice(i, i + 32) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const p of r.json.predictions) {
      got.push(p.logits);
      assert.equal(p.label, config.labels![p.class]);
      assertClose(p.probabilities.reduce((a: number, b: number) => a + b, 0), 1, { rtol: 0, atol: 1e-5, label: 'probabilities sum to 1' });
    }
  }
  assert.equal(got.length, rows.length);
  got.forEach((row, i) => row.forEach((v, j) => assert.equal(v, exp[i * 2 + j], `logit [${i}, ${j}]`)));
  // the same accuracy as `myelin eval` reports for these weights
  const evalSummary = await zooModel('mlp').evaluate({ weights: join(mlpDir, 'model.safetensors') });
  const classes = got.map((l) => (l[1] > l[0] ? 1 : 0));
  const acc = classes.filter((c, i) => c === labels[i]).length / labels.length;
  assert.equal(Number(acc.toFixed(4)), evalSummary.test_accuracy);
  // v2 and the columnar v1 form give the same numbers
  const v2 = await post(`${url}/v2/models/mlp/infer`, { id: 'q1', inputs: [{ name: 'input', shape: [2, 30], datatype: 'FP32', data: rows.slice(0, 2).flat() }] });
  assert.equal(v2.status, 200, JSON.stringify(v2.json));
  assert.equal(v2.json.id, 'q1');
  const logits = v2.json.outputs.find((o: { name: string }) => o.name === 'logits');
  assert.deepEqual(logits.shape, [2, 2]);
  assert.deepEqual(logits.data, [...got[0], ...got[1]]);
  const col = await post(`${url}/v1/models/mlp:predict`, { inputs: { input: rows.slice(0, 2) } });
  assert.deepEqual(col.json.predictions.map((p: { logits: number[] }) => p.logits), [got[0], got[1]]);
  // v2 may ask for some outputs only
  const some = await post(`${url}/v2/models/mlp/infer`, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP64', data: rows[0] }], outputs: [{ name: 'label' }] });
  assert.deepEqual(some.json.outputs, [{ name: 'label', datatype: 'BYTES', shape: [1], data: [config.labels![classes[0]]] }]);
});

test('bad inputs: each a clear 4xx naming the field, and the server answers the next good request', async () => {
  const good = mlpRawTestSet().rows[0];
  const v1 = `${url}/v1/models/mlp:predict`, v2 = `${url}/v2/models/mlp/infer`;
  const cases: [string, string, unknown, number, RegExp][] = [
    ['malformed JSON', v1, '{"instances": [[1, 2', 400, /malformed JSON/],
    ['NaN literal', v1, `{"instances": [[${good.slice(0, 29).join(',')}, NaN]]}`, 400, /malformed JSON.*NaN/],
    ['NaN as a string', v1, { instances: [[...good.slice(0, 29), 'NaN']] }, 400, /instances\[0\]\[29\]: expected a number, got the string "NaN"/],
    ['empty body', v1, '', 400, /empty request body/],
    ['empty JSON object', v1, {}, 400, /exactly one of 'instances'.*'inputs'/],
    ['a JSON array', v1, [1, 2], 400, /body: must be object|body: expected/],
    ['no instances', v1, { instances: [] }, 400, /instances: no instances/],
    ['wrong shape', v1, { instances: [good.slice(0, 29)] }, 400, /instances\[0\]: expected shape \[30\].*got \[29\]/],
    ['ragged instances', v1, { instances: [good, good.slice(1)] }, 400, /instances\[1\]: expected an array of 30/],
    ['too many instances', v1, { instances: Array(33).fill(good) }, 400, /33 instances exceed the server's limit of 32/],
    ['unknown signature', v1, { signature_name: 'x', instances: [good] }, 400, /signature_name/],
    ['v2 wrong datatype', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'BYTES', data: good }] }, 400, /inputs\[0\]\.datatype: expected 'FP32' or 'FP64', got the string "BYTES"/],
    ['v2 wrong shape', v2, { inputs: [{ name: 'input', shape: [1, 31], datatype: 'FP32', data: good }] }, 400, /inputs\[0\]\.shape: expected \[N, 30\].*got \[1, 31\]/],
    ['v2 data length', v2, { inputs: [{ name: 'input', shape: [2, 30], datatype: 'FP32', data: good }] }, 400, /inputs\[0\]\.data: expected 60 values.*got 30/],
    ['v2 shape not an array', v2, { inputs: [{ name: 'input', shape: 'x', datatype: 'FP32', data: good }] }, 400, /inputs\[0\]\.shape: must be array/],
    ['v2 missing field', v2, { inputs: [{ name: 'input', shape: [1, 30], data: good }] }, 400, /inputs\[0\]: must have required property 'datatype'/],
    ['v2 wrong input name', v2, { inputs: [{ name: 'x', shape: [1, 30], datatype: 'FP32', data: good }] }, 400, /inputs\[0\]\.name: expected 'input'/],
    ['v2 unknown output', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: good }], outputs: [{ name: 'embedding' }] }, 400, /outputs\[0\]\.name: unknown output 'embedding'/],
    ['v2 infinite value (1e999 parses as Infinity)', v2, `{"inputs": [{"name": "input", "shape": [1, 30], "datatype": "FP32", "data": [${good.slice(0, 29).join(',')}, 1e999]}]}`, 400, /inputs\[0\]\.data\[29\]: expected a finite number, got Infinity/],
    ['value beyond float32 (1e39)', v1, { instances: [[...good.slice(0, 29), 1e39]] }, 400, /instances\[0\]\[29\]: expected an FP32 value within float range \(\|x\| <= 3\.4028235e\+38\), got 1e\+39/],
    ['v2 FP32 1e39', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: [1e39, ...good.slice(1)] }] }, 400, /inputs\[0\]\.data\[0\]: expected an FP32 value within float range.*got 1e\+39/],
    ['v2 FP32 -1e39 nested', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: [[...good.slice(0, 4), -1e39, ...good.slice(5)]] }] }, 400, /inputs\[0\]\.data\[0\]\[4\]: expected an FP32 value.*got -1e\+39/],
    ['v2 FP64 1e39 (computed in float32)', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP64', data: [1e39, ...good.slice(1)] }] }, 400, /inputs\[0\]\.data\[0\]: expected an FP64 \(computed in float32\) value within float range/],
    ['v2 FP16 beyond 65504', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP16', data: [70000, ...good.slice(1)] }] }, 400, /inputs\[0\]\.data\[0\]: expected an FP16 value within float range \(\|x\| <= 65504\), got 70000/],
    // feature 19's std is ~0.0026: 3e38 fits float32 but its standardised value does not
    ['overflow in standardisation', v1, { instances: [good, [...good.slice(0, 19), 3e38, ...good.slice(20)]] }, 400, /instances\[1\]\[19\]: 3e\+38 is Infinity after the model's preprocessing/],
    ['v2 null value', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: [...good.slice(0, 29), null] }] }, 400, /inputs\[0\]\.data\[29\]: expected a number, got null/],
    ['v2 boolean value', v2, { inputs: [{ name: 'input', shape: [1, 30], datatype: 'FP32', data: [...good.slice(0, 29), true] }] }, 400, /inputs\[0\]\.data\[29\]: expected a number, got boolean true/],
    ['unknown model (v1)', `${url}/v1/models/resnet:predict`, { instances: [good] }, 404, /unknown model 'resnet' \(this server serves 'mlp'\)/],
    ['unknown model (v2)', `${url}/v2/models/resnet/infer`, {}, 404, /unknown model 'resnet'/],
    ['unknown version', `${url}/v2/models/mlp/versions/7/infer`, {}, 404, /no version '7'/],
    ['unknown route', `${url}/v3/predict`, {}, 404, /no route POST \/v3\/predict/],
    ['unknown v1 verb', `${url}/v1/models/mlp:explain`, {}, 404, /no route/],
    ['oversized body', v1, JSON.stringify({ instances: [good], pad: 'x'.repeat(9 * 1024 * 1024) }), 413, /larger than the server's limit of 8388608 bytes/],
  ];
  for (const [what, target, body, status, message] of cases) {
    const r = await post(target, body);
    assert.equal(r.status, status, `${what}: status ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(typeof r.json?.error, 'string', `${what}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error, message, what);
    const ok = await post(v1, { instances: [good] });
    assert.equal(ok.status, 200, `after ${what}: ${JSON.stringify(ok.json)}`);
    assert.equal(ok.json.predictions.length, 1);
  }
  assert.equal((await get(`${url}/v2/models/resnet`)).status, 404);
  assert.equal((await get(`${url}/nothing/here`)).status, 404);
  // a client's content type does not matter (curl -d sends form encoding), the body is JSON
  const form = await post(v1, { instances: [good] }, { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(form.status, 200);
});

test('dynamic batching: 16 concurrent requests become one batch of 16 (batch-size histogram in /metrics)', async () => {
  const s = createServer({ dir: mlpDir, port: 0, workers: 1, maxBatch: 16, batchTimeoutMs: 30_000 });
  const u = await s.listen();
  await s.ready;
  try {
    const rows = mlpRawTestSet().rows;
    // a batch is dispatched when it is full (16) or after 30 s: the 16 requests make one batch
    const results = await Promise.all(rows.slice(0, 16).map((r) => post(`${u}/v1/models/mlp:predict`, { instances: [r] })));
    for (const r of results) assert.equal(r.status, 200);
    const text = (await get(`${u}/metrics`)).text;
    assert.equal(metric(text, 'myelin_batch_size_count'), 1, text);
    assert.equal(metric(text, 'myelin_batch_size_sum'), 16);
    assert.equal(metric(text, 'myelin_batch_size_bucket{le="8"}'), 0);
    assert.equal(metric(text, 'myelin_inference_instances_total'), 16);
    assert.equal(metric(text, 'myelin_http_requests_total{route="/v1/models/*",method="POST",status="200"}'), 16);
    assert.ok(metric(text, 'myelin_model_load_seconds') > 0);
    assert.match(text, /myelin_http_request_duration_seconds_bucket/);
    assert.match(text, /myelin_queue_depth 0/);
  } finally {
    await s.close();
  }
});

test('a full queue answers 503 with Retry-After; the queued requests still succeed', async () => {
  const s = createServer({ dir: mlpDir, port: 0, workers: 1, maxBatch: 4, maxQueue: 4, batchTimeoutMs: 30_000 });
  const u = await s.listen();
  await s.ready;
  try {
    const rows = mlpRawTestSet().rows;
    const v1 = `${u}/v1/models/mlp:predict`;
    const first = post(v1, { instances: rows.slice(0, 3) }); // 3 queued, waiting for the batch to fill
    while (s.batcher.queuedInstances < 3) await new Promise((r) => setTimeout(r, 5));
    const refused = await post(v1, { instances: rows.slice(3, 5) }); // 3 + 2 > 4
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(refused.json.error, /busy: 3 instances are queued \(limit 4, --max-queue\)/);
    const last = post(v1, { instances: rows.slice(5, 6) }); // fills the batch: 4 instances
    const [a, b] = await Promise.all([first, last]);
    assert.equal(a.status, 200);
    assert.equal(a.json.predictions.length, 3);
    assert.equal(b.status, 200);
    const text = (await get(`${u}/metrics`)).text;
    assert.equal(metric(text, 'myelin_rejected_requests_total{reason="queue_full"}'), 1);
  } finally {
    await s.close();
  }
});

test('the cnn: FP32 [1,28,28] or [28,28] in [0,1] and UINT8 0..255 pixels give Trainer.predict\'s logits', { skip: !hasFashion && 'dataset-fashion-mnist is not installed' }, async () => {
  const dir = await trainCnn();
  const s = createServer({ dir, port: 0, workers: 2 });
  const u = await s.listen();
  await s.ready;
  try {
    const { trainer, config } = predictor(dir);
    const data = await fashionMnist();
    const n = 12;
    const x = data.test.tensors[0].dataSync().subarray(0, n * 784) as Float32Array;
    const expected = trainer.predict(fromArray(Float32Array.from(x), [n, 1, 28, 28])).dataSync();
    const img = (i: number) => Array.from({ length: 28 }, (_, r) => Array.from(x.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28)));
    const check = (logits: number[], i: number, what: string) => logits.forEach((v, j) => assert.equal(v, expected[i * 10 + j], `${what}: image ${i} logit ${j}`));
    const a = await post(`${u}/v1/models/cnn:predict`, { instances: Array.from({ length: n }, (_, i) => [img(i)]) });
    assert.equal(a.status, 200, JSON.stringify(a.json));
    a.json.predictions.forEach((p: { logits: number[]; label: string; class: number }, i: number) => {
      check(p.logits, i, 'v1 [1,28,28]');
      assert.equal(p.label, config.labels![p.class]);
    });
    const b = await post(`${u}/v1/models/cnn:predict`, { instances: Array.from({ length: n }, (_, i) => img(i)) });
    b.json.predictions.forEach((p: { logits: number[] }, i: number) => check(p.logits, i, 'v1 [28,28]'));
    // raw pixels straight from the IDX file, as UINT8
    const raw = await loadMnistLike('fashion-mnist', { dir: FASHION });
    const pixels = Array.from(raw.test.images.subarray(0, n * 784));
    const c = await post(`${u}/v2/models/cnn/infer`, { inputs: [{ name: 'input', shape: [n, 28, 28], datatype: 'UINT8', data: pixels }] });
    assert.equal(c.status, 200, JSON.stringify(c.json));
    const logits = c.json.outputs.find((o: { name: string }) => o.name === 'logits');
    assert.deepEqual(logits.shape, [n, 10]);
    for (let i = 0; i < n; i++) check(logits.data.slice(i * 10, i * 10 + 10), i, 'v2 UINT8');
    // pixels 0..255 sent as FP32 are a mistake the server names
    const wrong = await post(`${u}/v2/models/cnn/infer`, { inputs: [{ name: 'input', shape: [1, 28, 28], datatype: 'FP32', data: pixels.slice(0, 784) }] });
    assert.equal(wrong.status, 400);
    assert.match(wrong.json.error, /inputs\[0\]\.data\[\d+\]: expected an FP32 value in \[0, 1\].*UINT8/);
    const u8bad = await post(`${u}/v2/models/cnn/infer`, { inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'UINT8', data: [...pixels.slice(0, 783), 256] }] });
    assert.match(u8bad.json.error, /inputs\[0\]\.data\[783\]: expected a UINT8 value \(an integer 0\.\.255\), got 256/);
    const shape = await post(`${u}/v2/models/cnn/infer`, { inputs: [{ name: 'input', shape: [1, 3, 28, 28], datatype: 'UINT8', data: [] }] });
    assert.match(shape.json.error, /inputs\[0\]\.shape: expected \[N, 1, 28, 28\] or \[N, 28, 28\]/);
  } finally {
    await s.close();
  }
});

test('the server refuses a directory that is not a saved model, naming the file', () => {
  assert.throws(() => createServer({ dir: '/nonexistent/model', port: 0 }), /\/nonexistent\/model\/config\.json: not found/);
  const cfg = JSON.parse(readFileSync(join(mlpDir, 'config.json'), 'utf8'));
  assert.equal(cfg.model, 'mlp');
});

test('outputs that are not finite are found per instance (answered 422, never as nulls)', () => {
  assert.equal(firstNonFiniteRow(Float32Array.from([1, 2, 3, 4]), 2), -1);
  assert.equal(firstNonFiniteRow(Float32Array.from([1, 2, 3, NaN, 5, 6]), 3), 1);
  assert.equal(firstNonFiniteRow(Float32Array.from([Infinity, 2]), 2), 0);
});
