// Matrix multiply in pure TypeScript, GotoBLAS-style:
//   - blocks of A (MC x KC) and B (KC x NC) are packed into Float64Array panels, so the inner
//     loop reads doubles sequentially (no float32 -> double conversions, no strided loads),
//     and so transposed operands cost nothing beyond the packing;
//   - a 4x4 register tile of accumulators is updated per step of k (16 multiply-adds for 8 loads);
//   - edges are zero-padded in the packed panels and clipped when the tile is written back.

import type { MatmulParams, Storage } from '../backend.js';

const MR = 4, NR = 4;
const KC = 256, MC = 128, NC = 2048;

const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);

export function matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
  const { batch, m, n, k } = p;
  const sizeC = m * n;
  for (let t = 0; t < batch; t++) {
    gemm(a, t * p.strideA, p.transA, b, t * p.strideB, p.transB, out, t * sizeC, m, n, k, p.accumulate);
  }
}

/** C[m, n] (+)= op(A)[m, k] * op(B)[k, n], all row-major, operands starting at the given offsets. */
export function gemm(A: Storage, aOff: number, transA: boolean, B: Storage, bOff: number, transB: boolean,
  C: Storage, cOff: number, m: number, n: number, k: number, accumulate: boolean): void {
  if (!accumulate) C.fill(0, cOff, cOff + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  // element (i, p) of op(A) and (p, j) of op(B), as strides
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  const bRow = transB ? 1 : n, bCol = transB ? k : 1;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanels(B, bOff + pc * bRow + jc * bCol, bCol, bRow, nc, kc, NR, packB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanels(A, aOff + ic * aRow + pc * aCol, aRow, aCol, mc, kc, MR, packA);
        macroKernel(mc, nc, kc, C, cOff + ic * n + jc, n);
      }
    }
  }
}

/**
 * Packs `count` lines (rows of A or columns of B) of length kc into panels of `width` lines,
 * interleaved so that step p of a panel is `width` consecutive doubles. Missing lines of the
 * last panel are zero.
 */
function packPanels(src: Storage, off: number, lineStride: number, stepStride: number,
  count: number, kc: number, width: number, dst: Float64Array): void {
  let d = 0;
  for (let l0 = 0; l0 < count; l0 += width) {
    const lines = Math.min(width, count - l0);
    for (let p = 0; p < kc; p++) {
      const s = off + l0 * lineStride + p * stepStride;
      let r = 0;
      for (; r < lines; r++) dst[d + r] = src[s + r * lineStride];
      for (; r < width; r++) dst[d + r] = 0;
      d += width;
    }
  }
}

function macroKernel(mc: number, nc: number, kc: number, C: Storage, cOff: number, ldc: number): void {
  const A = packA, B = packB;
  for (let j = 0; j < nc; j += NR) {
    const bBase = j * kc;
    const cols = Math.min(NR, nc - j);
    for (let i = 0; i < mc; i += MR) {
      const rows = Math.min(MR, mc - i);
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let ai = i * kc, bi = bBase;
      for (let p = 0; p < kc; p++, ai += MR, bi += NR) {
        const a0 = A[ai], a1 = A[ai + 1], a2 = A[ai + 2], a3 = A[ai + 3];
        const b0 = B[bi], b1 = B[bi + 1], b2 = B[bi + 2], b3 = B[bi + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const c = cOff + i * ldc + j;
      if (rows === MR && cols === NR) {
        C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03;
        const c1 = c + ldc; C[c1] += c10; C[c1 + 1] += c11; C[c1 + 2] += c12; C[c1 + 3] += c13;
        const c2 = c1 + ldc; C[c2] += c20; C[c2 + 1] += c21; C[c2 + 2] += c22; C[c2 + 3] += c23;
        const c3 = c2 + ldc; C[c3] += c30; C[c3 + 1] += c31; C[c3 + 2] += c32; C[c3 + 3] += c33;
      } else {
        const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) C[c + r * ldc + q] += tile[r * NR + q];
      }
    }
  }
}
