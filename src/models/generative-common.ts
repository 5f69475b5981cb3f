// What the generative zoo models (vae, dvae, gan) share: image data, the epoch loop's
// progress, and pictures — grids of samples, of input / output rows, and the 2-D latent
// manifold of a VAE. Their metrics.jsonl goes through train/run-record.ts.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fashionMnist, mnist, type ImageData } from '../data/datasets.js';
import { TensorDataset } from '../data/dataset.js';
import { ProgressBar } from '../train/progress.js';
import { writeImageGrid } from '../train/image-grid.js';
import type { Tensor } from '../tensor/tensor.js';
import { readSafetensors } from '../io/safetensors.js';

/** --dataset: 'fashion-mnist' (default), 'mnist', or a directory holding Fashion-MNIST's IDX files. */
export async function loadImageData(dataset: string | undefined): Promise<ImageData> {
  const name = dataset ?? 'fashion-mnist';
  if (name === 'fashion-mnist') return fashionMnist();
  if (name === 'mnist') return mnist();
  if (existsSync(name) && statSync(name).isDirectory()) return fashionMnist({ dir: name });
  throw new Error(`--dataset: '${name}' is not 'fashion-mnist', 'mnist' or an existing directory`);
}

/** The first `limit` samples of a dataset (all when limit is unset). */
export function firstN(ds: TensorDataset, limit: number | undefined): TensorDataset {
  if (!limit || limit >= ds.length) return ds;
  return new TensorDataset(...ds.getBatch(Int32Array.from({ length: limit }, (_, i) => i)));
}

/** Indices 0..n-1 in batches of `size` (for deterministic evaluation passes). */
export function* rangeBatches(n: number, size: number): Generator<Int32Array> {
  for (let start = 0; start < n; start += size) {
    yield Int32Array.from({ length: Math.min(size, n - start) }, (_, i) => start + i);
  }
}

/** Shapes of the tensors in a safetensors file, without building the tensors. */
export function weightShapes(path: string): Map<string, number[]> {
  const contents = readSafetensors(path);
  return new Map([...contents.tensors].map(([k, t]) => [k, t.shape]));
}

/**
 * The per-epoch progress of a custom loop: a bar (when `progress`), a summary line at the end
 * of each epoch, and an occasional yield to the event loop so that signals and timers run.
 */
export class EpochProgress {
  private bar: ProgressBar | null = null;
  private lastYield = 0;

  constructor(private readonly epochs: number, private readonly steps: number, private readonly progress: boolean,
    private readonly log: (line: string) => void) {}

  begin(epoch: number): void {
    this.lastYield = performance.now();
    if (this.progress) this.bar = new ProgressBar(`epoch ${epoch + 1}/${this.epochs}`, this.steps);
  }

  async step(done: number, info: string): Promise<void> {
    this.bar?.update(done, info, 'step');
    if (performance.now() - this.lastYield > 50) { await yieldToEventLoop(); this.lastYield = performance.now(); }
  }

  end(epoch: number, logs: Record<string, number>): void {
    const text = Object.entries(logs).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(k.includes('per_second') ? 1 : 4)}`).join(' - ');
    const line = `epoch ${epoch + 1}/${this.epochs} - ${text}`;
    if (this.bar) this.bar.finish(line); else this.log(line);
    this.bar = null;
  }
}

export interface GridOptions {
  /** Tiles per row (default ceil(sqrt(n))). */
  cols?: number;
  /** Integer upscaling (default 2). */
  scale?: number;
  /** Values shown as black and white (default [0, 1]). */
  valueRange?: readonly [number, number];
}

/**
 * Writes single-channel images — a tensor [N, 1, H, W], [N, H, W] or [N, H*W] (square) — as a
 * PNG grid.
 */
export function writeSampleGrid(path: string, images: Tensor, options: GridOptions = {}): void {
  const n = images.shape[0];
  let h: number, w: number;
  if (images.ndim === 4 && images.shape[1] === 1) [h, w] = [images.shape[2], images.shape[3]];
  else if (images.ndim === 3) [h, w] = [images.shape[1], images.shape[2]];
  else if (images.ndim === 2 && Number.isInteger(Math.sqrt(images.shape[1]))) h = w = Math.sqrt(images.shape[1]);
  else throw new Error(`writeSampleGrid: expected [N, 1, H, W], [N, H, W] or [N, H*W] images, got [${images.shape.join(',')}]`);
  mkdirSync(dirname(path), { recursive: true });
  writeImageGrid(path, Float32Array.from(images.dataSync()), {
    n, channels: 1, height: h, width: w, cols: options.cols ?? Math.ceil(Math.sqrt(n)), scale: options.scale ?? 2,
    valueRange: options.valueRange ?? [0, 1],
  });
}

/**
 * Interleaves row blocks: with rows [A, B, C] of n images each and `cols` tiles per row, the
 * grid shows cols of A, then cols of B, then cols of C, then the next cols of A... so that
 * corresponding images sit above each other (e.g. noisy / denoised / clean).
 */
export function interleaveRows(rows: Float32Array[], perImage: number, cols: number): Float32Array {
  const n = rows[0].length / perImage;
  const out = new Float32Array(rows.length * n * perImage);
  let o = 0;
  for (let start = 0; start < n; start += cols) {
    const count = Math.min(cols, n - start);
    for (const r of rows) {
      out.set(r.subarray(start * perImage, (start + count) * perImage), o);
      o += count * perImage;
    }
  }
  return out;
}

/** Writes rows of corresponding images (e.g. inputs over their reconstructions) as one grid. */
export function writeComparisonGrid(path: string, rows: Tensor[], options: { cols?: number; scale?: number } = {}): void {
  const first = rows[0];
  const n = first.shape[0];
  const side = Math.sqrt(first.size / Math.max(n, 1));
  const [h, w] = first.ndim === 4 ? [first.shape[2], first.shape[3]] : [side, side];
  if (!Number.isInteger(h) || rows.some((r) => r.size !== first.size)) {
    throw new Error(`writeComparisonGrid: rows must hold the same number of [1, H, W] (or square H*W) images`);
  }
  const cols = Math.min(options.cols ?? 16, n);
  const data = interleaveRows(rows.map((r) => Float32Array.from(r.dataSync())), h * w, cols);
  mkdirSync(dirname(path), { recursive: true });
  writeImageGrid(path, data, { n: rows.length * n, channels: 1, height: h, width: w, cols, scale: options.scale ?? 2, valueRange: [0, 1] });
}

/**
 * The standard normal's quantile function (Acklam's rational approximation, relative error
 * below 1.2e-9), for laying out a VAE's 2-D latent manifold on equally likely steps.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Latent points of a size x size manifold grid: z = (Phi^-1(u), Phi^-1(v)) for u, v evenly
 * spaced in (0, 1), as in Kingma & Welling's figures. Row-major, the second coordinate
 * decreasing down the rows (so "up" in the picture is larger z2).
 */
export function latentGrid(size: number): Float32Array {
  const q = Array.from({ length: size }, (_, i) => normalQuantile((i + 0.5) / size));
  const z = new Float32Array(size * size * 2);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      z[(r * size + c) * 2] = q[c];
      z[(r * size + c) * 2 + 1] = q[size - 1 - r];
    }
  }
  return z;
}
