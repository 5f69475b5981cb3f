// Loader for the native (C++ N-API) backend. The addon is built by node-gyp at `npm install`
// (scripts/build-native.js); when it is missing or fails to load, the reason is returned so
// the caller can warn once. MYELIN_NATIVE_PATH overrides the addon's path (for tests of the
// failure path); MYELIN_NUM_THREADS sets the kernel thread pool's size.

import type { Backend } from '../backend.js';
import { loadAddon } from './addon.js';
import { createNativeBackend, type NativeBackend } from './backend.js';

export interface NativeLoadResult {
  backend: Backend | null;
  reason: string;
}

let cached: { fallback: Backend; path: string | undefined; result: NativeLoadResult } | null = null;

export function loadNativeBackend(fallback: Backend): NativeLoadResult {
  const path = process.env.MYELIN_NATIVE_PATH;
  if (cached && cached.fallback === fallback && cached.path === path) return cached.result;
  const load = loadAddon();
  const result: NativeLoadResult = load.addon
    ? { backend: createNativeBackend(load.addon, fallback), reason: '' }
    : { backend: null, reason: load.reason };
  cached = { fallback, path, result };
  return result;
}

export type { NativeBackend, NativeInfo } from './backend.js';
export { createNativeBackend } from './backend.js';
export { loadAddon, addonPath, ADDON_FINGERPRINT, type NativeAddon } from './addon.js';

/** Whether `b` is the native backend (has info() and setNumThreads()). */
export function isNativeBackend(b: Backend): b is NativeBackend {
  return b.name === 'native' && typeof (b as Partial<NativeBackend>).setNumThreads === 'function';
}
