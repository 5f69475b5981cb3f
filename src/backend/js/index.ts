// The pure-TypeScript backend: runs everywhere (Node, browsers, workers) and is the oracle
// that every other backend is tested against. It runs every kernel for every numeric dtype
// (float32, float64, int32), as kernels.ts declares.

import type { Backend, Storage } from '../backend.js';
import type { KernelSpec } from '../kernel-spec.js';
import { KERNELS, KERNEL_NAMES, type Kernels } from '../kernels.js';
import { compileSupport, describeDtypes, keySet } from '../signatures.js';
import { allocArray, type DType, type TypedArray } from '../../dtype/dtype.js';
import { binary, unary, where } from './elementwise.js';
import { argReduce, reduce } from './reduce.js';
import { cast, expand, gatherRows, permute, scatterAddAlongAxis, scatterAddRows, slice, sliceAssign, takeAlongAxis } from './movement.js';
import { matmul } from './matmul.js';
import { matmulBf16 } from './matmul-bf16.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeight } from './conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import {
  batchNormApply, batchNormBackward, channelMoments, layerNorm, layerNormBackward, softmax, softmaxBackward,
} from './normalize.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optim.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './rnn.js';
import { attentionSoftmax, attentionSoftmaxBackward } from './attention.js';
import { pooledStorage } from '../storage-pool.js';

/**
 * The kernels behind the guard of their declared js dtypes: a call with another dtype (say a
 * bfloat16 storage to a kernel that reads plain numbers) throws naming the kernel and the
 * arguments' dtypes, rather than computing on raw bits.
 */
function guarded(kernels: Kernels): { kernels: Kernels; handles: Backend['handles'] } {
  const out: Record<string, unknown> = {};
  const checks: Record<string, (args: ArrayLike<unknown>) => boolean> = {};
  for (const name of KERNEL_NAMES) {
    const spec: KernelSpec = KERNELS[name];
    const ok = compileSupport(spec, keySet(spec, spec.js));
    const run = kernels[name] as (...args: unknown[]) => void;
    checks[name] = ok;
    out[name] = (...args: unknown[]): void => {
      if (!ok(args)) throw new TypeError(`myelin: the js backend has no ${name} kernel for ${describeDtypes(spec, args)}`);
      run(...args);
    };
  }
  return { kernels: out as unknown as Kernels, handles: (kernel, args) => checks[kernel](args) };
}

export function createJsBackend(): Backend {
  const { kernels, handles } = guarded({
    fill: (out, value) => { out.fill(value); },
    copy: (src, dst) => { dst.set(src); },
    cast,
    unary, binary, where,
    reduce, argReduce,
    expand, permute, slice, sliceAssign, gatherRows, scatterAddRows, takeAlongAxis, scatterAddAlongAxis,
    matmul, matmulBf16, conv2d, conv2dBackwardData, conv2dBackwardWeight,
    maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
    softmax, softmaxBackward, channelMoments, batchNormApply, batchNormBackward, layerNorm, layerNormBackward,
    lstmCell, lstmCellBackward, gruCell, gruCellBackward,
    attentionSoftmax, attentionSoftmaxBackward,
    sgdUpdate, adamUpdate, rmspropUpdate,
  });
  return {
    name: 'js',
    handles,
    // a typed array cannot be created without zeroing in every JavaScript runtime
    ...pooledStorage((dtype: DType, size: number) => allocArray(dtype, size), (s, value) => { s.fill(value); }),
    fromHost: (data: TypedArray) => data.slice(),
    read: (s: Storage) => s,
    ...kernels,
  };
}
