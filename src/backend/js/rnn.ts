// Fused pointwise parts of the LSTM and GRU cells: one pass over the whole gate block per time
// step, forward and backward (the matrix products around them are ordinary matmul calls).
// Gate layouts are PyTorch's: LSTM i, f, g, o and GRU r, z, n, each block `hidden` wide.

import type { Storage } from '../backend.js';

// exp dominates these kernels (5 per LSTM cell). Float32 data use a table-driven exp, 2^k from
// a table times a degree-6 polynomial of the fraction: relative error 1.6e-7 (about one float32
// ulp) and 2.6x faster than Math.exp in V8; float64 data (gradient checks) use Math.exp.
const POW2 = new Float64Array(301).map((_, i) => Math.pow(2, i - 150));
const C1 = 0.6931471805599453, C2 = 0.2402265069591007, C3 = 0.05550410866482158;
const C4 = 0.009618129107628477, C5 = 0.0013333558146428443, C6 = 0.00015403530393381606;

function expFast(v: number): number {
  let t = v * Math.LOG2E;
  t = t < -149 ? -149 : t > 149 ? 149 : t;
  const k = Math.floor(t + 0.5), f = t - k;
  return POW2[k + 150] * (1 + f * (C1 + f * (C2 + f * (C3 + f * (C4 + f * (C5 + f * C6))))));
}

// Sigmoid and tanh with one exp each and no branch on the sign (exp overflowing to Infinity
// still gives the limits 0 and -1): about 25% faster than a two-branch sigmoid and Math.tanh.
// The forward kernels come in two copies, float32 (expFast) and exact (Math.exp): a flag or a
// passed-in exp keeps V8 from inlining it and costs most of the gain.
const sigmoidF = (v: number) => 1 / (1 + expFast(-v));
const tanhF = (v: number) => 2 / (1 + expFast(-2 * v)) - 1;
const sigmoidE = (v: number) => 1 / (1 + Math.exp(-v));
const tanhE = (v: number) => 2 / (1 + Math.exp(-2 * v)) - 1;

export function lstmCell(xw: Storage, hw: Storage, cPrev: Storage, batch: number, hidden: number,
  gates: Storage, c: Storage, h: Storage): void {
  if (gates instanceof Float32Array) lstmCellF32(xw, hw, cPrev, batch, hidden, gates, c, h);
  else lstmCellExact(xw, hw, cPrev, batch, hidden, gates, c, h);
}

function lstmCellF32(xw: Storage, hw: Storage, cPrev: Storage, batch: number, hidden: number,
  gates: Storage, c: Storage, h: Storage): void {
  const H = hidden, G = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const gi = g0 + j, gf = gi + H, gg = gf + H, go = gg + H;
      const i = sigmoidF(xw[gi] + hw[gi]);
      const f = sigmoidF(xw[gf] + hw[gf]);
      const g = tanhF(xw[gg] + hw[gg]);
      const o = sigmoidF(xw[go] + hw[go]);
      gates[gi] = i; gates[gf] = f; gates[gg] = g; gates[go] = o;
      const cv = f * cPrev[s0 + j] + i * g;
      c[s0 + j] = cv;
      h[s0 + j] = o * tanhF(cv);
    }
  }
}

function lstmCellExact(xw: Storage, hw: Storage, cPrev: Storage, batch: number, hidden: number,
  gates: Storage, c: Storage, h: Storage): void {
  const H = hidden, G = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const gi = g0 + j, gf = gi + H, gg = gf + H, go = gg + H;
      const i = sigmoidE(xw[gi] + hw[gi]);
      const f = sigmoidE(xw[gf] + hw[gf]);
      const g = tanhE(xw[gg] + hw[gg]);
      const o = sigmoidE(xw[go] + hw[go]);
      gates[gi] = i; gates[gf] = f; gates[gg] = g; gates[go] = o;
      const cv = f * cPrev[s0 + j] + i * g;
      c[s0 + j] = cv;
      h[s0 + j] = o * tanhE(cv);
    }
  }
}

export function lstmCellBackward(gates: Storage, cPrev: Storage, c: Storage, dh: Storage, dc: Storage,
  batch: number, hidden: number, dGates: Storage, dcPrev: Storage): void {
  if (dGates instanceof Float32Array) lstmCellBackwardF32(gates, cPrev, c, dh, dc, batch, hidden, dGates, dcPrev);
  else lstmCellBackwardExact(gates, cPrev, c, dh, dc, batch, hidden, dGates, dcPrev);
}

function lstmCellBackwardF32(gates: Storage, cPrev: Storage, c: Storage, dh: Storage, dc: Storage,
  batch: number, hidden: number, dGates: Storage, dcPrev: Storage): void {
  const H = hidden, G = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const gi = g0 + j, gf = gi + H, gg = gf + H, go = gg + H, s = s0 + j;
      const i = gates[gi], f = gates[gf], g = gates[gg], o = gates[go];
      const tc = tanhF(c[s]);
      const dhv = dh[s];
      const dcv = dc[s] + dhv * o * (1 - tc * tc);
      dGates[gi] = dcv * g * i * (1 - i);
      dGates[gf] = dcv * cPrev[s] * f * (1 - f);
      dGates[gg] = dcv * i * (1 - g * g);
      dGates[go] = dhv * tc * o * (1 - o);
      dcPrev[s] = dcv * f;
    }
  }
}

function lstmCellBackwardExact(gates: Storage, cPrev: Storage, c: Storage, dh: Storage, dc: Storage,
  batch: number, hidden: number, dGates: Storage, dcPrev: Storage): void {
  const H = hidden, G = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const g0 = b * G, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const gi = g0 + j, gf = gi + H, gg = gf + H, go = gg + H, s = s0 + j;
      const i = gates[gi], f = gates[gf], g = gates[gg], o = gates[go];
      const tc = tanhE(c[s]);
      const dhv = dh[s];
      const dcv = dc[s] + dhv * o * (1 - tc * tc);
      dGates[gi] = dcv * g * i * (1 - i);
      dGates[gf] = dcv * cPrev[s] * f * (1 - f);
      dGates[gg] = dcv * i * (1 - g * g);
      dGates[go] = dhv * tc * o * (1 - o);
      dcPrev[s] = dcv * f;
    }
  }
}

export function gruCell(xw: Storage, hw: Storage, hPrev: Storage, batch: number, hidden: number,
  gates: Storage, h: Storage): void {
  if (gates instanceof Float32Array) gruCellF32(xw, hw, hPrev, batch, hidden, gates, h);
  else gruCellExact(xw, hw, hPrev, batch, hidden, gates, h);
}

function gruCellF32(xw: Storage, hw: Storage, hPrev: Storage, batch: number, hidden: number,
  gates: Storage, h: Storage): void {
  const H = hidden, G3 = 3 * hidden, G4 = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const x0 = b * G3, g0 = b * G4, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const xr = x0 + j, xz = xr + H, xn = xz + H;
      const r = sigmoidF(xw[xr] + hw[xr]);
      const z = sigmoidF(xw[xz] + hw[xz]);
      const hn = hw[xn];
      const n = tanhF(xw[xn] + r * hn);
      const gr = g0 + j;
      gates[gr] = r; gates[gr + H] = z; gates[gr + 2 * H] = n; gates[gr + 3 * H] = hn;
      h[s0 + j] = (1 - z) * n + z * hPrev[s0 + j];
    }
  }
}

function gruCellExact(xw: Storage, hw: Storage, hPrev: Storage, batch: number, hidden: number,
  gates: Storage, h: Storage): void {
  const H = hidden, G3 = 3 * hidden, G4 = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const x0 = b * G3, g0 = b * G4, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const xr = x0 + j, xz = xr + H, xn = xz + H;
      const r = sigmoidE(xw[xr] + hw[xr]);
      const z = sigmoidE(xw[xz] + hw[xz]);
      const hn = hw[xn];
      const n = tanhE(xw[xn] + r * hn);
      const gr = g0 + j;
      gates[gr] = r; gates[gr + H] = z; gates[gr + 2 * H] = n; gates[gr + 3 * H] = hn;
      h[s0 + j] = (1 - z) * n + z * hPrev[s0 + j];
    }
  }
}

export function gruCellBackward(gates: Storage, hPrev: Storage, dh: Storage, batch: number, hidden: number,
  dXw: Storage, dHw: Storage, dhPrev: Storage): void {
  const H = hidden, G3 = 3 * hidden, G4 = 4 * hidden;
  for (let b = 0; b < batch; b++) {
    const x0 = b * G3, g0 = b * G4, s0 = b * H;
    for (let j = 0; j < H; j++) {
      const gr = g0 + j, s = s0 + j;
      const r = gates[gr], z = gates[gr + H], n = gates[gr + 2 * H], hn = gates[gr + 3 * H];
      const dhv = dh[s];
      const dnPre = dhv * (1 - z) * (1 - n * n);
      const dzPre = dhv * (hPrev[s] - n) * z * (1 - z);
      const drPre = dnPre * hn * r * (1 - r);
      const xr = x0 + j, xz = xr + H, xn = xz + H;
      dXw[xr] = drPre; dXw[xz] = dzPre; dXw[xn] = dnPre;
      dHw[xr] = drPre; dHw[xz] = dzPre; dHw[xn] = dnPre * r;
      dhPrev[s] = dhv * z;
    }
  }
}
