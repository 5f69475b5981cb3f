// Which storages of a backward pass can go back to the backend for reuse (backend/storage-pool.ts).
//
// JavaScript has no reference counts, so in general only the garbage collector knows when a
// tensor is dead. Inside a backward pass the engine knows more: a storage that the backend
// allocated during this pass is held by no forward tensor, no user tensor and no earlier
// .grad; once no pending gradient views it, nothing can read it again. That covers every
// gradient the engine has propagated and the temporaries of the backward functions, which is
// about half of what a training step allocates. (Tensor views - reshape, detach - share their
// storage object, so identity of storages is identity of memory.)
//
// The contract this relies on is BackwardFn's (graph.ts): a backward function keeps nothing it
// allocated beyond the gradients it returns.

import type { Backend, Storage } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';

export class GradientBuffers {
  /** Allocations recorded since the last settle(). */
  private born: Storage[] = [];
  /** Storages allocated during this pass and neither released nor handed out yet. */
  private readonly ours = new Set<Storage>();
  /** Storage -> how many pending gradients (values waiting in the engine) view it. */
  private readonly pending = new Map<Storage, number>();
  private readonly previousSink: Storage[] | null;

  private constructor(private readonly backend: Backend & Required<Pick<Backend, 'recordAllocations' | 'release'>>) {
    this.previousSink = backend.recordAllocations(this.born);
  }

  /** Starts tracking on backends that reuse storage; null elsewhere. */
  static start(backend: Backend): GradientBuffers | null {
    if (!backend.recordAllocations || !backend.release) return null;
    return new GradientBuffers(backend as Backend & Required<Pick<Backend, 'recordAllocations' | 'release'>>);
  }

  /** A gradient enters the engine's table of pending gradients. */
  hold(g: Tensor): void {
    this.pending.set(g.storage, (this.pending.get(g.storage) ?? 0) + 1);
  }

  /** A pending gradient leaves the table (it was consumed, or summed into another). */
  drop(g: Tensor): void {
    const n = this.pending.get(g.storage)!;
    if (n > 1) this.pending.set(g.storage, n - 1); else this.pending.delete(g.storage);
  }

  /** Whether the pass may give `g`'s storage away: ours, and no pending gradient views it. */
  owns(g: Tensor): boolean {
    this.adopt();
    return this.ours.has(g.storage) && !this.pending.has(g.storage);
  }

  /** `t` leaves the pass (it became a .grad): its storage must never be released. */
  handOut(t: Tensor): void {
    this.adopt();
    this.ours.delete(t.storage);
  }

  /**
   * After a node: releases what was allocated since the last call and the storages of
   * `consumed`, except what a pending gradient still views.
   */
  settle(consumed: readonly Tensor[]): void {
    const candidates = [...this.born, ...consumed.map((t) => t.storage)];
    this.adopt();
    const dead: Storage[] = [];
    for (const s of candidates) {
      if (this.ours.has(s) && !this.pending.has(s)) {
        this.ours.delete(s);
        dead.push(s);
      }
    }
    if (dead.length) this.backend.release(dead);
  }

  /** Stops recording (restoring any recording that was active before the pass). */
  finish(): void {
    this.backend.recordAllocations(this.previousSink);
  }

  /** Moves the recorded allocations into `ours`. */
  private adopt(): void {
    for (const s of this.born) this.ours.add(s);
    this.born.length = 0;
  }
}
