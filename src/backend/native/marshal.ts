// How a Backend call reaches the addon, derived from the kernel's declaration: the tensor
// arguments pass as they are (typed arrays, or null), and every other argument - enums as their
// index, booleans as 0/1, numbers, shapes as their rank then their sizes, params records field by
// field in declared order - goes into the scalar buffer, one Float64Array per addon registered
// with it once (setScalars). So the addon function is `name(tensor0, tensor1, ...)`, and the C++
// side reads the scalars in the same order (native/src/kernel_spec.gen.h is generated from the
// same declaration). Calls are synchronous, so one buffer serves every kernel.
//
// A kernel call is a few hundred nanoseconds of work for small tensors, so the wrapper is
// compiled per kernel from its declaration (new Function): fixed arity, the dtype check and the
// scalar writes unrolled, no allocation. `nativeCallSource` shows the code it runs.

import { fieldKind, type KernelSpec } from '../kernel-spec.js';
import { KERNELS, KERNEL_NAMES, type KernelName } from '../kernels.js';
import { DTYPE_CODES, dtypeCode, variantArg, VARIANT_CODES } from '../signatures.js';
import type { NativeAddon } from './addon.js';

/** The largest rank the native kernels take (native/src/kernels/kernels.h kMaxRank). */
export const MAX_RANK = 32;

type Fn = (...args: unknown[]) => void;

/**
 * The source of a kernel's wrapper: `function (a0, a1, ...)` that, when `check` is set, calls
 * `fallback` unless the tensors' dtypes (and the variant) give a key in `keys`; then writes the
 * scalars into the buffer `s` and calls `fn(tensors...)`. Its free names come from `nativeCall`.
 */
export function nativeCallSource(spec: KernelSpec, check: boolean): string {
  const params = spec.args.map((_, i) => `a${i}`);
  const tensors = spec.args.flatMap((a, i) => (a.kind === 'tensor' ? [i] : []));
  const v = variantArg(spec);
  const lines: string[] = [];
  // an enum's code, looked up once
  spec.args.forEach((a, i) => { if (a.kind === 'enum') lines.push(`const e${i} = enums[${i}].get(a${i}) ?? -1;`); });
  if (check) {
    const key = tensors.reduce((k, i) => (k === '' ? `code(a${i})` : `(${k}) * ${DTYPE_CODES} + code(a${i})`), '');
    const variant = v === null ? '0' : spec.args[v.index].kind === 'enum' ? `e${v.index}` : `(a${v.index} === true ? 1 : 0)`;
    // keys: a byte per possible key where they are few (most kernels), else a Set
    lines.push(`const key = (${key || '0'}) * ${VARIANT_CODES} + ${variant};`,
      `if (!(table !== null ? table[key] === 1 : keys.has(key))) { fallback(${params.join(', ')}); return; }`);
  }
  lines.push('let at = 0;');
  spec.args.forEach((a, i) => {
    switch (a.kind) {
      case 'tensor': break;
      case 'enum': lines.push(`s[at++] = e${i};`); break;
      case 'bool': lines.push(`s[at++] = a${i} === true ? 1 : 0;`); break;
      case 'shape':
        lines.push(`if (a${i}.length > ${MAX_RANK}) { fallback(${params.join(', ')}); return; }`,
          `s[at++] = a${i}.length;`, `for (let d = 0; d < a${i}.length; d++) s[at++] = a${i}[d];`);
        break;
      case 'params':
        for (const [f, spec] of Object.entries(a.fields)) {
          lines.push(fieldKind(spec) === 'bool' ? `s[at++] = a${i}.${f} === true ? 1 : 0;` : `s[at++] = a${i}.${f} ?? 0;`);
        }
        break;
      default: lines.push(`s[at++] = a${i} ?? 0;`);
    }
  });
  lines.push(`fn(${tensors.map((i) => (spec.args[i].kind === 'tensor' && spec.args[i].optional ? `a${i} ?? null` : `a${i}`)).join(', ')});`);
  return `return function (${params.join(', ')}) {\n  ${lines.join('\n  ')}\n};`;
}

/** Room in the scalar buffer for any kernel's scalars. */
export function scalarCount(spec: KernelSpec): number {
  return spec.args.length * 2 + spec.args.filter((a) => a.kind === 'shape').length * MAX_RANK +
    spec.args.reduce((n, a) => n + (a.kind === 'params' ? Object.keys(a.fields).length : 0), 0);
}

/** The addon's scalar buffer: one per addon instance, registered with it on first use. */
const buffers = new WeakMap<object, Float64Array>();
function scalarBuffer(addon: NativeAddon): Float64Array {
  let b = buffers.get(addon);
  if (b === undefined) {
    b = new Float64Array(Math.max(...KERNEL_NAMES.map((k) => scalarCount(KERNELS[k]))));
    addon.setScalars(b);
    buffers.set(addon, b);
  }
  return b;
}

/**
 * A kernel's Backend method over the addon: runs `name` natively when the call's dtype key is in
 * `keys` (and its shapes fit MAX_RANK), else `fallback` (the js kernel). Without `keys`, no dtype
 * check: the addon's own checks answer (tests of the C++ argument checks use this).
 */
export function nativeCall(spec: KernelSpec, addon: NativeAddon, name: KernelName, fallback?: Fn, keys?: ReadonlySet<number>): Fn {
  const fn = (addon as unknown as Record<string, Fn>)[name];
  const enums = spec.args.map((a) => (a.kind === 'enum' ? new Map(a.values.map((v, i) => [v, i])) : null));
  const top = keys === undefined ? 0 : Math.max(-1, ...keys) + 1;
  let table: Uint8Array | null = null;
  if (keys !== undefined && top <= 1 << 20) {
    table = new Uint8Array(top);
    for (const k of keys) table[k] = 1;
  }
  const make = new Function('fn', 'fallback', 'keys', 'table', 's', 'enums', 'code', nativeCallSource(spec, keys !== undefined));
  return make(fn, fallback ?? fn, keys, table, scalarBuffer(addon), enums, dtypeCode) as Fn;
}

/** Calls the addon's kernel with a Backend call's arguments, unchecked (for the C++ checks' tests). */
export function marshal(addon: NativeAddon, name: KernelName): (args: readonly unknown[]) => void {
  const call = nativeCall(KERNELS[name], addon, name);
  return (args) => { call(...args); };
}
