// Matrix multiply in pure TypeScript, GotoBLAS-style, tuned for what V8's optimising compiler
// (TurboFan, Node 20 / x64) does with scalar double arithmetic.
//
//   - Blocks of op(A) (MC x KC) and op(B) (KC x NC) are packed into Float64Array panels, so that
//     the inner loop reads doubles sequentially: no float32 -> double conversions, no strided
//     loads, and transposed operands cost nothing beyond the packing (all four transA/transB
//     combinations run the same inner loop). Packing also makes the element type of the caller's
//     arrays (float32, float64, int32) invisible to the inner loop, which therefore stays
//     monomorphic.
//   - A 2x3 register tile of accumulators is updated per step of k (6 multiply-adds for 5 loads).
//   - Edges are zero-padded in the packed panels and clipped when a tile is written back.
//   - Operands are strided matrices, or matrices addressed through per-row and per-column
//     offset tables (element (i, j) at offset + rowOffsets[i] + colOffsets[j]). The tables let
//     convolutions multiply by an im2col matrix without building it, and read or write NCHW
//     tensors as [channels x (images * positions)] matrices without reshuffling copies: the
//     gather happens in the packing and the scatter in the tile write-back, both of which touch
//     every element once anyway.
//
// What was measured while choosing (1024^3 float32, GFLOP/s, CPU time, median of 3 processes,
// AMD EPYC Zen 5, 2 vCPUs, Node 20.20; a scratch harness with the same structure):
//   tile 4x4: 5.3    4x2: 4.9    2x4: 4.9    3x3: 5.3    2x2: 6.5    1x4: 6.8
//   tile 3x2: 8.3    2x3: 8.8    (in this file, with the write-back below: 10.4)
//   2x3 with Float32Array panels: 7.5 (each load becomes load + convert)
//   2x3 with k unrolled by 2: 6.0, by 4: 6.5
//   KC 128..512, MC 64..256, NC 1024..2048: within +-3% of each other on square products;
//   KC = 384 (rather than 256) lets the seed CNN's K = 288 convolution run in one block of k,
//   2-7% faster on its convolutions.
//   The 4x4 Float64 design this replaced: 6.3 at 1024 (and 4-6.5 from run to run).
// Why small tiles win: x64 has 16 XMM registers and V8 keeps one as scratch. TurboFan schedules
// all loads, then all multiplies, then all adds of a loop body (it does not interleave them by
// source order), so a tile needs registers for its accumulators *and* for every product at
// once; 2x3 (6 accumulators + 5 operands + products that die as they are added) is the largest
// tile that never spills. Bigger tiles spill accumulators to the stack every iteration, and
// unrolling k has the same effect. Each load also costs an index add and a bounds check (V8
// does not elide typed-array bounds checks here, even with masked indices), which is why fewer
// loads per multiply-add still matter. On arm64 (32 FP registers) a larger tile would likely
// win; x64 is what we tune for.
//
// Index arithmetic in the micro-kernel is written `(x + c) | 0` and its arguments are truncated
// on entry so that TurboFan keeps the indices as untagged int32 without overflow checks.
//
// Around the kernel: blocks of k (and n) are balanced rather than full-plus-remainder, the
// first block of k overwrites C instead of clearing it first, matrix-vector products skip
// packing altogether (gemv), and products of at most SMALL_MACS multiply-adds use a plain
// triple loop.

import type { MatmulParams, Storage } from '../backend.js';

const MR = 2, NR = 3;
const KC = 384, MC = 128, NC = 1536;

// Packed panels. Sized for whole MR / NR panels so that zero padding never writes past the end
// (a typed-array store out of bounds is silently dropped, and a load returns undefined, which
// would deoptimise the micro-kernel).
const packA = new Float64Array(Math.ceil(MC / MR) * MR * KC);
const packB = new Float64Array(Math.ceil(NC / NR) * NR * KC);
/** The micro-kernel's result tile, row-major MR x NR. */
const tile = new Float64Array(MR * NR);

/**
 * At or below this many multiply-adds (of strided operands) a direct triple loop beats packing.
 * Measured: at 4x4x4 they tie, at 8x8x8 packing is already 2-3x faster.
 */
const SMALL_MACS = 128;

/**
 * A matrix operand. Element (i, j) is data[offset + i * rowStride + j * colStride], or, when
 * the offset tables are set, data[offset + rowOffsets[i] + colOffsets[j]].
 */
export interface Operand {
  data: Storage;
  offset: number;
  rowStride: number; colStride: number;
  rowOffsets: Int32Array | null; colOffsets: Int32Array | null;
}

export function strided(data: Storage, offset: number, rowStride: number, colStride: number): Operand {
  return { data, offset, rowStride, colStride, rowOffsets: null, colOffsets: null };
}

export function indexed(data: Storage, offset: number, rowOffsets: Int32Array, colOffsets: Int32Array): Operand {
  return { data, offset, rowStride: 0, colStride: 0, rowOffsets, colOffsets };
}

export function matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
  const { batch, m, n, k, transA, transB, strideA, strideB, accumulate } = p;
  if (batch === 0 || m === 0 || n === 0) return;
  const aRs = transA ? 1 : k, aCs = transA ? m : 1;
  const bRs = transB ? 1 : n, bCs = transB ? k : 1;
  // A batch with one side shared (stride 0) is one GEMM: the shared matrix is packed once and
  // the GEMM is better shaped than `batch` small ones (e.g. a Linear layer applied to
  // [batch, seq, features], or one matrix applied to a batch of them).
  const tablesFit = batch * Math.max(strideA, strideB, m * n) + m * k + k * n < 2 ** 31;
  if (batch > 1 && strideB === 0 && tablesFit) {
    // the batch of A stacked as the rows of one [batch*m x k] matrix
    const A = !transA && strideA === m * k ? strided(a, 0, aRs, aCs)
      : indexed(a, 0, blockOffsets(batch, m, strideA, aRs), blockOffsets(1, k, 0, aCs));
    gemm(batch * m, n, k, A, strided(b, 0, bRs, bCs), strided(out, 0, n, 1), accumulate);
    return;
  }
  if (batch > 1 && strideA === 0 && tablesFit) {
    // the batch of B side by side as the columns of one [k x batch*n] matrix, and so is C
    const B = indexed(b, 0, blockOffsets(1, k, 0, bRs), blockOffsets(batch, n, strideB, bCs));
    const C = indexed(out, 0, blockOffsets(1, m, 0, n), blockOffsets(batch, n, m * n, 1));
    gemm(m, batch * n, k, strided(a, 0, aRs, aCs), B, C, accumulate);
    return;
  }
  for (let t = 0; t < batch; t++) {
    gemm(m, n, k, strided(a, t * strideA, aRs, aCs), strided(b, t * strideB, bRs, bCs),
      strided(out, t * m * n, n, 1), accumulate);
  }
}

/** Offsets t * blockStride + i * stride for t < blocks, i < count, in that order. */
function blockOffsets(blocks: number, count: number, blockStride: number, stride: number): Int32Array {
  const o = new Int32Array(blocks * count);
  for (let t = 0, q = 0; t < blocks; t++) for (let i = 0; i < count; i++, q++) o[q] = t * blockStride + i * stride;
  return o;
}

/**
 * C [m x n] = A [m x k] * B [k x n], or C += A * B with `accumulate`. If C's offset tables map
 * several elements to one place (col2im does), pass `accumulate`: all contributions are added.
 */
export function gemm(m: number, n: number, k: number, A: Operand, B: Operand, C: Operand, accumulate: boolean): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) C.data[at(C, i, j)] = 0;
    return;
  }
  if (!A.rowOffsets && !B.rowOffsets && !C.rowOffsets) {
    if (m * n * k <= SMALL_MACS) { smallGemm(m, n, k, A, B, C, accumulate); return; }
    // matrix-vector products: every matrix element is used once, so packing cannot pay
    if (n === 1) { gemv(m, k, A, B, C, accumulate); return; }
    if (m === 1) { gemv(n, k, transpose(B), transpose(A), transpose(C), accumulate); return; }
  }
  // Equal blocks rather than full ones plus a remainder: a last block of k with only a few
  // steps would cost a whole extra read-modify-write of C for little work.
  const kcMax = Math.ceil(k / Math.ceil(k / KC)), ncMax = Math.ceil(n / Math.ceil(n / NC));
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = Math.min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = Math.min(kcMax, k - pc);
      // the first block of k overwrites C unless we accumulate; later blocks add to it
      const add = accumulate || pc > 0;
      packPanels(B, pc, kc, jc, nc, true, packB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanels(A, pc, kc, ic, mc, false, packA);
        macroKernel(mc, nc, kc, C, ic, jc, add);
      }
    }
  }
}

/** Position of element (i, j) of an operand in its data. */
function at(X: Operand, i: number, j: number): number {
  return X.rowOffsets && X.colOffsets ? X.offset + X.rowOffsets[i] + X.colOffsets[j] : X.offset + i * X.rowStride + j * X.colStride;
}

function transpose(X: Operand): Operand {
  return strided(X.data, X.offset, X.colStride, X.rowStride);
}

let vectorBuffer = new Float64Array(0);

/**
 * y (+)= M v for a strided M [rows x k], v [k x 1] and y [rows x 1]. Four rows at a time as dot
 * products, or, when M's columns are contiguous and its rows are not, four columns at a time
 * as updates of a double-precision y (so that M is read sequentially either way).
 * Measured (GFLOP/s, float32, m x n x k): 1x1024x256 1.4 -> 3.6, 64x1x576 1.2 -> 3.75,
 * 1x64x576 with B transposed 1.0 -> 3.75 (through the packed path before).
 */
function gemv(rows: number, k: number, M: Operand, V: Operand, Y: Operand, accumulate: boolean): void {
  const md = M.data, vd = V.data, yd = Y.data;
  const rs = M.rowStride, cs = M.colStride, vs = V.rowStride, vo = V.offset;
  if (rs === 1 && cs !== 1) {
    if (vectorBuffer.length < rows) vectorBuffer = new Float64Array(rows);
    const acc = vectorBuffer;
    acc.fill(0, 0, rows);
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      const v0 = vd[vo + p * vs], v1 = vd[vo + (p + 1) * vs], v2 = vd[vo + (p + 2) * vs], v3 = vd[vo + (p + 3) * vs];
      const c0 = M.offset + p * cs, c1 = c0 + cs, c2 = c1 + cs, c3 = c2 + cs;
      for (let i = 0; i < rows; i++) acc[i] += md[c0 + i] * v0 + md[c1 + i] * v1 + md[c2 + i] * v2 + md[c3 + i] * v3;
    }
    for (; p < k; p++) {
      const v0 = vd[vo + p * vs], c0 = M.offset + p * cs;
      for (let i = 0; i < rows; i++) acc[i] += md[c0 + i] * v0;
    }
    for (let i = 0, yi = Y.offset; i < rows; i++, yi += Y.rowStride) yd[yi] = accumulate ? yd[yi] + acc[i] : acc[i];
    return;
  }
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const r0 = M.offset + i * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = 0, o = 0, vi = vo; p < k; p++, o += cs, vi += vs) {
      const v = vd[vi];
      s0 += md[r0 + o] * v; s1 += md[r1 + o] * v; s2 += md[r2 + o] * v; s3 += md[r3 + o] * v;
    }
    const y0 = Y.offset + i * Y.rowStride, ys = Y.rowStride;
    if (accumulate) { yd[y0] += s0; yd[y0 + ys] += s1; yd[y0 + 2 * ys] += s2; yd[y0 + 3 * ys] += s3; }
    else { yd[y0] = s0; yd[y0 + ys] = s1; yd[y0 + 2 * ys] = s2; yd[y0 + 3 * ys] = s3; }
  }
  for (; i < rows; i++) {
    const r0 = M.offset + i * rs;
    let s0 = 0;
    for (let p = 0, o = 0, vi = vo; p < k; p++, o += cs, vi += vs) s0 += md[r0 + o] * vd[vi];
    const yi = Y.offset + i * Y.rowStride;
    yd[yi] = accumulate ? yd[yi] + s0 : s0;
  }
}

/** Direct triple loop for products too small to repay packing (strided operands only). */
function smallGemm(m: number, n: number, k: number, A: Operand, B: Operand, C: Operand, accumulate: boolean): void {
  const a = A.data, b = B.data, c = C.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0, ai = A.offset + i * A.rowStride, bi = B.offset + j * B.colStride; p < k;
        p++, ai += A.colStride, bi += B.rowStride) s += a[ai] * b[bi];
      const ci = C.offset + i * C.rowStride + j * C.colStride;
      c[ci] = accumulate ? c[ci] + s : s;
    }
  }
}

/**
 * Packs a block of an operand into panels of `width` lines (MR rows of A, or NR columns of B),
 * interleaved so that step p of a panel is `width` consecutive doubles; lines missing from the
 * last panel are zero. For A the lines are rows [l0, l0 + lines) and the steps columns
 * [s0, s0 + steps); for B (`columns`) the lines are columns and the steps rows.
 * (The full panels, the partial last panel, and strided vs offset-table operands are separate
 * functions: a rarely taken loop inside a hot function made TurboFan deoptimise it hundreds of
 * times over for "insufficient type feedback".)
 */
function packPanels(X: Operand, s0: number, steps: number, l0: number, lines: number, columns: boolean, dst: Float64Array): void {
  const width = columns ? NR : MR;
  const full = lines - lines % width;
  if (X.rowOffsets && X.colOffsets) packIndexed(X, s0, steps, l0, full, columns, dst);
  else packStrided(X, s0, steps, l0, full, columns, dst);
  if (full < lines) packPartialPanel(X, s0, steps, l0 + full, lines - full, columns, dst, full * steps);
}

function packStrided(X: Operand, s0: number, steps: number, l0: number, lines: number, columns: boolean, dst: Float64Array): void {
  const src = X.data;
  const lineStride = columns ? X.colStride : X.rowStride, stepStride = columns ? X.rowStride : X.colStride;
  const base = X.offset + l0 * lineStride + s0 * stepStride;
  let d = 0;
  if (columns) {
    for (let l = 0; l < lines; l += NR) {
      let o = base + l * lineStride;
      for (let s = 0; s < steps; s++, o += stepStride, d += NR) {
        dst[d] = src[o]; dst[d + 1] = src[o + lineStride]; dst[d + 2] = src[o + 2 * lineStride];
      }
    }
  } else {
    for (let l = 0; l < lines; l += MR) {
      let o = base + l * lineStride;
      for (let s = 0; s < steps; s++, o += stepStride, d += MR) {
        dst[d] = src[o]; dst[d + 1] = src[o + lineStride];
      }
    }
  }
}

function packIndexed(X: Operand, s0: number, steps: number, l0: number, lines: number, columns: boolean, dst: Float64Array): void {
  const src = X.data, offset = X.offset;
  const lineOffsets = (columns ? X.colOffsets : X.rowOffsets) as Int32Array;
  const stepOffsets = (columns ? X.rowOffsets : X.colOffsets) as Int32Array;
  const sEnd = s0 + steps;
  let d = 0;
  if (columns) {
    for (let l = 0; l < lines; l += NR) {
      const o0 = offset + lineOffsets[l0 + l], o1 = offset + lineOffsets[l0 + l + 1], o2 = offset + lineOffsets[l0 + l + 2];
      for (let s = s0; s < sEnd; s++, d += NR) {
        const so = stepOffsets[s];
        dst[d] = src[o0 + so]; dst[d + 1] = src[o1 + so]; dst[d + 2] = src[o2 + so];
      }
    }
  } else {
    for (let l = 0; l < lines; l += MR) {
      const o0 = offset + lineOffsets[l0 + l], o1 = offset + lineOffsets[l0 + l + 1];
      for (let s = s0; s < sEnd; s++, d += MR) {
        const so = stepOffsets[s];
        dst[d] = src[o0 + so]; dst[d + 1] = src[o1 + so];
      }
    }
  }
}

/** The last panel when it has fewer than `width` lines (the rest of it is zero), starting at dst[d]. */
function packPartialPanel(X: Operand, s0: number, steps: number, l0: number, lines: number, columns: boolean,
  dst: Float64Array, d: number): void {
  const src = X.data, width = columns ? NR : MR;
  for (let s = s0; s < s0 + steps; s++) {
    for (let q = 0; q < width; q++, d++) dst[d] = q >= lines ? 0 : src[columns ? at(X, s, l0 + q) : at(X, l0 + q, s)];
  }
}

/**
 * Block (i0.., j0..) of C, mc x nc, (+)= packed A block * packed B block, one MR x NR tile at a
 * time: the micro-kernel fills `tile`, which is then written to (or added to) C.
 */
function macroKernel(mc: number, nc: number, kc: number, C: Operand, i0: number, j0: number, add: boolean): void {
  const t = tile, c = C.data, rowOffsets = C.rowOffsets, colOffsets = C.colOffsets;
  const { offset, rowStride, colStride } = C;
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    // where columns j .. j + 2 of the block live (relative to the rows' positions)
    let q0: number, q1: number, q2: number;
    if (colOffsets) {
      q0 = colOffsets[j0 + j]; q1 = cols > 1 ? colOffsets[j0 + j + 1] : 0; q2 = cols > 2 ? colOffsets[j0 + j + 2] : 0;
    } else {
      q0 = (j0 + j) * colStride; q1 = q0 + colStride; q2 = q1 + colStride;
    }
    for (let i = 0; i < mc; i += MR) {
      const rows = Math.min(MR, mc - i);
      microKernel(kc, i * kc, j * kc);
      const r0 = offset + (rowOffsets ? rowOffsets[i0 + i] : (i0 + i) * rowStride);
      if (rows === MR && cols === NR) {
        const r1 = offset + (rowOffsets ? rowOffsets[i0 + i + 1] : (i0 + i + 1) * rowStride);
        if (add) {
          c[r0 + q0] += t[0]; c[r0 + q1] += t[1]; c[r0 + q2] += t[2];
          c[r1 + q0] += t[3]; c[r1 + q1] += t[4]; c[r1 + q2] += t[5];
        } else {
          c[r0 + q0] = t[0]; c[r0 + q1] = t[1]; c[r0 + q2] = t[2];
          c[r1 + q0] = t[3]; c[r1 + q1] = t[4]; c[r1 + q2] = t[5];
        }
      } else {
        for (let r = 0; r < rows; r++) {
          for (let q = 0; q < cols; q++) {
            const ci = at(C, i0 + i + r, j0 + j + q);
            c[ci] = add ? c[ci] + t[r * NR + q] : t[r * NR + q];
          }
        }
      }
    }
  }
}

/**
 * tile = (packed A panel at ai) * (packed B panel at bi) over kc steps: the inner loop that all
 * the time goes into. See the notes at the top before changing its shape.
 */
function microKernel(kc: number, ai: number, bi: number): void {
  const A = packA, B = packB;
  kc = kc | 0; ai = ai | 0; bi = bi | 0;
  let c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0;
  for (let p = 0; p < kc; p = (p + 1) | 0) {
    const b0 = B[bi], b1 = B[(bi + 1) | 0], b2 = B[(bi + 2) | 0];
    const a0 = A[ai];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2;
    const a1 = A[(ai + 1) | 0];
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2;
    ai = (ai + MR) | 0; bi = (bi + NR) | 0;
  }
  const t = tile;
  t[0] = c00; t[1] = c01; t[2] = c02;
  t[3] = c10; t[4] = c11; t[5] = c12;
}
