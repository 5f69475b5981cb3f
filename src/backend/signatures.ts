// Which dtype combinations a backend runs a kernel for, as a set of numeric keys: one key per
// combination of (each tensor argument's dtype or null, the variant). The native wrapper, the
// js backend's guard and the generated C++ argument check (kernels.gen.h) all compute the same
// key from a call's arguments and look it up, so the three can never disagree.

import { DTYPES, storageCode, type DType } from '../dtype/dtype.js';
import type { ArgSpec, EnumArg, KernelSpec, ScalarArg, Signature, TensorArg } from './kernel-spec.js';

/** A tensor argument's code in a key: 0 for null, 1 + its index in DTYPES otherwise. */
export const DTYPE_CODES = DTYPES.length + 1;
/** Room for the variant in a key (enums have fewer values than this). */
export const VARIANT_CODES = 64;

/** A tensor argument's code in a key: 0 for null, NaN for a non-storage (dtype.ts). */
export const dtypeCode = storageCode;

export const tensorArgs = (spec: KernelSpec): TensorArg[] =>
  spec.args.filter((a): a is TensorArg => a.kind === 'tensor');

/** The argument that selects a variant: the kernel's enum, or a boolean marked as one. */
export function variantArg(spec: KernelSpec): { index: number; values: readonly string[] } | null {
  const index = spec.args.findIndex((a: ArgSpec) => a.kind === 'enum' || (a.kind === 'bool' && (a as ScalarArg).variant === true));
  if (index < 0) return null;
  const a = spec.args[index];
  return { index, values: a.kind === 'enum' ? (a as EnumArg).values : ['false', 'true'] };
}

/** The variant's code of a call's variant argument value (-1: not a known variant). */
export function variantCode(values: readonly string[], value: unknown): number {
  return values.indexOf(String(value));
}

/** The type variables of a kernel's tensor arguments ('T', 'O', ...), in order of appearance. */
export function typeVars(spec: KernelSpec): string[] {
  return [...new Set(tensorArgs(spec).map((t) => t.dtype).filter((d) => !(DTYPES as readonly string[]).includes(d)))];
}

/** Every binding of the type variables a signature allows (each combination of its lists). */
export function bindings(sig: Signature, vars: string[]): Record<string, DType>[] {
  let out: Record<string, DType>[] = [{}];
  for (const v of vars) {
    const choice = sig[v];
    if (choice === undefined) return []; // the signature does not bind this variable: nothing runs
    const list = (typeof choice === 'string' ? [choice] : choice) as DType[];
    out = out.flatMap((b) => list.map((d) => ({ ...b, [v]: d })));
  }
  return out;
}

/** Every key a backend's signatures allow, sorted. */
export function allowedKeys(spec: KernelSpec, signatures: readonly Signature[]): number[] {
  const tensors = tensorArgs(spec);
  const variant = variantArg(spec);
  const vars = typeVars(spec);
  const keys = new Set<number>();
  for (const sig of signatures) {
    const variants = variant === null ? [0] :
      (sig.variants ?? variant.values).map((v) => {
        const code = variant.values.indexOf(v);
        if (code < 0) throw new Error(`kernel signature names an unknown variant '${v}'`);
        return code;
      });
    for (const binding of bindings(sig, vars)) {
      // every tensor argument's possible codes: its dtype, and null where optional
      let partial = [0];
      for (const t of tensors) {
        const dtype = (binding[t.dtype] ?? t.dtype) as DType;
        const codes = [DTYPES.indexOf(dtype) + 1, ...(t.optional ? [0] : [])];
        partial = partial.flatMap((k) => codes.map((c) => k * DTYPE_CODES + c));
      }
      for (const k of partial) for (const v of variants) keys.add(k * VARIANT_CODES + v);
    }
  }
  return [...keys].sort((a, b) => a - b);
}

/** allowedKeys as a set, for lookups. */
export const keySet = (spec: KernelSpec, signatures: readonly Signature[]): ReadonlySet<number> => new Set(allowedKeys(spec, signatures));

/**
 * A function telling whether a call's arguments (as passed to the Backend method) give one of
 * `keys`: a few instanceof checks and a set lookup, no allocation.
 */
export function compileSupport(spec: KernelSpec, keys: ReadonlySet<number>): (args: ArrayLike<unknown>) => boolean {
  const positions = spec.args.flatMap((a, i) => (a.kind === 'tensor' ? [i] : []));
  const variant = variantArg(spec);
  if (keys.size === 0) return () => false;
  return (args) => {
    let key = 0;
    for (let i = 0; i < positions.length; i++) {
      key = key * DTYPE_CODES + dtypeCode(args[positions[i]]); // NaN for a non-storage: no key
    }
    const v = variant === null ? 0 : variantCode(variant.values, args[variant.index]);
    return v >= 0 && keys.has(key * VARIANT_CODES + v);
  };
}

/** Describes a call's tensor dtypes for an error message: "x: float64, w: float64, bias: null". */
export function describeDtypes(spec: KernelSpec, args: ArrayLike<unknown>): string {
  return spec.args.flatMap((a, i) => {
    if (a.kind !== 'tensor') return [];
    const v = args[i];
    const code = dtypeCode(v);
    return [`${a.name}: ${code === 0 ? 'null' : Number.isNaN(code) ? 'not a storage' : DTYPES[code - 1]}`];
  }).join(', ');
}
