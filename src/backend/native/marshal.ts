// How a Backend call reaches the addon, derived from the kernel's declaration: the tensor
// arguments pass as they are (typed arrays, or null), and every other argument - enums as their
// index, booleans as 0/1, numbers, shapes as their rank then their sizes, params records field by
// field in declared order - goes into one Float64Array that the kernel's call reuses. So the
// addon function is `name(tensor0, tensor1, ..., scalars)`, and the C++ side reads the scalars in
// the same order (native/src/binding/kernels.gen.h is generated from the same declaration).
// Per call this allocates nothing.

import type { FieldSpec, KernelSpec } from '../kernel-spec.js';

/** The largest rank the native kernels take (native/src/kernels/kernels.h kMaxRank). */
export const MAX_RANK = 32;

type AddonFn = (...args: unknown[]) => void;

/**
 * The addon call for one kernel: returns false (having called nothing) when the arguments do
 * not fit the native calling convention (a shape above MAX_RANK), true once the addon ran.
 */
export function marshal(spec: KernelSpec, fn: AddonFn): (args: ArrayLike<unknown>) => boolean {
  const argSpecs = spec.args;
  const tensors = argSpecs.filter((a) => a.kind === 'tensor').length;
  const frame: unknown[] = new Array<unknown>(tensors + 1).fill(null);
  const enumCodes = argSpecs.map((a) => (a.kind === 'enum' ? new Map(a.values.map((v, i) => [v, i])) : null));
  const fields = argSpecs.map((a) => (a.kind === 'params' ? Object.keys(a.fields) : null));
  const fieldIsBool = argSpecs.map((a) => (a.kind === 'params' ? Object.values(a.fields).map(
    (f: FieldSpec) => (typeof f === 'string' ? f : f[0]) === 'bool') : null));
  const shapes = argSpecs.filter((a) => a.kind === 'shape').length;
  const scalars = new Float64Array(argSpecs.length * 2 + shapes * MAX_RANK +
    argSpecs.reduce((n, a) => n + (a.kind === 'params' ? Object.keys(a.fields).length : 0), 0));
  frame[tensors] = scalars;

  return (args) => {
    let at = 0, t = 0;
    for (let i = 0; i < argSpecs.length; i++) {
      const v = args[i];
      switch (argSpecs[i].kind) {
        case 'tensor': frame[t++] = v ?? null; break;
        case 'enum': scalars[at++] = enumCodes[i]!.get(v as string) ?? -1; break;
        case 'bool': scalars[at++] = v === true ? 1 : 0; break;
        case 'shape': {
          const s = v as readonly number[];
          if (s.length > MAX_RANK) return false;
          scalars[at++] = s.length;
          for (let d = 0; d < s.length; d++) scalars[at++] = s[d];
          break;
        }
        case 'params': {
          const p = v as Record<string, number | boolean | undefined>;
          const names = fields[i]!, bools = fieldIsBool[i]!;
          for (let f = 0; f < names.length; f++) {
            const x = p[names[f]];
            scalars[at++] = bools[f] ? (x === true ? 1 : 0) : (x as number | undefined) ?? 0;
          }
          break;
        }
        default: scalars[at++] = (v as number | undefined) ?? 0;
      }
    }
    try {
      Reflect.apply(fn, undefined, frame);
    } finally {
      // the frame must not keep the caller's arrays alive until the next call
      for (let k = 0; k < tensors; k++) frame[k] = null;
    }
    return true;
  };
}
