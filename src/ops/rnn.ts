// Recurrent layers over a whole sequence, as one differentiable op each (what cuDNN's RNN call
// is to PyTorch). The input projections of every time step are computed beforehand by one
// GEMM (`linear` over [T*B, in]); this op runs the recurrence: per time step, one matmul for all
// gates (h_{t-1} W_hh^T, every gate block at once) and one fused pointwise kernel for the gate
// nonlinearities (backend `lstmCell` / `gruCell`). Backward walks the steps in reverse with the
// matching fused kernels (`lstmCellBackward` / `gruCellBackward`) and one matmul for dh_{t-1} per
// step; dW_hh is then one GEMM over all steps. A native backend replaces the four cell kernels;
// nothing here touches data on the host.
//
// Layout: xw is [T, B, G] (time-major) or [B, T, G] with batchFirst, G = 4H (LSTM, gates
// i, f, g, o) or 3H (GRU, gates r, z, n). The op's single recorded output Y holds every step's
// h (and, for the LSTM, the final c in one extra step slot), so that gradients reaching the
// outputs, h_n and c_n arrive together in one backward call.

import { record } from '../autograd/graph.js';
import type { Storage } from '../backend/backend.js';
import { shapeToString } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { emptyOutput, K, requireFloat } from './util.js';
import { narrow, select } from './shape.js';

export interface RecurrentOptions {
  /** Process the sequence from the last step to the first (the backward direction of a bidirectional layer). */
  reverse?: boolean;
  /** xw and the output are [B, T, ...] instead of [T, B, ...]. */
  batchFirst?: boolean;
}

export interface RecurrentResult {
  /** h of every step, [T, B, H] (or [B, T, H] with batchFirst), in time order. */
  output: Tensor;
  /** The final hidden state [B, H] (that of step 0 when reverse). */
  h: Tensor;
  /** The final cell state [B, H] (LSTM only). */
  c: Tensor | null;
}

type Mode = 'lstm' | 'gru';

/**
 * One LSTM layer (one direction) over precomputed input projections xw = x W_ih^T + b_ih.
 * h0, c0: [B, H] initial states (zeros when null); wHh [4H, H]; bHh [4H] or null.
 */
export function lstmLayer(xw: Tensor, h0: Tensor | null, c0: Tensor | null, wHh: Tensor, bHh: Tensor | null,
  options: RecurrentOptions = {}): RecurrentResult {
  return recurrentLayer('lstm', xw, h0, c0, wHh, bHh, options);
}

/**
 * One GRU layer (one direction) over precomputed input projections xw = x W_ih^T + b_ih.
 * h0: [B, H] (zeros when null); wHh [3H, H]; bHh [3H] or null (it sits inside r * (W_hn h + b_hn)).
 */
export function gruLayer(xw: Tensor, h0: Tensor | null, wHh: Tensor, bHh: Tensor | null,
  options: RecurrentOptions = {}): RecurrentResult {
  return recurrentLayer('gru', xw, h0, null, wHh, bHh, options);
}

function recurrentLayer(mode: Mode, xw: Tensor, h0: Tensor | null, c0: Tensor | null, wHh: Tensor, bHh: Tensor | null,
  options: RecurrentOptions): RecurrentResult {
  const name = mode === 'lstm' ? 'lstmLayer' : 'gruLayer';
  const reverse = options.reverse ?? false, batchFirst = options.batchFirst ?? false;
  requireFloat(xw, name, 'xw');
  if (xw.ndim !== 3) throw new Error(`${name}: xw must be ${batchFirst ? '[B, T, G]' : '[T, B, G]'}, got ${shapeToString(xw.shape)}`);
  const T = batchFirst ? xw.shape[1] : xw.shape[0], B = batchFirst ? xw.shape[0] : xw.shape[1], G = xw.shape[2];
  const nGates = mode === 'lstm' ? 4 : 3;
  if (wHh.ndim !== 2 || wHh.shape[0] !== G || wHh.shape[0] !== nGates * wHh.shape[1]) {
    throw new Error(`${name}: wHh ${shapeToString(wHh.shape)} must be [${nGates}H, H] with ${nGates}H = ${G} (the last dimension of xw ${shapeToString(xw.shape)})`);
  }
  const H = wHh.shape[1];
  if (T < 1) throw new Error(`${name}: the sequence is empty (xw ${shapeToString(xw.shape)})`);
  const check = (t: Tensor | null, what: string, shape: number[]) => {
    if (!t) return;
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${name}: ${what} must be ${shapeToString(shape)}, got ${shapeToString(t.shape)}`);
    }
    if (t.dtype !== xw.dtype) throw new TypeError(`${name}: ${what} is ${t.dtype} but xw is ${xw.dtype}`);
  };
  check(h0, 'h0', [B, H]); check(c0, 'c0', [B, H]); check(wHh, 'wHh', [G, H]); check(bHh, 'bHh', [G]);

  const k = K(), dtype = xw.dtype;
  const slots = mode === 'lstm' ? T + 1 : T;
  const yShape = batchFirst ? [B, slots, H] : [slots, B, H];
  const stepG = batchFirst ? [B, 1, G] : [1, B, G];
  const stepH = batchFirst ? [B, 1, H] : [1, B, H];
  const at = (t: number) => (batchFirst ? [0, t, 0] : [t, 0, 0]);
  const Y = emptyOutput(yShape, dtype); // every step slot is written below

  // saved for backward, indexed by processing step s (time t = reverse ? T-1-s : s)
  const gatesS: Storage[] = [], hPrevS: Storage[] = [], cPrevS: Storage[] = [], cS: Storage[] = [];
  let hPrev = h0 ? h0.storage : k.alloc(dtype, B * H);
  let cPrev = mode === 'lstm' ? (c0 ? c0.storage : k.alloc(dtype, B * H)) : null;
  // per-step buffers that the kernels overwrite in full need no zeroing
  const xwt = k.allocUninit(dtype, B * G), hw = k.allocUninit(dtype, B * G);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    k.slice(xw.storage, xw.shape, at(t), xwt, stepG);
    if (bHh) k.expand(bHh.storage, [G], hw, [B, G]);
    k.matmul(hPrev, wHh.storage, hw, { batch: 1, m: B, n: G, k: H, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: bHh !== null });
    const gates = k.allocUninit(dtype, B * (mode === 'lstm' ? G : 4 * H)), h = k.allocUninit(dtype, B * H);
    if (mode === 'lstm') {
      const c = k.allocUninit(dtype, B * H);
      k.lstmCell(xwt, hw, cPrev!, B, H, gates, c, h);
      cPrevS.push(cPrev!); cS.push(c);
      cPrev = c;
    } else {
      k.gruCell(xwt, hw, hPrev, B, H, gates, h);
    }
    gatesS.push(gates); hPrevS.push(hPrev);
    k.sliceAssign(h, stepH, Y.storage, yShape, at(t), false);
    hPrev = h;
  }
  if (mode === 'lstm') k.sliceAssign(cPrev!, stepH, Y.storage, yShape, at(T), false);

  record(name, Y, [xw, h0, c0, wHh, bHh], (gY) => {
    // written in full: every step's slot of dXw (and dHwAll), dW by one GEMM
    const dXw = emptyOutput(xw.shape, dtype);
    const dW = wHh.requiresGrad ? emptyOutput(wHh.shape, dtype) : null;
    // GRU: dHw differs from dXw (its n block is scaled by r), so it is gathered for dW and the bias
    const dHwAll = (bHh?.requiresGrad || dW) && mode === 'gru' ? emptyOutput(xw.shape, dtype) : null;
    const gy = gY.storage;
    // per-step buffers are reused across steps (two of each for the carried dh and dc)
    const dhBufs = [k.alloc(dtype, B * H), k.alloc(dtype, B * H)];
    const dcBufs = mode === 'lstm' ? [k.alloc(dtype, B * H), k.alloc(dtype, B * H)] : null;
    const dG = k.alloc(dtype, B * G);
    const dHwGru = mode === 'gru' ? k.alloc(dtype, B * G) : null, direct = mode === 'gru' ? k.alloc(dtype, B * H) : null;
    const fromOutput = mode === 'gru' ? k.alloc(dtype, B * H) : null;
    let dh = dhBufs[0], dc: Storage | null = dcBufs ? dcBufs[0] : null;
    k.slice(gy, yShape, at(reverse ? 0 : T - 1), dh, stepH);
    if (dc) k.slice(gy, yShape, at(T), dc, stepH);
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s, flip = (T - 1 - s) % 2 === 0 ? 1 : 0;
      let dHw: Storage;
      if (mode === 'lstm') {
        const dcPrev = dcBufs![flip];
        k.lstmCellBackward(gatesS[s], cPrevS[s], cS[s], dh, dc!, B, H, dG, dcPrev);
        dHw = dG; dc = dcPrev;
      } else {
        dHw = dHwGru!;
        k.gruCellBackward(gatesS[s], hPrevS[s], dh, B, H, dG, dHw, direct!);
        if (dHwAll) k.sliceAssign(dHw, stepG, dHwAll.storage, xw.shape, at(t), false);
      }
      k.sliceAssign(dG, stepG, dXw.storage, xw.shape, at(t), false);
      if (s === 0 && !h0?.requiresGrad) break;
      // the gradient reaching h_{t-1}: from the output at that step (none before the first
      // step), the direct path of the GRU, and through W_hh
      const next = dhBufs[flip];
      if (s > 0) {
        if (mode === 'gru') {
          k.slice(gy, yShape, at(reverse ? t + 1 : t - 1), fromOutput!, stepH);
          k.binary('add', fromOutput!, [B, H], direct!, [B, H], next, [B, H]);
        } else {
          k.slice(gy, yShape, at(reverse ? t + 1 : t - 1), next, stepH);
        }
      } else if (mode === 'gru') {
        k.copy(direct!, next);
      } else {
        k.fill(next, 0);
      }
      k.matmul(dHw, wHh.storage, next, { batch: 1, m: B, n: H, k: G, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: true });
      dh = next;
    }
    if (dW) {
      // dW_hh = sum_t dHw_t^T h_{t-1}: one GEMM over all B*T rows (the h_{t-1} gathered in the
      // row order of xw) instead of one small GEMM per step
      const hPrevAll = k.allocUninit(dtype, B * T * H), hShape = batchFirst ? [B, T, H] : [T, B, H];
      for (let s = 0; s < T; s++) k.sliceAssign(hPrevS[s], stepH, hPrevAll, hShape, at(reverse ? T - 1 - s : s), false);
      k.matmul((dHwAll ?? dXw).storage, hPrevAll, dW.storage, { batch: 1, m: G, n: H, k: B * T, transA: true, transB: false, strideA: 0, strideB: 0, accumulate: false });
    }
    let dB: Tensor | null = null;
    if (bHh?.requiresGrad) {
      // the column sums over all B*T rows as a vector-matrix product: one streaming pass, where
      // a column reduction strides through the whole matrix
      dB = emptyOutput([G], dtype);
      const ones = k.alloc(dtype, B * T);
      k.fill(ones, 1);
      k.matmul(ones, (dHwAll ?? dXw).storage, dB.storage, { batch: 1, m: 1, n: G, k: B * T, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: false });
    }
    const wrap = (s: Storage | null) => (s ? new Tensor(s, [B, H]) : null);
    return [dXw, h0?.requiresGrad ? wrap(dh) : null, c0?.requiresGrad ? wrap(dc) : null, dW, dB];
  });

  const tAxis = batchFirst ? 1 : 0;
  const last = reverse ? 0 : T - 1;
  if (mode === 'lstm') return { output: narrow(Y, tAxis, 0, T), h: select(Y, tAxis, last), c: select(Y, tAxis, T) };
  return { output: Y, h: select(Y, tAxis, last), c: null };
}
