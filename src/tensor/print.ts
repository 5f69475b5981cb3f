// Readable printing in PyTorch's style: nested brackets, aligned columns, and long
// dimensions summarised with "..." so that printing a large tensor stays short.

import type { Tensor } from './tensor.js';
import { backend } from '../backend/index.js';
import { numel } from './shape.js';

const EDGE = 3;        // items shown at each end of a summarised dimension
const THRESHOLD = 1000; // summarise tensors with more elements than this

/** `whole`: every finite value of the tensor is a whole number, printed as "3." (PyTorch's style). */
function formatNumber(v: number, isInt: boolean, sci: boolean, whole: boolean): string {
  if (isInt) return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (sci) return v.toExponential(4);
  return whole ? `${v}.` : v.toFixed(4);
}

export function formatTensor(t: Tensor): string {
  const data = backend().read(t.storage);
  const isInt = t.dtype === 'int32';
  const summarise = t.size > THRESHOLD;
  // pick scientific notation when magnitudes span a wide range, as PyTorch does
  let maxAbs = 0, minAbs = Infinity;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (Number.isFinite(a)) { if (a > maxAbs) maxAbs = a; if (a > 0 && a < minAbs) minAbs = a; }
  }
  const sci = !isInt && (maxAbs >= 1e8 || (minAbs < 1e-4 && maxAbs > 0) || (maxAbs > 0 && maxAbs / minAbs > 1e5 && maxAbs > 1e3));
  let whole = true;
  for (let i = 0; i < data.length && whole; i++) if (Number.isFinite(data[i]) && !Number.isInteger(data[i])) whole = false;
  const cells: string[] = [];
  for (let i = 0; i < data.length; i++) cells.push(formatNumber(data[i], isInt, sci, whole));
  const width = cells.reduce((w, s) => Math.max(w, s.length), 0);
  const shape = t.shape;

  const render = (dim: number, offset: number, indent: string): string => {
    if (dim === shape.length) return cells[offset].padStart(width);
    const n = shape[dim], step = numel(shape.slice(dim + 1));
    const idx: (number | null)[] = summarise && n > 2 * EDGE
      ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
      : Array.from({ length: n }, (_, i) => i);
    const parts = idx.map((i) => (i === null ? '...' : render(dim + 1, offset + i * step, indent + ' ')));
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };

  const body = shape.length === 0 ? cells[0] : render(0, 0, '       ');
  const extras: string[] = [];
  if (t.dtype !== 'float32') extras.push(`dtype=${t.dtype}`);
  if (summarise || shape.length === 0 || t.size === 0) extras.push(`shape=[${shape.join(', ')}]`);
  if (t.gradFn) extras.push(`gradFn=${t.gradFn.name}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
