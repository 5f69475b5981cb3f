// The js backend's convolution and pooling kernels against direct implementations of their
// definitions, on random geometries (stride, padding, dilation, groups, odd sizes, batches that
// split into uneven chunks), plus the adjoint identities that tie the three convolution
// kernels together: <conv(x, w), dy> = <x, dX(dy, w)> = <w, dW(x, dy)>.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2d, conv2dBackwardData, conv2dBackwardWeight } from '../../src/backend/js/conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from '../../src/backend/js/pool.js';
import type { Conv2dParams, Pool2dParams } from '../../src/backend/backend.js';
import type { TypedArray } from '../../src/dtype/dtype.js';
import { mulberry32 as rng } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;

function randomArray(ctor: Ctor, size: number, rand: () => number): TypedArray {
  const a = new ctor(size);
  for (let i = 0; i < size; i++) a[i] = ctor === Int32Array ? Math.floor(rand() * 10) - 5 : rand() * 2 - 1;
  return a;
}

const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

function outSize(size: number, k: number, stride: number, pad: number, dil: number): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

function convParams(n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number,
  o: Partial<Conv2dParams> = {}): Conv2dParams {
  const p = { n, cIn, h, w, cOut, kh, kw, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
    groups: 1, outH: 0, outW: 0, ...o };
  p.outH = outSize(h, kh, p.strideH, p.padH, p.dilationH);
  p.outW = outSize(w, kw, p.strideW, p.padW, p.dilationW);
  return p;
}

function randomConv(rand: () => number): Conv2dParams {
  for (;;) {
    const groups = int(rand, 1, 3), kh = int(rand, 1, 4), kw = int(rand, 1, 4);
    const p = convParams(int(rand, 1, 4), groups * int(rand, 1, 3), int(rand, 1, 11), int(rand, 1, 11),
      groups * int(rand, 1, 4), kh, kw, {
        strideH: int(rand, 1, 3), strideW: int(rand, 1, 3), padH: int(rand, 0, 2), padW: int(rand, 0, 2),
        dilationH: int(rand, 1, 2), dilationW: int(rand, 1, 2), groups,
      });
    if (p.outH >= 1 && p.outW >= 1) return p;
  }
}

/** Visits every (output, input, weight) index triple of the convolution's sum. */
function forEachTap(p: Conv2dParams, visit: (yi: number, xi: number, wi: number) => void): void {
  const cinG = p.cIn / p.groups, coutG = p.cOut / p.groups;
  for (let b = 0; b < p.n; b++) for (let co = 0; co < p.cOut; co++) {
    const g = Math.floor(co / coutG);
    for (let oh = 0; oh < p.outH; oh++) for (let ow = 0; ow < p.outW; ow++) {
      const yi = ((b * p.cOut + co) * p.outH + oh) * p.outW + ow;
      for (let ci = 0; ci < cinG; ci++) for (let ki = 0; ki < p.kh; ki++) for (let kj = 0; kj < p.kw; kj++) {
        const ih = oh * p.strideH - p.padH + ki * p.dilationH, iw = ow * p.strideW - p.padW + kj * p.dilationW;
        if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w) continue;
        visit(yi, ((b * p.cIn + g * cinG + ci) * p.h + ih) * p.w + iw, ((co * cinG + ci) * p.kh + ki) * p.kw + kj);
      }
    }
  }
}

function sizes(p: Conv2dParams) {
  return { x: p.n * p.cIn * p.h * p.w, w: p.cOut * (p.cIn / p.groups) * p.kh * p.kw, y: p.n * p.cOut * p.outH * p.outW };
}

/** Error bound rel * (|terms| + 1) per element: the rounding of a sum grows with its terms' magnitudes. */
const bound = (mag: Float64Array, rel: number) => mag.map((m) => rel * (m + 1));

function checkConv(ctor: Ctor, p: Conv2dParams, seed: number, withBias = true): void {
  const rand = rng(seed);
  const s = sizes(p);
  const x = randomArray(ctor, s.x, rand), w = randomArray(ctor, s.w, rand), dy = randomArray(ctor, s.y, rand);
  const bias = withBias ? randomArray(ctor, p.cOut, rand) : null;
  const rel = ctor === Float32Array ? 1e-6 : ctor === Float64Array ? 1e-14 : 0;
  const what = `${ctor.name} ${JSON.stringify(p)}`;

  const y = new Float64Array(s.y), yMag = new Float64Array(s.y);
  const dx = new Float64Array(s.x), dxMag = new Float64Array(s.x);
  const dw = new Float64Array(s.w), dwMag = new Float64Array(s.w);
  if (bias) for (let i = 0; i < s.y; i++) { const c = Math.floor(i / (p.outH * p.outW)) % p.cOut; y[i] = bias[c]; yMag[i] = Math.abs(bias[c]); }
  forEachTap(p, (yi, xi, wi) => {
    y[yi] += x[xi] * w[wi]; yMag[yi] += Math.abs(x[xi] * w[wi]);
    dx[xi] += dy[yi] * w[wi]; dxMag[xi] += Math.abs(dy[yi] * w[wi]);
    dw[wi] += dy[yi] * x[xi]; dwMag[wi] += Math.abs(dy[yi] * x[xi]);
  });

  const out = new ctor(s.y).fill(77), gx = new ctor(s.x).fill(77), gw = new ctor(s.w).fill(77);
  conv2d(x, w, bias, out, p);
  assertClose(out, y, { rtol: 0, atol: bound(yMag, rel), label: `forward ${what}` });
  conv2dBackwardData(dy, w, gx, p);
  assertClose(gx, dx, { rtol: 0, atol: bound(dxMag, rel), label: `backward data ${what}` });
  conv2dBackwardWeight(x, dy, gw, p);
  assertClose(gw, dw, { rtol: 0, atol: bound(dwMag, rel), label: `backward weight ${what}` });
}

test('conv2d: random geometries (stride, padding, dilation, groups), float64, against the definition', () => {
  const rand = rng(11);
  for (let it = 0; it < 150; it++) checkConv(Float64Array, randomConv(rand), 100 + it, it % 3 !== 0);
});

test('conv2d: float32 and int32', () => {
  const rand = rng(12);
  for (let it = 0; it < 40; it++) {
    checkConv(Float32Array, randomConv(rand), 300 + it);
    checkConv(Int32Array, randomConv(rand), 400 + it);
  }
});

test('conv2d: pointwise (1x1) and degenerate shapes', () => {
  let seed = 500;
  checkConv(Float64Array, convParams(3, 4, 5, 6, 7, 1, 1), seed++);
  checkConv(Float64Array, convParams(2, 6, 3, 3, 4, 1, 1, { groups: 2 }), seed++);
  checkConv(Float64Array, convParams(2, 3, 4, 4, 5, 1, 1, { strideH: 2, strideW: 2 }), seed++); // not pointwise
  checkConv(Float64Array, convParams(2, 3, 4, 4, 5, 1, 1, { padH: 1 }), seed++);
  checkConv(Float64Array, convParams(1, 1, 1, 1, 1, 1, 1), seed++);
  checkConv(Float64Array, convParams(0, 2, 5, 5, 3, 3, 3), seed++);
  checkConv(Float64Array, convParams(2, 1, 3, 3, 2, 3, 3), seed++); // a single output position
  checkConv(Float64Array, convParams(2, 2, 2, 2, 2, 3, 3, { padH: 1, padW: 1 }), seed++); // taps mostly in padding
  checkConv(Float64Array, convParams(1, 2, 7, 3, 2, 2, 3, { padH: 2, padW: 2, strideH: 3, strideW: 2, dilationH: 2 }), seed++);
});

test('conv2d: few taps per output, odd widths and channel counts', () => {
  let seed = 550;
  checkConv(Float64Array, convParams(2, 1, 7, 9, 3, 3, 3), seed++); // odd output width, odd channel count
  checkConv(Float64Array, convParams(2, 3, 6, 6, 4, 3, 3, { padH: 1, padW: 1 }), seed++); // K = 27
  checkConv(Float64Array, convParams(2, 2, 9, 8, 5, 5, 3, { padH: 2, padW: 1 }), seed++); // K = 30
  checkConv(Float64Array, convParams(3, 2, 9, 8, 4, 2, 3, { groups: 2, strideH: 2, dilationH: 2 }), seed++);
  checkConv(Float64Array, convParams(1, 1, 5, 3, 1, 1, 3), seed++); // one output column
  checkConv(Float32Array, convParams(2, 1, 12, 11, 6, 4, 3, { padW: 2 }), seed++, false);
  checkConv(Int32Array, convParams(2, 3, 5, 6, 3, 3, 3), seed++);
});

test('conv2d: seed CNN layers and batches that split into uneven chunks', () => {
  let seed = 600;
  checkConv(Float32Array, convParams(3, 1, 28, 28, 32, 3, 3), seed++);
  checkConv(Float32Array, convParams(5, 32, 13, 13, 64, 3, 3), seed++);
  checkConv(Float32Array, convParams(67, 64, 5, 5, 64, 3, 3), seed++); // hw = 9: many images per GEMM
  checkConv(Float64Array, convParams(7, 3, 12, 12, 5, 3, 3), seed++); // hw = 100: chunks of 4 and 3
  checkConv(Float64Array, convParams(9, 4, 9, 9, 6, 3, 3, { padH: 1, padW: 1, groups: 2 }), seed++);
});

function dot(a: TypedArray, b: TypedArray): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

test('conv2d: backward kernels are the adjoints of the forward', () => {
  const rand = rng(13);
  for (let it = 0; it < 40; it++) {
    const p = randomConv(rand);
    const s = sizes(p);
    const x = randomArray(Float64Array, s.x, rand), w = randomArray(Float64Array, s.w, rand);
    const dy = randomArray(Float64Array, s.y, rand);
    const y = new Float64Array(s.y), dx = new Float64Array(s.x), dw = new Float64Array(s.w);
    conv2d(x, w, null, y, p);
    conv2dBackwardData(dy, w, dx, p);
    conv2dBackwardWeight(x, dy, dw, p);
    const lhs = dot(y, dy), viaX = dot(x, dx), viaW = dot(w, dw);
    const tol = { rtol: 1e-12, atol: 1e-12 };
    assertClose(viaX, lhs, { ...tol, label: `<x, dX> against <conv(x), dy> for ${JSON.stringify(p)}` });
    assertClose(viaW, lhs, { ...tol, label: `<w, dW> against <conv(x), dy> for ${JSON.stringify(p)}` });
  }
});

// --- pooling ---------------------------------------------------------------------------------

function poolParams(n: number, c: number, h: number, w: number, kh: number, kw: number,
  o: Partial<Pool2dParams> & { ceil?: boolean } = {}): Pool2dParams {
  const p: Pool2dParams = { n, c, h, w, kh, kw, strideH: kh, strideW: kw, padH: 0, padW: 0, dilationH: 1, dilationW: 1,
    outH: 0, outW: 0, countIncludePad: true, ...o };
  // PyTorch's output size; ceil mode drops a last window that would start in the right padding
  const size = (len: number, k: number, s: number, pad: number, d: number) => {
    const span = len + 2 * pad - d * (k - 1) - 1;
    let out = (o.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (o.ceil && (out - 1) * s >= len + pad) out--;
    return out;
  };
  p.outH = size(h, kh, p.strideH, p.padH, p.dilationH);
  p.outW = size(w, kw, p.strideW, p.padW, p.dilationW);
  return p;
}

function naiveMaxPool(x: TypedArray, p: Pool2dParams) {
  const ohw = p.outH * p.outW, out = new Float64Array(p.n * p.c * ohw), arg = new Int32Array(out.length);
  for (let pl = 0; pl < p.n * p.c; pl++) for (let oh = 0; oh < p.outH; oh++) for (let ow = 0; ow < p.outW; ow++) {
    let best = -Infinity, bestIdx = -1;
    for (let ki = 0; ki < p.kh; ki++) for (let kj = 0; kj < p.kw; kj++) {
      const ih = oh * p.strideH - p.padH + ki * p.dilationH, iw = ow * p.strideW - p.padW + kj * p.dilationW;
      if (ih < 0 || ih >= p.h || iw < 0 || iw >= p.w) continue;
      const v = x[pl * p.h * p.w + ih * p.w + iw];
      if (bestIdx < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) { best = v; bestIdx = ih * p.w + iw; }
    }
    out[pl * ohw + oh * p.outW + ow] = best;
    arg[pl * ohw + oh * p.outW + ow] = bestIdx;
  }
  return { out, arg };
}

function checkMaxPool(ctor: Ctor, p: Pool2dParams, seed: number, ties = false): void {
  const rand = rng(seed);
  const x = randomArray(ctor, p.n * p.c * p.h * p.w, rand);
  if (ties) for (let i = 0; i < x.length; i++) x[i] = Math.floor(x[i] * 2); // many equal values
  const { out: ref, arg: refArg } = naiveMaxPool(x, p);
  const out = new ctor(ref.length).fill(7), arg = new Int32Array(ref.length).fill(7);
  maxPool2d(x, out, arg, p);
  const what = `${ctor.name} ${JSON.stringify(p)}`;
  for (let i = 0; i < ref.length; i++) {
    assert.ok(Object.is(out[i], ctor === Float32Array ? Math.fround(ref[i]) : ref[i]) || out[i] === ref[i], `max ${what} [${i}] ${out[i]} vs ${ref[i]}`);
    assert.equal(arg[i], refArg[i], `argmax ${what} [${i}]`);
  }
  const dy = randomArray(ctor, ref.length, rand), dx = new ctor(x.length).fill(9);
  const refDx = new Float64Array(x.length);
  const hw = p.h * p.w, ohw = p.outH * p.outW;
  for (let i = 0; i < ref.length; i++) if (refArg[i] >= 0) refDx[Math.floor(i / ohw) * hw + refArg[i]] += dy[i];
  maxPool2dBackward(dy, arg, dx, p);
  assertClose(dx, refDx, { rtol: 0, atol: 5e-6, label: `max backward ${what}` });
}

test('maxPool2d: kernel 2 stride 2 (the fast path), odd sizes, float32/float64/int32, ties', () => {
  let seed = 700;
  for (const [h, w] of [[26, 26], [11, 11], [2, 2], [1, 1], [3, 5], [7, 4], [1, 6]]) {
    checkMaxPool(Float32Array, poolParams(3, 2, h, w, 2, 2), seed++);
    checkMaxPool(Float64Array, poolParams(2, 3, h, w, 2, 2), seed++, true);
    checkMaxPool(Int32Array, poolParams(2, 1, h, w, 2, 2), seed++, true);
  }
});

test('maxPool2d: padding, dilation, overlapping windows, ceil-mode shapes', () => {
  const rand = rng(14);
  let seed = 800;
  for (let it = 0; it < 80; it++) {
    const kh = int(rand, 1, 4), kw = int(rand, 1, 4);
    const p = poolParams(int(rand, 1, 3), int(rand, 1, 3), int(rand, 1, 12), int(rand, 1, 12), kh, kw, {
      strideH: int(rand, 1, 3), strideW: int(rand, 1, 3), padH: int(rand, 0, kh >> 1), padW: int(rand, 0, kw >> 1),
      dilationH: int(rand, 1, 2), dilationW: int(rand, 1, 2), ceil: rand() < 0.5,
    });
    if (p.outH < 1 || p.outW < 1) continue;
    checkMaxPool(it % 2 ? Float32Array : Float64Array, p, seed++, it % 3 === 0);
  }
});

test('maxPool2d: NaN wins and propagates', () => {
  const x = new Float32Array([1, NaN, 3, 4, 5, 6, 7, 8]);
  const p = poolParams(1, 1, 2, 4, 2, 2);
  const out = new Float32Array(2), arg = new Int32Array(2);
  maxPool2d(x, out, arg, p);
  assert.ok(Number.isNaN(out[0]));
  assert.equal(arg[0], 1);
  assert.equal(out[1], 8);
  assert.equal(arg[1], 7);
});

function naiveAvgPool(x: TypedArray, p: Pool2dParams): Float64Array {
  // PyTorch avg_pool2d (no dilation): the window is clipped to the padded input for the
  // divisor when padding is counted, and to the input itself otherwise.
  const ohw = p.outH * p.outW, out = new Float64Array(p.n * p.c * ohw);
  for (let pl = 0; pl < p.n * p.c; pl++) for (let oh = 0; oh < p.outH; oh++) for (let ow = 0; ow < p.outW; ow++) {
    const hs = oh * p.strideH - p.padH, ws = ow * p.strideW - p.padW;
    const he = Math.min(hs + p.kh, p.h + p.padH), we = Math.min(ws + p.kw, p.w + p.padW);
    const padded = (he - hs) * (we - ws);
    let s = 0, count = 0;
    for (let ih = Math.max(hs, 0); ih < Math.min(he, p.h); ih++) for (let iw = Math.max(ws, 0); iw < Math.min(we, p.w); iw++) {
      s += x[pl * p.h * p.w + ih * p.w + iw]; count++;
    }
    const div = p.countIncludePad ? padded : count;
    out[pl * ohw + oh * p.outW + ow] = div > 0 ? s / div : 0;
  }
  return out;
}

test('avgPool2d: forward against the definition, backward as its adjoint', () => {
  const rand = rng(15);
  let seed = 900;
  for (let it = 0; it < 80; it++) {
    const kh = int(rand, 1, 4), kw = int(rand, 1, 4);
    const p = poolParams(int(rand, 1, 3), int(rand, 1, 3), int(rand, 1, 12), int(rand, 1, 12), kh, kw, {
      strideH: int(rand, 1, 3), strideW: int(rand, 1, 3), padH: int(rand, 0, kh >> 1), padW: int(rand, 0, kw >> 1),
      countIncludePad: rand() < 0.5, ceil: rand() < 0.5,
    });
    if (p.outH < 1 || p.outW < 1) continue;
    const r = rng(seed++);
    const x = randomArray(Float64Array, p.n * p.c * p.h * p.w, r);
    const ref = naiveAvgPool(x, p);
    const out = new Float64Array(ref.length).fill(5);
    avgPool2d(x, out, p);
    assertClose(out, ref, { rtol: 0, atol: 2e-14, label: `avg ${JSON.stringify(p)}` });
    const dy = randomArray(Float64Array, ref.length, r), dx = new Float64Array(x.length).fill(5);
    avgPool2dBackward(dy, dx, p);
    const lhs = dot(out, dy), rhs = dot(x, dx);
    assertClose(rhs, lhs, { rtol: 1e-12, atol: 1e-12, label: `avg adjoint ${JSON.stringify(p)}` });
  }
});

test('maxPool2d with kernel 2, stride 2 and dilation 2 takes the dilated taps (not the 2x2 fast path)', () => {
  // one 4x4 plane 0..15: the dilated window at (0,0) covers 0, 2, 8, 10 -> max 10
  const x = Float32Array.from({ length: 16 }, (_, i) => i);
  const out = new Float32Array(1), argmax = new Int32Array(1);
  maxPool2d(x, out, argmax, { n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0,
    dilationH: 2, dilationW: 2, outH: 1, outW: 1, countIncludePad: true });
  assert.equal(out[0], 10);
  assert.equal(argmax[0], 10);
});
