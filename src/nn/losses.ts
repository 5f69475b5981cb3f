// Loss functions with PyTorch's semantics (torch.nn.functional.*_loss). Each is composed from
// differentiable ops, so gradients come from autograd; where PyTorch's formula would produce
// a NaN gradient at a boundary (log of 0) the composition clamps first, matching PyTorch's
// forward values everywhere.

import { Tensor } from '../tensor/tensor.js';
import { isFloating } from '../dtype/dtype.js';
import { broadcastShapes, sameShape, shapeToString } from '../tensor/shape.js';
import { scalar } from '../tensor/creation.js';
import {
  abs, add, clamp, eq, exp, gather, indexSelect, log, logSoftmax, mul, ne, neg, reshape,
  softplus, square, squeeze, sub, sum, mean, unsqueeze, where,
} from '../ops/index.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  /** 'mean' (default): average; 'sum': total; 'none': one loss per element. */
  reduction?: Reduction;
}

/**
 * Sum of all elements; a 0-d tensor is its own sum and is returned as it is (ops.sum of a
 * 0-d tensor used to attach its graph node to its own input and lose the gradient).
 */
function total(t: Tensor): Tensor {
  return t.ndim === 0 ? t : sum(t);
}

function reduce(loss: Tensor, reduction: Reduction | undefined, op: string): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean': return loss.ndim === 0 ? loss : mean(loss);
    case 'sum': return total(loss);
    case 'none': return loss;
    default: throw new Error(`${op}: unknown reduction '${String(reduction)}' (expected 'mean', 'sum' or 'none')`);
  }
}

function requireFloating(t: Tensor, op: string, what: string): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor`);
  if (!isFloating(t.dtype)) throw new TypeError(`${op}: ${what} must be floating point, got ${t.dtype}`);
}

/** Target as the input's floating dtype (integer 0/1 labels are accepted). */
function floatTarget(target: Tensor, input: Tensor): Tensor {
  return target.dtype === input.dtype ? target : target.to(input.dtype);
}

/**
 * The target of an elementwise loss, checked and as the input's dtype: the input must be
 * floating point (`what` names it in the error) and the target must have the input's shape
 * (PyTorch would broadcast with a warning: a common silent bug).
 */
function elementwiseTarget(input: Tensor, target: Tensor, op: string, what = 'input'): Tensor {
  requireFloating(input, op, what);
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`${op}: target shape ${shapeToString(target.shape)} does not match input shape ${shapeToString(input.shape)}`);
  }
  return floatTarget(target, input);
}

// --- regression --------------------------------------------------------------------------

/** Mean squared error: (input - target)^2, reduced. */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  return reduce(square(sub(input, elementwiseTarget(input, target, 'mseLoss'))), options.reduction, 'mseLoss');
}

/** Mean absolute error: |input - target|, reduced. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  return reduce(abs(sub(input, elementwiseTarget(input, target, 'l1Loss'))), options.reduction, 'l1Loss');
}

export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss switches from quadratic to linear (default 1; 0 gives l1Loss). */
  beta?: number;
}

/** 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (torch's smooth_l1_loss). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1Options = {}): Tensor {
  const t = elementwiseTarget(input, target, 'smoothL1Loss');
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const d = abs(sub(input, t));
  if (beta === 0) return reduce(d, options.reduction, 'smoothL1Loss');
  const loss = where(d.lt(beta), mul(square(d), 0.5 / beta), sub(d, 0.5 * beta));
  return reduce(loss, options.reduction, 'smoothL1Loss');
}

export interface HuberOptions extends ReductionOptions {
  /** Where the loss switches from quadratic to linear (default 1). */
  delta?: number;
}

/** 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (torch's huber_loss). */
export function huberLoss(input: Tensor, target: Tensor, options: HuberOptions = {}): Tensor {
  const t = elementwiseTarget(input, target, 'huberLoss');
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be positive, got ${delta}`);
  const d = abs(sub(input, t));
  const loss = where(d.lt(delta), mul(square(d), 0.5), mul(sub(d, 0.5 * delta), delta));
  return reduce(loss, options.reduction, 'huberLoss');
}

// --- classification with class indices ---------------------------------------------------

export interface NllOptions extends ReductionOptions {
  /** Per-class rescaling weight [C]. */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (default -100). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllOptions {
  /** Mixes the target with the uniform distribution: (1 - s) * onehot + s / C (default 0). */
  labelSmoothing?: number;
}

/** Class dimension of an input [N, C, d...] (or [C] for a single sample). */
function classDimOf(input: Tensor, op: string): number {
  if (input.ndim === 0) throw new Error(`${op}: input must be [N, C, ...] or [C], got a scalar`);
  return input.ndim === 1 ? 0 : 1;
}

/** Checks an int32 target of input's shape without the class dimension, with values in range. */
function checkClassTarget(input: Tensor, target: Tensor, classDim: number, ignoreIndex: number, op: string): void {
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: target must be a Tensor`);
  const expected = input.shape.filter((_, i) => i !== classDim);
  if (target.dtype !== 'int32') {
    throw new TypeError(`${op}: target must hold int32 class indices of shape ${shapeToString(expected)}, got ${target.dtype} ${shapeToString(target.shape)}`);
  }
  if (!sameShape(target.shape, expected)) {
    throw new Error(`${op}: target shape ${shapeToString(target.shape)} does not match input ${shapeToString(input.shape)} (expected ${shapeToString(expected)})`);
  }
  const c = input.shape[classDim];
  const values = target.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== ignoreIndex && (v < 0 || v >= c)) throw new RangeError(`${op}: target class ${v} is out of range for ${c} classes`);
  }
}

function checkWeight(weight: Tensor | null | undefined, classes: number, op: string): void {
  if (!weight) return;
  requireFloating(weight, op, 'weight');
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new Error(`${op}: weight must be [${classes}] (one per class), got ${shapeToString(weight.shape)}`);
  }
}

/**
 * The log-probability at each target (0 where ignored) and each target's weight (its class
 * weight, or 1; 0 where ignored), both of the target's shape.
 */
function pickTargets(logp: Tensor, target: Tensor, classDim: number, weight: Tensor | null, ignoreIndex: number): [Tensor, Tensor] {
  const valid = ne(target, ignoreIndex);
  const safe = where(valid, target, 0); // ignored entries index class 0, then get weight 0
  const picked = squeeze(gather(logp, classDim, unsqueeze(safe, classDim)), classDim);
  const validF = valid.to(logp.dtype);
  const w = weight ? mul(reshape(indexSelect(weight.to(logp.dtype), 0, reshape(safe, [safe.size])), target.shape), validF) : validF;
  return [picked, w];
}

/** Negative log likelihood of targets under log-probabilities `input` (weighted mean by default). */
function nllFromLogProbs(logp: Tensor, target: Tensor, classDim: number, weight: Tensor | null,
  ignoreIndex: number, reduction: Reduction, op: string): Tensor {
  const [picked, w] = pickTargets(logp, target, classDim, weight, ignoreIndex);
  const loss = neg(mul(picked, w));
  // PyTorch's weighted mean divides by the total weight of the (non-ignored) targets
  if (reduction === 'mean') return total(loss).div(total(w));
  return reduce(loss, reduction, op);
}

/**
 * Negative log likelihood loss (torch.nn.functional.nll_loss): input holds log-probabilities
 * [N, C] or [N, C, d...] (or [C]); target int32 class indices [N] or [N, d...] (or []).
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  requireFloating(input, 'nllLoss', 'input');
  const classDim = classDimOf(input, 'nllLoss');
  const ignoreIndex = options.ignoreIndex ?? -100;
  checkClassTarget(input, target, classDim, ignoreIndex, 'nllLoss');
  checkWeight(options.weight, input.shape[classDim], 'nllLoss');
  return nllFromLogProbs(input, target, classDim, options.weight ?? null, ignoreIndex, options.reduction ?? 'mean', 'nllLoss');
}

/**
 * Cross entropy between logits and targets (torch.nn.functional.cross_entropy).
 * - logits [N, C] or [N, C, d...] (or [C]);
 * - target: int32 class indices [N] / [N, d...] (or []), or class probabilities shaped like
 *   the logits (floating point).
 * With class weights the mean divides by the summed weight of the targets; label smoothing
 * follows PyTorch 1.10+: (1 - s) * nll + s / C * (the weighted sum of -log p over classes).
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  requireFloating(input, op, 'input (logits)');
  const classDim = classDimOf(input, op);
  const classes = input.shape[classDim];
  const reduction = options.reduction ?? 'mean';
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const weight = options.weight ?? null;
  checkWeight(weight, classes, op);
  const logp = logSoftmax(input, classDim);
  // the class weight, shaped to broadcast along the class dimension
  const wView = weight ? reshape(weight.to(input.dtype), input.shape.map((d, i) => (i === classDim ? d : 1))) : null;

  if (target instanceof Tensor && isFloating(target.dtype)) {
    if (!sameShape(target.shape, input.shape)) {
      throw new Error(`${op}: probability target shape ${shapeToString(target.shape)} must equal input shape ${shapeToString(input.shape)}`);
    }
    if (options.ignoreIndex !== undefined) throw new Error(`${op}: ignoreIndex is only supported with class-index targets`);
    let t = floatTarget(target, input);
    if (smoothing > 0) t = add(mul(t, 1 - smoothing), smoothing / classes);
    const prod = wView ? mul(mul(logp, t), wView) : mul(logp, t);
    const loss = neg(sum(prod, classDim));
    // PyTorch averages over samples (N * d...), not over weights, for probability targets
    return reduction === 'mean' ? total(loss).div(input.size / Math.max(1, classes)) : reduce(loss, reduction, op);
  }

  const ignoreIndex = options.ignoreIndex ?? -100;
  checkClassTarget(input, target, classDim, ignoreIndex, op);
  const [picked, w] = pickTargets(logp, target, classDim, weight, ignoreIndex);
  const nllElems = neg(mul(picked, w));
  const totalWeight = total(w);
  const nll = reduction === 'mean' ? total(nllElems).div(totalWeight) : reduce(nllElems, reduction, op);
  if (smoothing === 0) return nll;

  const valid = ne(target, ignoreIndex).to(input.dtype);
  const smooth = mul(neg(sum(wView ? mul(logp, wView) : logp, classDim)), valid);
  let smoothReduced: Tensor;
  if (reduction === 'mean') smoothReduced = total(smooth).div(weight ? totalWeight : total(valid));
  else smoothReduced = reduce(smooth, reduction, op);
  return add(mul(nll, 1 - smoothing), mul(smoothReduced, smoothing / classes));
}

// --- binary classification ----------------------------------------------------------------

export interface BceOptions extends ReductionOptions {
  /** Rescaling weight, broadcast against the input. */
  weight?: Tensor | null;
}

/**
 * log(x) clamped below at -100, as PyTorch's binary_cross_entropy does; the inner clamp keeps
 * log away from 0 so that the gradient is 0 (not NaN) where the outer clamp is active.
 */
function clampedLog(x: Tensor): Tensor {
  return clamp(log(clamp(x, 1e-44)), -100);
}

/**
 * Binary cross entropy between probabilities and targets in [0, 1]:
 * -w (t log x + (1 - t) log(1 - x)), with the logs clamped at -100 as PyTorch.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const t = elementwiseTarget(input, target, op);
  const values = input.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0 && values[i] <= 1)) {
      throw new RangeError(`${op}: input must hold probabilities in [0, 1], got ${values[i]} at index ${i} (for logits use binaryCrossEntropyWithLogits)`);
    }
  }
  let loss = neg(add(mul(t, clampedLog(input)), mul(sub(1, t), clampedLog(sub(1, input)))));
  if (options.weight) loss = mul(loss, checkBroadcastWeight(options.weight, input, op, 'weight'));
  return reduce(loss, options.reduction, op);
}

function checkBroadcastWeight(w: Tensor, input: Tensor, op: string, what: string): Tensor {
  requireFloating(w, op, what);
  const shape = broadcastShapes(w.shape, input.shape, `${op} (${what})`);
  if (!sameShape(shape, input.shape)) {
    throw new Error(`${op}: ${what} ${shapeToString(w.shape)} does not broadcast to input ${shapeToString(input.shape)}`);
  }
  return w.to(input.dtype);
}

export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of positive examples, per class (broadcast against the last dimension). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross entropy on logits, computed stably:
 * (1 - t) x + (1 + (posWeight - 1) t) softplus(-x), times weight; equal to
 * -w [posWeight t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] without overflow.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const t = elementwiseTarget(input, target, op, 'input (logits)');
  const spNeg = softplus(neg(input));
  const logWeight = options.posWeight
    ? add(mul(sub(checkBroadcastWeight(options.posWeight, input, op, 'posWeight'), 1), t), 1)
    : null;
  let loss = add(mul(sub(1, t), input), logWeight ? mul(logWeight, spNeg) : spNeg);
  if (options.weight) loss = mul(loss, checkBroadcastWeight(options.weight, input, op, 'weight'));
  return reduce(loss, options.reduction, op);
}

// --- distributions --------------------------------------------------------------------------

export interface KlDivOptions {
  /** 'mean' (PyTorch's default: over all elements), 'batchmean' (sum / batch size: the true KL), 'sum', 'none'. */
  reduction?: Reduction | 'batchmean';
  /** The target holds log-probabilities too. */
  logTarget?: boolean;
}

/**
 * Kullback-Leibler divergence KL(target || exp(input)) pointwise, for log-probabilities
 * `input`: t (log t - input), with 0 where t = 0 (or exp(t) (t - input) with logTarget).
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const op = 'klDiv';
  const t = elementwiseTarget(input, target, op, 'input (log-probabilities)');
  let loss: Tensor;
  if (options.logTarget) loss = mul(exp(t), sub(t, input));
  else {
    // xlogy(t, t): t log t with 0 at t = 0; log of 1 there keeps the gradient finite
    const tLogT = mul(t, log(where(eq(t, 0), 1, t)));
    loss = sub(tLogT, mul(t, input));
  }
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'batchmean') return input.ndim === 0 ? loss : total(loss).div(input.shape[0]);
  return reduce(loss, reduction, op);
}

// --- penalties ------------------------------------------------------------------------------

function penalty(params: Iterable<Tensor>, term: (p: Tensor) => Tensor, op: string): Tensor {
  let acc: Tensor | null = null;
  for (const p of params) {
    requireFloating(p, op, 'every parameter');
    const s = total(term(p));
    acc = acc ? add(acc, s) : s;
  }
  return acc ?? scalar(0);
}

/** Sum of |w| over all given parameters (add lambda * l1Penalty(model.parameters()) to a loss). */
export function l1Penalty(params: Iterable<Tensor>): Tensor {
  return penalty(params, abs, 'l1Penalty');
}

/** Sum of w^2 over all given parameters (no 1/2 factor). */
export function l2Penalty(params: Iterable<Tensor>): Tensor {
  return penalty(params, square, 'l2Penalty');
}
