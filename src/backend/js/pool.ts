// Max and average pooling over NCHW planes.

import type { Pool2dParams, Storage } from '../backend.js';

export function maxPool2d(x: Storage, out: Storage, argmax: Storage, p: Pool2dParams): void {
  const { h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = p;
  const planes = p.n * p.c;
  for (let pl = 0; pl < planes; pl++) {
    const xBase = pl * h * w, oBase = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let best = -Infinity, bestIdx = -1;
        for (let ki = 0; ki < kh; ki++) {
          const ih = oh * strideH - padH + ki * dilationH;
          if (ih < 0 || ih >= h) continue;
          for (let kj = 0; kj < kw; kj++) {
            const iw = ow * strideW - padW + kj * dilationW;
            if (iw < 0 || iw >= w) continue;
            const idx = ih * w + iw, v = x[xBase + idx];
            // first maximum wins; NaN wins over numbers (PyTorch propagates NaN)
            if (v > best || bestIdx < 0 || (v !== v && best === best)) { best = v; bestIdx = idx; }
          }
        }
        out[oBase + oh * outW + ow] = best;
        argmax[oBase + oh * outW + ow] = bestIdx;
      }
    }
  }
}

export function maxPool2dBackward(dy: Storage, argmax: Storage, dx: Storage, p: Pool2dParams): void {
  const planes = p.n * p.c, hw = p.h * p.w, ohw = p.outH * p.outW;
  dx.fill(0);
  for (let pl = 0; pl < planes; pl++) {
    const xBase = pl * hw, oBase = pl * ohw;
    for (let i = 0; i < ohw; i++) {
      const idx = argmax[oBase + i];
      if (idx >= 0) dx[xBase + idx] += dy[oBase + i];
    }
  }
}

/** The number an average-pooling window divides by (avg pooling has no dilation in PyTorch). */
function windowDivisor(p: Pool2dParams, oh: number, ow: number): number {
  if (p.countIncludePad) {
    // PyTorch divides by the window clipped to the padded input
    const hEnd = Math.min(oh * p.strideH - p.padH + (p.kh - 1) * p.dilationH + 1, p.h + p.padH);
    const wEnd = Math.min(ow * p.strideW - p.padW + (p.kw - 1) * p.dilationW + 1, p.w + p.padW);
    const hStart = oh * p.strideH - p.padH, wStart = ow * p.strideW - p.padW;
    return Math.ceil((hEnd - hStart) / p.dilationH) * Math.ceil((wEnd - wStart) / p.dilationW);
  }
  let count = 0;
  for (let ki = 0; ki < p.kh; ki++) {
    const ih = oh * p.strideH - p.padH + ki * p.dilationH;
    if (ih < 0 || ih >= p.h) continue;
    for (let kj = 0; kj < p.kw; kj++) {
      const iw = ow * p.strideW - p.padW + kj * p.dilationW;
      if (iw >= 0 && iw < p.w) count++;
    }
  }
  return count;
}

export function avgPool2d(x: Storage, out: Storage, p: Pool2dParams): void {
  avgPoolPass(p, (xi, oi, scale) => { out[oi] += x[xi] * scale; }, out);
}

export function avgPool2dBackward(dy: Storage, dx: Storage, p: Pool2dParams): void {
  dx.fill(0);
  avgPoolPass(p, (xi, oi, scale) => { dx[xi] += dy[oi] * scale; }, null);
}

/** Visits every (input, output) pair of every window with the averaging scale. */
function avgPoolPass(p: Pool2dParams, visit: (xi: number, oi: number, scale: number) => void, zero: Storage | null): void {
  const { h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW } = p;
  if (zero) zero.fill(0);
  const planes = p.n * p.c;
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      const div = windowDivisor(p, oh, ow);
      const scale = div > 0 ? 1 / div : 0;
      for (let ki = 0; ki < kh; ki++) {
        const ih = oh * strideH - padH + ki * dilationH;
        if (ih < 0 || ih >= h) continue;
        for (let kj = 0; kj < kw; kj++) {
          const iw = ow * strideW - padW + kj * dilationW;
          if (iw < 0 || iw >= w) continue;
          for (let pl = 0; pl < planes; pl++) visit(pl * h * w + ih * w + iw, pl * outH * outW + oh * outW + ow, scale);
        }
      }
    }
  }
}
