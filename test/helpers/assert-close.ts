// The one closeness assertion of the test suite, after torch.testing.assert_close:
//   |actual - expected| <= atol + rtol * |expected|   elementwise,
// with defaults from the dtypes compared, infinities equal only to themselves, NaN equal to
// NaN only with `equalNan`, and a failure message that counts the mismatches and names the
// greatest absolute and relative differences and where they occur.

import { AssertionError } from 'node:assert';
import { Tensor } from '../../src/tensor/tensor.js';

/** What can be compared: a tensor, a typed or plain array of numbers, or one number. */
export type Closeable = Tensor | ArrayLike<number> | number;

export interface CloseOptions {
  /** Relative tolerance (default by dtype: float32 1.3e-6, float64 1e-7, integers 0). */
  rtol?: number;
  /**
   * Absolute tolerance (default by dtype: float32 1e-5, float64 1e-7, integers 0); an array
   * gives each element its own bound (e.g. an error bound from the magnitude of its terms).
   */
  atol?: number | ArrayLike<number>;
  /** NaN in both at the same place counts as equal (default false, as in PyTorch). */
  equalNan?: boolean;
  /** Names what is compared, at the head of the failure message. */
  label?: string;
}

type Precision = 'int' | 'float32' | 'float64';

// PyTorch's defaults (torch.testing.assert_close) for the dtypes myelin stores.
const DEFAULTS: Record<Precision, { rtol: number; atol: number }> = {
  int: { rtol: 0, atol: 0 },
  float32: { rtol: 1.3e-6, atol: 1e-5 },
  float64: { rtol: 1e-7, atol: 1e-7 },
};
const LOOSENESS: Precision[] = ['int', 'float64', 'float32'];

function precisionOf(x: Closeable): Precision {
  if (x instanceof Tensor) return x.dtype === 'float32' ? 'float32' : x.dtype === 'float64' ? 'float64' : 'int';
  if (x instanceof Float32Array) return 'float32';
  if (ArrayBuffer.isView(x) && !(x instanceof Float64Array)) return 'int';
  return 'float64'; // Float64Array, plain numbers and arrays of them
}

function valuesOf(x: Closeable): ArrayLike<number> {
  if (x instanceof Tensor) return x.dataSync();
  if (typeof x === 'number') return [x];
  return x;
}

/** Row-major multi-index of flat `index` in `shape`, as "[i, j, k]" (or the flat index). */
function where(index: number, shape: readonly number[] | null): string {
  if (!shape || shape.length < 2) return `${index}`;
  const idx: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(rest % shape[d]); rest = Math.floor(rest / shape[d]); }
  return `${index} ([${idx.join(', ')}])`;
}

function fail(label: string | undefined, lines: string[], actual: unknown, expected: unknown): never {
  const head = label ? `${label}: ` : '';
  throw new AssertionError({ message: head + lines.join('\n'), actual, expected, operator: 'assertClose' });
}

/**
 * Asserts that `actual` and `expected` are close: same shape when both are tensors (same
 * length otherwise), and every element within atol + rtol * |expected|. Defaults follow the
 * less precise dtype of the two (plain numbers count as float64). A null or undefined
 * `actual` (say, a gradient that never arrived) fails.
 */
export function assertClose(actual: Closeable | null | undefined, expected: Closeable, options: CloseOptions = {}): void {
  const { label, equalNan = false } = options;
  if (actual === null || actual === undefined) fail(label, [`actual is ${actual} (a missing gradient?)`], actual, expected);
  if (actual instanceof Tensor && expected instanceof Tensor && !sameShape(actual.shape, expected.shape)) {
    fail(label, [`shapes differ: actual [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`], actual.shape, expected.shape);
  }
  const shape = expected instanceof Tensor ? expected.shape : actual instanceof Tensor ? actual.shape : null;
  const a = valuesOf(actual), e = valuesOf(expected);
  if (a.length !== e.length) fail(label, [`lengths differ: actual ${a.length} elements, expected ${e.length}`], a.length, e.length);
  const pa = precisionOf(actual), pe = precisionOf(expected);
  const defaults = DEFAULTS[LOOSENESS[Math.max(LOOSENESS.indexOf(pa), LOOSENESS.indexOf(pe))]];
  const rtol = options.rtol ?? defaults.rtol;
  const atolOpt = options.atol ?? defaults.atol;
  const atolAt = typeof atolOpt === 'number' ? () => atolOpt : (i: number) => atolOpt[i];
  if (typeof atolOpt !== 'number' && atolOpt.length !== e.length) {
    throw new Error(`assertClose: atol holds ${atolOpt.length} bounds for ${e.length} elements`);
  }

  let mismatched = 0, firstBad = -1;
  let maxAbs = 0, maxAbsAt = -1, maxRel = 0, maxRelAt = -1;
  for (let i = 0; i < e.length; i++) {
    const x = a[i], y = e[i];
    let ok: boolean, abs: number, rel: number;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      ok = equalNan && Number.isNaN(x) && Number.isNaN(y);
      abs = rel = ok ? 0 : Infinity;
    } else if (!Number.isFinite(x) || !Number.isFinite(y)) {
      ok = x === y;
      abs = rel = ok ? 0 : Infinity;
    } else {
      abs = Math.abs(x - y);
      rel = abs === 0 ? 0 : abs / Math.abs(y);
      ok = abs <= atolAt(i) + rtol * Math.abs(y);
    }
    if (abs > maxAbs || maxAbsAt < 0) { maxAbs = abs; maxAbsAt = i; }
    if (rel > maxRel || maxRelAt < 0) { maxRel = rel; maxRelAt = i; }
    if (!ok) { mismatched++; if (firstBad < 0) firstBad = i; }
  }
  if (mismatched === 0) return;
  const allowedAbs = typeof atolOpt === 'number' ? `${atolOpt}` : `${atolAt(maxAbsAt)} at that element`;
  fail(label, [
    `${e.length === 1 && shape === null ? 'Scalars' : 'Tensor-likes'} are not close!`,
    `Mismatched elements: ${mismatched} / ${e.length} (${(100 * mismatched / e.length).toFixed(1)}%)`,
    `Greatest absolute difference: ${maxAbs} at index ${where(maxAbsAt, shape)} (up to ${allowedAbs} allowed)`,
    `Greatest relative difference: ${maxRel} at index ${where(maxRelAt, shape)} (up to ${rtol} allowed)`,
    `First mismatch at index ${where(firstBad, shape)}: actual ${a[firstBad]}, expected ${e[firstBad]}`,
  ], a[firstBad], e[firstBad]);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
