// Bearer-token authentication of the inference server (--auth-token-file): 401 with
// WWW-Authenticate without the token or with a wrong one, 200 with it, health probes open;
// token files are checked without their contents in any message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type InferenceServer } from '../../src/serve/server.js';
import { readTokenFile, tokensEqual } from '../../src/http/auth.js';
import { metric, mlpRawTestSet, serve, trainMlp } from './helpers.js';

const TOKEN = 'c2VjcmV0LXRva2VuLWZvci10ZXN0cw-0123456789';
let mlpDir: string;
let server: InferenceServer;
let url: string;

before(async () => {
  mlpDir = await trainMlp();
  server = createServer({ dir: mlpDir, port: 0, workers: 1, authToken: TOKEN });
  url = await server.listen();
  await server.ready;
});
after(async () => { await server?.close(); });

const predict = (headers: Record<string, string>) =>
  fetch(`${url}/v1/models/mlp:predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ instances: [mlpRawTestSet().rows[0]] }) });

test('401 with WWW-Authenticate without a token or with a wrong one; 200 with it; health probes open', async () => {
  const none = await predict({});
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="myelin"');
  assert.match((await none.json() as { error: string }).error, /needs a bearer token/);
  const wrong = await predict({ authorization: `Bearer ${TOKEN}x` });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="myelin", error="invalid_token"');
  assert.equal((await predict({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status, 401);
  assert.equal((await predict({ authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` })).status, 401);
  assert.equal((await predict({ authorization: '' })).status, 401);
  const ok = await predict({ authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 200);
  assert.equal((await ok.json() as { predictions: unknown[] }).predictions.length, 1);
  assert.equal((await predict({ authorization: `bearer ${TOKEN}` })).status, 200); // the scheme is case-insensitive
  for (const path of ['/v2/health/live', '/v2/health/ready']) assert.equal((await fetch(url + path)).status, 200, path);
  for (const path of ['/metrics', '/v2/models/mlp', '/v1/models/mlp', '/v2', '/nothing', '/v2/health/live/../../metrics']) {
    assert.equal((await fetch(url + path)).status, 401, path);
  }
  const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
  assert.equal((await fetch(`${url}/v2/models/mlp`, auth)).status, 200);
  const text = await (await fetch(`${url}/metrics`, auth)).text();
  assert.ok(metric(text, 'myelin_rejected_requests_total{reason="unauthorized"}') >= 5, text);
});

test('a 401 before the body is read closes the connection; the next request works', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const port = Number(new URL(url).port);
  const request = (headers: Record<string, string>, body: string) => new Promise<{ status: number; connection?: string }>((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, agent, method: 'POST', path: '/v1/models/mlp:predict', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    });
    r.on('error', reject);
    r.end(body);
  });
  try {
    const good = JSON.stringify({ instances: [mlpRawTestSet().rows[0]], pad: 'x'.repeat(200_000) });
    for (let i = 0; i < 5; i++) {
      const refused = await request({}, good);
      assert.equal(refused.status, 401);
      assert.equal(refused.connection, 'close');
      assert.equal((await request({ authorization: `Bearer ${TOKEN}` }, good)).status, 200);
    }
  } finally {
    agent.destroy();
  }
});

test('token files: one line of at least 16 printable characters; errors never quote the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-token-'));
  const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
  assert.equal(readTokenFile(file('ok', `${TOKEN}\n`)), TOKEN);
  assert.throws(() => readTokenFile(file('empty', '\n')), /empty: the token file is empty/);
  assert.throws(() => readTokenFile(file('short', 'hunter2\n')), (e: Error) => /has 7 characters; use at least 16/.test(e.message) && !e.message.includes('hunter2'));
  assert.throws(() => readTokenFile(file('lines', 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon\n')), (e: Error) => /character 32 is not/.test(e.message) && !/root|daemon/.test(e.message));
  assert.throws(() => readTokenFile(file('big', 'a'.repeat(5000))), /larger than the limit of 4 KiB/);
  assert.throws(() => readTokenFile(join(dir, 'missing')), /missing: not found/);
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.throws(() => readTokenFile(join(dir, 'fifo')), /fifo: is a named pipe, not a regular file/);
  assert.ok(tokensEqual('abc', 'abc'));
  assert.ok(!tokensEqual('abc', 'abd'));
  assert.ok(!tokensEqual('abc', 'abcd'));
});

test('myelin serve --auth-token-file: 401 without the token, 200 with it, probes open', async () => {
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'myelin-token-')), 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const s = await serve(mlpDir, '--workers', '1', '--auth-token-file', tokenFile);
  try {
    assert.match(s.stderr(), /bearer token required/);
    assert.equal((await fetch(`${s.url}/v2/health/ready`)).status, 200);
    assert.equal((await fetch(`${s.url}/v2/models/mlp`)).status, 401);
    assert.equal((await fetch(`${s.url}/v2/models/mlp`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
  } finally {
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  }
});
