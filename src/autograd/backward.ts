// Reverse-mode differentiation over the recorded graph: order the nodes that lead to the
// root topologically, walk them in reverse, call each backward, and sum gradients that reach
// the same tensor. Leaves that require grad accumulate into `.grad` (so gradients from
// several backward calls add up, as in PyTorch, until the optimizer's zeroGrad). Storages that
// the pass allocated and consumed go back to the backend for reuse (grad-buffers.ts).

import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, sameShape } from '../tensor/shape.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { GradientBuffers } from './grad-buffers.js';
import { backend } from '../backend/index.js';

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. */
  createGraph?: boolean;
}

/** Tensors reachable from root through gradFn inputs, in reverse topological order (root first). */
function reverseTopologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // iterative DFS with an explicit stack: deep graphs (long RNN unrolls) must not overflow
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn ? t.gradFn.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child && child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

export function backward(root: Tensor, gradient?: Tensor, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require grad (no input required grad, or it was computed under noGrad)');
  }
  let seed = gradient;
  if (!seed) {
    if (root.size !== 1) {
      throw new Error(`backward: a gradient must be given for a non-scalar output of shape ${shapeToString(root.shape)}`);
    }
    seed = noGrad(() => root.detach().clone().fill_(1));
  } else if (!sameShape(seed.shape, root.shape)) {
    throw new Error(`backward: gradient shape ${shapeToString(seed.shape)} does not match output shape ${shapeToString(root.shape)}`);
  }

  const createGraph = options.createGraph === true;
  const run = () => {
    // with createGraph the gradients are part of a new graph and may outlive the pass
    const buffers = createGraph ? null : GradientBuffers.start(backend());
    try {
      const grads = new Map<Tensor, Tensor>([[root, seed!]]);
      buffers?.hold(seed!);
      for (const t of reverseTopologicalOrder(root)) {
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t); // free memory as soon as it has been propagated
        buffers?.drop(g);
        const fn = t.gradFn;
        if (!fn) {
          accumulateLeaf(t, g, createGraph, buffers);
          buffers?.settle([g]);
          continue;
        }
        if (t.retainsGrad) accumulateLeaf(t, g, createGraph, buffers);
        if (!fn.backward) {
          throw new Error(`backward: trying to go through the graph of '${fn.name}' a second time; ` +
            'pass { retainGraph: true } to the first backward() to keep it');
        }
        const inputGrads = fn.backward(g);
        // like PyTorch, createGraph implies retainGraph: the new graph reuses the forward's
        if (!(options.retainGraph ?? createGraph)) fn.backward = null;
        const consumed = [g];
        fn.inputs.forEach((input, i) => {
          let gi = inputGrads[i];
          if (!input || !input.requiresGrad || !gi) return;
          // a float32 input mixed with float64 gets a float32 gradient, as in PyTorch
          if (gi.dtype !== input.dtype) gi = gi.to(input.dtype);
          if (!sameShape(gi.shape, input.shape)) {
            throw new Error(`backward: '${fn.name}' produced a gradient of shape ${shapeToString(gi.shape)} ` +
              `for an input of shape ${shapeToString(input.shape)} (internal error)`);
          }
          const prev = grads.get(input);
          if (prev) { buffers?.drop(prev); consumed.push(prev); }
          const sum = prev ? prev.add(gi) : gi;
          grads.set(input, sum);
          buffers?.hold(sum);
        });
        buffers?.settle(consumed);
      }
    } finally {
      buffers?.finish();
    }
  };
  if (createGraph) enableGrad(run); else noGrad(run);
}

function accumulateLeaf(t: Tensor, g: Tensor, createGraph: boolean, buffers: GradientBuffers | null): void {
  if (!t.grad) {
    // A copy, not g itself, unless the pass owns g outright: backward functions hand the same
    // tensor to several inputs (add returns [g, g]) and the seed may be the caller's, so
    // sharing would let an in-place change of one .grad (clipping, zeroGrad) alter another.
    t.grad = createGraph ? g : buffers?.owns(g) ? g.detach() : g.detach().clone();
  } else {
    t.grad = createGraph ? t.grad.add(g) : noGrad(() => t.grad!.add(g));
  }
  buffers?.handOut(t.grad);
}
