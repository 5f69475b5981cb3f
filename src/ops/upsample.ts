// Nearest-neighbour resizing of NCHW images (torch.nn.functional.interpolate, mode 'nearest').
// Composed from existing ops, so the gradient comes from theirs: an integer scale factor is a
// broadcast (each pixel repeated into an sh x sw block; the gradient sums each block back), any
// other size picks source rows and columns by index (the gradient scatters back).

import { shapeToString } from '../tensor/shape.js';
import { fromArray } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { requireFloat } from './util.js';
import { expand, indexSelect, reshape } from './shape.js';

export interface InterpolateOptions {
  /** Output size (H, W); give this or scaleFactor. */
  size?: number | readonly [number, number];
  /** Multiplier of H and W (output size floor(input * scale)); give this or size. */
  scaleFactor?: number | readonly [number, number];
  /** Only 'nearest' (PyTorch's default) is implemented. */
  mode?: 'nearest';
}

function twoValues(v: number | readonly [number, number], name: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
    throw new Error(`interpolate: ${name} must be a positive number or pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** Source index of each output position: min(floor(dst * scale), in - 1), as PyTorch's 'nearest'. */
function nearestIndex(inSize: number, outSize: number, scale: number): Tensor {
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(i * scale), inSize - 1);
  return fromArray(idx, [outSize]);
}

/** Resizes x [N, C, H, W] to `size`, or by `scaleFactor`, with nearest-neighbour sampling. */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  requireFloat(x, op);
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest') throw new Error(`${op}: mode '${String(mode)}' is not supported (only 'nearest')`);
  if (x.ndim !== 4) throw new Error(`${op}: expected input [N, C, H, W], got ${shapeToString(x.shape)}`);
  if ((options.size === undefined) === (options.scaleFactor === undefined)) {
    throw new Error(`${op}: give exactly one of size and scaleFactor`);
  }
  const [n, c, h, w] = x.shape;
  let outH: number, outW: number, scaleH: number, scaleW: number;
  if (options.size !== undefined) {
    [outH, outW] = twoValues(options.size, 'size');
    if (!Number.isInteger(outH) || !Number.isInteger(outW)) throw new Error(`${op}: size must be integers, got ${JSON.stringify(options.size)}`);
    scaleH = h / outH; scaleW = w / outW;
  } else {
    const [sh, sw] = twoValues(options.scaleFactor!, 'scaleFactor');
    outH = Math.floor(h * sh); outW = Math.floor(w * sw);
    if (outH < 1 || outW < 1) throw new Error(`${op}: scaleFactor ${JSON.stringify(options.scaleFactor)} gives an empty output for input ${shapeToString(x.shape)}`);
    // integer factors: every pixel becomes an sh x sw block
    if (Number.isInteger(sh) && Number.isInteger(sw)) {
      if (sh === 1 && sw === 1) return x;
      const blocks = expand(reshape(x, [n, c, h, 1, w, 1]), [n, c, h, sh, w, sw]);
      return reshape(blocks, [n, c, outH, outW]);
    }
    scaleH = 1 / sh; scaleW = 1 / sw;
  }
  let y = x;
  if (outH !== h || scaleH !== 1) y = indexSelect(y, 2, nearestIndex(h, outH, scaleH));
  if (outW !== w || scaleW !== 1) y = indexSelect(y, 3, nearestIndex(w, outW, scaleW));
  return y;
}

/** Nearest-neighbour upsampling by a scale factor (torch.nn.Upsample's default mode). */
export function upsample(x: Tensor, scaleFactor: number | readonly [number, number]): Tensor {
  return interpolate(x, { scaleFactor });
}
