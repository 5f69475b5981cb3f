// Finite-difference gradient checking, as torch.autograd.gradcheck. The function is evaluated
// in float64 (inputs are converted), and the analytic vector-Jacobian product for a random
// cotangent v is compared with central differences of <v, f(x)>, which checks every column of
// the Jacobian at the cost of two evaluations per input element.

import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { fromArray } from '../tensor/creation.js';
import { noGrad } from './grad-mode.js';
import { backend } from '../backend/index.js';
import { isFloating } from '../dtype/dtype.js';

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random cotangent. */
  seed?: number;
  /** Convert floating inputs to float64 first (default true; needs a backend with float64). */
  float64?: boolean;
  /** Indices of the inputs to check (default: every floating input); the rest are constants. */
  checkInputs?: number[];
  /**
   * Elements whose gradient is zero by definition although the output depends on them (an
   * embedding's padding row): input index -> flat element indices. Their analytic gradient
   * must be exactly 0; they are not compared with finite differences.
   */
  zeroGradient?: Record<number, number[]>;
}

export interface GradCheckFailure {
  input: number;
  index: number;
  analytic: number;
  /** The central difference; for a zeroGradient element, the required 0. */
  numeric: number;
}

export interface GradCheckResult {
  passed: boolean;
  maxAbsError: number;
  failures: GradCheckFailure[];
  /** How many gradient elements were checked: a check of none can never fail. */
  checked: number;
}

export function gradCheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  const eps = options.eps ?? 1e-6, atol = options.atol ?? 1e-5, rtol = options.rtol ?? 1e-3;
  const useF64 = options.float64 ?? true;
  // leaves: float inputs require grad (in float64), int inputs are passed as they are
  const checked = (i: number) => isFloating(inputs[i].dtype) && (!options.checkInputs || options.checkInputs.includes(i));
  const leaves = inputs.map((t, i) => {
    if (!isFloating(t.dtype)) return t;
    const host = backend().read(t.storage);
    const data = useF64 ? Float64Array.from(host) : host.slice();
    return fromArray(data, t.shape, { requiresGrad: checked(i) });
  });
  const out = fn(...leaves);
  const gen = new Generator(options.seed ?? 1234);
  const vHost = new Float64Array(out.size).map(() => gen.normal());
  const v = fromArray(vHost, out.shape, { dtype: out.dtype });
  const dot = (t: Tensor): number => {
    const d = backend().read(t.storage);
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i] * vHost[i];
    return s;
  };
  if (out.requiresGrad) out.backward(v);

  const failures: GradCheckFailure[] = [];
  let maxAbsError = 0, count = 0;
  leaves.forEach((leaf, li) => {
    if (!checked(li)) return;
    const analytic = leaf.grad ? backend().read(leaf.grad.storage) : new Float64Array(leaf.size);
    const zero = new Set(options.zeroGradient?.[li] ?? []);
    for (const i of zero) if (!(i >= 0 && i < leaf.size)) throw new Error(`gradCheck: zeroGradient element ${i} of input ${li} is outside its ${leaf.size} elements`);
    // perturbs the storage in place: fine for the CPU backends gradient checks run on
    const data = backend().read(leaf.storage);
    for (let i = 0; i < leaf.size; i++) {
      count++;
      if (zero.has(i)) {
        maxAbsError = Math.max(maxAbsError, Math.abs(analytic[i]));
        if (analytic[i] !== 0) failures.push({ input: li, index: i, analytic: analytic[i], numeric: 0 });
        continue;
      }
      const orig = data[i];
      const f = (delta: number) => {
        data[i] = orig + delta;
        return noGrad(() => dot(fn(...leaves)));
      };
      const plus = f(eps), minus = f(-eps);
      data[i] = orig;
      const numeric = (plus - minus) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]);
      maxAbsError = Math.max(maxAbsError, err);
      if (!(err <= atol + rtol * Math.abs(numeric))) failures.push({ input: li, index: i, analytic: analytic[i], numeric });
    }
  });
  return { passed: failures.length === 0, maxAbsError, failures, checked: count };
}
