// The generic backend-versus-js kernel test, driven by the kernel declarations
// (src/backend/kernels.ts): for every kernel, every dtype combination (and variant) the native
// backend declares, and every sample of kernel-samples.ts (odd sizes, 1-sized and empty
// dimensions), random inputs sized by the declared size expressions run through the native
// backend and the js backend; the two must agree on every output, and the native backend must
// have run the call itself. Also: the generated C++ header is current, and the js backend
// refuses dtypes it does not declare.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allocArray, type DType, type TypedArray } from '../../src/dtype/dtype.js';
import type { KernelSpec, TensorArg } from '../../src/backend/kernel-spec.js';
import { KERNELS, KERNEL_NAMES, type KernelName } from '../../src/backend/kernels.js';
import { bindings, typeVars, variantArg } from '../../src/backend/signatures.js';
import { evalSize, parseSize } from '../../src/backend/size-expr.js';
import { jsBackendInstance } from '../../src/backend/index.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { generateKernelHeader } from '../../src/backend/native/cpp-gen.js';
import type { Backend } from '../../src/backend/backend.js';
import { fromArray } from '../../src/tensor/creation.js';
import { KERNEL_SAMPLES, type Sample } from './kernel-samples.js';
import { mulberry32 } from '../helpers/prng.js';
import { assertClose } from '../helpers/assert-close.js';

const js = jsBackendInstance();
const native = loadNativeBackend(js);
const skip = !native.backend && `native backend unavailable (${native.reason})`;

type Arrays = Record<string, TypedArray | null>;

/** The scalar value of a name in a sample: a plain argument or a params field. */
function scalarOf(spec: KernelSpec, sample: Sample, name: string): number {
  if (name in sample && typeof sample[name] !== 'object') return Number(sample[name]);
  for (const a of spec.args) {
    if (a.kind === 'params') {
      const p = sample[a.name] as Record<string, number | boolean>;
      if (name in p) return Number(p[name]);
    }
  }
  throw new Error(`sample has no value for '${name}'`);
}

/** Random tensors for a sample: sized by the declarations, index data in its declared range. */
function makeTensors(spec: KernelSpec, sample: Sample, dtypes: Record<string, DType>, seed: number, withOptional: boolean): Arrays {
  const rnd = mulberry32(seed);
  const out: Arrays = {};
  const scope = {
    scalar: (n: string) => scalarOf(spec, sample, n),
    len: (t: string) => out[t]?.length ?? Number(sample[t]),
    numel: (s: string) => (sample[s] as number[]).reduce((a, b) => a * b, 1),
  };
  // tensors without a size (their length is in the sample) first: others may refer to them
  const tensors = spec.args.filter((a): a is TensorArg => a.kind === 'tensor');
  const ordered = [...tensors.filter((t) => t.size === undefined), ...tensors.filter((t) => t.size !== undefined)];
  for (const t of ordered) {
    if (t.optional && !withOptional) { out[t.name] = null; continue; }
    const length = t.size === undefined ? Number(sample[t.name]) : Math.max(0, evalSize(parseSize(t.size), scope));
    const dtype = (dtypes[t.dtype] ?? t.dtype) as DType;
    const a = allocArray(dtype, length);
    if (t.range) {
      const lo = evalSize(parseSize(t.range[0]), scope), hi = evalSize(parseSize(t.range[1]), scope);
      for (let i = 0; i < length; i++) a[i] = hi > lo ? lo + Math.floor(rnd() * (hi - lo)) : 0;
    } else if (dtype === 'bfloat16') {
      // the upper halves of random float32s of both signs (bit patterns, not values)
      const f = new Float32Array(1), u = new Uint32Array(f.buffer);
      for (let i = 0; i < length; i++) { f[0] = (rnd() - 0.5) * 8; a[i] = u[0] >>> 16; }
    } else if (dtype === 'int32') {
      for (let i = 0; i < length; i++) a[i] = Math.floor(rnd() * 7) - 3;
    } else {
      // positive where the kernels read a scale or a second moment; else both signs, no exact zeros
      const positive = /^(invStd|v|vMax|squareAvg|gates|p|y)$/.test(t.name);
      for (let i = 0; i < length; i++) a[i] = positive ? 0.05 + rnd() : (rnd() < 0.5 ? -1 : 1) * (0.05 + 2 * rnd());
    }
    out[t.name] = a;
  }
  return out;
}

/** The Backend call's positional arguments for a sample and its tensors. */
function callArgs(spec: KernelSpec, sample: Sample, arrays: Arrays, variant: string | undefined): unknown[] {
  return spec.args.map((a) => {
    if (a.kind === 'tensor') return arrays[a.name];
    if (a.kind === 'enum' || (a.kind === 'bool' && a.variant)) return a.kind === 'bool' ? variant === 'true' : variant;
    return sample[a.name];
  });
}

const copyArrays = (a: Arrays): Arrays => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v === null ? null : v.slice()]));

/** Every declared native combination of a kernel: type-variable binding x variant. */
function nativeCases(spec: KernelSpec): { dtypes: Record<string, DType>; variant: string | undefined }[] {
  const v = variantArg(spec);
  return spec.native.flatMap((sig) => bindings(sig, typeVars(spec)).flatMap((dtypes) =>
    (v === null ? [undefined] : (sig.variants ?? v.values)).map((variant) => ({ dtypes, variant }))));
}

describe('kernel declarations: native against js on every declared dtype', { skip }, () => {
  for (const name of KERNEL_NAMES) {
    const spec: KernelSpec = KERNELS[name];
    test(name, () => {
      const nb = native.backend as Backend;
      const cases = nativeCases(spec);
      assert.ok(cases.length > 0, `${name} declares no native dtypes`);
      let seed = 1, runs = 0;
      for (const { dtypes, variant } of cases) {
        for (const sample of KERNEL_SAMPLES[name]) {
          for (const withOptional of [true, false]) {
            if (!withOptional && !spec.args.some((a) => a.kind === 'tensor' && a.optional)) continue;
            const inputs = makeTensors(spec, sample, dtypes, seed++, withOptional);
            const a = copyArrays(inputs), b = copyArrays(inputs);
            const argsA = callArgs(spec, sample, a, variant), argsB = callArgs(spec, sample, b, variant);
            const what = `${name}${variant === undefined ? '' : `:${variant}`} ${JSON.stringify(dtypes)} ${JSON.stringify(sample)}` +
              (withOptional ? '' : ' (optional tensors null)');
            assert.ok(nb.handles(name, argsA), `${what}: the native backend would hand this call to js`);
            (nb[name] as (...x: unknown[]) => void)(...argsA);
            (js[name] as (...x: unknown[]) => void)(...argsB);
            for (const t of spec.args) {
              if (t.kind !== 'tensor' || t.role === 'in' || a[t.name] === null) continue;
              // float32 kernels against the js ones (float64 arithmetic): float32 rounding; indices and data moves exact
              const exact = a[t.name] instanceof Int32Array || a[t.name] instanceof Uint16Array;
              assertClose(a[t.name]!, b[t.name]!, { rtol: exact ? 0 : 2e-4, atol: exact ? 0 : 2e-5, equalNan: true, label: `${what}: ${t.name}` });
            }
            runs++;
          }
        }
      }
      assert.ok(runs > 0);
    });
  }
});

describe('kernel declarations', () => {
  test('native/src/kernel_spec.gen.h is what src/backend/kernels.ts generates (regenerate: node scripts/gen-kernels.js)', () => {
    const got = readFileSync(new URL('../../../native/src/kernel_spec.gen.h', import.meta.url), 'utf8');
    assert.ok(got === generateKernelHeader(), 'native/src/kernel_spec.gen.h is stale: run `npx tsc -p . && node scripts/gen-kernels.js`');
  });

  test('every kernel has samples, and every size expression names declared arguments', () => {
    for (const name of KERNEL_NAMES) {
      assert.ok(KERNEL_SAMPLES[name as KernelName].length > 0, name);
      for (const sample of KERNEL_SAMPLES[name]) {
        const dtypes = Object.fromEntries(typeVars(KERNELS[name]).map((v) => [v, 'float32' as DType]));
        assert.doesNotThrow(() => makeTensors(KERNELS[name], sample, dtypes, 1, true), name);
      }
    }
  });

  test('the js backend refuses a dtype its kernel does not declare, naming kernel and arguments', () => {
    assert.throws(() => js.unary('exp', new Uint8Array(4) as unknown as Float32Array, new Float32Array(4)),
      { name: 'TypeError', message: /js backend has no unary kernel for x: not a storage, out: float32/ });
    assert.throws(() => js.fill(new Uint16Array(2), 1), { name: 'TypeError', message: /no fill kernel for out: bfloat16/ });
    assert.throws(() => fromArray(new Float32Array(2), [2], { dtype: 'bfloat16' }), { name: 'TypeError', message: /storage dtype.*cast/ });
    assert.ok(js.handles('conv2d', [new Float64Array(1), new Float64Array(1), null, new Float64Array(1), {}]));
    assert.equal(js.handles('argReduce', ['argmax', new Float32Array(1), 1, 1, 1, new Float32Array(1)]), false);
  });

  test('a size expression is evaluated and rejected as declared', () => {
    const s = { scalar: (n: string) => ({ a: 3, b: 4, z: 0 } as Record<string, number>)[n], len: () => 10, numel: () => 6 };
    assert.equal(evalSize(parseSize('a*b + len(x) - numel(s)/2'), s), 3 * 4 + 10 - 3);
    assert.equal(evalSize(parseSize('a*z == 0 ? 0 : (a-1)*b'), s), 0);
    assert.equal(evalSize(parseSize('b/z'), s), 0);
    assert.throws(() => parseSize('a ** b'), /size expression/);
  });
});
