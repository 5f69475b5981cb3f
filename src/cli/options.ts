// Parsers for command-line option values: each rejects a bad value with a message naming
// the flag (commander prints it and exits 2).

import { InvalidArgumentError } from 'commander';

export function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got '${v}'`);
    return n;
  };
}

export function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number, got '${v}'`);
    return n;
  };
}

export function integer(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

/** A duration in seconds (fractions allowed), more than 0 and at most a day. */
export function seconds(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || n > 86400) throw new InvalidArgumentError(`${name} must be a number of seconds > 0 and <= 86400, got '${v}'`);
    return n;
  };
}
