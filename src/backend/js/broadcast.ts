// Iteration plans for broadcasting elementwise kernels.
//
// Each operand is described by its strides in the output's index space (0 along broadcast
// axes). Adjacent axes are merged whenever every operand is contiguous across them, so the
// common cases collapse to very few axes: same shape -> one row; bias [N, C] + [C] -> N rows
// of C; channel bias [N, C, H, W] + [C, 1, 1] -> N*C rows of H*W with a stride-0 operand.
// The innermost axis becomes a "row" that a per-op row function processes in a tight loop.

export interface BroadcastPlan {
  /** Sizes of the merged axes, outermost first; the last one is the row length. */
  dims: number[];
  /** strides[k][d]: element stride of operand k along merged axis d. */
  strides: number[][];
}

/** Row-major strides of `shape` as seen from `outShape` (right-aligned, 0 where broadcast). */
function stridesIn(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = rank - shape.length + i;
    strides[d] = shape[i] === 1 && outShape[d] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

export function planBroadcast(outShape: readonly number[], inShapes: readonly (readonly number[])[]): BroadcastPlan {
  const all = [stridesIn(outShape, outShape), ...inShapes.map((s) => stridesIn(s, outShape))];
  const dims: number[] = [];
  const strides: number[][] = all.map(() => []);
  for (let d = 0; d < outShape.length; d++) {
    const size = outShape[d];
    if (size === 1) continue; // size-1 axes never move any operand
    const last = dims.length - 1;
    // Merge axis d into the previous merged axis when, for every operand, stepping the previous
    // axis once equals stepping axis d `size` times.
    const mergeable = last >= 0 && all.every((st, k) => strides[k][last] === st[d] * size);
    if (mergeable) {
      dims[last] *= size;
      all.forEach((st, k) => { strides[k][last] = st[d]; });
    } else {
      dims.push(size);
      all.forEach((st, k) => strides[k].push(st[d]));
    }
  }
  if (dims.length === 0) { dims.push(1); strides.forEach((s) => s.push(0)); }
  return { dims, strides };
}

/**
 * Calls `row(offsets, n)` for every innermost row of the plan, where offsets[k] is operand k's
 * starting element. `offsets` is reused between calls.
 */
export function forEachRow(plan: BroadcastPlan, row: (offsets: Int32Array | number[], n: number) => void): void {
  const { dims, strides } = plan;
  const rank = dims.length;
  const nOps = strides.length;
  const n = dims[rank - 1];
  const offsets = new Array<number>(nOps).fill(0);
  if (rank === 1) { row(offsets, n); return; }
  const counter = new Array<number>(rank - 1).fill(0);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= dims[d];
  for (let r = 0; r < rows; r++) {
    row(offsets, n);
    // odometer increment over the outer axes
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      for (let k = 0; k < nOps; k++) offsets[k] += strides[k][d];
      if (counter[d] < dims[d]) break;
      for (let k = 0; k < nOps; k++) offsets[k] -= strides[k][d] * dims[d];
      counter[d] = 0;
    }
  }
}
