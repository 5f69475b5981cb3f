// Backend selection: native when its addon loads, else js. `setBackend('js')` or the
// environment variable MYELIN_BACKEND=js|native force one. If native is asked for but cannot
// load, myelin warns once (naming the reason) and runs on js.

import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { loadNativeBackend } from './native/index.js';

export type BackendName = 'js' | 'native';

const jsBackend = createJsBackend();
let current: Backend | null = null;
let warned = false;

function warnOnce(message: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(message, { code: 'MYELIN_NATIVE_UNAVAILABLE' });
}

function resolve(name: BackendName | undefined, explicit: boolean): Backend {
  if (name === 'js') return jsBackend;
  const native = loadNativeBackend(jsBackend);
  if (native.backend) return native.backend;
  // Only complain when the user asked for native or when the addon exists but is broken.
  if (explicit || native.reason !== 'not built') warnOnce(`myelin: native backend unavailable (${native.reason}); using the js backend`);
  return jsBackend;
}

/** The backend that ops run on. */
export function backend(): Backend {
  if (current) return current;
  const env = process.env.MYELIN_BACKEND;
  if (env !== undefined && env !== '' && env !== 'js' && env !== 'native') {
    throw new Error(`MYELIN_BACKEND must be 'js' or 'native', got '${env}'`);
  }
  current = resolve(env === '' ? undefined : env as BackendName | undefined, env === 'native');
  return current;
}

export function setBackend(name: BackendName): Backend {
  if (name !== 'js' && name !== 'native') throw new Error(`setBackend: unknown backend '${String(name)}' (expected 'js' or 'native')`);
  current = resolve(name, true);
  return current;
}

/**
 * Runs fn with `b` as the backend ops run on, then restores the one before: for a backend object
 * built by hand (a test's, or a traced one) rather than chosen by name.
 */
export function withBackend<T>(b: Backend, fn: () => T): T {
  const before = current;
  current = b;
  try {
    return fn();
  } finally {
    current = before;
  }
}

export function getBackendName(): string {
  return backend().name;
}

/** The pure-TypeScript backend, also the fallback and the test oracle. */
export function jsBackendInstance(): Backend {
  return jsBackend;
}

export type { Backend } from './backend.js';
