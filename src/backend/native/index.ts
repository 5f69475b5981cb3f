// Loader for the native (C++ N-API) backend. The addon is built by node-gyp at `npm install`;
// when it is missing or fails to load, the reason is returned so the caller can warn once.

import type { Backend } from '../backend.js';

export interface NativeLoadResult {
  backend: Backend | null;
  reason: string;
}

export function loadNativeBackend(_fallback: Backend): NativeLoadResult {
  return { backend: null, reason: 'not built' };
}
