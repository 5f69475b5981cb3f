// The Backend interface: every numeric kernel myelin runs, and nothing else.
//
// Kernels know nothing about autograd or Tensor objects. They take storage handles plus the
// sizes they need, and write into an output the caller allocated with `alloc`. For the CPU
// backends (js, native) a storage handle is a plain typed array that kernels read and write in
// place (zero copy). A device backend (WebGPU, CUDA) would make `Storage` an opaque handle: that
// is why the tensor layer reads data only through `read`/`write` and never indexes storage.

import type { DType, TypedArray } from '../dtype/dtype.js';
import type { Storage } from './kernel-spec.js';
import type { KernelName, Kernels } from './kernels.js';

export type { Storage } from './kernel-spec.js';
export type {
  AdamParams, ArgReduceOp, BinaryOp, Conv2dParams, KernelName, MatmulParams, Pool2dParams, ReduceOp, RmspropParams,
  SgdParams, UnaryOp,
} from './kernels.js';

/** A backend: the kernels (declared in kernels.ts) plus storage management. */
export interface Backend extends Kernels {
  readonly name: string;
  /**
   * Whether this backend runs this call (a kernel's arguments) itself rather than handing it to
   * its js fallback. The kernel tracer (trace.ts) asks it to measure the op x backend coverage.
   */
  handles(kernel: KernelName, args: ArrayLike<unknown>): boolean;

  // --- storage --------------------------------------------------------------------------
  /** A zero-filled storage of `size` elements. */
  alloc(dtype: DType, size: number): Storage;
  /**
   * A storage of `size` elements whose contents are unspecified, for an output that a kernel
   * writes in full: it spares zeroing (and first-touching) fresh memory on every op.
   */
  allocUninit(dtype: DType, size: number): Storage;
  /**
   * Starts (a list) or stops (null) recording the storages that alloc and allocUninit hand
   * out; returns the list recorded into before. With `release`, this lets the autograd engine
   * give back the gradients that a backward pass consumed (autograd/grad-buffers.ts). Optional:
   * a backend without storage reuse leaves both out.
   */
  recordAllocations?(into: Storage[] | null): Storage[] | null;
  /**
   * Takes back storages that no tensor will read again; later allocations of the same dtype
   * and size may reuse them.
   */
  release?(storages: readonly Storage[]): void;
  /** A storage holding a copy of host data. */
  fromHost(data: TypedArray): Storage;
  /** Host copy (or view, for CPU backends) of a storage's contents. */
  read(s: Storage): TypedArray;
}
