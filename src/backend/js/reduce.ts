// Reductions over the middle axis of [outer, n, inner].
// inner === 1 (reducing the last axis) walks contiguous rows; otherwise the loop runs over
// whole inner rows at a time so memory is still read sequentially.

import type { ArgReduceOp, ReduceOp, Storage } from '../backend.js';

export function reduce(op: ReduceOp, x: Storage, outer: number, n: number, inner: number, out: Storage): void {
  // Sums accumulate in a double (JS numbers), which also keeps float32 sums accurate.
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    if (inner === 1) {
      out[o] = reduceRow(op, x, base, n);
      continue;
    }
    const ob = o * inner;
    if (n === 0) { out.fill(identity(op), ob, ob + inner); continue; }
    // sums and products accumulate in a double row, not in the (possibly float32) output
    const separate = op === 'sum' || op === 'prod';
    const acc = separate ? accumulator(inner) : out.subarray(ob, ob + inner);
    for (let i = 0; i < inner; i++) acc[i] = x[base + i];
    for (let j = 1; j < n; j++) {
      const row = base + j * inner;
      switch (op) {
        case 'sum': for (let i = 0; i < inner; i++) acc[i] += x[row + i]; break;
        case 'prod': for (let i = 0; i < inner; i++) acc[i] *= x[row + i]; break;
        case 'max': for (let i = 0; i < inner; i++) { const v = x[row + i]; if (v > acc[i] || v !== v) acc[i] = v; } break;
        case 'min': for (let i = 0; i < inner; i++) { const v = x[row + i]; if (v < acc[i] || v !== v) acc[i] = v; } break;
      }
    }
    if (separate) for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
}

let accBuffer = new Float64Array(0);
function accumulator(size: number): Float64Array {
  if (accBuffer.length < size) accBuffer = new Float64Array(size);
  return accBuffer;
}

function identity(op: ReduceOp): number {
  return op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
}

function reduceRow(op: ReduceOp, x: Storage, base: number, n: number): number {
  let acc = identity(op);
  switch (op) {
    case 'sum': {
      // four partial sums: shorter dependency chains and a little less rounding error
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = 0;
      for (; j + 3 < n; j += 4) { s0 += x[base + j]; s1 += x[base + j + 1]; s2 += x[base + j + 2]; s3 += x[base + j + 3]; }
      for (; j < n; j++) s0 += x[base + j];
      return (s0 + s1) + (s2 + s3);
    }
    case 'prod': for (let j = 0; j < n; j++) acc *= x[base + j]; return acc;
    case 'max': for (let j = 0; j < n; j++) { const v = x[base + j]; if (v > acc || v !== v) acc = v; } return acc;
    case 'min': for (let j = 0; j < n; j++) { const v = x[base + j]; if (v < acc || v !== v) acc = v; } return acc;
  }
}

/** Index of the first maximum (or minimum) along the axis; NaN counts as the maximum, as in PyTorch. */
export function argReduce(op: ArgReduceOp, x: Storage, outer: number, n: number, inner: number, out: Storage): void {
  const better = op === 'argmax'
    ? (v: number, best: number) => v > best || (v !== v && best === best)
    : (v: number, best: number) => v < best || (v !== v && best === best);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = x[base], bestJ = 0;
      for (let j = 1; j < n; j++) {
        const v = x[base + j * inner];
        if (better(v, best)) { best = v; bestJ = j; }
      }
      out[o * inner + i] = bestJ;
    }
  }
}
