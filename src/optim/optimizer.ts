// The optimizer base class: parameter groups, per-parameter state, zeroGrad/step and state
// dicts, as torch.optim.Optimizer. Subclasses supply their defaults, a check of one group's
// hyper-parameters, and `update`, which calls the backend's fused kernel for one parameter
// (no per-element loops here, so a native or device backend runs the arithmetic).
//
// State dict format (JSON apart from the state tensors, which are copies):
//   { state: { '0': { step: 3, buffers: { exp_avg: Tensor, exp_avg_sq: Tensor } }, ... },
//     paramGroups: [ { lr: 0.001, betas: [0.9, 0.999], ..., params: [0, 1] }, ... ] }
// Parameters are numbered in paramGroups order, as PyTorch does; buffers keep PyTorch's names.
// flattenOptimizerState (state-dict.ts) turns it into JSON + named tensors for a checkpoint.

import { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import { isFloating } from '../dtype/dtype.js';
import { sameShape, shapeToString } from '../tensor/shape.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { checkNoSnakeCase, checkKnownKeys, show } from './check.js';

/** Hyper-parameters every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/** A parameter group as the optimizer holds it: hyper-parameters plus the parameters. */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & {
  params: Tensor[];
  /** Set by LR schedulers: the lr a schedule starts from (PyTorch's initial_lr). */
  initialLr?: number;
};

/** A parameter group as given by the user: parameters plus overrides of the defaults. */
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> };

/** What an optimizer accepts: parameters, or parameter groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Per-parameter state: the number of updates applied and the optimizer's buffers. */
export interface ParamState {
  step: number;
  buffers: Record<string, Tensor>;
}

/** A parameter group in a state dict: hyper-parameters plus parameter indices. */
export type ParamGroupState = Record<string, unknown> & { params: number[] };

export interface OptimizerStateDict {
  /** Keyed by parameter index (as a string, as JSON keys are). Parameters without state are absent. */
  state: Record<string, ParamState>;
  paramGroups: ParamGroupState[];
}

export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The class name, used in error messages. */
  readonly name: string;
  /** Hyper-parameters of groups that do not override them. */
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  readonly state = new Map<Tensor, ParamState>();
  /** The buffer names this optimizer keeps (checked by loadStateDict). */
  private readonly bufferNames: readonly string[];
  /** Buffers that can never hold a negative value (running averages of squares). */
  private readonly nonNegativeBuffers: readonly string[];

  protected constructor(name: string, params: Params<O>, defaults: O, options: Partial<O>,
    bufferNames: readonly string[], nonNegativeBuffers: readonly string[] = []) {
    this.name = name;
    this.bufferNames = bufferNames;
    this.nonNegativeBuffers = nonNegativeBuffers;
    if (options === null || typeof options !== 'object') throw new TypeError(`${name}: options must be an object, got ${show(options)}`);
    checkKnownKeys(name, options, Object.keys(defaults));
    const merged = { ...defaults, ...options };
    this.validate(merged, name);
    this.defaults = structuredClone(merged);
    for (const group of toGroups(name, params)) this.addParamGroup(group);
  }

  /** Checks one group's hyper-parameters; `owner` prefixes the error messages. */
  protected abstract validate(group: O, owner: string): void;

  /** Applies one update to `param` (its state.step already counts this update). */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** Adds a group of parameters, with hyper-parameters that override the defaults. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const index = this.paramGroups.length;
    const owner = `${this.name} (param group ${index})`;
    if (group === null || typeof group !== 'object' || group instanceof Tensor || !('params' in group)) {
      throw new TypeError(`${this.name}: a parameter group must be an object with a 'params' list, got ${show(group)}`);
    }
    const params = toParamList(owner, group.params);
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      if (seen.has(p)) throw new Error(`${owner}: parameter ${i} appears twice in the group`);
      seen.add(p);
      if (this.paramGroups.some((g) => g.params.includes(p))) {
        throw new Error(`${owner}: parameter ${i} already belongs to another parameter group`);
      }
    });
    const { params: _params, ...overrides } = group;
    checkNoSnakeCase(owner, overrides, Object.keys(this.defaults));
    const full = { ...structuredClone(this.defaults), ...overrides, params } as ParamGroup<O>;
    this.validate(full, owner);
    this.paramGroups.push(full);
  }

  /**
   * Clears the gradients: sets them to null (default), or to zeros. The zeros are new tensors,
   * not writes into the old gradients: after backward() a leaf's gradient can share its storage
   * with another leaf's (say, one of another optimizer's), which must not be cleared too.
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        p.grad = setToNone ? null : zerosLike(p.grad);
      }
    }
  }

  /**
   * Updates every parameter that has a gradient (those whose grad is null are skipped). The
   * optional closure re-evaluates the model and returns the loss, which step returns.
   */
  step<T = unknown>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      let index = 0;
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          const i = index++;
          if (param.grad === null) continue;
          const grad = this.checkedGrad(param, i);
          let state = this.state.get(param);
          if (!state) { state = { step: 0, buffers: {} }; this.state.set(param, state); }
          state.step += 1;
          this.update(param, grad, state, group);
        }
      }
    });
    return loss;
  }

  /** The named buffer of a parameter's state, created as zeros on first use. */
  protected buffer(state: ParamState, name: string, param: Tensor): Tensor {
    return (state.buffers[name] ??= zerosLike(param));
  }

  private checkedGrad(param: Tensor, index: number): Tensor {
    const grad = param.grad!;
    if (!sameShape(grad.shape, param.shape)) {
      throw new Error(`${this.name}: the gradient of parameter ${index} has shape ${shapeToString(grad.shape)} ` +
        `but the parameter has shape ${shapeToString(param.shape)}`);
    }
    return grad.dtype === param.dtype ? grad : grad.to(param.dtype);
  }

  /** Index of every parameter, numbered in group order. */
  private paramIndex(): Map<Tensor, number> {
    const index = new Map<Tensor, number>();
    for (const group of this.paramGroups) for (const p of group.params) index.set(p, index.size);
    return index;
  }

  /** A snapshot of the optimizer: hyper-parameters per group, and copies of the state. */
  stateDict(): OptimizerStateDict {
    const index = this.paramIndex();
    const paramGroups = this.paramGroups.map(({ params, ...hyper }) => ({
      ...structuredClone(hyper), params: params.map((p) => index.get(p)!),
    }));
    const state: Record<string, ParamState> = {};
    noGrad(() => {
      for (const [p, i] of index) {
        const s = this.state.get(p);
        if (!s) continue;
        const buffers: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(s.buffers)) buffers[name] = t.clone();
        state[i] = { step: s.step, buffers };
      }
    });
    return { state, paramGroups };
  }

  /**
   * Restores hyper-parameters and state saved by stateDict (from an optimizer over parameters of
   * the same shapes, in the same groups). The tensors are copied, cast to each parameter's dtype.
   * Nothing changes if the state dict does not fit or holds values no run can produce.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    this.stageStateDict(stateDict)();
  }

  /**
   * Checks a state dict and builds the state it describes off to the side, as loadStateDict
   * would load it; returns the function that installs it. Until that is called the optimizer is
   * untouched, and the call cannot fail: a caller restoring several objects together (a
   * checkpoint: model, optimizer, RNG) stages each, and commits only once all have passed.
   *
   * Checked: the group count and each group's parameter count, the hyper-parameters, for each
   * state entry a listed parameter, a non-negative integer step, known buffer names, the
   * parameter's shape, and values: finite, and non-negative for second-moment buffers.
   */
  stageStateDict(stateDict: OptimizerStateDict): () => void {
    const owner = `${this.name}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== 'object' || !Array.isArray(stateDict.paramGroups) ||
      stateDict.state === null || typeof stateDict.state !== 'object') {
      throw new TypeError(`${owner}: expected an object { state, paramGroups }, got ${show(stateDict)}`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${owner}: the state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    const groups = saved.map((g, gi) => {
      const { params, ...current } = this.paramGroups[gi];
      if (g === null || typeof g !== 'object' || !Array.isArray(g.params) || g.params.length !== params.length) {
        const n = g !== null && typeof g === 'object' && Array.isArray(g.params) ? g.params.length : 'no';
        throw new Error(`${owner}: parameter group ${gi} has ${n} parameters in the state dict but ${params.length} in the optimizer`);
      }
      g.params.forEach((id, j) => {
        if (!Number.isInteger(id) || id < 0) throw new Error(`${owner}: parameter group ${gi} lists ${show(id)}, not a parameter index`);
        if (byIndex.has(id)) throw new Error(`${owner}: parameter ${id} is listed twice in the state dict's parameter groups`);
        byIndex.set(id, params[j]);
      });
      const { params: _ids, ...hyper } = g;
      checkNoSnakeCase(owner, hyper, Object.keys(this.defaults));
      // saved values win; keys the saved group lacks keep their current values
      const full = { ...structuredClone(current), ...structuredClone(hyper), params } as unknown as ParamGroup<O>;
      this.validate(full, `${owner} (param group ${gi})`);
      return full;
    });
    const state = new Map<Tensor, ParamState>();
    noGrad(() => {
      for (const [key, entry] of Object.entries(stateDict.state)) {
        const param = /^\d+$/.test(key) ? byIndex.get(Number(key)) : undefined;
        if (!param) throw new Error(`${owner}: state for parameter ${key}, which no parameter group lists`);
        state.set(param, this.loadParamState(owner, key, entry, param));
      }
    });
    return () => {
      this.paramGroups.splice(0, this.paramGroups.length, ...groups);
      this.state.clear();
      for (const [p, s] of state) this.state.set(p, s);
    };
  }

  private loadParamState(owner: string, key: string, entry: ParamState, param: Tensor): ParamState {
    if (entry === null || typeof entry !== 'object' || !Number.isSafeInteger(entry.step) || entry.step < 0) {
      throw new Error(`${owner}: state.${key} must be { step, buffers } with a non-negative integer step, got ${show(entry)}`);
    }
    if (entry.buffers !== undefined && (entry.buffers === null || typeof entry.buffers !== 'object')) {
      throw new TypeError(`${owner}: state.${key}.buffers must be an object of tensors, got ${show(entry.buffers)}`);
    }
    const buffers: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(entry.buffers ?? {})) {
      if (!this.bufferNames.includes(name)) {
        throw new Error(`${owner}: unknown buffer '${name}' in state.${key} (${this.name} keeps ${this.bufferNames.join(', ')})`);
      }
      if (!(t instanceof Tensor)) throw new TypeError(`${owner}: state.${key}.${name} must be a Tensor, got ${show(t)}`);
      if (!sameShape(t.shape, param.shape)) {
        throw new Error(`${owner}: state.${key}.${name} has shape ${shapeToString(t.shape)} but parameter ${key} ` +
          `has shape ${shapeToString(param.shape)}`);
      }
      const copy = t.dtype === param.dtype ? t.clone() : t.to(param.dtype);
      this.checkBufferValues(owner, `state.${key}.${name}`, name, copy);
      buffers[name] = copy;
    }
    return { step: entry.step, buffers };
  }

  /** Buffer values a run can produce: finite, and non-negative in the second-moment buffers. */
  private checkBufferValues(owner: string, what: string, name: string, t: Tensor): void {
    const data = t.dataSync();
    const nonNegative = this.nonNegativeBuffers.includes(name);
    for (let i = 0; i < data.length; i++) {
      const v = Number(data[i]);
      if (!Number.isFinite(v)) throw new Error(`${owner}: ${what} holds ${v} at element ${i}; optimizer state must be finite`);
      if (nonNegative && v < 0) {
        throw new Error(`${owner}: ${what} holds ${v} at element ${i}; ${name} is built from squares and cannot be negative`);
      }
    }
  }
}

/** The groups in a params argument: a list of tensors becomes one group. */
function toGroups<O>(owner: string, params: Params<O>): ParamGroupInput<O>[] {
  if (params instanceof Tensor) {
    throw new TypeError(`${owner}: params must be a list of tensors or of parameter groups, got a single Tensor; wrap it in an array`);
  }
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${owner}: params must be a list of tensors or of parameter groups, got ${show(params)}`);
  }
  const items = Array.from(params as Iterable<unknown>);
  if (items.length === 0) throw new Error(`${owner}: got an empty parameter list`);
  if (items.every((x) => x instanceof Tensor)) return [{ params: items as Tensor[] } as unknown as ParamGroupInput<O>];
  if (items.some((x) => x instanceof Tensor)) {
    throw new TypeError(`${owner}: params mixes tensors and parameter groups; give one or the other`);
  }
  return items as ParamGroupInput<O>[];
}

function toParamList(owner: string, params: unknown): Tensor[] {
  if (params instanceof Tensor) return toParamList(owner, [params]);
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${owner}: 'params' must be a list of tensors, got ${show(params)}`);
  }
  const list = Array.from(params as Iterable<unknown>);
  if (list.length === 0) throw new Error(`${owner}: got an empty parameter list`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${owner}: parameter ${i} is not a Tensor (got ${show(p)})`);
    if (!isFloating(p.dtype)) throw new TypeError(`${owner}: parameter ${i} has dtype ${p.dtype}; only floating-point tensors can be optimized`);
    if (!p.isLeaf) throw new Error(`${owner}: parameter ${i} is not a leaf tensor (it was computed by an op); optimize leaves, or detach() it`);
  });
  return list as Tensor[];
}
