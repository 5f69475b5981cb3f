// Dynamic batching over a pool of inference workers. Requests wait in one queue; a batch is
// formed from whole requests (up to maxBatch instances) and handed to an idle worker as soon
// as it is full, or once its oldest request has waited batchTimeoutMs. While every worker is
// busy the queue fills up, so batches grow with the load: throughput rises where one request
// at a time would leave the model's matrix kernels underused.

import { Worker } from 'node:worker_threads';
import type { ServeMetrics } from './metrics.js';
import type { WorkerReply } from './protocol.js';

export interface BatcherOptions {
  dir: string;
  workers: number;
  maxBatch: number;
  batchTimeoutMs: number;
  /** Most instances waiting in the queue; past it submit() throws QueueFullError. */
  maxQueue: number;
  /** Values in one instance (product of the input shape). */
  instanceSize: number;
  metrics?: ServeMetrics;
}

export interface InferResult {
  /** Output rows of this request: shape [n, ...]. */
  shape: number[];
  output: Float32Array;
  probabilities: Float32Array | null;
}

export class QueueFullError extends Error {
  constructor(readonly queued: number, readonly limit: number) {
    super(`the server is busy: ${queued} instances are queued (limit ${limit}, --max-queue); retry later`);
  }
}

interface Pending {
  n: number;
  data: Float32Array;
  enqueuedAt: number;
  resolve(r: InferResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  batch: Pending[] | null;
  batchId: number;
}

export class Batcher {
  private queue: Pending[] = [];
  private queued = 0;
  private slots: Slot[] = [];
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  /** Resolves when every worker has loaded the model; rejects if one cannot. */
  readonly ready: Promise<void>;
  backend = '';

  constructor(readonly options: BatcherOptions) {
    let loadedCount = 0;
    let maxLoad = 0;
    this.ready = new Promise((resolve, reject) => {
      for (let i = 0; i < options.workers; i++) {
        this.slots.push(this.spawn((seconds, backend) => {
          loadedCount++;
          maxLoad = Math.max(maxLoad, seconds);
          this.backend = backend;
          options.metrics?.workers.set(loadedCount);
          if (loadedCount === options.workers) {
            options.metrics?.modelLoadSeconds.set(maxLoad);
            resolve();
          }
        }, reject));
      }
    });
    // the ready promise may be awaited late; never let its rejection go unhandled meanwhile
    this.ready.catch(() => {});
  }

  private spawn(onReady: (seconds: number, backend: string) => void, onLoadError: (e: Error) => void): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { dir: this.options.dir } });
    const slot: Slot = { worker, ready: false, batch: null, batchId: 0 };
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        onReady(msg.loadSeconds, msg.backend);
        this.pump();
      } else if (msg.type === 'load-error') {
        onLoadError(new Error(msg.message));
      } else if (msg.id === slot.batchId && slot.batch) {
        const batch = slot.batch;
        slot.batch = null;
        this.options.metrics?.inFlightBatches.dec();
        if (msg.type === 'error') {
          for (const p of batch) p.reject(new Error(`inference failed: ${msg.message}`));
        } else {
          this.options.metrics?.inferenceSeconds.observe(msg.seconds);
          this.deliver(batch, msg.shape, msg.output, msg.probabilities);
        }
        this.pump();
        this.notifyIdle();
      }
    });
    worker.on('error', (e) => {
      if (!slot.ready) onLoadError(e);
      this.failSlot(slot, e);
    });
    worker.on('exit', (code) => {
      if (this.closing) return;
      if (!slot.ready) { onLoadError(new Error(`inference worker exited with code ${code} while loading the model`)); return; }
      this.failSlot(slot, new Error(`inference worker exited with code ${code}`));
    });
    return slot;
  }

  /** A worker died: fail its batch and start a replacement. */
  private failSlot(slot: Slot, error: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    if (slot.batch) {
      this.options.metrics?.inFlightBatches.dec();
      for (const p of slot.batch) p.reject(new Error(`inference worker failed: ${error.message}`));
      slot.batch = null;
      this.notifyIdle();
    }
    if (this.closing) return;
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    this.slots[i] = this.spawn(() => this.pump(), () => {});
  }

  private deliver(batch: Pending[], shape: number[], output: Float32Array, probs: Float32Array | null): void {
    const per = shape.slice(1).reduce((a, b) => a * b, 1);
    const k = shape.length === 2 ? shape[1] : 0;
    let row = 0;
    for (const p of batch) {
      p.resolve({
        shape: [p.n, ...shape.slice(1)],
        output: output.slice(row * per, (row + p.n) * per),
        probabilities: probs ? probs.slice(row * k, (row + p.n) * k) : null,
      });
      row += p.n;
    }
    this.options.metrics?.instances.inc(row);
  }

  private notifyIdle(): void {
    if (this.idle) for (const w of this.idleWaiters.splice(0)) w();
  }

  get queuedInstances(): number {
    return this.queued;
  }

  /** No request queued or being computed. */
  get idle(): boolean {
    return this.queue.length === 0 && this.slots.every((s) => !s.batch);
  }

  /** Queues n instances (preprocessed, row-major); resolves with their outputs. */
  submit(data: Float32Array, n: number): Promise<InferResult> {
    if (this.closing) return Promise.reject(new Error('the server is shutting down'));
    if (n > this.options.maxBatch) return Promise.reject(new Error(`${n} instances exceed the batch limit ${this.options.maxBatch}`));
    if (this.queued + n > this.options.maxQueue) return Promise.reject(new QueueFullError(this.queued, this.options.maxQueue));
    return new Promise((resolve, reject) => {
      this.queue.push({ n, data, enqueuedAt: performance.now(), resolve, reject });
      this.queued += n;
      this.options.metrics?.queueDepth.set(this.queued);
      this.pump();
    });
  }

  private pump(): void {
    const { maxBatch, batchTimeoutMs } = this.options;
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && !s.batch);
      if (!slot) return; // a finishing worker pumps again
      const waited = performance.now() - this.queue[0].enqueuedAt;
      if (this.queued < maxBatch && waited < batchTimeoutMs && !this.closing) {
        // wait a little for more requests to fill the batch
        if (!this.timer) {
          this.timer = setTimeout(() => { this.timer = null; this.pump(); }, Math.max(0, batchTimeoutMs - waited));
        }
        return;
      }
      this.dispatch(slot);
    }
  }

  private dispatch(slot: Slot): void {
    const { maxBatch, instanceSize } = this.options;
    const batch: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0 && n + this.queue[0].n <= maxBatch) {
      const p = this.queue.shift()!;
      batch.push(p);
      n += p.n;
    }
    this.queued -= n;
    const now = performance.now();
    const m = this.options.metrics;
    m?.queueDepth.set(this.queued);
    m?.batchSize.observe(n);
    m?.inFlightBatches.inc();
    for (const p of batch) m?.queueWaitSeconds.observe((now - p.enqueuedAt) / 1000);
    let data: Float32Array;
    if (batch.length === 1) {
      data = batch[0].data;
    } else {
      data = new Float32Array(n * instanceSize);
      let off = 0;
      for (const p of batch) { data.set(p.data, off); off += p.data.length; }
    }
    slot.batch = batch;
    slot.batchId = this.nextId++;
    slot.worker.postMessage({ type: 'infer', id: slot.batchId, n, data }, [data.buffer as ArrayBuffer]);
  }

  /** Resolves once every queued and in-flight request has been answered. */
  drain(): Promise<void> {
    this.closing = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.pump();
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Gives up on everything queued or being computed (a shutdown past its deadline): their
   * requests fail, nothing new is accepted; close() then stops the workers without waiting.
   */
  abort(reason = 'the server stopped before this request was answered'): void {
    this.closing = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const error = new Error(reason);
    for (const p of this.queue.splice(0)) p.reject(error);
    this.queued = 0;
    for (const slot of this.slots) {
      if (!slot.batch) continue;
      this.options.metrics?.inFlightBatches.dec();
      for (const p of slot.batch) p.reject(error);
      slot.batch = null;
    }
    this.notifyIdle();
  }

  /** Drains, then stops the workers. */
  async close(): Promise<void> {
    await this.drain();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
