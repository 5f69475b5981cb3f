// Load test of `myelin serve` on loopback with a real load generator (autocannon, or wrk
// from Debian with --tool wrk): requests/s and p50/p99 latency at 1, 8 and 64 connections,
// and at 64 connections with dynamic batching off (--max-batch 1). Prints JSON.
//
//   node dist/bench/serve-load.js --dir /tmp/cnn-serve [--duration 10] [--connections 1,8,64]
//     [--workers N] [--protocol v2|v1] [--tool autocannon|wrk]
//
// Each request is one Fashion-MNIST test image (cycling through 64 of them), sent as v2
// UINT8 pixels (or v1 FP32 instances). The server runs as a child process, as in production.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fashionMnist } from '../src/data/datasets.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number; timeouts: number; non2xx: number; duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const args = process.argv.slice(2);
const arg = (name: string, def?: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const dir = arg('dir', '/tmp/cnn-serve')!;
const duration = Number(arg('duration', '10'));
const connections = arg('connections', '1,8,64')!.split(',').map(Number);
const workers = arg('workers');
const protocol = arg('protocol', 'v2')!;
const tool = arg('tool', 'autocannon')!;
const root = new URL('../..', import.meta.url).pathname;
let backend = 'unknown';

async function bodies(): Promise<string[]> {
  let images: Uint8Array[];
  if (existsSync('/usr/share/datasets/fashion-mnist')) {
    const x = (await fashionMnist()).test.tensors[0].dataSync();
    images = Array.from({ length: 64 }, (_, i) => Uint8Array.from(x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
  } else {
    images = Array.from({ length: 64 }, () => Uint8Array.from({ length: 784 }, () => Math.floor(Math.random() * 256)));
  }
  return images.map((px) => protocol === 'v1'
    ? JSON.stringify({ instances: [Array.from({ length: 28 }, (_, r) => Array.from(px.subarray(r * 28, r * 28 + 28), (v) => v / 255))] })
    : JSON.stringify({ inputs: [{ name: 'input', shape: [1, 28, 28], datatype: 'UINT8', data: Array.from(px) }] }));
}

function startServer(extra: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/myelin.js'), 'serve', dir, '--port', '0', ...(workers ? ['--workers', workers] : []), ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '', err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`server exited with code ${code}: ${err}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** Mean batch size and batch count from the server's Prometheus histogram. */
async function batchStats(url: string): Promise<{ batches: number; mean_batch_size: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const num = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const count = num('myelin_batch_size_count'), sum = num('myelin_batch_size_sum');
  return { batches: count, mean_batch_size: Number((sum / count).toFixed(2)) };
}

let wrkScript: string | undefined;
function runWrk(url: string, path: string, list: string[], c: number) {
  if (!wrkScript) {
    const d = mkdtempSync(join(tmpdir(), 'myelin-wrk-'));
    wrkScript = join(d, 'post.lua');
    // Lua long strings hold the JSON bodies verbatim; requests cycle through them.
    writeFileSync(wrkScript, `local bodies = {${list.map((b) => `[==[${b}]==]`).join(',\n')}}\nlocal i = 0\n` +
      `request = function()\n  i = i % #bodies + 1\n  return wrk.format("POST", "${path}", {["Content-Type"] = "application/json"}, bodies[i])\nend\n` +
      'done = function(summary, latency, requests)\n' +
      '  io.write(string.format("JSON{\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p99_us\\":%d,\\"errors\\":%d,\\"non2xx\\":%d}\\n", ' +
      'summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), ' +
      'summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))\nend\n');
  }
  const r = spawnSync('wrk', ['-t', String(Math.min(c, 2)), '-c', String(c), '-d', `${duration}s`, '--latency', '-s', wrkScript, url], { encoding: 'utf8' });
  const m = /JSON(\{.*\})/.exec(r.stdout);
  if (!m) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const j = JSON.parse(m[1]);
  return {
    requests_per_second: Number((j.requests / (j.duration_us / 1e6)).toFixed(1)), latency_p50_ms: j.p50_us / 1000, latency_p99_ms: j.p99_us / 1000,
    requests: j.requests, errors: j.errors, non2xx: j.non2xx,
  };
}

async function load(url: string, list: string[], c: number) {
  const path = protocol === 'v1' ? '/v1/models/cnn:predict' : '/v2/models/cnn/infer';
  if (tool === 'wrk') return runWrk(url, path, list, c);
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const r = await autocannon({
    url: url + path, connections: c, duration, method: 'POST', headers: { 'content-type': 'application/json' },
    requests: list.map((body) => ({ method: 'POST', path, body })),
  });
  return {
    requests_per_second: Number(r.requests.average.toFixed(1)), latency_p50_ms: r.latency.p50, latency_p99_ms: r.latency.p99,
    requests: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx,
  };
}

async function main(): Promise<void> {
  const list = await bodies();
  const results: Record<string, unknown>[] = [];
  const configs = [
    { label: 'dynamic batching (--max-batch 32)', flags: [], conns: connections },
    { label: 'no batching (--max-batch 1)', flags: ['--max-batch', '1'], conns: [Math.max(...connections)] },
    { label: 'dynamic batching, no batch wait (--batch-timeout-ms 0)', flags: ['--batch-timeout-ms', '0'], conns: [Math.min(...connections)] },
  ];
  const load0 = loadavg();
  for (const cfg of configs) {
    const { child, url } = await startServer(cfg.flags);
    try {
      backend = ((await (await fetch(`${url}/v2/models/cnn`)).json()) as { parameters: { backend: string } }).parameters.backend;
      // warm-up (JIT, first batches)
      await load(url, list, 8).catch(() => undefined);
      for (const c of cfg.conns) {
        const before = await batchStats(url);
        const r = await load(url, list, c);
        const after = await batchStats(url);
        const batches = after.batches - before.batches;
        results.push({ server: cfg.label, connections: c, ...r, batches, mean_batch_size: batches > 0 ? Number((r.requests / batches).toFixed(2)) : null });
      }
    } finally {
      const code = await stopServer(child);
      if (code !== 0) results.push({ server: cfg.label, shutdown_exit_code: code });
    }
  }
  process.stdout.write(JSON.stringify({
    benchmark: 'serve-load', tool, protocol, model_dir: dir, duration_s: duration, workers: workers ?? 'default', backend,
    cpus: availableParallelism(), load_average_before: load0.map((v) => Number(v.toFixed(2))), load_average_after: loadavg().map((v) => Number(v.toFixed(2))), results,
  }, null, 1) + '\n');
}

main().catch((e) => { process.stderr.write(`serve-load: ${(e as Error).message}\n`); process.exit(1); });
