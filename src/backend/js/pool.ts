// Max and average pooling over NCHW planes.
//
// Max pooling picks the first maximum of each window, except that NaN wins over numbers (PyTorch
// propagates NaN); `argmax` records the flat h*w index of the pick for the backward pass. The
// common 2x2 / stride 2 / no padding window (the seed CNN's MaxPool2d(2)) has its own loop that
// reads the two input rows of each output row directly instead of testing every tap.

import type { Pool2dParams, Storage } from '../backend.js';

/** 2x2 windows, stride 2, no padding or dilation, every window inside the input (the seed CNN's MaxPool2d(2)). */
function isPool2x2(p: Pool2dParams): boolean {
  return p.kh === 2 && p.kw === 2 && p.strideH === 2 && p.strideW === 2 && p.padH === 0 && p.padW === 0 &&
    p.dilationH === 1 && p.dilationW === 1 &&
    p.outH * 2 <= p.h && p.outW * 2 <= p.w;
}

export function maxPool2d(x: Storage, out: Storage, argmax: Storage, p: Pool2dParams): void {
  if (isPool2x2(p)) {
    maxPool2x2(x, out, argmax, p);
    if (p.relu) reluPooled(out, argmax, p);
    return;
  }
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
            if (v > best || bestIdx < 0 || (v !== v && best === best)) { best = v; bestIdx = idx; }
          }
        }
        out[oBase + oh * outW + ow] = best;
        argmax[oBase + oh * outW + ow] = bestIdx;
      }
    }
  }
  if (p.relu) reluPooled(out, argmax, p);
}

/** ReLU on pooled outputs: where the maximum is not > 0 the output becomes 0 and passes no gradient. */
function reluPooled(out: Storage, argmax: Storage, p: Pool2dParams): void {
  const size = p.n * p.c * p.outH * p.outW;
  for (let i = 0; i < size; i++) {
    if (!(out[i] > 0)) { out[i] = 0; argmax[i] = -1; }
  }
}

/**
 * 2x2 windows, stride 2, no padding, every window inside the input. Written without
 * data-dependent branches: on random or post-ReLU data a compare-and-branch per tap mispredicts
 * about once per window, which made this loop 3x slower. The pick is a small tournament on
 * indices (comparisons turned into 0/1 with unary plus, which TurboFan compiles to setcc):
 * the better of the top pair, the better of the bottom pair, then the better of those two,
 * each time keeping the earlier tap on ties, which is the first maximum in row-major order.
 * Windows holding a NaN (their sum is NaN) take the general rule.
 */
function maxPool2x2(x: Storage, out: Storage, argmax: Storage, p: Pool2dParams): void {
  const { h, w, outH, outW } = p;
  const planes = p.n * p.c;
  for (let pl = 0; pl < planes; pl++) {
    const xBase = pl * h * w;
    let o = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      let i0 = xBase + 2 * oh * w; // the window's top-left tap
      for (let ow = 0; ow < outW; ow++, o++, i0 += 2) {
        const i1 = i0 + w;
        const v0 = x[i0], v1 = x[i0 + 1], v2 = x[i1], v3 = x[i1 + 1];
        const s = v0 + v1 + v2 + v3;
        if (s !== s) {
          const best = firstMaxOf4(v0, v1, v2, v3);
          out[o] = best === 0 ? v0 : best === 1 ? v1 : best === 2 ? v2 : v3;
          argmax[o] = (best < 2 ? i0 + best : i1 + best - 2) - xBase;
          continue;
        }
        const top = i0 + +(v1 > v0), bottom = i1 + +(v3 > v2);
        const pick = top + +(x[bottom] > x[top]) * (bottom - top);
        out[o] = x[pick];
        argmax[o] = pick - xBase;
      }
    }
  }
}

/** Position (0..3) of the first maximum, NaN counting as the maximum. */
function firstMaxOf4(v0: number, v1: number, v2: number, v3: number): number {
  let best = v0, at = 0;
  if (v1 > best || (v1 !== v1 && best === best)) { best = v1; at = 1; }
  if (v2 > best || (v2 !== v2 && best === best)) { best = v2; at = 2; }
  if (v3 > best || (v3 !== v3 && best === best)) { at = 3; }
  return at;
}

// (For non-overlapping 2x2 windows, writing each window's four gradients outright instead of
// clearing dx and scattering was tried: 20% slower than fill + scatter, since fill is a memset.)
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

/**
 * The taps of each output position of one axis: input positions [start, end) step `dilation`
 * clipped to the input, and the divisor's share along this axis.
 */
interface AxisWindows { start: Int32Array; end: Int32Array; span: Float64Array }

function axisWindows(size: number, outSize: number, k: number, stride: number, pad: number, dilation: number,
  countIncludePad: boolean): AxisWindows {
  const start = new Int32Array(outSize), end = new Int32Array(outSize), span = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const s = o * stride - pad;
    let lo = s, hi = s + (k - 1) * dilation + 1;
    // PyTorch divides by the window clipped to the padded input when padding counts
    const paddedSpan = Math.ceil((Math.min(hi, size + pad) - s) / dilation);
    while (lo < 0) lo += dilation;
    if (hi > size) hi = size;
    start[o] = lo; end[o] = Math.max(lo, hi);
    span[o] = countIncludePad ? paddedSpan : Math.max(0, Math.ceil((hi - lo) / dilation));
  }
  return { start, end, span };
}

export function avgPool2d(x: Storage, out: Storage, p: Pool2dParams): void {
  const { h, w, outH, outW, dilationH, dilationW } = p;
  const rows = axisWindows(h, outH, p.kh, p.strideH, p.padH, dilationH, p.countIncludePad);
  const cols = axisWindows(w, outW, p.kw, p.strideW, p.padW, dilationW, p.countIncludePad);
  const planes = p.n * p.c;
  for (let pl = 0; pl < planes; pl++) {
    const xBase = pl * h * w;
    let o = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = rows.start[oh], h1 = rows.end[oh];
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = cols.start[ow], w1 = cols.end[ow];
        let s = 0;
        for (let ih = h0; ih < h1; ih += dilationH) {
          for (let iw = w0; iw < w1; iw += dilationW) s += x[xBase + ih * w + iw];
        }
        const div = rows.span[oh] * cols.span[ow];
        out[o] = div > 0 ? s / div : 0;
      }
    }
  }
}

export function avgPool2dBackward(dy: Storage, dx: Storage, p: Pool2dParams): void {
  const { h, w, outH, outW, dilationH, dilationW } = p;
  const rows = axisWindows(h, outH, p.kh, p.strideH, p.padH, dilationH, p.countIncludePad);
  const cols = axisWindows(w, outW, p.kw, p.strideW, p.padW, dilationW, p.countIncludePad);
  const planes = p.n * p.c;
  dx.fill(0);
  for (let pl = 0; pl < planes; pl++) {
    const xBase = pl * h * w;
    let o = pl * outH * outW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = rows.start[oh], h1 = rows.end[oh];
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = cols.start[ow], w1 = cols.end[ow];
        const div = rows.span[oh] * cols.span[ow];
        const g = div > 0 ? dy[o] / div : 0;
        for (let ih = h0; ih < h1; ih += dilationH) {
          for (let iw = w0; iw < w1; iw += dilationW) dx[xBase + ih * w + iw] += g;
        }
      }
    }
  }
}
