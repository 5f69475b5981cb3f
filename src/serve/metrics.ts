// Prometheus metrics of the inference server (prom-client), on their own registry so that two
// servers in one process (tests) do not collide.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServeMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  batchSize: Histogram;
  inferenceSeconds: Histogram;
  queueWaitSeconds: Histogram;
  queueDepth: Gauge;
  inFlightBatches: Gauge;
  instances: Counter;
  rejected: Counter<'reason'>;
  modelLoadSeconds: Gauge;
  workers: Gauge;
}

export function createMetrics(options: { maxBatch: number; defaultMetrics?: boolean }): ServeMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024].filter((b) => b < options.maxBatch);
  sizes.push(options.maxBatch);
  return {
    registry,
    requests: new Counter({ name: 'myelin_http_requests_total', help: 'HTTP requests by route, method and status code', labelNames: ['route', 'method', 'status'], registers: [registry] }),
    latency: new Histogram({
      name: 'myelin_http_request_duration_seconds', help: 'HTTP request latency (received to response sent) by route', labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
    }),
    batchSize: new Histogram({ name: 'myelin_batch_size', help: 'Instances per inference batch sent to a worker (dynamic batching)', buckets: sizes, registers: [registry] }),
    inferenceSeconds: new Histogram({
      name: 'myelin_inference_duration_seconds', help: 'Model compute time per batch, in the worker',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
    }),
    queueWaitSeconds: new Histogram({
      name: 'myelin_queue_wait_seconds', help: 'Time a request waited in the batching queue before its batch was dispatched',
      buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry],
    }),
    queueDepth: new Gauge({ name: 'myelin_queue_depth', help: 'Instances waiting in the batching queue', registers: [registry] }),
    inFlightBatches: new Gauge({ name: 'myelin_batches_in_flight', help: 'Batches being computed by workers', registers: [registry] }),
    instances: new Counter({ name: 'myelin_inference_instances_total', help: 'Instances inferred', registers: [registry] }),
    rejected: new Counter({ name: 'myelin_rejected_requests_total', help: 'Requests refused before inference, by reason', labelNames: ['reason'], registers: [registry] }),
    modelLoadSeconds: new Gauge({ name: 'myelin_model_load_seconds', help: 'Seconds the slowest worker took to load the model', registers: [registry] }),
    workers: new Gauge({ name: 'myelin_workers', help: 'Inference worker threads ready', registers: [registry] }),
  };
}
