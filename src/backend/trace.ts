// The kernel tracer: runs a function with every kernel of a backend wrapped to record its calls
// (which kernel, which variant, and whether the backend ran the call itself or handed it to its
// js fallback). The op x backend coverage matrix (ops/coverage.ts) is measured with it.

import type { Backend } from './backend.js';
import type { KernelSpec } from './kernel-spec.js';
import { KERNELS, KERNEL_NAMES, type KernelName } from './kernels.js';
import { describeDtypes, variantArg } from './signatures.js';

export interface KernelCall {
  kernel: KernelName;
  /** `kernel` or `kernel:variant` (unary:exp, binary:add, sliceAssign:true, ...). */
  use: string;
  /** The backend ran it itself (false: its js fallback did). */
  handled: boolean;
  /** The tensor arguments' dtypes: "x: float32, w: float32, bias: null, ...". */
  dtypes: string;
}

/** Runs fn with b's kernels traced; the calls in order. The backend is restored afterwards. */
export function traceKernels(b: Backend, fn: () => void): KernelCall[] {
  const calls: KernelCall[] = [];
  const target = b as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>();
  for (const kernel of KERNEL_NAMES) {
    const run = target[kernel] as (...args: unknown[]) => void;
    const spec: KernelSpec = KERNELS[kernel];
    const variant = variantArg(spec);
    saved.set(kernel, run);
    target[kernel] = (...args: unknown[]): void => {
      const use = variant === null ? kernel : `${kernel}:${String(args[variant.index])}`;
      calls.push({ kernel, use, handled: b.handles(kernel, args), dtypes: describeDtypes(spec, args) });
      run(...args);
    };
  }
  try {
    fn();
  } finally {
    for (const [kernel, run] of saved) target[kernel] = run;
  }
  return calls;
}
