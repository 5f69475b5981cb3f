// The js oracle of matmulBf16: bfloat16 A and B widened to float32 (exact: bfloat16 is the upper
// half of a float32), then the float32 matmul of matmul.ts, which sums the products in float64.

import type { MatmulParams, Storage } from '../backend.js';
import { matmul } from './matmul.js';

/** The float32 values of bfloat16 bits (each widening is exact). */
function widen(bits: Storage): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = (bits[i] as number) << 16;
  return new Float32Array(wide.buffer);
}

export function matmulBf16(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
  if (p.batch === 0 || p.m === 0 || p.n === 0) return;
  matmul(widen(a), widen(b), out, p);
}
