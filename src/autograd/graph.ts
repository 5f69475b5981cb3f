// The recorded graph. A differentiable op calls `record` with its output, its inputs and a
// backward function that maps the output's gradient to one gradient per input (null where an
// input needs none). Nothing is recorded when grad mode is off or no input requires grad.

import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * Maps the output's gradient to one gradient per input. It must keep nothing it allocates
 * beyond the gradients it returns (no caches, no stashing in closures or modules): after it
 * returns, the engine hands the rest of its allocations back to the backend for reuse.
 */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

export interface GradFn {
  /** The op's name, for printing and error messages. */
  readonly name: string;
  readonly inputs: readonly (Tensor | null)[];
  /** null once the graph has been freed by a backward pass. */
  backward: BackwardFn | null;
}

/** Whether an op on these inputs should record its backward. */
export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Attaches a backward to `output` when any input requires grad. `inputs[i]` matches the i-th
 * gradient that `backward` returns. Returns `output` for chaining.
 */
export function record(name: string, output: Tensor, inputs: readonly (Tensor | null)[], backward: BackwardFn): Tensor {
  if (!needsGrad(inputs)) return output;
  output.requiresGrad = true;
  output.gradFn = { name, inputs, backward };
  return output;
}
