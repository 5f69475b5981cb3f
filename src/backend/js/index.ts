// The pure-TypeScript backend: runs everywhere (Node, browsers, workers) and is the oracle
// that every other backend is tested against. It implements every kernel for every dtype.

import type { Backend, Storage } from '../backend.js';
import { allocArray, type DType, type TypedArray } from '../../dtype/dtype.js';
import { binary, unary, where } from './elementwise.js';
import { argReduce, reduce } from './reduce.js';
import { cast, expand, gatherRows, permute, scatterAddAlongAxis, scatterAddRows, slice, sliceAssign, takeAlongAxis } from './movement.js';
import { matmul } from './matmul.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeight } from './conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import {
  batchNormApply, batchNormBackward, channelMoments, layerNorm, layerNormBackward, softmax, softmaxBackward,
} from './normalize.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optim.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './rnn.js';
import { attentionSoftmax, attentionSoftmaxBackward } from './attention.js';
import { pooledStorage } from '../storage-pool.js';

export function createJsBackend(): Backend {
  return {
    name: 'js',
    implements: () => true,
    // a typed array cannot be created without zeroing in every JavaScript runtime
    ...pooledStorage((dtype: DType, size: number) => allocArray(dtype, size), (s, value) => { s.fill(value); }),
    fromHost: (data: TypedArray) => data.slice(),
    read: (s: Storage) => s,
    fill: (out, value) => { out.fill(value); },
    copy: (src, dst) => { dst.set(src); },
    cast,
    unary, binary, where,
    reduce, argReduce,
    expand, permute, slice, sliceAssign, gatherRows, scatterAddRows, takeAlongAxis, scatterAddAlongAxis,
    matmul, conv2d, conv2dBackwardData, conv2dBackwardWeight,
    maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
    softmax, softmaxBackward, channelMoments, batchNormApply, batchNormBackward, layerNorm, layerNormBackward,
    lstmCell, lstmCellBackward, gruCell, gruCellBackward,
    attentionSoftmax, attentionSoftmaxBackward,
    sgdUpdate, adamUpdate, rmspropUpdate,
  };
}
