// The fingerprint of the kernel declarations: what the loader (addon.ts) and the addon
// (kernel_spec.gen.h, MYELIN_SPEC_FINGERPRINT) must share, so that an addon built from other
// declarations - another argument order, dtype or kernel set - is refused as stale, never run.

import { DTYPES } from '../../dtype/dtype.js';
import type { KernelSpec } from '../kernel-spec.js';
import { KERNELS, KERNEL_NAMES } from '../kernels.js';
import { allowedKeys } from '../signatures.js';

/** A stable description of everything the two sides must agree on. */
function layout(): string {
  return JSON.stringify({ DTYPES, kernels: KERNEL_NAMES.map((k) => {
    const spec: KernelSpec = KERNELS[k];
    return [k, spec.args.map((a) => [a.kind, a.name, a.kind === 'tensor' ? [a.dtype, a.optional, a.size ?? ''] : '',
      a.kind === 'params' ? a.fields : a.kind === 'enum' ? a.values : '']), allowedKeys(spec, spec.native)];
  }) });
}

/** FNV-1a of the layout, as 8 hex digits: the addon API the loader and the addon must share. */
export function specFingerprint(): string {
  let h = 0x811c9dc5;
  const s = layout();
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
