// Containers: Sequential (a chain), ModuleList (an indexable list) and ModuleDict (a named
// map). Children are registered under "0", "1", ... (or their keys), which is what makes
// state-dict names like "features.0.weight" line up with PyTorch's.

import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { ReLU } from './layers/activation.js';
import { MaxPool2d } from './layers/pooling.js';
import { Conv2d } from './layers/conv.js';
import { releaseStorage } from '../tensor/release.js';

/** Resolves a possibly negative index into [0, length); throws naming the container. */
function resolveIndex(i: number, length: number, where: string): number {
  const j = i < 0 ? i + length : i;
  if (!Number.isInteger(i) || j < 0 || j >= length) throw new RangeError(`${where}: index ${i} is out of range for ${length} modules`);
  return j;
}

function checkModule(m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${where}: expected a Module, got ${m === null ? 'null' : typeof m}`);
  return m;
}

/**
 * Base of the index-named containers. The registry is the list: the i-th child is registered
 * under String(i), and insertions re-register the tail so that names stay 0..n-1.
 */
abstract class IndexedContainer extends Module {
  declare protected items: Module[];

  constructor(modules: Iterable<Module>) {
    super();
    // the backing array is hidden from the field scan: its modules are registered by index
    Object.defineProperty(this, 'items', { value: [], writable: true, enumerable: false });
    for (const m of modules) this.append(m);
  }

  get length(): number { return this.items.length; }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    return this.items[resolveIndex(i, this.items.length, `${this.typeName()}.at`)];
  }

  /** Adds a module at the end; returns this. */
  append(module: Module): this {
    checkModule(module, `${this.typeName()}.append`);
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module before index i (i may equal the length, or be negative). */
  insert(i: number, module: Module): this {
    checkModule(module, `${this.typeName()}.insert`);
    const n = this.items.length;
    const j = i < 0 ? Math.max(0, i + n) : Math.min(i, n);
    const list = this.items.slice();
    list.splice(j, 0, module);
    this.reset(list);
    return this;
  }

  /** Replaces the module at index i. */
  set(i: number, module: Module): this {
    checkModule(module, `${this.typeName()}.set`);
    const j = resolveIndex(i, this.items.length, `${this.typeName()}.set`);
    this.items[j] = module;
    this.registerModule(String(j), module);
    return this;
  }

  /** Removes and returns the module at index i; later modules are renumbered. */
  pop(i = -1): Module {
    const j = resolveIndex(i, this.items.length, `${this.typeName()}.pop`);
    const list = this.items.slice();
    const [removed] = list.splice(j, 1);
    this.reset(list);
    return removed;
  }

  /** Re-registers `list` as children 0..n-1 (after an insertion or removal). */
  private reset(list: Module[]): void {
    for (let k = 0; k < this.items.length; k++) this.unregister(String(k));
    this.items = [];
    for (const m of list) this.append(m);
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
}

/**
 * Whether `relu` then `pool` may run as one max pooling with the ReLU applied to its outputs
 * (MaxPool2d.forwardRelu). Max pooling commutes with ReLU (a monotonic function), so the
 * output is the same to the bit and so are the gradients (where the window's maximum is <= 0
 * both pass no gradient). The ReLU then costs no pass of its own, touches a quarter of the
 * elements (for 2x2 windows) and keeps no full-size output alive for backward: in the seed
 * CNN that is the largest activation of the step. Only the exact built-in classes qualify; a
 * subclass may do something else.
 */
function poolsWithRelu(relu: Module, pool: Module | undefined): pool is MaxPool2d {
  return relu.constructor === ReLU && pool !== undefined && pool.constructor === MaxPool2d;
}

/**
 * Whether the tensor that `producer` returned is dead once `consumer` has run on it: a
 * convolution's output read by max pooling. Neither op keeps it for backward (the convolution
 * saves its input and weight, pooling its argmax indices), and inside a Sequential nobody
 * else sees it, so its storage can go back to the backend for the next step's convolution.
 */
function deadAfter(producer: Module | null, consumer: Module): boolean {
  return producer !== null && producer.constructor === Conv2d && consumer.constructor === MaxPool2d;
}

/** A chain of modules: forward(x) feeds x through each child in order. */
export class Sequential extends IndexedContainer {
  constructor(...modules: Module[]) {
    super(modules);
  }

  override forward(x: Tensor): Tensor {
    const items = this.items;
    let y: Tensor = x;
    let producer: Module | null = null; // the child that returned y (null: the caller's input)
    const step = (m: Module, run: (x: Tensor) => Tensor): void => {
      const out = run(y);
      if (deadAfter(producer, m) && out.storage !== y.storage) releaseStorage(y);
      y = out;
      producer = m;
    };
    for (let i = 0; i < items.length; i++) {
      const m = items[i], next = items[i + 1];
      if (poolsWithRelu(m, next)) {
        step(next, (x) => next.forwardRelu(x));
        i++;
      } else {
        step(m, (x) => m.forward(x) as Tensor);
      }
    }
    return y;
  }

  /** A new Sequential over children start..end-1 (the same module objects), as seq[start:end]. */
  slice(start = 0, end = this.items.length): Sequential {
    return new Sequential(...this.items.slice(start, end));
  }
}

/** An indexable list of modules whose parameters are registered; it has no forward. */
export class ModuleList extends IndexedContainer {
  constructor(modules: Iterable<Module> = []) {
    super(modules);
  }

  override forward(): never {
    throw new Error('ModuleList has no forward(); iterate over it and call its modules');
  }
}

/** Modules by name; keys become state-dict name segments ("blocks.encoder.weight"). */
export class ModuleDict extends Module {
  constructor(modules: Iterable<[string, Module]> | Readonly<Record<string, Module>> = {}) {
    super();
    this.update(modules);
  }

  get size(): number { return this.keys().length; }

  get(key: string): Module {
    const m = this.namedChildren().find(([k]) => k === key);
    if (!m) throw new Error(`ModuleDict: no module named '${key}' (have ${this.keys().map((k) => `'${k}'`).join(', ') || 'none'})`);
    return m[1];
  }

  has(key: string): boolean {
    return this.keys().includes(key);
  }

  set(key: string, module: Module): this {
    checkModule(module, 'ModuleDict.set');
    this.registerModule(key, module);
    return this;
  }

  update(modules: Iterable<[string, Module]> | Readonly<Record<string, Module>>): this {
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }

  keys(): string[] { return this.namedChildren().map(([k]) => k); }
  values(): Module[] { return this.children(); }
  entries(): [string, Module][] { return this.namedChildren(); }

  override forward(): never {
    throw new Error('ModuleDict has no forward(); look modules up with get() and call them');
  }
}
