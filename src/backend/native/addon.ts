// The shape of the native addon (build/Release/myelin_native.node, native/src/binding) and
// its loader. The kernels' signatures derive from their declarations (src/backend/kernels.ts):
// the tensor arguments as typed arrays; the rest goes through the registered scalar buffer
// (marshal.ts). They
// work in place on the arrays' memory and throw TypeError / RangeError on bad arguments.

import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelSpec, Storage, TensorArg } from '../kernel-spec.js';
import type { KERNELS, KernelName } from '../kernels.js';
import { specFingerprint } from './fingerprint.js';

/** The kernel declarations this loader speaks (an addon built from others is stale). */
export const ADDON_FINGERPRINT = specFingerprint();

/** The tensor arguments of a kernel's declaration, as the addon takes them. */
type TensorTypes<A extends readonly unknown[]> =
  A extends readonly [infer H, ...infer R]
    ? H extends TensorArg<string, infer Opt> ? [Opt extends true ? Storage | null : Storage, ...TensorTypes<R>] : TensorTypes<R>
    : [];

/** An addon kernel: the tensors; every other argument is in the registered scalar buffer (marshal.ts). */
export type AddonKernel<S> = S extends KernelSpec<infer A> ? (...args: TensorTypes<A>) => void : never;

export type NativeAddon = {
  specFingerprint: string;
  version: string;
  info(): { cpu_features: string; cpu: string; gemm_path: string; bf16_gemm_path: string; threads: number; physical_cores: number };
  setNumThreads(n: number): number;
  getNumThreads(): number;
  /** Registers the Float64Array the kernels read their non-tensor arguments from. */
  setScalars(buffer: Float64Array): void;
  /** Which copy of the cell and attention kernels runs: avx512, avx2 or portable (MYELIN_GEMM_PATH narrows it). */
  rnnCellPath?(): string;
} & { [K in KernelName]: AddonKernel<(typeof KERNELS)[K]> };

/** The directory holding myelin's package.json (works from src/ and from dist/src/). */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'myelin') return dir;
      } catch { /* not ours: keep looking */ }
    }
    if (dirname(dir) === dir) return join(start, '..', '..', '..', '..');
  }
}

/** Where the addon is looked for: MYELIN_NATIVE_PATH, else build/Release/myelin_native.node. */
export function addonPath(): string {
  const env = process.env.MYELIN_NATIVE_PATH;
  return env !== undefined && env !== '' ? env : join(packageRoot(), 'build', 'Release', 'myelin_native.node');
}

export type AddonLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

/** Loads and checks the addon; never throws. */
export function loadAddon(): AddonLoad {
  const path = addonPath();
  const explicit = process.env.MYELIN_NATIVE_PATH !== undefined && process.env.MYELIN_NATIVE_PATH !== '';
  if (!existsSync(path)) return { addon: null, reason: explicit ? `${path} does not exist` : 'not built' };
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { addon: null, reason: `cannot load ${path}: ${message}` };
  }
  if (addon === null || typeof addon !== 'object' || typeof addon.specFingerprint !== 'string') {
    return { addon: null, reason: `${path} is not myelin's native addon (or a stale build); rebuild it with 'node scripts/build-native.js'` };
  }
  if (addon.specFingerprint !== ADDON_FINGERPRINT) {
    return {
      addon: null,
      reason: `${path} is a stale build (kernel declarations ${addon.specFingerprint}, expected ${ADDON_FINGERPRINT}); rebuild it with 'node scripts/build-native.js'`,
    };
  }
  return { addon, reason: null };
}
