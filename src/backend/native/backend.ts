// The native Backend: the js backend with its kernels overridden by the C++ addon's where the
// addon runs the call's dtypes. Each kernel's native dtypes are declared in src/backend/kernels.ts
// (mostly float32; int32 where it is data, not values: gather indices, comparison outputs,
// pooling argmax; every dtype for pure data movement, fill, copy and cast); a call with other
// dtypes (float64 for gradient checks, int32 arithmetic) runs the js kernel.
//
// Per call the JS side checks the dtypes (signatures.ts) and passes the typed arrays plus one
// reused Float64Array of scalars (marshal.ts compiles that per kernel), so a call allocates nothing.

import type { Backend, Storage } from '../backend.js';
import type { KernelSpec } from '../kernel-spec.js';
import { KERNELS, KERNEL_NAMES, type KernelName, type Kernels } from '../kernels.js';
import { compileSupport, keySet } from '../signatures.js';
import type { NativeAddon } from './addon.js';
import { nativeCall } from './marshal.js';
import { Buffer } from 'node:buffer';
import { allocArray, type DType } from '../../dtype/dtype.js';
import { pooledStorage } from '../storage-pool.js';

export interface NativeInfo {
  native_version: string;
  cpu_features: string;
  gemm_path: string;
  /** The path matmulBf16 takes: avx512bf16 (vdpbf16ps) or portable (widened, then the float32 GEMM). */
  bf16_gemm_path: string;
  threads: number;
  physical_cores: number;
}

/** The native backend: a Backend plus a description for `myelin info` and a thread setting. */
export interface NativeBackend extends Backend {
  info(): NativeInfo;
  /** Sets the kernel thread pool's size (n <= 0: the default); returns the size in effect. */
  setNumThreads(n: number): number;
}

/**
 * Below this many bytes an uninitialised allocation saves less than making the Buffer costs,
 * and small typed arrays may live on V8's heap anyway.
 */
const UNINIT_MIN_BYTES = 16384;

/**
 * A new storage, zero-filled or not. Without zero-filling, Buffer.allocUnsafeSlow takes its own (unpooled)
 * ArrayBuffer from malloc rather than calloc, so memory freed by earlier steps is reused as it
 * is instead of being zeroed, or faulted in afresh page by page. Float32 and int32 only: those
 * are what the native kernels write in full.
 */
function freshStorage(dtype: DType, size: number, zeroed: boolean): Storage {
  const bytes = size * 4;
  if (zeroed || (dtype !== 'float32' && dtype !== 'int32') || bytes < UNINIT_MIN_BYTES) return allocArray(dtype, size);
  const buf = Buffer.allocUnsafeSlow(bytes).buffer;
  return dtype === 'float32' ? new Float32Array(buf, 0, size) : new Int32Array(buf, 0, size);
}

/**
 * The native backend over a loaded addon. `specs` are the kernel declarations it follows (a
 * test passes a table with a kernel's native signatures removed, to see the coverage check fail).
 */
export function createNativeBackend(addon: NativeAddon, js: Backend,
  specs: Readonly<Record<KernelName, KernelSpec>> = KERNELS): NativeBackend {
  const kernels: Record<string, unknown> = {};
  const runsNatively: Record<string, (args: ArrayLike<unknown>) => boolean> = {};
  for (const name of KERNEL_NAMES) {
    const spec = specs[name];
    const fn = (addon as unknown as Record<string, unknown>)[name];
    const fallback = js[name] as (...args: unknown[]) => void;
    if (typeof fn !== 'function' || spec.native.length === 0) {
      kernels[name] = fallback;
      runsNatively[name] = () => false;
      continue;
    }
    const keys = keySet(spec, spec.native);
    runsNatively[name] = compileSupport(spec, keys);
    kernels[name] = nativeCall(spec, addon, name, fallback, keys);
  }

  const backend: NativeBackend = {
    ...js,
    ...(kernels as unknown as Kernels),
    name: 'native',
    handles: (kernel, args) => runsNatively[kernel](args),

    info(): NativeInfo {
      const i = addon.info();
      return {
        native_version: addon.version, cpu_features: i.cpu_features, gemm_path: i.gemm_path, bf16_gemm_path: i.bf16_gemm_path,
        threads: i.threads, physical_cores: i.physical_cores,
      };
    },

    setNumThreads(n: number): number {
      return addon.setNumThreads(n);
    },

    ...pooledStorage(freshStorage, (s, value) => backend.fill(s, value)),
  };
  return backend;
}
