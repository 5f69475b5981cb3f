// Elementwise ops with broadcasting. Each op: forward = one kernel call, backward written
// next to it in terms of other ops (or one fused gradient kernel for the hot activations).

import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { record } from '../autograd/graph.js';
import { broadcastShapes, sameShape } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { isFloating, type DType } from '../dtype/dtype.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { asTensors, castTo, commonDType, empty, emptyOutput, K, sumToShape, toFloating } from './util.js';

// --- building blocks ---------------------------------------------------------------------

/** Runs a unary kernel; `floatOnly` ops promote int32 input to float32 first. */
function unaryKernel(op: UnaryOp, x: Tensor, floatOnly: boolean, p0?: number, p1?: number): Tensor {
  const input = floatOnly ? toFloating(x) : x;
  const out = emptyOutput(input.shape, input.dtype);
  K().unary(op, input.storage, out.storage, p0, p1);
  return out;
}

/** Runs a binary kernel on broadcast operands, writing `outDType` (default: promoted type). */
function binaryKernel(op: BinaryOp, a: Tensor, b: Tensor, name: string, outDType?: DType, p0?: number): Tensor {
  const shape = sameShape(a.shape, b.shape) ? a.shape.slice() : broadcastShapes(a.shape, b.shape, name);
  const dtype = commonDType(a, b);
  const ac = castTo(a, dtype), bc = castTo(b, dtype);
  const out = emptyOutput(shape, outDType ?? dtype);
  K().binary(op, ac.storage, ac.shape, bc.storage, bc.shape, out.storage, shape, p0);
  return out;
}

/** Binary op with autograd; `grads` returns the unreduced gradients for a and b. */
function binaryOp(name: string, op: BinaryOp, aIn: TensorLike, bIn: TensorLike,
  grads: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]): Tensor {
  const [a, b] = asTensors(aIn, bIn, name);
  const out = binaryKernel(op, a, b, name);
  return record(name, out, [a, b], (g) => {
    const [ga, gb] = grads(g, a, b, out);
    return [ga && a.requiresGrad ? sumToShape(ga, a.shape) : null, gb && b.requiresGrad ? sumToShape(gb, b.shape) : null];
  });
}

// --- arithmetic --------------------------------------------------------------------------

/** a + alpha * b */
export function add(a: TensorLike, b: TensorLike, alpha = 1): Tensor {
  if (alpha !== 1) b = typeof b === 'number' ? b * alpha : mul(b, alpha);
  if (a instanceof Tensor && typeof b === 'number' && isFloating(a.dtype)) return affine(a, 1, b);
  if (b instanceof Tensor && typeof a === 'number' && isFloating(b.dtype)) return affine(b, 1, a);
  return binaryOp('add', 'add', a, b, (g) => [g, g]);
}

/** a - alpha * b */
export function sub(a: TensorLike, b: TensorLike, alpha = 1): Tensor {
  if (alpha !== 1) b = typeof b === 'number' ? b * alpha : mul(b, alpha);
  if (a instanceof Tensor && typeof b === 'number' && isFloating(a.dtype)) return affine(a, 1, -b);
  if (b instanceof Tensor && typeof a === 'number' && isFloating(b.dtype)) return affine(b, -1, a);
  return binaryOp('sub', 'sub', a, b, (g) => [g, neg(g)]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor && typeof b === 'number' && isFloating(a.dtype)) return affine(a, b, 0);
  if (b instanceof Tensor && typeof a === 'number' && isFloating(b.dtype)) return affine(b, a, 0);
  return binaryOp('mul', 'mul', a, b, (g, x, y) => [mul(g, y), mul(g, x)]);
}

/** True division: integer inputs give a float32 result, as in PyTorch. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor && a.dtype === 'int32') a = toFloating(a);
  if (b instanceof Tensor && b.dtype === 'int32') b = toFloating(b);
  return binaryOp('div', 'div', a, b, (g, _x, y, out) => [div(g, y), neg(div(mul(g, out), y))]);
}

/** x * scale + shift, with scalar scale and shift: the fast path of scalar add/sub/mul. */
export function affine(x: Tensor, scale: number, shift: number): Tensor {
  const out = unaryKernel('affine', x, false, scale, shift);
  return record('affine', out, [x], (g) => [scale === 1 ? g : affine(g, scale, 0)]);
}

export function pow(a: TensorLike, exponent: TensorLike): Tensor {
  if (a instanceof Tensor && typeof exponent === 'number') {
    const x = a, e = exponent;
    if (x.dtype === 'int32' && Number.isInteger(e) && e < 0) {
      throw new Error('pow: integers to negative integer powers are not allowed (convert the tensor with .float() first)');
    }
    const out = unaryKernel('powScalar', x, !Number.isInteger(e), e);
    return record('pow', out, [x], (g) => [e === 0 ? mul(g, 0) : mul(g, mul(pow(x, e - 1), e))]);
  }
  return binaryOp('pow', 'pow', a, exponent, (g, x, y, out) => [
    mul(g, mul(y, pow(x, sub(y, 1)))),
    // d/dy x^y = x^y log x; PyTorch defines it as 0 where x == 0 (and y >= 0)
    mul(g, where(eq(x, 0), 0, mul(out, log(x)))),
  ]);
}

/** Elementwise maximum; ties split the gradient evenly between the inputs, as PyTorch. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('maximum', 'maximum', a, b, (g, x, y) => {
    const share = add(gt(x, y), mul(eq(x, y), 0.5));
    return [mul(g, share), mul(g, sub(1, share))];
  });
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('minimum', 'minimum', a, b, (g, x, y) => {
    const share = add(lt(x, y), mul(eq(x, y), 0.5));
    return [mul(g, share), mul(g, sub(1, share))];
  });
}

// --- comparisons: int32 0/1 results, not differentiable ------------------------------------

function compare(name: string, op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = asTensors(a, b, name);
  return binaryKernel(op, x, y, name, 'int32');
}
export const eq = (a: TensorLike, b: TensorLike) => compare('eq', 'eq', a, b);
export const ne = (a: TensorLike, b: TensorLike) => compare('ne', 'ne', a, b);
export const lt = (a: TensorLike, b: TensorLike) => compare('lt', 'lt', a, b);
export const le = (a: TensorLike, b: TensorLike) => compare('le', 'le', a, b);
export const gt = (a: TensorLike, b: TensorLike) => compare('gt', 'gt', a, b);
export const ge = (a: TensorLike, b: TensorLike) => compare('ge', 'ge', a, b);

/** cond != 0 ? a : b, broadcasting all three. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = asTensors(a, b, 'where');
  const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, 'where'), y.shape, 'where');
  const dtype = commonDType(x, y);
  const xc = castTo(x, dtype), yc = castTo(y, dtype);
  const out = emptyOutput(shape, dtype);
  K().where(cond.storage, cond.shape, xc.storage, xc.shape, yc.storage, yc.shape, out.storage, shape);
  return record('where', out, [x, y], (g) => [
    x.requiresGrad ? sumToShape(where(cond, g, 0), x.shape) : null,
    y.requiresGrad ? sumToShape(where(cond, 0, g), y.shape) : null,
  ]);
}

// --- unary functions ---------------------------------------------------------------------

export function neg(x: Tensor): Tensor {
  return record('neg', unaryKernel('neg', x, false), [x], (g) => [neg(g)]);
}
export function abs(x: Tensor): Tensor {
  return record('abs', unaryKernel('abs', x, false), [x], (g) => [mul(g, sign(x))]);
}
export function sign(x: Tensor): Tensor {
  return unaryKernel('sign', x, false);
}
export function exp(x: Tensor): Tensor {
  const out = unaryKernel('exp', x, true);
  return record('exp', out, [x], (g) => [mul(g, out)]);
}
export function log(x: Tensor): Tensor {
  return record('log', unaryKernel('log', x, true), [x], (g) => [div(g, x)]);
}
export function log1p(x: Tensor): Tensor {
  return record('log1p', unaryKernel('log1p', x, true), [x], (g) => [div(g, add(x, 1))]);
}
export function sqrt(x: Tensor): Tensor {
  const out = unaryKernel('sqrt', x, true);
  return record('sqrt', out, [x], (g) => [div(mul(g, 0.5), out)]);
}
export function rsqrt(x: Tensor): Tensor {
  const out = unaryKernel('rsqrt', x, true);
  return record('rsqrt', out, [x], (g) => [mul(g, mul(pow(out, 3), -0.5))]);
}
export function square(x: Tensor): Tensor {
  return record('square', unaryKernel('square', x, false), [x], (g) => [mul(g, mul(x, 2))]);
}
export function reciprocal(x: Tensor): Tensor {
  const out = unaryKernel('reciprocal', x, true);
  return record('reciprocal', out, [x], (g) => [neg(mul(g, square(out)))]);
}
export function sin(x: Tensor): Tensor {
  return record('sin', unaryKernel('sin', x, true), [x], (g) => [mul(g, cos(x))]);
}
export function cos(x: Tensor): Tensor {
  return record('cos', unaryKernel('cos', x, true), [x], (g) => [neg(mul(g, sin(x)))]);
}
export function floor(x: Tensor): Tensor { return unaryKernel('floor', x, false); }
export function ceil(x: Tensor): Tensor { return unaryKernel('ceil', x, false); }
export function round(x: Tensor): Tensor { return unaryKernel('round', x, false); }

/** Min and/or max bound; the gradient passes where the input lies within the bounds. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  return record('clamp', unaryKernel('clamp', x, false, lo, hi), [x], (g) => [mul(g, mul(ge(x, lo), le(x, hi)))]);
}

// --- activations (fused gradient kernels) --------------------------------------------------

/**
 * Backward of an activation: one fused kernel op(g, saved) normally; when the backward pass is
 * itself recorded (backward with createGraph), the same formula built from differentiable ops.
 */
function activationGrad(op: BinaryOp, g: Tensor, saved: Tensor, p0: number | undefined, composite: () => Tensor): Tensor {
  if (isGradEnabled() && (g.requiresGrad || saved.requiresGrad)) return composite();
  return binaryKernel(op, g, saved, op, undefined, p0);
}

export function relu(x: Tensor): Tensor {
  const out = unaryKernel('relu', x, false);
  // out > 0 exactly where x > 0, so the output can stand in for the input
  return record('relu', out, [x], (g) => [activationGrad('reluGrad', g, out, undefined, () => where(gt(out, 0), g, 0))]);
}
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  const out = unaryKernel('leakyRelu', x, true, negativeSlope);
  return record('leakyRelu', out, [x], (g) => [activationGrad('leakyReluGrad', g, x, negativeSlope,
    () => mul(g, add(mul(gt(x, 0), 1 - negativeSlope), negativeSlope)))]);
}
export function sigmoid(x: Tensor): Tensor {
  const out = unaryKernel('sigmoid', x, true);
  return record('sigmoid', out, [x], (g) => [activationGrad('sigmoidGrad', g, out, undefined, () => mul(g, mul(out, sub(1, out))))]);
}
export function tanh(x: Tensor): Tensor {
  const out = unaryKernel('tanh', x, true);
  return record('tanh', out, [x], (g) => [activationGrad('tanhGrad', g, out, undefined, () => mul(g, sub(1, square(out))))]);
}
/** GELU in its exact erf form (PyTorch's default approximate='none'). */
export function gelu(x: Tensor): Tensor {
  // d/dx x*Phi(x) = Phi(x) + x*phi(x), with Phi(x) = (1 + erf(x/sqrt2))/2, phi(x) = exp(-x^2/2)/sqrt(2pi)
  return record('gelu', unaryKernel('gelu', x, true), [x], (g) => [activationGrad('geluGrad', g, x, undefined, () =>
    mul(g, add(mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5), mul(x, mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI))))))]);
}
/** The error function. */
export function erf(x: Tensor): Tensor {
  // d/dx erf(x) = 2/sqrt(pi) * exp(-x^2)
  return record('erf', unaryKernel('erf', x, true), [x], (g) => [mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))]);
}

/** log(1 + exp(x)), computed without overflow. */
export function softplus(x: Tensor): Tensor {
  return record('softplus', unaryKernel('softplus', x, true), [x], (g) => [mul(g, sigmoid(x))]);
}
