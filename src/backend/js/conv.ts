// 2-D convolution by im2col + GEMM, one image (and group) at a time so that the column buffer
// stays small and cache-resident:
//   forward:         out[g] = W[g] (coutG x cinG*kh*kw)  *  col (cinG*kh*kw x outH*outW)
//   backward data:   col = W[g]^T * dy[g], then col2im adds the columns back into dx
//   backward weight: dW[g] += dy[g] * col^T, accumulated over the batch

import type { Conv2dParams, Storage } from '../backend.js';
import { gemm } from './matmul.js';

let colBuffer = new Float64Array(0);

function columns(size: number): Float64Array {
  if (colBuffer.length < size) colBuffer = new Float64Array(size);
  return colBuffer;
}

/**
 * Unfolds channels [c0, c0 + channels) of image `x` (starting at xOff) into col, a
 * (channels*kh*kw) x (outH*outW) matrix. Positions that fall in the padding are zero.
 */
function im2col(x: Storage, xOff: number, channels: number, p: Conv2dParams, col: Float64Array): void {
  const { h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = p;
  const hw = outH * outW;
  let r = 0;
  for (let c = 0; c < channels; c++) {
    const plane = xOff + c * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, r++) {
        const rowBase = r * hw;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilationH;
          const dst = rowBase + oh * outW;
          if (ih < 0 || ih >= h) { col.fill(0, dst, dst + outW); continue; }
          const srcRow = plane + ih * w;
          let iw = kj * dilationW - padW;
          for (let ow = 0; ow < outW; ow++, iw += strideW) col[dst + ow] = iw >= 0 && iw < w ? x[srcRow + iw] : 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry back to the input position it came from. */
function col2im(col: Float64Array, channels: number, p: Conv2dParams, dx: Storage, dxOff: number): void {
  const { h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = p;
  const hw = outH * outW;
  let r = 0;
  for (let c = 0; c < channels; c++) {
    const plane = dxOff + c * h * w;
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++, r++) {
        const rowBase = r * hw;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padH + ki * dilationH;
          if (ih < 0 || ih >= h) continue;
          const src = rowBase + oh * outW;
          const dstRow = plane + ih * w;
          let iw = kj * dilationW - padW;
          for (let ow = 0; ow < outW; ow++, iw += strideW) if (iw >= 0 && iw < w) dx[dstRow + iw] += col[src + ow];
        }
      }
    }
  }
}

function groupSizes(p: Conv2dParams) {
  const cinG = p.cIn / p.groups, coutG = p.cOut / p.groups;
  return { cinG, coutG, kSize: cinG * p.kh * p.kw, hw: p.outH * p.outW };
}

export function conv2d(x: Storage, w: Storage, bias: Storage | null, out: Storage, p: Conv2dParams): void {
  const { cinG, coutG, kSize, hw } = groupSizes(p);
  const col = columns(kSize * hw);
  for (let b = 0; b < p.n; b++) {
    for (let g = 0; g < p.groups; g++) {
      im2col(x, (b * p.cIn + g * cinG) * p.h * p.w, cinG, p, col);
      gemm(w, g * coutG * kSize, false, col, 0, false, out, (b * p.cOut + g * coutG) * hw, coutG, hw, kSize, false);
    }
    if (bias) {
      for (let c = 0; c < p.cOut; c++) {
        const o = (b * p.cOut + c) * hw, v = bias[c];
        for (let i = 0; i < hw; i++) out[o + i] += v;
      }
    }
  }
}

export function conv2dBackwardData(dy: Storage, w: Storage, dx: Storage, p: Conv2dParams): void {
  const { cinG, coutG, kSize, hw } = groupSizes(p);
  const col = columns(kSize * hw);
  dx.fill(0);
  for (let b = 0; b < p.n; b++) {
    for (let g = 0; g < p.groups; g++) {
      gemm(w, g * coutG * kSize, true, dy, (b * p.cOut + g * coutG) * hw, false, col, 0, kSize, hw, coutG, false);
      col2im(col, cinG, p, dx, (b * p.cIn + g * cinG) * p.h * p.w);
    }
  }
}

export function conv2dBackwardWeight(x: Storage, dy: Storage, dw: Storage, p: Conv2dParams): void {
  const { cinG, coutG, kSize, hw } = groupSizes(p);
  const col = columns(kSize * hw);
  dw.fill(0);
  for (let b = 0; b < p.n; b++) {
    for (let g = 0; g < p.groups; g++) {
      im2col(x, (b * p.cIn + g * cinG) * p.h * p.w, cinG, p, col);
      gemm(dy, (b * p.cOut + g * coutG) * hw, false, col, 0, true, dw, g * coutG * kSize, coutG, kSize, hw, true);
    }
  }
}
