// Shared setup of the serving tests: small real saved models trained here, and HTTP helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zooModel } from '../../src/models/index.js';
import { breastCancer } from '../../src/data/datasets.js';
import { stratifiedSplit } from '../../src/data/split.js';

export const FASHION = '/usr/share/datasets/fashion-mnist';
export const hasFashion = existsSync(FASHION);

/** Trains the seed MLP for a few epochs (well under a second); returns its run directory. */
export async function trainMlp(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'myelin-serve-mlp-'));
  await zooModel('mlp').train({ epochs: 8, out, progress: false });
  return out;
}

/** Trains the seed CNN on the first 300 Fashion-MNIST images for one epoch (a few seconds). */
export async function trainCnn(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'myelin-serve-cnn-'));
  await zooModel('cnn').train({ epochs: 1, limit: 300, out, progress: false, log: () => {} });
  return out;
}

/** The mlp's test rows before standardisation, as `myelin eval mlp` splits them (seed 0). */
export function mlpRawTestSet(): { rows: number[][]; labels: number[] } {
  const data = breastCancer();
  const labels = data.labels.dataSync() as Int32Array;
  const split = stratifiedSplit(labels, 0.2, 0);
  const x = data.features.dataSync();
  const f = data.features.shape[1];
  return {
    rows: Array.from(split.test, (i) => Array.from(x.subarray(i * f, (i + 1) * f))),
    labels: Array.from(split.test, (i) => labels[i]),
  };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, json, headers: r.headers };
}

export async function get(url: string): Promise<{ status: number; json: any; text: string }> {
  const r = await fetch(url);
  const text = await r.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text };
}

/** A metric's value from Prometheus text, e.g. metric(text, 'myelin_batch_size_count'). */
export function metric(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

export const bin = new URL('../../../bin/myelin.js', import.meta.url).pathname;

/** `myelin serve DIR --port 0 ...flags` as a child process, once it listens. */
export function serve(dir: string, ...flags: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, 'serve', dir, '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], stderr: () => err, exited });
    });
    child.stderr!.on('data', (d) => { err += d; });
    void exited.then((code) => reject(new Error(`myelin serve exited (${code}) before listening: ${err}`)));
  });
}
