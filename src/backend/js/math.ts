// Scalar math that JavaScript's Math lacks: erf (for the exact GELU) and its derivative.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * erf to about 1e-15: Maclaurin series near zero, continued fraction for erfc in the tails.
 * Used for float64 (gradient checks) where the fast form below is not accurate enough.
 */
export function erfPrecise(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (ax > 6) return x > 0 ? 1 : -1;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...))))), Lentz's method
  const tiny = 1e-300;
  let f = ax, c = ax, d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = ax + a * d; d = d === 0 ? tiny : 1 / d;
    c = ax + a / c; if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** erf with absolute error below 1.5e-7 (Abramowitz & Stegun 7.1.26): enough for float32. */
export function erfFast(x: number): number {
  const ax = x < 0 ? -x : x;
  const t = 1 / (1 + 0.3275911 * ax);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return x < 0 ? -y : y;
}

/** GELU, erf form: x * Phi(x). */
export function gelu(x: number, erf: (v: number) => number): number {
  return 0.5 * x * (1 + erf(x * INV_SQRT2));
}

/** d/dx of x * Phi(x) = Phi(x) + x * phi(x). */
export function geluDerivative(x: number, erf: (v: number) => number): number {
  return 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}
