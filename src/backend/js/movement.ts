// Kernels that move data without arithmetic: transposes, slices, gathers and scatters.

import type { Storage } from '../backend.js';
import { forEachRow, planBroadcast, type BroadcastPlan } from './broadcast.js';

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/** out = x.permute(perm): out axis d is x axis perm[d]. */
export function permute(x: Storage, shape: readonly number[], perm: readonly number[], out: Storage): void {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  // 2-D transpose (the common case, e.g. [B, M, N] -> [B, N, M]) in cache-friendly tiles
  const rank = shape.length;
  if (rank >= 2 && perm[rank - 1] === rank - 2 && perm[rank - 2] === rank - 1 &&
      perm.slice(0, rank - 2).every((p, i) => p === i)) {
    const rows = shape[rank - 2], cols = shape[rank - 1];
    const batch = x.length / Math.max(1, rows * cols);
    transposeTiles(x, out, batch, rows, cols);
    return;
  }
  // General case: iterate the output in order, reading x with permuted strides.
  const plan: BroadcastPlan = { dims: outShape.length ? outShape.slice() : [1], strides: [stridesOf(outShape), perm.map((p) => inStrides[p])] };
  if (outShape.length === 0) plan.strides = [[0], [0]];
  const last = plan.dims.length - 1;
  const xs = plan.strides[1][last];
  forEachRow(plan, (off, n) => {
    const o = off[0], xi = off[1];
    for (let i = 0; i < n; i++) out[o + i] = x[xi + i * xs];
  });
}

function transposeTiles(x: Storage, out: Storage, batch: number, rows: number, cols: number): void {
  const T = 32;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let r0 = 0; r0 < rows; r0 += T) {
      const r1 = Math.min(rows, r0 + T);
      for (let c0 = 0; c0 < cols; c0 += T) {
        const c1 = Math.min(cols, c0 + T);
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) out[base + c * rows + r] = x[base + r * cols + c];
        }
      }
    }
  }
}

export function expand(x: Storage, shape: readonly number[], out: Storage, outShape: readonly number[]): void {
  const plan = planBroadcast(outShape, [shape]);
  const last = plan.dims.length - 1;
  const xs = plan.strides[1][last];
  forEachRow(plan, (off, n) => {
    const o = off[0], xi = off[1];
    for (let i = 0; i < n; i++) out[o + i] = x[xi + i * xs];
  });
}

/** Plan that walks a box of `boxShape` inside a larger array of `fullShape` starting at `begin`. */
function boxPlan(fullShape: readonly number[], begin: readonly number[], boxShape: readonly number[]): { plan: BroadcastPlan; fullOffset: number } {
  const fullStrides = stridesOf(fullShape);
  let fullOffset = 0;
  for (let d = 0; d < fullShape.length; d++) fullOffset += begin[d] * fullStrides[d];
  const dims = boxShape.length ? boxShape.slice() : [1];
  const strides = boxShape.length ? [stridesOf(boxShape), fullStrides] : [[0], [0]];
  return { plan: { dims, strides }, fullOffset };
}

export function slice(x: Storage, shape: readonly number[], begin: readonly number[], out: Storage, outShape: readonly number[]): void {
  if (out.length === 0) return;
  const { plan, fullOffset } = boxPlan(shape, begin, outShape);
  const last = plan.dims.length - 1;
  const xs = plan.strides[1][last];
  forEachRow(plan, (off, n) => {
    const o = off[0], xi = off[1] + fullOffset;
    for (let i = 0; i < n; i++) out[o + i] = x[xi + i * xs];
  });
}

export function sliceAssign(src: Storage, srcShape: readonly number[], dst: Storage, dstShape: readonly number[],
  begin: readonly number[], accumulate: boolean): void {
  if (src.length === 0) return;
  const { plan, fullOffset } = boxPlan(dstShape, begin, srcShape);
  const last = plan.dims.length - 1;
  const ds = plan.strides[1][last];
  forEachRow(plan, (off, n) => {
    const s = off[0], di = off[1] + fullOffset;
    if (accumulate) for (let i = 0; i < n; i++) dst[di + i * ds] += src[s + i];
    else for (let i = 0; i < n; i++) dst[di + i * ds] = src[s + i];
  });
}

function checkIndex(i: number, rows: number, where: string): void {
  if (!(i >= 0 && i < rows)) throw new RangeError(`${where}: index ${i} is out of range for ${rows} rows`);
}

export function gatherRows(table: Storage, rows: number, dim: number, idx: Storage, out: Storage): void {
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    checkIndex(i, rows, 'gatherRows');
    out.set(table.subarray(i * dim, i * dim + dim), r * dim);
  }
}

export function scatterAddRows(src: Storage, idx: Storage, dim: number, table: Storage): void {
  const rows = table.length / Math.max(1, dim);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    checkIndex(i, rows, 'scatterAddRows');
    const t = i * dim, s = r * dim;
    for (let j = 0; j < dim; j++) table[t + j] += src[s + j];
  }
}

export function takeAlongAxis(x: Storage, outer: number, n: number, inner: number, idx: Storage, out: Storage): void {
  const k = idx.length / Math.max(1, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) {
        const t = idx[row + i];
        checkIndex(t, n, 'takeAlongAxis');
        out[row + i] = x[(o * n + t) * inner + i];
      }
    }
  }
}

export function scatterAddAlongAxis(src: Storage, outer: number, n: number, inner: number, idx: Storage, dx: Storage): void {
  const k = idx.length / Math.max(1, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) {
        const t = idx[row + i];
        checkIndex(t, n, 'scatterAddAlongAxis');
        dx[(o * n + t) * inner + i] += src[row + i];
      }
    }
  }
}

// bfloat16 is the upper half of a float32: these views convert between the two.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** x rounded to float32, then to bfloat16 bits, nearest even (NaN -> the quiet NaN 0x7fc0). */
function toBf16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function fromBf16(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}

export function cast(src: Storage, dst: Storage): void {
  if (src instanceof Uint16Array || dst instanceof Uint16Array) {
    for (let i = 0; i < src.length; i++) {
      const v = src instanceof Uint16Array ? fromBf16(src[i]) : src[i];
      dst[i] = dst instanceof Uint16Array ? toBf16(v) : dst instanceof Int32Array ? Math.trunc(v) : v;
    }
  } else if (dst instanceof Int32Array && !(src instanceof Int32Array)) {
    for (let i = 0; i < src.length; i++) dst[i] = Math.trunc(src[i]);
  } else {
    dst.set(src);
  }
}
