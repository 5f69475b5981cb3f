// Data transforms on batches: normalisation, standardisation (fit on train, apply to test) and
// random augmentation of image batches [N, C, H, W]. Random transforms take a Generator so that
// a DataLoader can drive them reproducibly.

import type { Tensor } from '../tensor/tensor.js';
import { fromArray, normal } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { shapeToString } from '../tensor/shape.js';
import { add, clamp, div, sub } from '../ops/elementwise.js';
import { reshape } from '../ops/shape.js';

export type BatchTransform = (batch: Tensor, generator: Generator) => Tensor;

/** Applies transforms in order. */
export function compose(...transforms: BatchTransform[]): BatchTransform {
  return (batch, g) => transforms.reduce((b, t) => t(b, g), batch);
}

/** (x - mean[c]) / std[c] per channel of an [N, C, ...] batch (scalars apply to all channels). */
export function normalize(x: Tensor, mean: number | readonly number[], std: number | readonly number[]): Tensor {
  const c = x.ndim > 1 ? x.shape[1] : 1;
  const asChannels = (v: number | readonly number[], name: string) => {
    const arr = typeof v === 'number' ? new Array<number>(c).fill(v) : v.slice();
    if (arr.length !== c) throw new Error(`normalize: ${name} has ${arr.length} values for ${c} channels`);
    return reshape(fromArray(Float32Array.from(arr), [c]), [1, c, ...new Array<number>(Math.max(0, x.ndim - 2)).fill(1)]);
  };
  return div(sub(x, asChannels(mean, 'mean')), asChannels(std, 'std'));
}

/**
 * Per-feature standardisation, as scikit-learn's StandardScaler: fit on training data
 * [N, F] (mean and population standard deviation per feature), then transform any data with
 * the same statistics. Constant features get std 1 so they map to 0 instead of NaN.
 */
export class Standardizer {
  mean: Float64Array | null = null;
  std: Float64Array | null = null;

  fit(x: Tensor): this {
    if (x.ndim !== 2) throw new Error(`Standardizer.fit: expected [samples, features], got ${shapeToString(x.shape)}`);
    const [n, f] = x.shape;
    if (n === 0) throw new Error('Standardizer.fit: no samples');
    const data = x.dataSync();
    const mean = new Float64Array(f), std = new Float64Array(f);
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += data[i * f + j];
    for (let j = 0; j < f; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) { const d = data[i * f + j] - mean[j]; std[j] += d * d; }
    for (let j = 0; j < f; j++) { const s = Math.sqrt(std[j] / n); std[j] = s > 0 ? s : 1; }
    this.mean = mean; this.std = std;
    return this;
  }

  transform(x: Tensor): Tensor {
    if (!this.mean || !this.std) throw new Error('Standardizer.transform: call fit() first');
    const f = this.mean.length;
    if (x.ndim !== 2 || x.shape[1] !== f) throw new Error(`Standardizer.transform: expected [samples, ${f}], got ${shapeToString(x.shape)}`);
    return div(sub(x, fromArray(Float32Array.from(this.mean), [f])), fromArray(Float32Array.from(this.std), [f]));
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  toJSON(): { mean: number[]; std: number[] } {
    if (!this.mean || !this.std) throw new Error('Standardizer.toJSON: not fitted');
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  static fromJSON(state: { mean: number[]; std: number[] }): Standardizer {
    if (!Array.isArray(state?.mean) || !Array.isArray(state?.std) || state.mean.length !== state.std.length) {
      throw new Error('Standardizer.fromJSON: expected { mean: number[], std: number[] } of equal length');
    }
    const s = new Standardizer();
    s.mean = Float64Array.from(state.mean); s.std = Float64Array.from(state.std);
    return s;
  }
}

function imageDims(x: Tensor, op: string): [number, number, number, number] {
  if (x.ndim !== 4) throw new Error(`${op}: expected an image batch [N, C, H, W], got ${shapeToString(x.shape)}`);
  return x.shape as [number, number, number, number];
}

/**
 * Pads each image by `padding` zeros and crops a random size x size window (a different
 * window per image), as torchvision's RandomCrop(size, padding).
 */
export function randomCrop(size: number | [number, number], padding = 0): BatchTransform {
  const [ch, cw] = typeof size === 'number' ? [size, size] : size;
  return (x, g) => {
    const [n, c, h, w] = imageDims(x, 'randomCrop');
    const ph = h + 2 * padding, pw = w + 2 * padding;
    if (ch > ph || cw > pw) throw new Error(`randomCrop: crop ${ch}x${cw} is larger than the padded image ${ph}x${pw}`);
    const src = x.dataSync();
    const out = new Float32Array(n * c * ch * cw);
    for (let i = 0; i < n; i++) {
      const top = g.randint(0, ph - ch + 1) - padding, left = g.randint(0, pw - cw + 1) - padding;
      for (let k = 0; k < c; k++) {
        const sBase = (i * c + k) * h * w, dBase = (i * c + k) * ch * cw;
        for (let r = 0; r < ch; r++) {
          const sr = top + r;
          if (sr < 0 || sr >= h) continue;
          for (let q = 0; q < cw; q++) {
            const sc = left + q;
            if (sc >= 0 && sc < w) out[dBase + r * cw + q] = src[sBase + sr * w + sc];
          }
        }
      }
    }
    return fromArray(out, [n, c, ch, cw]);
  };
}

/** Mirrors each image left-right with probability p. */
export function randomHorizontalFlip(p = 0.5): BatchTransform {
  return (x, g) => {
    const [n, c, h, w] = imageDims(x, 'randomHorizontalFlip');
    const data = Float32Array.from(x.dataSync());
    for (let i = 0; i < n; i++) {
      if (g.random() >= p) continue;
      for (let k = 0; k < c; k++) {
        for (let r = 0; r < h; r++) {
          const row = ((i * c + k) * h + r) * w;
          data.subarray(row, row + w).reverse();
        }
      }
    }
    return fromArray(data, [n, c, h, w]);
  };
}

/** Adds N(0, std^2) noise, optionally clipping to [min, max] (e.g. [0, 1] for images). */
export function gaussianNoise(std: number, clip?: [number, number]): BatchTransform {
  if (!(std >= 0)) throw new Error(`gaussianNoise: std must be non-negative, got ${std}`);
  return (x, g) => {
    const noisy = add(x, normal(x.shape, 0, std, { generator: g, dtype: x.dtype }));
    return clip ? clamp(noisy, clip[0], clip[1]) : noisy;
  };
}
