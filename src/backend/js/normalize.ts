// Softmax, log-softmax, batch norm and layer norm, forward and backward.

import type { Storage } from '../backend.js';

/** (log-)softmax over the middle axis of [outer, n, inner], max-subtracted for stability. */
export function softmax(x: Storage, outer: number, n: number, inner: number, out: Storage, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let max = -Infinity;
      for (let j = 0; j < n; j++) { const v = x[base + j * inner]; if (v > max) max = v; }
      if (max === -Infinity) max = 0; // avoids -inf - -inf; an all -inf row still ends NaN, as in PyTorch
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x[base + j * inner] - max);
      if (log) {
        const lse = max + Math.log(sum);
        for (let j = 0; j < n; j++) out[base + j * inner] = x[base + j * inner] - lse;
      } else {
        const inv = 1 / sum;
        for (let j = 0; j < n; j++) out[base + j * inner] = Math.exp(x[base + j * inner] - max) * inv;
      }
    }
  }
}

/**
 * softmax:     dx = y * (dy - sum(dy * y))
 * log-softmax: dx = dy - exp(y) * sum(dy)
 */
export function softmaxBackward(y: Storage, dy: Storage, outer: number, n: number, inner: number, dx: Storage, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let s = 0;
      if (log) {
        for (let j = 0; j < n; j++) s += dy[base + j * inner];
        for (let j = 0; j < n; j++) { const k = base + j * inner; dx[k] = dy[k] - Math.exp(y[k]) * s; }
      } else {
        for (let j = 0; j < n; j++) { const k = base + j * inner; s += dy[k] * y[k]; }
        for (let j = 0; j < n; j++) { const k = base + j * inner; dx[k] = y[k] * (dy[k] - s); }
      }
    }
  }
}

export function channelMoments(x: Storage, n: number, c: number, spatial: number, mean: Storage, variance: Storage): void {
  const count = n * spatial;
  for (let ch = 0; ch < c; ch++) {
    // two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2
    let s = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) s += x[base + i];
    }
    const m = s / count;
    let v = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) { const d = x[base + i] - m; v += d * d; }
    }
    mean[ch] = m;
    variance[ch] = v / count;
  }
}

export function batchNormApply(x: Storage, n: number, c: number, spatial: number, mean: Storage, invStd: Storage,
  gamma: Storage | null, beta: Storage | null, out: Storage): void {
  for (let ch = 0; ch < c; ch++) {
    const scale = invStd[ch] * (gamma ? gamma[ch] : 1);
    const shift = (beta ? beta[ch] : 0) - mean[ch] * scale;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) out[base + i] = x[base + i] * scale + shift;
    }
  }
}

export function batchNormBackward(x: Storage, dy: Storage, n: number, c: number, spatial: number, mean: Storage,
  invStd: Storage, gamma: Storage | null, batchStats: boolean, dx: Storage | null, dgamma: Storage | null, dbeta: Storage | null): void {
  const count = n * spatial;
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch], is = invStd[ch];
    // sum(dy) and sum(dy * xhat) over the channel
    let sdy = 0, sdyx = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) { const g = dy[base + i]; sdy += g; sdyx += g * (x[base + i] - m) * is; }
    }
    if (dgamma) dgamma[ch] = sdyx;
    if (dbeta) dbeta[ch] = sdy;
    if (!dx) continue;
    const g = gamma ? gamma[ch] : 1;
    const k = g * is;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      if (batchStats) {
        // dx = g*invStd * (dy - mean(dy) - xhat * mean(dy * xhat))
        const a = sdy / count, bb = sdyx / count;
        for (let i = 0; i < spatial; i++) dx[base + i] = k * (dy[base + i] - a - (x[base + i] - m) * is * bb);
      } else {
        for (let i = 0; i < spatial; i++) dx[base + i] = k * dy[base + i];
      }
    }
  }
}

export function layerNorm(x: Storage, rows: number, n: number, gamma: Storage | null, beta: Storage | null, eps: number,
  out: Storage, mean: Storage, invStd: Storage): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[base + j];
    const m = s / n;
    let v = 0;
    for (let j = 0; j < n; j++) { const d = x[base + j] - m; v += d * d; }
    const is = 1 / Math.sqrt(v / n + eps);
    mean[r] = m; invStd[r] = is;
    for (let j = 0; j < n; j++) {
      let y = (x[base + j] - m) * is;
      if (gamma) y *= gamma[j];
      if (beta) y += beta[j];
      out[base + j] = y;
    }
  }
}

export function layerNormBackward(x: Storage, dy: Storage, rows: number, n: number, mean: Storage, invStd: Storage,
  gamma: Storage | null, dx: Storage | null, dgamma: Storage | null, dbeta: Storage | null): void {
  if (dgamma) dgamma.fill(0);
  if (dbeta) dbeta.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * n, m = mean[r], is = invStd[r];
    // with g = dy * gamma: dx = invStd * (g - mean(g) - xhat * mean(g * xhat))
    let sg = 0, sgx = 0;
    for (let j = 0; j < n; j++) {
      const xhat = (x[base + j] - m) * is, d = dy[base + j];
      const g = gamma ? d * gamma[j] : d;
      sg += g; sgx += g * xhat;
      if (dgamma) dgamma[j] += d * xhat;
      if (dbeta) dbeta[j] += d;
    }
    if (!dx) continue;
    const a = sg / n, b = sgx / n;
    for (let j = 0; j < n; j++) {
      const xhat = (x[base + j] - m) * is;
      const g = gamma ? dy[base + j] * gamma[j] : dy[base + j];
      dx[base + j] = is * (g - a - xhat * b);
    }
  }
}
