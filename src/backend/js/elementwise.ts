// Elementwise kernels. Every op has its own small loop function (rather than one generic loop
// calling an op callback per element) so that V8 compiles each loop monomorphically with the
// arithmetic inlined; the broadcasting driver calls them once per row, not per element.

import type { BinaryOp, Storage, UnaryOp } from '../backend.js';
import { erfFast, erfPrecise, gelu, geluDerivative } from './math.js';
import { forEachRow, planBroadcast } from './broadcast.js';

type UnaryLoop = (x: Storage, out: Storage, n: number, p0: number, p1: number) => void;

const erfFor = (out: Storage) => (out instanceof Float64Array ? erfPrecise : erfFast);

const UNARY: Record<UnaryOp, UnaryLoop> = {
  neg: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = -x[i]; },
  abs: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]); },
  sign: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.sign(x[i]); },
  exp: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]); },
  log: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.log(x[i]); },
  log1p: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.log1p(x[i]); },
  sqrt: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]); },
  rsqrt: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = 1 / Math.sqrt(x[i]); },
  square: (x, o, n) => { for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v * v; } },
  reciprocal: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = 1 / x[i]; },
  sin: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.sin(x[i]); },
  cos: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.cos(x[i]); },
  tanh: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]); },
  sigmoid: (x, o, n) => {
    // two branches keep exp() from overflowing for large |x|
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
      else { const e = Math.exp(v); o[i] = e / (1 + e); }
    }
  },
  softplus: (x, o, n) => {
    for (let i = 0; i < n; i++) { const v = x[i]; o[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))); }
  },
  relu: (x, o, n) => { for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v > 0 ? v : 0; } },
  gelu: (x, o, n) => { const erf = erfFor(o); for (let i = 0; i < n; i++) o[i] = gelu(x[i], erf); },
  erf: (x, o, n) => { const erf = erfFor(o); for (let i = 0; i < n; i++) o[i] = erf(x[i]); },
  floor: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.floor(x[i]); },
  ceil: (x, o, n) => { for (let i = 0; i < n; i++) o[i] = Math.ceil(x[i]); },
  // round half to even, as PyTorch and NumPy do
  round: (x, o, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i], r = Math.round(v);
      o[i] = Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
  },
  leakyRelu: (x, o, n, slope) => { for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v > 0 ? v : v * slope; } },
  powScalar: (x, o, n, e) => {
    if (e === 2) { for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v * v; } return; }
    for (let i = 0; i < n; i++) o[i] = Math.pow(x[i], e);
  },
  clamp: (x, o, n, lo, hi) => { for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v < lo ? lo : v > hi ? hi : v; } },
  affine: (x, o, n, scale, shift) => { for (let i = 0; i < n; i++) o[i] = x[i] * scale + shift; },
};

export function unary(op: UnaryOp, x: Storage, out: Storage, p0 = 0, p1 = 0): void {
  UNARY[op](x, out, out.length, p0, p1);
}

/** A row of a binary op: out[o + i] = f(a[ai + i*as], b[bi + i*bs]) for i < n. */
type BinaryRow = (out: Storage, o: number, a: Storage, ai: number, as: number,
  b: Storage, bi: number, bs: number, n: number, p: number) => void;

const BINARY: Record<BinaryOp, BinaryRow> = {
  add: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] + b[bi + i * bs]; },
  sub: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] - b[bi + i * bs]; },
  mul: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] * b[bi + i * bs]; },
  div: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] / b[bi + i * bs]; },
  pow: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = Math.pow(a[ai + i * as], b[bi + i * bs]); },
  // NaN propagates, as in PyTorch's maximum/minimum
  maximum: (out, o, a, ai, as, b, bi, bs, n) => {
    for (let i = 0; i < n; i++) { const x = a[ai + i * as], y = b[bi + i * bs]; out[o + i] = x !== x || x > y ? x : y; }
  },
  minimum: (out, o, a, ai, as, b, bi, bs, n) => {
    for (let i = 0; i < n; i++) { const x = a[ai + i * as], y = b[bi + i * bs]; out[o + i] = x !== x || x < y ? x : y; }
  },
  eq: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] === b[bi + i * bs] ? 1 : 0; },
  ne: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] !== b[bi + i * bs] ? 1 : 0; },
  lt: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] < b[bi + i * bs] ? 1 : 0; },
  le: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] <= b[bi + i * bs] ? 1 : 0; },
  gt: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] > b[bi + i * bs] ? 1 : 0; },
  ge: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] >= b[bi + i * bs] ? 1 : 0; },
  reluGrad: (out, o, a, ai, as, b, bi, bs, n) => { for (let i = 0; i < n; i++) out[o + i] = b[bi + i * bs] > 0 ? a[ai + i * as] : 0; },
  leakyReluGrad: (out, o, a, ai, as, b, bi, bs, n, slope) => {
    for (let i = 0; i < n; i++) { const g = a[ai + i * as]; out[o + i] = b[bi + i * bs] > 0 ? g : g * slope; }
  },
  sigmoidGrad: (out, o, a, ai, as, b, bi, bs, n) => {
    for (let i = 0; i < n; i++) { const y = b[bi + i * bs]; out[o + i] = a[ai + i * as] * y * (1 - y); }
  },
  tanhGrad: (out, o, a, ai, as, b, bi, bs, n) => {
    for (let i = 0; i < n; i++) { const y = b[bi + i * bs]; out[o + i] = a[ai + i * as] * (1 - y * y); }
  },
  geluGrad: (out, o, a, ai, as, b, bi, bs, n) => {
    const erf = erfFor(out);
    for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] * geluDerivative(b[bi + i * bs], erf);
  },
};

export function binary(op: BinaryOp, a: Storage, aShape: readonly number[], b: Storage, bShape: readonly number[],
  out: Storage, outShape: readonly number[], p = 0): void {
  const row = BINARY[op];
  if (a.length === out.length && b.length === out.length) { row(out, 0, a, 0, 1, b, 0, 1, out.length, p); return; }
  const plan = planBroadcast(outShape, [aShape, bShape]);
  const last = plan.dims.length - 1;
  const as = plan.strides[1][last], bs = plan.strides[2][last];
  forEachRow(plan, (off, n) => row(out, off[0], a, off[1], as, b, off[2], bs, n, p));
}

export function where(cond: Storage, condShape: readonly number[], a: Storage, aShape: readonly number[],
  b: Storage, bShape: readonly number[], out: Storage, outShape: readonly number[]): void {
  const plan = planBroadcast(outShape, [condShape, aShape, bShape]);
  const last = plan.dims.length - 1;
  const cs = plan.strides[1][last], as = plan.strides[2][last], bs = plan.strides[3][last];
  forEachRow(plan, (off, n) => {
    const o = off[0], ci = off[1], ai = off[2], bi = off[3];
    for (let i = 0; i < n; i++) out[o + i] = cond[ci + i * cs] !== 0 ? a[ai + i * as] : b[bi + i * bs];
  });
}
