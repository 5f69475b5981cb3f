// What the dashboard reads: only regular files under the runs folder's real path. A symlink
// out of the folder (a picture, a config, a whole run directory), a named pipe named *.png and an
// oversized file are refused without hanging and without their contents in any answer; a normal
// picture is served. With a token, every route but /healthz needs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { createImage, encodePng } from '../../src/io/png.js';

const SECRET = 'root:x:0:0:root:/root:/bin/bash-secret-line';
let root: string;
let outside: string;
let dash: Dashboard;
let url: string;
const png = Buffer.from(encodePng(createImage(4, 3, [200, 10, 10])));

function run(dir: string, config: object = { model: 'mlp', status: 'training' }) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'metrics.jsonl'), JSON.stringify({ kind: 'epoch', epoch: 1, loss: 0.5 }) + '\n');
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'myelin-dash-files-'));
  outside = mkdtempSync(join(tmpdir(), 'myelin-dash-outside-'));
  writeFileSync(join(outside, 'secret.txt'), SECRET);
  writeFileSync(join(outside, 'secret.png'), Buffer.concat([png, Buffer.from(SECRET)]));
  run(join(outside, 'elsewhere'));
  writeFileSync(join(outside, 'elsewhere', 'secret.png'), png);

  const good = join(root, 'good');
  run(good);
  writeFileSync(join(good, 'real.png'), png);
  symlinkSync(join(good, 'real.png'), join(good, 'alias.png')); // a link inside the folder is fine
  symlinkSync(join(outside, 'secret.png'), join(good, 'leak.png'));
  symlinkSync('/etc/passwd', join(good, 'passwd.png'));
  execFileSync('mkfifo', [join(good, 'pipe.png')]);
  writeFileSync(join(good, 'text.png'), 'not a picture');

  symlinkSync(join(outside, 'elsewhere'), join(root, 'linked')); // a run directory linked out of the folder
  const leaky = join(root, 'leaky');
  mkdirSync(leaky);
  symlinkSync(join(outside, 'secret.txt'), join(leaky, 'config.json'));
  writeFileSync(join(leaky, 'metrics.jsonl'), '');
  const piped = join(root, 'piped');
  mkdirSync(piped);
  writeFileSync(join(piped, 'config.json'), JSON.stringify({ model: 'cnn' }));
  execFileSync('mkfifo', [join(piped, 'metrics.jsonl')]);
  execFileSync('mkfifo', [join(piped, 'roc.json')]);
  const big = join(root, 'big');
  run(big);
  const fd = openSync(join(big, 'metrics.jsonl'), 'r+');
  ftruncateSync(fd, 65 * 1024 * 1024); // sparse: costs no disk
  closeSync(fd);

  dash = createDashboard({ runs: root, port: 0 });
  url = await dash.listen();
});
after(async () => { await dash?.close(); });

/** GET with a deadline: a dashboard that blocks on a pipe fails here instead of hanging the suite. */
async function get(path: string, headers: Record<string, string> = {}) {
  const r = await fetch(url + path, { headers, signal: AbortSignal.timeout(10_000), redirect: 'manual' });
  const body = Buffer.from(await r.arrayBuffer());
  assert.ok(!body.toString('latin1').includes('root:x'), `${path} answers a file's contents: ${body.toString('latin1').slice(0, 200)}`);
  return { status: r.status, headers: r.headers, body, json: () => JSON.parse(body.toString('utf8')) };
}

test('runs and pictures: regular files under the real runs root only; a pipe does not hang the server', async () => {
  const runs = (await get('/api/runs')).json().runs as { id: string; images: string[]; problem?: string }[];
  assert.deepEqual(runs.map((r) => r.id).sort(), ['big', 'good', 'leaky', 'piped']);
  const good = runs.find((r) => r.id === 'good')!;
  assert.deepEqual(good.images, ['alias.png', 'real.png', 'text.png']);
  // a normal picture, and a link to it inside the folder, are served
  for (const file of ['real.png', 'alias.png']) {
    const r = await get(`/api/image?run=good&file=${file}`);
    assert.equal(r.status, 200, file);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.deepEqual(r.body, png);
  }
  // links out of the folder, a pipe, and a file that is not a PNG are not
  for (const file of ['leak.png', 'passwd.png', 'pipe.png', 'text.png', '../../outside.png', '%00.png']) {
    const r = await get(`/api/image?run=good&file=${file}`);
    assert.equal(r.status, 404, file);
  }
  // a run directory linked out of the folder is no run, by any route
  for (const path of ['/api/scalars?run=linked', '/api/run?run=linked', '/api/image?run=linked&file=secret.png', '/api/roc?run=linked']) {
    assert.equal((await get(path)).status, 404, path);
  }
  // a config.json linked to a file outside is not read
  assert.deepEqual((await get('/api/run?run=leaky')).json(), {});
  // pipes in place of metrics.jsonl and roc.json: empty, at once
  assert.deepEqual((await get('/api/scalars?run=piped')).json(), { records: [] });
  assert.equal((await get('/api/roc?run=piped')).status, 404);
  // the server still answers
  assert.equal((await get('/healthz')).status, 200);
});

test('an oversized metrics.jsonl is refused by size (not read), and the run list still answers', async () => {
  const r = await get('/api/scalars?run=big');
  assert.equal(r.status, 500);
  assert.match(r.json().error, /metrics\.jsonl: is 65 MiB, larger than the limit of 64 MiB/);
  const runs = (await get('/api/runs')).json().runs as { id: string; problem?: string }[];
  assert.match(runs.find((x) => x.id === 'big')!.problem!, /larger than the limit of 64 MiB/);
});

test('with a token: 401 + WWW-Authenticate without it or with a wrong one; header, or cookie from /?token=, lets in; /healthz open', async () => {
  const token = 'dashboard-token-0123456789abcdef';
  const d = createDashboard({ runs: root, port: 0, authToken: token });
  const u = await d.listen();
  try {
    const at = (path: string, headers: Record<string, string> = {}) => fetch(u + path, { headers, redirect: 'manual' });
    for (const path of ['/', '/api/runs', '/api/image?run=good&file=real.png', '/vendor/chart.umd.min.js', '/nothing']) {
      const r = await at(path);
      assert.equal(r.status, 401, path);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="myelin"');
    }
    assert.equal((await at('/healthz')).status, 200);
    assert.equal((await at('/api/runs', { authorization: 'Bearer wrong-token-0123456789' })).status, 401);
    assert.equal((await at('/api/runs', { authorization: `Bearer ${token}` })).status, 200);
    assert.equal((await at('/?token=wrong')).status, 401);
    const login = await at(`/?token=${token}`);
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/');
    const cookie = login.headers.get('set-cookie')!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const jar = cookie.split(';')[0];
    assert.equal((await at('/', { cookie: jar })).status, 200);
    assert.equal((await at('/api/runs', { cookie: jar })).status, 200);
    assert.equal((await at('/api/runs', { cookie: 'myelin_dashboard_token=wrong' })).status, 401);
  } finally {
    await d.close();
  }
});
