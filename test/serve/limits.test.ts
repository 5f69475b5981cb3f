// Connection limits of the inference server, with real sockets: slow headers and slow bodies
// time out (408, connection closed), idle keep-alive connections close, answers that leave a
// body unread (413, 431, 404) say `Connection: close` so that a keep-alive client's next
// request goes on a fresh connection, and close() cuts a slow client at the drain deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { createServer, type InferenceServer } from '../../src/serve/server.js';
import { mlpRawTestSet, trainMlp } from './helpers.js';

let mlpDir: string;
let server: InferenceServer;
let port: number;

before(async () => {
  mlpDir = await trainMlp();
  server = createServer({ dir: mlpDir, port: 0, workers: 1, maxBody: 64 * 1024, headerTimeoutMs: 500, requestTimeoutMs: 1000, idleTimeoutMs: 500 });
  port = Number(new URL(await server.listen()).port);
  await server.ready;
});
after(async () => { await server?.close(); });

/** A raw connection: what the server sent, and when it closed the connection. */
function rawClient(p: number, onConnect: (s: net.Socket) => void): Promise<{ text: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(p, '127.0.0.1', () => onConnect(s));
    s.on('data', (d) => { text += d; });
    s.on('error', () => {});
    s.on('close', () => resolve({ text, seconds: (performance.now() - t0) / 1000 }));
  });
}

/** Sends `head` now, then a byte every 100 ms until the server closes the connection. */
function trickle(p: number, head: string): Promise<{ text: string; seconds: number }> {
  let timer: NodeJS.Timeout;
  return rawClient(p, (s) => {
    s.write(head);
    timer = setInterval(() => { if (s.writable) s.write(' '); }, 100);
    s.on('close', () => clearInterval(timer));
  });
}

const agentRequest = (agent: http.Agent, options: http.RequestOptions, body?: string | Buffer) =>
  new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, agent, ...options }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }));
    });
    r.on('error', reject);
    r.end(body);
  });

test('a body sent a byte at a time times out: 408 with Connection: close, connection closed', async () => {
  const r = await trickle(port, 'POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"instances": ');
  assert.match(r.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(r.text, /\r\nConnection: close\r\n/i);
  assert.match(r.text, /"error":"request timeout: headers must arrive within 0\.5 s and the whole request within 1 s"/);
  assert.ok(r.seconds < 10, `closed after ${r.seconds} s`);
  // headers sent a byte at a time, and a connection that sends nothing, time out too
  const slowHeaders = await trickle(port, 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  assert.match(slowHeaders.text, /^HTTP\/1\.1 408 /);
  const silent = await rawClient(port, () => {});
  assert.match(silent.text, /^HTTP\/1\.1 408 /);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /myelin_rejected_requests_total\{reason="request_timeout"\} [3-9]/);
});

test('an idle keep-alive connection is closed after the idle timeout', async () => {
  const r = await rawClient(port, (s) => s.write('GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n'));
  assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(r.text, /keep-alive/i);
  assert.ok(r.seconds < 10, `closed after ${r.seconds} s`);
});

test('431 and 413 answers close the connection; the next request, on a new connection, succeeds', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const good = JSON.stringify({ instances: [mlpRawTestSet().rows[0]] });
  const json = { 'content-type': 'application/json' };
  try {
    for (let i = 0; i < 20; i++) {
      const big = await agentRequest(agent, { path: '/v2/health/live', headers: { 'x-big': 'a'.repeat(20_000) } });
      assert.equal(big.status, 431);
      assert.equal(big.connection, 'close');
      assert.match(JSON.parse(big.body).error, /request headers are larger than the server's limit/);
      const ok = await agentRequest(agent, { path: '/v2/health/live' });
      assert.equal(ok.status, 200, `request ${i} after a 431`);
    }
    const cases: [string, http.RequestOptions, string | Buffer][] = [
      ['413 by Content-Length', { method: 'POST', path: '/v1/models/mlp:predict', headers: json }, 'x'.repeat(200_000)],
      ['413 chunked', { method: 'POST', path: '/v1/models/mlp:predict', headers: { ...json, 'transfer-encoding': 'chunked' } }, Buffer.alloc(200_000, 32)],
      ['404 with a body', { method: 'POST', path: '/nothing/here', headers: json }, JSON.stringify({ pad: 'x'.repeat(60_000) })],
    ];
    for (const [what, options, body] of cases) {
      for (let i = 0; i < 5; i++) {
        const r = await agentRequest(agent, options, body);
        assert.equal(r.status, what.startsWith('413') ? 413 : 404, what);
        if (what.startsWith('413')) {
          assert.equal(r.connection, 'close', what);
          assert.match(JSON.parse(r.body).error, /larger than the server's limit of 65536 bytes/);
        }
        const ok = await agentRequest(agent, { method: 'POST', path: '/v1/models/mlp:predict', headers: json }, good);
        assert.equal(ok.status, 200, `after ${what}: ${ok.body}`);
      }
    }
  } finally {
    agent.destroy();
  }
});

test('close() cuts a client still sending its body at the drain deadline', async () => {
  const s = createServer({ dir: mlpDir, port: 0, workers: 1, drainTimeoutMs: 300 });
  const p = Number(new URL(await s.listen()).port);
  await s.ready;
  const slow = trickle(p, 'POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n{');
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  const { cut } = await s.close();
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(cut, 1);
  assert.ok(seconds < 5, `close() took ${seconds} s`);
  await slow; // the client sees its connection closed
});
