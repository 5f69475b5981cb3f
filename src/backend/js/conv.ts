// 2-D convolution as GEMM over the im2col matrix, several images per GEMM, without building
// the matrix or reshuffling any tensor.
//
// For a chunk of `nb` images and one group, the im2col matrix is col [K x nb*hw]: one row per
// kernel tap (c, ki, kj), K = cinG*kh*kw, and one column per output position (b, oh, ow) of
// every image in the chunk. Element (tap, position) of col is
// src[tapOffsets[tap] + positionOffsets[position]] of the input, so the GEMM reads it through
// those two offset tables while packing (see Operand in matmul.ts). In the same way the NCHW
// output and its gradient are [coutG x nb*hw] matrices through the tables channel * hw and
// b * cOut*hw + position. Then
//   forward:         Y = W[g] [coutG x K] * col              (Y scattered into NCHW, + bias)
//   backward data:   col2im(W[g]^T [K x coutG] * dY)         (scatter-added through the tables)
//   backward weight: dW[g] (+)= dY [coutG x nb*hw] * col^T
// Padding is handled by copying the chunk into a zero-bordered buffer first (and, for the
// backward-data pass, accumulating into one and copying its interior out), after which every
// tap is a plain offset. 1x1 convolutions are the same with one tap per channel.
//
// What this replaced: im2col into a column buffer plus one GEMM per image. Batching images
// makes the GEMMs better shaped: the seed CNN's third convolution has hw = 9, so per image its
// forward GEMM has n = 9 and its weight gradient k = 9, far too small for the packed kernel;
// in 32-image chunks both are 288. Gathering instead of building col saves writing and
// re-reading a matrix K times larger than the input (about 10% of a convolution), and the
// tables remove the NCHW <-> matrix copies. Seed CNN at batch 64, ms per call (CPU time,
// median of 3 processes), HEAD -> im2col + batched GEMM -> gathered operands:
//   conv2 32->64 13x13  forward 54.1 -> 34.3 -> 29.9, backward data 54.0 -> 32.6 -> 29.0,
//                       backward weight 52.5 -> 33.3 -> 29.0
//   conv3 64->64 5x5    forward 13.9 -> 5.0 -> 4.3, backward data 12.8 -> 5.3 -> 4.2,
//                       backward weight 10.3 -> 5.2 -> 4.3
//   conv1 1->32 28x28   forward 6.4 -> 4.9 -> 4.4, backward weight 10.4 -> 4.5 -> 3.9
// Tried and dropped: a direct forward kernel for few taps per output (2 channels x 2 positions
// in registers, the three taps of a kernel row unrolled so their four inputs load once). It
// beat the GEMM by 10-15% only for K = 9 (one input channel, 3x3: the seed CNN's conv1, about
// 0.7 ms of a 64-image step) and lost from K = 18 on (RGB 3x3 with padding: 15 -> 19 ms).
// Not worth a second kernel to maintain.

import type { Conv2dParams, Storage } from '../backend.js';
import { gemm, indexed, strided, type Operand } from './matmul.js';

/** Aim for at least this many GEMM columns (nb * hw) per chunk of images. */
const TARGET_COLUMNS = 512;

let padBuffer = new Float64Array(0);

function padScratch(size: number): Float64Array {
  if (padBuffer.length < size) padBuffer = new Float64Array(size);
  padBuffer.fill(0, 0, size);
  return padBuffer;
}

interface Plan {
  cinG: number; coutG: number;
  /** Rows of col: cinG * kh * kw. */
  kSize: number;
  /** Output positions per image. */
  hw: number;
  /** Elements per input plane, per input image and per output image. */
  planeIn: number; imageIn: number; imageOut: number;
  /** Images per chunk. */
  nb: number;
  padded: boolean;
  /** Planes of the zero-bordered copy: (h + 2 padH) x (w + 2 padW), cinG per image. */
  hp: number; wp: number;
  /** col's element (tap, position) is at tapOffsets[tap] + positionOffsets[position] of the gather source. */
  tapOffsets: Int32Array; positionOffsets: Int32Array;
  /** The output (and dY) element (channel, position) of a chunk is at channelOffsets[c] + outOffsets[position]. */
  channelOffsets: Int32Array; outOffsets: Int32Array;
}

function plan(p: Conv2dParams): Plan {
  const cinG = p.cIn / p.groups, coutG = p.cOut / p.groups;
  const kSize = cinG * p.kh * p.kw, hw = p.outH * p.outW;
  const planeIn = p.h * p.w, imageIn = p.cIn * planeIn, imageOut = p.cOut * hw;
  const padded = p.padH > 0 || p.padW > 0;
  const nb = hw === 0 ? 1 : Math.max(1, Math.min(p.n, Math.ceil(TARGET_COLUMNS / hw)));
  const chunk = p.n === 0 ? nb : Math.ceil(p.n / Math.ceil(p.n / nb)); // balanced chunks
  // the gather source: the input itself, or the chunk's zero-bordered copy of one group
  const hp = p.h + 2 * p.padH, wp = p.w + 2 * p.padW;
  const rowStride = padded ? wp : p.w, planeStride = padded ? hp * wp : planeIn;
  const imageStride = padded ? cinG * planeStride : imageIn;
  const tapOffsets = new Int32Array(kSize);
  for (let c = 0, r = 0; c < cinG; c++) {
    for (let ki = 0; ki < p.kh; ki++) {
      for (let kj = 0; kj < p.kw; kj++, r++) tapOffsets[r] = c * planeStride + ki * p.dilationH * rowStride + kj * p.dilationW;
    }
  }
  const positionOffsets = new Int32Array(chunk * hw), outOffsets = new Int32Array(chunk * hw);
  for (let b = 0, q = 0; b < chunk; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++, q++) {
        positionOffsets[q] = b * imageStride + oh * p.strideH * rowStride + ow * p.strideW;
        outOffsets[q] = b * imageOut + oh * p.outW + ow;
      }
    }
  }
  const channelOffsets = new Int32Array(coutG);
  for (let c = 0; c < coutG; c++) channelOffsets[c] = c * hw;
  return { cinG, coutG, kSize, hw, planeIn, imageIn, imageOut, nb: chunk, padded, hp, wp,
    tapOffsets, positionOffsets, channelOffsets, outOffsets };
}

/**
 * The output (or dY) of images [b0, b0 + cnt), group g, as a [coutG x cnt*hw] matrix. One
 * image is a plain row-major matrix; strided addressing is cheaper than the tables.
 */
function outputMatrix(y: Storage, b0: number, cnt: number, g: number, pl: Plan): Operand {
  const off = b0 * pl.imageOut + g * pl.coutG * pl.hw;
  return cnt === 1 ? strided(y, off, pl.hw, 1) : indexed(y, off, pl.channelOffsets, pl.outOffsets);
}

/** Offset of group g's first channel of image b in the input. */
function inputOffset(pl: Plan, b: number, g: number): number {
  return b * pl.imageIn + g * pl.cinG * pl.planeIn;
}

/**
 * The gather source for images [b0, b0 + cnt) and group g: the input (with the offset of the
 * chunk), or a zero-bordered copy of the chunk's cinG planes per image.
 */
function gatherSource(x: Storage, b0: number, cnt: number, g: number, pl: Plan, p: Conv2dParams): [Storage, number] {
  const xOff = inputOffset(pl, b0, g);
  if (!pl.padded) return [x, xOff];
  const { hp, wp, cinG } = pl;
  const buf = padScratch(cnt * cinG * hp * wp);
  for (let b = 0; b < cnt; b++) {
    for (let c = 0; c < cinG; c++) {
      const src = xOff + b * pl.imageIn + c * pl.planeIn, dst = (b * cinG + c) * hp * wp + p.padH * wp + p.padW;
      for (let i = 0; i < p.h; i++) {
        const s = src + i * p.w, d = dst + i * wp;
        for (let j = 0; j < p.w; j++) buf[d + j] = x[s + j];
      }
    }
  }
  return [buf, 0];
}

export function conv2d(x: Storage, w: Storage, bias: Storage | null, out: Storage, p: Conv2dParams): void {
  const pl = plan(p);
  const { coutG, kSize, hw, nb } = pl;
  if (hw === 0 || p.n === 0) return;
  if (bias) {
    for (let b = 0; b < p.n; b++) {
      for (let c = 0; c < p.cOut; c++) out.fill(bias[c], b * pl.imageOut + c * hw, b * pl.imageOut + (c + 1) * hw);
    }
  }
  for (let g = 0; g < p.groups; g++) {
    const W = strided(w, g * coutG * kSize, kSize, 1);
    for (let b0 = 0; b0 < p.n; b0 += nb) {
      const cnt = Math.min(nb, p.n - b0);
      const [src, srcOff] = gatherSource(x, b0, cnt, g, pl, p);
      const col = indexed(src, srcOff, pl.tapOffsets, pl.positionOffsets);
      gemm(coutG, cnt * hw, kSize, W, col, outputMatrix(out, b0, cnt, g, pl), bias !== null);
    }
  }
}

export function conv2dBackwardData(dy: Storage, w: Storage, dx: Storage, p: Conv2dParams): void {
  const pl = plan(p);
  const { cinG, coutG, kSize, hw, nb, hp, wp } = pl;
  dx.fill(0);
  if (hw === 0 || kSize === 0 || p.n === 0) return;
  for (let g = 0; g < p.groups; g++) {
    const Wt = strided(w, g * coutG * kSize, 1, kSize);
    for (let b0 = 0; b0 < p.n; b0 += nb) {
      const cnt = Math.min(nb, p.n - b0);
      const dY = outputMatrix(dy, b0, cnt, g, pl);
      const xOff = inputOffset(pl, b0, g);
      // col = W^T dY, added straight into the input positions it came from (col2im)
      const target = pl.padded ? padScratch(cnt * cinG * hp * wp) : dx;
      gemm(kSize, cnt * hw, coutG, Wt, dY, indexed(target, pl.padded ? 0 : xOff, pl.tapOffsets, pl.positionOffsets), true);
      if (pl.padded) {
        // the interior of the padded gradient is dx
        for (let b = 0; b < cnt; b++) {
          for (let c = 0; c < cinG; c++) {
            const s0 = (b * cinG + c) * hp * wp + p.padH * wp + p.padW, d0 = xOff + b * pl.imageIn + c * pl.planeIn;
            for (let i = 0; i < p.h; i++) {
              const s = s0 + i * wp, d = d0 + i * p.w;
              for (let j = 0; j < p.w; j++) dx[d + j] = target[s + j];
            }
          }
        }
      }
    }
  }
}

/** db[c] = sum of dy over images and output positions of channel c. */
function biasGradient(dy: Storage, db: Storage, p: Conv2dParams): void {
  const hw = p.outH * p.outW;
  for (let c = 0; c < p.cOut; c++) {
    let s = 0;
    for (let b = 0; b < p.n; b++) {
      const base = (b * p.cOut + c) * hw;
      for (let i = 0; i < hw; i++) s += dy[base + i];
    }
    db[c] = s;
  }
}

export function conv2dBackwardWeight(x: Storage, dy: Storage, dw: Storage, p: Conv2dParams, db: Storage | null = null): void {
  if (db) biasGradient(dy, db, p);
  const pl = plan(p);
  const { coutG, kSize, hw, nb } = pl;
  if (hw === 0 || kSize === 0 || p.n === 0) { dw.fill(0); return; }
  for (let g = 0; g < p.groups; g++) {
    const dW = strided(dw, g * coutG * kSize, kSize, 1);
    for (let b0 = 0; b0 < p.n; b0 += nb) {
      const cnt = Math.min(nb, p.n - b0);
      const dY = outputMatrix(dy, b0, cnt, g, pl);
      const [src, srcOff] = gatherSource(x, b0, cnt, g, pl, p);
      const colT = indexed(src, srcOff, pl.positionOffsets, pl.tapOffsets);
      // dW[g] [coutG x K] (+)= dY [coutG x n] * col^T [n x K]; the first chunk overwrites
      gemm(coutG, kSize, cnt * hw, dY, colT, dW, b0 > 0);
    }
  }
}
