// Module: the base class of every layer and model, as torch.nn.Module.
//
// Registration. JavaScript has no __setattr__, so a module finds its parameters and children
// in two ways, which give the same names and order as PyTorch:
//
//   1. Assignment: an own field holding a Parameter or a Module is registered under the
//      field's name, in the order the fields were created (JavaScript keeps property insertion
//      order; a class field exists from its declaration on, even before it is assigned, so
//      declared fields come in declaration order):
//        fc1 = new Linear(4, 8);   // -> "fc1.weight", "fc1.bias"
//      To load PyTorch weights, declare the fields in the order PyTorch's __init__ assigns
//      them. Reassigning a field replaces the entry in place; assigning null leaves a null
//      entry that every listing skips (as PyTorch's `self.bias = None`).
//   2. Explicit calls, for names a field cannot carry (snake_case state-dict names like
//      "running_mean", numeric names "0", "1" of containers) and for buffers, which are
//      plain tensors and therefore cannot be told apart from cached values by type:
//        registerParameter(name, p), registerBuffer(name, t, persistent), registerModule(name, m).
//      Each also sets the field `this[name]`, so `this.running_mean` reads the buffer and
//      assigning that field later updates the registration.
//
// Fields are scanned lazily, whenever the module is listed (parameters(), stateDict(), ...) and
// before each explicit registration, so the order of mixed field assignments and explicit
// calls is kept. Arrays of modules are not scanned (use ModuleList; a warning says so).
//
// Calling convention: `forward(...)` is the public entry, as in the design's examples;
// `call(...)` is the same call (PyTorch's __call__), kept as the single place where hooks would
// go. Parameters and buffers are listed as arrays (not iterators) so they can be handed to an
// optimizer or indexed directly.

import { Tensor } from '../tensor/tensor.js';
import { isFloating, type DType } from '../dtype/dtype.js';
import { sameShape, shapeToString } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Parameter } from './parameter.js';

export type StateDict = Map<string, Tensor>;
export type StateDictLike = StateDict | Readonly<Record<string, Tensor>>;

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true). Shape mismatches always are. */
  strict?: boolean;
  /**
   * Accept NaN and infinite values (default false: a model with non-finite weights answers
   * nonsense, so loading one is refused naming the tensor).
   */
  allowNonFinite?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** The registries of one module, kept off the enumerable fields so that scans never see them. */
interface Registry {
  parameters: Map<string, Parameter | null>;
  buffers: Map<string, Tensor | null>;
  nonPersistent: Set<string>;
  modules: Map<string, Module | null>;
}

const REGISTRY = Symbol('myelin.nn.registry');
const warnedArrays = new Set<string>();

/**
 * Runs a recursive walk step for `m`, throwing a clear error instead of overflowing the stack
 * when a module contains itself (e.g. a child holding its parent in a field).
 */
const walking = new Map<string, Set<Module>>(); // per kind of walk: apply(fn) may call train()
function guardCycle(m: Module, what: string, step: () => void): void {
  let path = walking.get(what);
  if (!path) walking.set(what, path = new Set());
  if (path.has(m)) {
    throw new Error(`${what}: ${m.typeName()} contains itself through its submodules; a field that refers back to a ` +
      'parent module registers it as a child (keep such references out of Module fields)');
  }
  path.add(m);
  try { step(); } finally { path.delete(m); }
}

export abstract class Module {
  /** Training mode (true) or evaluation mode (false); see train() and eval(). */
  training = true;
  declare private readonly [REGISTRY]: Registry;

  constructor() {
    Object.defineProperty(this, REGISTRY, {
      value: { parameters: new Map(), buffers: new Map(), nonPersistent: new Set(), modules: new Map() },
      enumerable: false,
    });
  }

  /** The computation. Subclasses narrow the signature, e.g. `forward(x: Tensor): Tensor`. */
  abstract forward(...inputs: any[]): any;

  /** Same as forward (PyTorch's module(x)); the place where hooks would run. */
  call(...inputs: Parameters<this['forward']>): ReturnType<this['forward']> {
    return this.forward(...inputs);
  }

  // --- registration ------------------------------------------------------------------------

  /** Registers (or, with null, reserves) a parameter under `name`; returns it. */
  registerParameter<P extends Parameter | null>(name: string, param: P): P {
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`${this.typeName()}.registerParameter: '${name}' must be a Parameter or null (wrap tensors in new Parameter(t))`);
    }
    this.prepareName(name, 'registerParameter');
    const reg = this.registry();
    reg.buffers.delete(name); reg.nonPersistent.delete(name); reg.modules.delete(name);
    reg.parameters.set(name, param);
    this.setField(name, param);
    return param;
  }

  /**
   * Registers a buffer: state that is saved and loaded with the module but not trained
   * (running statistics, masks). Non-persistent buffers are left out of stateDict().
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, persistent = true): T {
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`${this.typeName()}.registerBuffer: '${name}' must be a Tensor or null`);
    if (tensor instanceof Parameter) throw new TypeError(`${this.typeName()}.registerBuffer: '${name}' is a Parameter; use registerParameter`);
    this.prepareName(name, 'registerBuffer');
    const reg = this.registry();
    reg.parameters.delete(name); reg.modules.delete(name);
    reg.buffers.set(name, tensor);
    if (persistent) reg.nonPersistent.delete(name); else reg.nonPersistent.add(name);
    this.setField(name, tensor);
    return tensor;
  }

  /** Registers a child module under `name` (any string without dots); returns it. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${this.typeName()}.registerModule: '${name}' must be a Module or null`);
    this.prepareName(name, 'registerModule');
    const reg = this.registry();
    reg.parameters.delete(name); reg.buffers.delete(name); reg.nonPersistent.delete(name);
    reg.modules.set(name, module);
    this.setField(name, module);
    return module;
  }

  /** Alias of registerModule (torch's add_module). */
  addModule<M extends Module | null>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  /** Removes a registered parameter, buffer or child and its field (for containers). */
  protected unregister(name: string): void {
    const reg = this.scanFields();
    reg.parameters.delete(name); reg.buffers.delete(name); reg.nonPersistent.delete(name); reg.modules.delete(name);
    delete (this as unknown as Record<string, unknown>)[name];
  }

  private prepareName(name: string, where: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(`${this.typeName()}.${where}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
    }
    const own = Object.getOwnPropertyDescriptor(this, name);
    if (!own && name in this) {
      throw new Error(`${this.typeName()}.${where}: '${name}' would shadow an existing member of ${this.typeName()}`);
    }
    if (own && !('value' in own)) throw new Error(`${this.typeName()}.${where}: '${name}' is an accessor property`);
    this.scanFields(); // fields assigned before this call keep their place before it
  }

  private setField(name: string, value: unknown): void {
    (this as unknown as Record<string, unknown>)[name] = value;
  }

  private registry(): Registry {
    const reg = this[REGISTRY];
    if (!reg) throw new Error(`${this.constructor.name}: Module constructor was not called (call super() first)`);
    return reg;
  }

  /** Brings the registries up to date with the own fields (see the header comment). */
  private scanFields(): Registry {
    const reg = this.registry();
    const fields = this as unknown as Record<string, unknown>;
    const knownParams = new Set<unknown>(reg.parameters.values());
    const knownModules = new Set<unknown>(reg.modules.values());
    for (const key of Object.keys(this)) {
      const value = fields[key];
      if (value instanceof Parameter) {
        if (reg.parameters.has(key)) { reg.parameters.set(key, value); continue; }
        if (knownParams.has(value)) continue; // registered explicitly under another name
        reg.buffers.delete(key); reg.nonPersistent.delete(key); reg.modules.delete(key);
        reg.parameters.set(key, value);
        knownParams.add(value);
      } else if (value instanceof Module) {
        if (reg.modules.has(key)) { reg.modules.set(key, value); continue; }
        if (knownModules.has(value) || value === this) continue;
        reg.parameters.delete(key); reg.buffers.delete(key); reg.nonPersistent.delete(key);
        reg.modules.set(key, value);
        knownModules.add(value);
      } else if (value instanceof Tensor) {
        if (reg.buffers.has(key)) reg.buffers.set(key, value);
        else if (reg.parameters.has(key)) {
          throw new TypeError(`${this.typeName()}: field '${key}' is a registered parameter and cannot hold a plain Tensor; wrap it in new Parameter(t)`);
        }
      } else if (value === null || value === undefined) {
        if (reg.parameters.has(key)) reg.parameters.set(key, null);
        else if (reg.buffers.has(key)) reg.buffers.set(key, null);
        else if (reg.modules.has(key)) reg.modules.set(key, null);
      } else if (Array.isArray(value) && value.some((v) => v instanceof Module || v instanceof Parameter)) {
        const id = `${this.typeName()}.${key}`;
        if (!warnedArrays.has(id)) {
          warnedArrays.add(id);
          process.emitWarning(`${id} is an array of Modules/Parameters, which is not registered; use ModuleList so that ` +
            'its parameters are trained and saved', { code: 'MYELIN_UNREGISTERED_ARRAY' });
        }
      }
    }
    return reg;
  }

  // --- traversal -----------------------------------------------------------------------------

  /** Direct children with their names (each module once). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const [name, m] of this.scanFields().modules) {
      if (m && !seen.has(m)) { seen.add(m); out.push([name, m]); }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all below it, depth first in registration order (each module once). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m.scanFields().modules) if (child) visit(child, p ? `${p}.${name}` : name);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names like "features.0.weight" (shared ones listed once). */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [name, p] of m.scanFields().parameters) {
        if (p && !seen.has(p)) { seen.add(p); out.push([mp ? `${mp}.${name}` : name, p]); }
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** Buffers (persistent or not) with dotted names. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [name, b] of m.scanFields().buffers) {
        if (b && !seen.has(b)) { seen.add(b); out.push([mp ? `${mp}.${name}` : name, b]); }
      }
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /** The module at a dotted path such as "features.0" ('' is this module). */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    const path: string[] = [];
    for (const part of target.split('.')) {
      const child = m.scanFields().modules.get(part);
      if (!child) throw new Error(`${this.typeName()}.getSubmodule: ${m.typeName()}${path.length ? ` at '${path.join('.')}'` : ''} has no submodule '${part}'`);
      path.push(part);
      m = child;
    }
    return m;
  }

  /** The parameter at a dotted path such as "features.0.weight". */
  getParameter(target: string): Parameter {
    const [mod, name] = this.splitTarget(target);
    const p = mod.scanFields().parameters.get(name);
    if (!p) throw new Error(`${this.typeName()}.getParameter: no parameter '${target}'`);
    return p;
  }

  /** The buffer at a dotted path such as "bn.running_mean". */
  getBuffer(target: string): Tensor {
    const [mod, name] = this.splitTarget(target);
    const b = mod.scanFields().buffers.get(name);
    if (!b) throw new Error(`${this.typeName()}.getBuffer: no buffer '${target}'`);
    return b;
  }

  private splitTarget(target: string): [Module, string] {
    const i = target.lastIndexOf('.');
    return i < 0 ? [this, target] : [this.getSubmodule(target.slice(0, i)), target.slice(i + 1)];
  }

  // --- modes and bulk operations -----------------------------------------------------------

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    guardCycle(this, 'train', () => {
      this.training = mode;
      for (const child of this.children()) child.train(mode);
    });
    return this;
  }

  /** Evaluation mode (train(false)): Dropout passes through, BatchNorm uses running stats. */
  eval(): this {
    return this.train(false);
  }

  /** Calls fn on every descendant (children first) and then on this module, as torch's apply. */
  apply(fn: (m: Module) => void): this {
    guardCycle(this, 'apply', () => {
      for (const child of this.children()) child.apply(fn);
      fn(this);
    });
    return this;
  }

  /** Clears the gradients of all parameters (to null by default, as PyTorch 2). */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => p.grad!.zero_());
    }
  }

  /** Sets requiresGrad on every parameter (freezing with false); returns this. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return this.parameters().reduce((n, p) => n + (options.trainableOnly && !p.requiresGrad ? 0 : p.size), 0);
  }

  /**
   * Converts floating-point parameters and buffers to `dtype` in place (integer buffers such
   * as BatchNorm's num_batches_tracked stay int32), as torch's module.to(dtype). Parameters
   * keep their identity; create optimizers after converting all the same.
   */
  to(dtype: DType): this {
    if (!isFloating(dtype)) throw new Error(`${this.typeName()}.to: only floating dtypes are supported, got ${dtype}`);
    noGrad(() => {
      for (const p of this.parameters()) {
        if (!isFloating(p.dtype) || p.dtype === dtype) continue;
        const grad = p.grad;
        p.setData(p.detach().to(dtype));
        if (grad) p.grad = grad.to(dtype);
      }
      for (const m of this.modules()) {
        const reg = m.scanFields();
        for (const [name, b] of [...reg.buffers]) {
          if (b && isFloating(b.dtype) && b.dtype !== dtype) m.registerBuffer(name, b.to(dtype), !reg.nonPersistent.has(name));
        }
      }
    });
    return this;
  }

  double(): this { return this.to('float64'); }
  float(): this { return this.to('float32'); }

  // --- state dict --------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name: per module its parameters, then its
   * buffers, then its children's entries, in registration order (PyTorch's order and names).
   * Values share storage with the module (detached from the graph).
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = new Map();
    this.collectState(prefix, (key, t) => out.set(key, t.detach()));
    return out;
  }

  /** Visits every state-dict entry with the live tensor (children through the registry, like PyTorch). */
  private collectState(prefix: string, visit: (key: string, t: Tensor) => void): void {
    guardCycle(this, 'stateDict', () => {
      const reg = this.scanFields();
      for (const [name, p] of reg.parameters) if (p) visit(prefix + name, p);
      for (const [name, b] of reg.buffers) if (b && !reg.nonPersistent.has(name)) visit(prefix + name, b);
      for (const [name, m] of reg.modules) if (m) m.collectState(`${prefix}${name}.`, visit);
    });
  }

  /**
   * Hook for modules whose saved format changed: given the incoming entries for this module
   * (keys with `prefix`), add or rename entries in place before matching. BatchNorm uses it
   * to accept state dicts without num_batches_tracked, as PyTorch does.
   */
  protected upgradeStateDict(_entries: Map<string, Tensor>, _prefix: string): void {}

  /**
   * Copies values from a state dict into this module's parameters and buffers, in place
   * and without recording gradients, casting dtypes as needed. All checks happen before any
   * value is copied, so a failed load leaves the module unchanged.
   */
  loadStateDict(stateDict: StateDictLike, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const incoming = new Map<string, Tensor>(stateDict instanceof Map ? stateDict : Object.entries(stateDict));
    for (const [prefix, m] of this.namedModules()) m.upgradeStateDict(incoming, prefix ? `${prefix}.` : '');

    const expected: [string, Tensor][] = [];
    this.collectState('', (key, t) => expected.push([key, t]));
    const expectedKeys = new Set(expected.map(([k]) => k));
    const missingKeys: string[] = [], mismatches: string[] = [];
    for (const [key, target] of expected) {
      const src = incoming.get(key);
      if (src === undefined) { missingKeys.push(key); continue; }
      if (!(src instanceof Tensor)) { mismatches.push(`value for ${key} is not a Tensor`); continue; }
      if (!sameShape(src.shape, target.shape)) {
        mismatches.push(`size mismatch for ${key}: copying a param with shape ${shapeToString(src.shape)} from the state dict, ` +
          `the shape in the current model is ${shapeToString(target.shape)}`);
      } else if (!isFloating(src.dtype) && isFloating(target.dtype)) {
        // float -> float (float64 into float32, say) converts as PyTorch does, and so do whole
        // numbers into an integer buffer (a counter saved as float); integer data in a float
        // parameter is a relabelled or wrong file, not a conversion
        mismatches.push(`dtype mismatch for ${key}: copying ${src.dtype} data from the state dict into a ${target.dtype} ` +
          'tensor of the current model');
      } else if (isFloating(src.dtype) && !isFloating(target.dtype) && !src.dataSync().every(Number.isInteger)) {
        mismatches.push(`dtype mismatch for ${key}: copying non-integer ${src.dtype} values into a ${target.dtype} tensor`);
      } else if (!options.allowNonFinite && isFloating(src.dtype)) {
        const bad = src.dataSync().findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) mismatches.push(`non-finite value for ${key}: element ${bad} is ${src.dataSync()[bad]} (allowNonFinite accepts it)`);
      }
    }
    const unexpectedKeys = [...incoming.keys()].filter((k) => !expectedKeys.has(k));
    const errors: string[] = [];
    if (strict && missingKeys.length) errors.push(`missing key(s) in state dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    if (strict && unexpectedKeys.length) errors.push(`unexpected key(s) in state dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
    errors.push(...mismatches);
    if (errors.length) {
      throw new Error(`loadStateDict: error(s) in loading state dict for ${this.typeName()}:\n  ${errors.join('\n  ')}`);
    }
    // every check passed before anything is written: a failed load leaves the module as it was
    noGrad(() => {
      for (const [key, target] of expected) {
        const src = incoming.get(key);
        if (src) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // --- printing ----------------------------------------------------------------------------

  /** The class name used in messages and printing. */
  typeName(): string {
    return this.constructor.name;
  }

  /** Extra information printed inside the parentheses (e.g. "inFeatures=4, outFeatures=2"). */
  extraRepr(): string {
    return '';
  }

  /** A nested description in the layout of PyTorch's module repr. */
  toString(): string {
    const extraLines = this.extraRepr() ? this.extraRepr().split('\n') : [];
    const childLines = [...this.scanFields().modules]
      .filter((e): e is [string, Module] => e[1] !== null)
      .map(([name, m]) => `(${name}): ${m.toString().split('\n').join('\n  ')}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.typeName()}(`;
    if (lines.length === 1 && childLines.length === 0) s += extraLines[0];
    else if (lines.length) s += `\n  ${lines.join('\n  ')}\n`;
    return `${s})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * A table of the modules that own parameters directly: name, type and parameter count, with
   * totals, like the first columns of Keras' model.summary().
   */
  summary(): string {
    const rows: [string, string, string][] = [['Name', 'Type', 'Params']];
    for (const [name, m] of this.namedModules()) {
      const own = m.parameters(false);
      if (own.length === 0) continue;
      rows.push([name || '(root)', m.typeName(), own.reduce((n, p) => n + p.size, 0).toLocaleString('en-US')]);
    }
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
    const fmt = (r: [string, string, string]) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}`;
    const rule = '-'.repeat(widths[0] + widths[1] + widths[2] + 4);
    const total = this.numParameters(), trainable = this.numParameters({ trainableOnly: true });
    return [fmt(rows[0]), rule, ...rows.slice(1).map(fmt), rule,
      `Total params: ${total.toLocaleString('en-US')}`,
      `Trainable params: ${trainable.toLocaleString('en-US')}`,
      `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`].join('\n');
  }
}
