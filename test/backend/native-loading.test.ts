// Loading and selecting the native backend: the fallback to js with one warning when the addon
// cannot load, MYELIN_BACKEND, truthful implements(), loading inside worker threads, and the
// op-table coverage of the seed models' ops.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createJsBackend } from '../../src/backend/js/index.js';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadNativeBackend, isNativeBackend } from '../../src/backend/native/index.js';
import type { Backend, KernelName } from '../../src/backend/backend.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../../bin/myelin.js', import.meta.url));
const js = jsBackendInstance();
const loaded = loadNativeBackend(js);
const nb = loaded.backend;
const skipNative = nb ? false : `native addon unavailable (${loaded.reason})`;
if (skipNative) console.log(`# skipping the tests that need the native addon: ${skipNative}`);

function myelin(args: string[], env: Record<string, string | undefined>) {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) childEnv[k] = v;
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, env: childEnv, encoding: 'utf8', timeout: 120_000 });
}

describe('native backend: loading and selection', () => {
  test('an addon that cannot load: training still succeeds on js, with exactly one warning naming the reason', () => {
    const run = myelin(['train', 'mlp', '--epochs', '1', '--json'],
      { MYELIN_NATIVE_PATH: '/nonexistent.node', MYELIN_BACKEND: 'native', NODE_OPTIONS: undefined });
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { backend: string; test_accuracy: number };
    assert.equal(summary.backend, 'js');
    const warnings = run.stderr.split('\n').filter((l) => /native backend unavailable/.test(l));
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(warnings[0], /\/nonexistent\.node does not exist/);
    assert.match(warnings[0], /using the js backend/);
  });

  test('MYELIN_BACKEND=js selects js without any warning', () => {
    const run = myelin(['info', '--json'], { MYELIN_BACKEND: 'js' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { backend: string }).backend, 'js');
    assert.doesNotMatch(run.stderr, /native backend unavailable/);
  });

  test('an unloadable file or a foreign module is reported with the reason', () => {
    const saved = process.env.MYELIN_NATIVE_PATH;
    const dir = mkdtempSync(join(tmpdir(), 'myelin-native-'));
    try {
      const bogus = join(dir, 'bogus.node');
      writeFileSync(bogus, 'not a shared object');
      process.env.MYELIN_NATIVE_PATH = bogus;
      const r = loadNativeBackend(createJsBackend());
      assert.equal(r.backend, null);
      assert.match(r.reason, /^cannot load .*bogus\.node: /);
      process.env.MYELIN_NATIVE_PATH = fileURLToPath(new URL('../../../package.json', import.meta.url));
      const p = loadNativeBackend(createJsBackend());
      assert.equal(p.backend, null);
      assert.match(p.reason, /package\.json is not myelin's native addon/);
    } finally {
      if (saved === undefined) delete process.env.MYELIN_NATIVE_PATH;
      else process.env.MYELIN_NATIVE_PATH = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('by default myelin runs on native when the addon is built; myelin info shows it', { skip: skipNative }, () => {
    const run = myelin(['info', '--json'], { MYELIN_BACKEND: undefined, MYELIN_NATIVE_PATH: undefined });
    assert.equal(run.status, 0, run.stderr);
    const info = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(info.backend, 'native');
    for (const key of ['native_version', 'cpu_features', 'gemm_path', 'threads', 'physical_cores']) assert.ok(key in info, key);
    assert.ok((info.threads as number) >= 1);
  });

  test('isNativeBackend tells the native backend from the js one', { skip: skipNative }, () => {
    assert.ok(isNativeBackend(nb!));
    assert.equal(isNativeBackend(js), false);
  });

  test('the addon loads and computes inside worker threads (several at once)', { skip: skipNative }, async () => {
    const url = new URL('../../src/backend/native/index.js', import.meta.url).href;
    const jsUrl = new URL('../../src/backend/js/index.js', import.meta.url).href;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { loadNativeBackend } = await import(workerData.url);
        const { createJsBackend } = await import(workerData.jsUrl);
        const r = loadNativeBackend(createJsBackend());
        if (!r.backend) throw new Error(r.reason);
        const n = 256, a = new Float32Array(n * n), b = new Float32Array(n * n), out = new Float32Array(n * n);
        for (let i = 0; i < n * n; i++) { a[i] = (i % 7) - 3; b[i] = (i % 5) - 2; }
        for (let rep = 0; rep < 20; rep++) {
          r.backend.matmul(a, b, out, { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false });
        }
        const relu = new Float32Array(4);
        r.backend.unary('relu', Float32Array.from([-1, 2, -3, 4]), relu);
        parentPort.postMessage({ name: r.backend.name, threads: r.backend.info().threads, sum: out.reduce((s, v) => s + v, 0), relu: Array.from(relu) });
      })().catch((e) => { throw e; });`;
    const run = () => new Promise<{ name: string; threads: number; sum: number; relu: number[] }>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { url, jsUrl } });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (c) => { if (c !== 0) reject(new Error(`worker exited with ${c}`)); });
    });
    // two workers and the main thread computing at the same time
    const pending = [run(), run()];
    const n = 256, a = new Float32Array(n * n), b = new Float32Array(n * n), out = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) { a[i] = (i % 7) - 3; b[i] = (i % 5) - 2; }
    for (let rep = 0; rep < 20; rep++) {
      nb!.matmul(a, b, out, { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false });
    }
    const expected = out.reduce((s, v) => s + v, 0);
    for (const r of await Promise.all(pending)) {
      assert.equal(r.name, 'native');
      assert.ok(r.threads >= 1);
      assert.equal(r.sum, expected);
      assert.deepEqual(r.relu, [0, 2, 0, 4]);
    }
  });

  test('setNumThreads changes the pool size and results do not depend on it', { skip: skipNative }, () => {
    const b = nb! as Backend & { setNumThreads(n: number): number; info(): { threads: number } };
    const x = new Float32Array(300_001).map((_, i) => Math.sin(i));
    const sums: number[] = [];
    try {
      for (const t of [1, 3]) {
        assert.equal(b.setNumThreads(t), t);
        assert.equal(b.info().threads, t);
        const out = new Float32Array(1);
        b.reduce('max', x, 1, x.length, 1, out);
        sums.push(out[0]);
      }
    } finally {
      b.setNumThreads(0);
    }
    assert.equal(sums[0], sums[1]);
  });
});
