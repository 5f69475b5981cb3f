// Argument checks shared by the optimizers and schedulers. Every message names the owner
// (the class) and the option, and shows the offending value: `Adam: lr must be a non-negative
// number, got -1`.

import { Tensor } from '../tensor/tensor.js';

/** How a value reads in an error message: strings quoted, everything else as JavaScript shows it. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value instanceof Tensor) return `a Tensor of shape [${value.shape.join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    return `an object with keys {${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}}`;
  }
  return String(value);
}

export function checkNonNegative(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${owner}: ${name} must be a non-negative number, got ${show(value)}`);
  }
}

export function checkFinite(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${owner}: ${name} must be a finite number, got ${show(value)}`);
  }
}

export function checkPositiveInteger(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${owner}: ${name} must be a positive integer, got ${show(value)}`);
  }
}

/** lo <= value < hi, or lo <= value <= hi with `closed`. */
export function checkInRange(owner: string, name: string, value: unknown, lo: number, hi: number, closed = false): void {
  const ok = typeof value === 'number' && value >= lo && (closed ? value <= hi : value < hi);
  if (!ok) throw new RangeError(`${owner}: ${name} must be in [${lo}, ${hi}${closed ? ']' : ')'}, got ${show(value)}`);
}

export function checkBoolean(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`${owner}: ${name} must be a boolean, got ${show(value)}`);
}

export function checkOneOf<T extends string>(owner: string, name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new RangeError(`${owner}: ${name} must be one of ${allowed.map(show).join(', ')}, got ${show(value)}`);
  }
}

/** A check of one option, as the functions above: throws naming the owner and the option. */
export type OptionCheck = (owner: string, name: string, value: unknown) => void;

/** One check per option: an optimizer's hyper-parameter table, `{ lr: checkNonNegative, ... }`. */
export type OptionChecks<O> = { readonly [K in keyof O]-?: OptionCheck };

/** Runs each option's check, in the order `checks` lists them (the first failure throws). */
export function checkOptions<O extends object>(owner: string, options: O, checks: OptionChecks<O>): void {
  for (const [name, check] of Object.entries(checks) as [string, OptionCheck][]) {
    check(owner, name, (options as Record<string, unknown>)[name]);
  }
}

const camelCase = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Rejects option keys the owner does not know. PyTorch's snake_case spellings get a hint, since
 * `weight_decay` instead of `weightDecay` is the likely slip of a PyTorch user.
 */
export function checkKnownKeys(owner: string, options: unknown, known: readonly string[], what = 'option'): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${owner}: ${what}s must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = known.includes(camelCase(key)) ? ` (did you mean '${camelCase(key)}'?)` : '';
    throw new TypeError(`${owner}: unknown ${what} '${key}'${hint}; expected one of ${known.join(', ')}`);
  }
}

/** Rejects only PyTorch spellings of known keys (for param groups, which may carry extra keys). */
export function checkNoSnakeCase(owner: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (key.includes('_') && known.includes(camelCase(key))) {
      throw new TypeError(`${owner}: unknown option '${key}' (did you mean '${camelCase(key)}'?)`);
    }
  }
}
