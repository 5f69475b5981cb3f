// Slowloris against `myelin serve`, measured (never asserted): while S slow clients each hold a
// connection open by sending a byte a second (a request body, or headers, that never ends; a
// client whose connection the server cuts reconnects at once), valid clients load the server
// with autocannon; then SIGTERM, with the slow clients still trickling. Prints JSON: latency of
// the valid clients without and with the slow ones, and how long after SIGTERM the process
// exited (it should be at most --drain-timeout + 1 s).
//
//   node dist/bench/serve-slowloris.js [--dir SAVED_MODEL] [--slow 50] [--mode body|headers]
//     [--connections 10] [--duration 10] [--drain-timeout 10] [--workers 1] [--bin bin/myelin.js]
//
// Without --dir, the seed MLP (breast-cancer) is trained into a temporary directory first.
// --bin runs another build (e.g. an older checkout's bin/myelin.js, for comparison; pass
// --drain-timeout 0 for one without that flag); a server that has not exited 20 s after the
// deadline is killed and reported as such.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { zooModel } from '../src/models/index.js';
import { readSavedModelConfig } from '../src/models/saved-model.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  errors: number; timeouts: number; non2xx: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const slowCount = Number(arg('slow', '50'));
const mode = arg('mode', 'body');
const connections = Number(arg('connections', '10'));
const duration = Number(arg('duration', '10'));
const drainTimeout = Number(arg('drain-timeout', '10'));
const workers = arg('workers', '1');
const root = new URL('../..', import.meta.url).pathname;
const bin = arg('bin', join(root, 'bin/myelin.js'));

function startServer(dir: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, 'serve', dir, '--port', '0', '--workers', workers, ...(drainTimeout > 0 ? ['--drain-timeout', String(drainTimeout)] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], stderr: () => err });
    });
    child.stderr!.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`server exited with code ${code}: ${err}`)));
  });
}

/** S connections that each send a byte a second and reconnect when the server closes them. */
function slowClients(port: number, path: string) {
  const stats = { connects: 0, closedByServer: 0, answered: {} as Record<string, number> };
  const sockets = new Set<net.Socket>();
  let stopped = false;
  const head = mode === 'headers'
    ? `GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slow: `
    : `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"instances": [[`;
  const open = () => {
    if (stopped) return;
    const s = net.connect(port, '127.0.0.1');
    stats.connects++;
    sockets.add(s);
    const timer = setInterval(() => { if (s.writable) s.write(mode === 'headers' ? 'a' : '1'); }, 1000);
    s.on('connect', () => s.write(head));
    s.on('data', (d) => {
      const status = /^HTTP\/1\.1 (\d+)/.exec(String(d))?.[1];
      if (status) stats.answered[status] = (stats.answered[status] ?? 0) + 1;
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      sockets.delete(s);
      if (!stopped) { stats.closedByServer++; setTimeout(open, 10); }
    });
  };
  for (let i = 0; i < slowCount; i++) open();
  return {
    stats, open: () => sockets.size,
    /** From now on a closed connection is not reopened (the server is going away). */
    stopReconnecting() { stopped = true; },
    destroy() { stopped = true; for (const s of sockets) s.destroy(); },
  };
}

async function load(url: string, path: string, body: string) {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const r = await autocannon({ url: url + path, connections, duration, method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return {
    requests_per_second: Number(r.requests.average.toFixed(1)), requests: r.requests.total,
    latency_p50_ms: r.latency.p50, latency_p90_ms: r.latency.p90, latency_p99_ms: r.latency.p99, latency_max_ms: r.latency.max,
    errors: r.errors + r.timeouts, non2xx: r.non2xx,
  };
}

async function main(): Promise<void> {
  let dir = arg('dir', '');
  let temp: string | undefined;
  if (!dir) {
    temp = dir = mkdtempSync(join(tmpdir(), 'myelin-slowloris-'));
    process.stderr.write(`training the seed MLP into ${dir}...\n`);
    await zooModel('mlp').train({ epochs: 4, out: dir, progress: false });
  }
  const config = readSavedModelConfig(dir);
  const name = config.model;
  const path = `/v1/models/${name}:predict`;
  const size = config.input.shape.reduce((a, b) => a * b, 1);
  const body = JSON.stringify({ instances: [Array.from({ length: size }, (_, i) => (config.preprocessing?.scale !== undefined ? (i % 7) / 7 : 1 + (i % 5)))] });

  const server = await startServer(dir);
  const port = Number(new URL(server.url).port);
  process.stderr.write(`baseline: ${connections} connections for ${duration} s...\n`);
  const baseline = await load(server.url, path, body);
  process.stderr.write(`${slowCount} slow clients (${mode}, a byte a second), then the same load...\n`);
  const slow = slowClients(port, path);
  await new Promise((r) => setTimeout(r, 2000));
  const openBefore = slow.open();
  const underSlowloris = await load(server.url, path, body);
  const openAfter = slow.open();

  process.stderr.write(`SIGTERM with ${slow.open()} slow connections open...\n`);
  slow.stopReconnecting();
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  const t0 = performance.now();
  server.child.kill('SIGTERM');
  const giveUp = (Math.max(drainTimeout, 10) + 20) * 1000;
  const code = await Promise.race([exited, new Promise<'killed'>((r) => setTimeout(() => { server.child.kill('SIGKILL'); r('killed'); }, giveUp))]);
  const exitSeconds = (performance.now() - t0) / 1000;
  const openAtExit = slow.open();
  slow.destroy();
  if (temp) rmSync(temp, { recursive: true, force: true });

  const report = {
    what: `${slowCount} slow clients (${mode} a byte a second, reconnecting when cut) against myelin serve; valid load: autocannon, ${connections} connections, ${duration} s, one instance per request`,
    machine: { node: process.version, logical_cpus: availableParallelism(), load_average: loadavg().map((x) => Number(x.toFixed(2))) },
    server: { bin, model: name, workers: Number(workers), drain_timeout_s: drainTimeout > 0 ? drainTimeout : 'none given' },
    baseline,
    under_slowloris: { ...underSlowloris, slow_connections_open_before: openBefore, slow_connections_open_after: openAfter },
    slow_clients: slow.stats,
    sigterm: {
      exit_code: code === 'killed' ? `did not exit; killed after ${giveUp / 1000} s` : code, seconds_to_exit: Number(exitSeconds.toFixed(3)), deadline_plus_1_s: drainTimeout + 1,
      within_deadline_plus_1_s: exitSeconds <= drainTimeout + 1, slow_connections_still_open_at_exit: openAtExit,
      server_said: server.stderr().split('\n').filter((l) => /SIGTERM|cut|stopped/.test(l)),
    },
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((e) => { process.stderr.write(`${(e as Error).stack}\n`); process.exit(1); });
