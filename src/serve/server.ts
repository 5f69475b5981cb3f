// The inference server: a saved model behind the TensorFlow Serving REST API and the Open
// Inference Protocol v2 (KServe / Triton), with Prometheus metrics, dynamic batching over
// worker threads, request limits and graceful shutdown.
//
//   GET  /v1/models/{name}                 TF Serving model status
//   GET  /v1/models/{name}/metadata        TF Serving signature (input/output shapes)
//   POST /v1/models/{name}:predict         {"instances": [...]} or {"inputs": ...} -> {"predictions": [...]}
//   GET  /v2                               server metadata
//   GET  /v2/health/live, /v2/health/ready liveness, readiness (503 while loading or shutting down)
//   GET  /v2/models/{name}                 model metadata (inputs, outputs: names, datatypes, shapes)
//   GET  /v2/models/{name}/ready           model readiness
//   POST /v2/models/{name}/infer           typed tensors in, typed tensors out
//   GET  /metrics                          Prometheus text format

import { availableParallelism } from 'node:os';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readSavedModelConfig, type SavedModelConfig } from '../models/saved-model.js';
import { describeJsonError } from '../io/json-error.js';
import {
  DEFAULT_CONNECTION_LIMITS, DEFAULT_DRAIN_TIMEOUT_MS, closeUnfinishedRequests, closeWithDeadline, connectionOptions, trackConnections,
  type CloseResult,
} from '../http/connections.js';
import { addBearerAuth } from '../http/auth.js';
import { Batcher, QueueFullError } from './batcher.js';
import { createMetrics, type ServeMetrics } from './metrics.js';
import {
  HttpError, firstNonFiniteRow, modelSpec, parseRequestedOutputs, parseV1, parseV2, toOutputs, v1Predictions, v2OutputNames, v2Outputs,
  type ModelSpec, type ParsedInput,
} from './requests.js';

export interface ServeOptions {
  /** Saved-model directory (config.json + model.safetensors). */
  dir: string;
  port?: number;
  host?: string;
  /** Model name in URLs (default: config.json's model, e.g. 'cnn'). */
  name?: string;
  /** Inference worker threads (default: half the CPUs, at least 1). */
  workers?: number;
  /** Most instances per batch, and per request (default 32). */
  maxBatch?: number;
  /** How long a batch waits to fill up (default 2 ms; 0: dispatch at once). */
  batchTimeoutMs?: number;
  /** Most instances waiting in the queue before requests are refused with 503 (default 1024). */
  maxQueue?: number;
  /** Largest request body in bytes (default 8 MiB). */
  maxBody?: number;
  /** Seconds a 503 tells clients to wait (Retry-After; default 1). */
  retryAfterSeconds?: number;
  /** A request's headers must arrive within this many ms (default 10 s); else 408 and the connection closed. */
  headerTimeoutMs?: number;
  /** The whole request, headers and body, within this many ms (default 30 s); else 408 and the connection closed. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this many ms (default 5 s). */
  idleTimeoutMs?: number;
  /** close(): how long requests in flight may take before their connections are cut (default 10 s). */
  drainTimeoutMs?: number;
  /** Requests must carry `Authorization: Bearer <authToken>` (but the health probes); see readTokenFile. */
  authToken?: string;
}

/** Answered without a token, for Kubernetes probes and load balancers. */
export const OPEN_PATHS = ['/v2/health/live', '/v2/health/ready'];

export const DEFAULTS = {
  port: 8080, host: '127.0.0.1', maxBatch: 32, batchTimeoutMs: 2, maxQueue: 1024, maxBody: 8 * 1024 * 1024, retryAfterSeconds: 1,
  ...DEFAULT_CONNECTION_LIMITS, drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
};

export function defaultWorkers(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

const VERSION = '0.1.0';

const v1Schema = {
  body: {
    type: 'object',
    properties: { signature_name: { type: 'string' }, instances: {}, inputs: {} },
  },
} as const;

const v2Schema = {
  body: {
    type: 'object',
    required: ['inputs'],
    properties: {
      id: { type: 'string' },
      parameters: { type: 'object' },
      inputs: {
        type: 'array', minItems: 1,
        items: {
          type: 'object', required: ['name', 'shape', 'datatype', 'data'],
          properties: {
            name: { type: 'string' },
            shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
            datatype: { type: 'string' },
            parameters: { type: 'object' },
            data: { type: 'array' },
          },
        },
      },
      outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
    },
  },
} as const;

export interface InferenceServer {
  app: FastifyInstance;
  spec: ModelSpec;
  metrics: ServeMetrics;
  batcher: Batcher;
  options: Required<Omit<ServeOptions, 'name' | 'authToken'>> & { name: string; auth: boolean };
  /** Resolves when every worker has loaded the model. */
  ready: Promise<void>;
  /** Listens; resolves to the URL (port 0 picks a free port). */
  listen(): Promise<string>;
  /**
   * Graceful stop: refuse new requests, answer those in flight, stop the workers. Connections
   * still open after drainTimeoutMs (a slow client) are cut: `cut` counts them.
   */
  close(): Promise<CloseResult>;
}

/** Turns ajv's "body/inputs/0/shape must be array" into "inputs[0].shape: must be array". */
function fieldPath(instancePath: string): string {
  return instancePath.split('/').filter(Boolean).map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || 'body';
}

export function createServer(opts: ServeOptions): InferenceServer {
  const config: SavedModelConfig = readSavedModelConfig(opts.dir);
  const options = {
    dir: opts.dir, port: opts.port ?? DEFAULTS.port, host: opts.host ?? DEFAULTS.host, name: opts.name ?? config.model,
    workers: opts.workers ?? defaultWorkers(), maxBatch: opts.maxBatch ?? DEFAULTS.maxBatch,
    batchTimeoutMs: opts.batchTimeoutMs ?? DEFAULTS.batchTimeoutMs, maxQueue: opts.maxQueue ?? DEFAULTS.maxQueue,
    maxBody: opts.maxBody ?? DEFAULTS.maxBody, retryAfterSeconds: opts.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds,
    headerTimeoutMs: opts.headerTimeoutMs ?? DEFAULTS.headerTimeoutMs, requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs, drainTimeoutMs: opts.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs,
    auth: opts.authToken !== undefined,
  };
  for (const k of ['headerTimeoutMs', 'requestTimeoutMs', 'idleTimeoutMs', 'drainTimeoutMs'] as const) {
    if (!(options[k] > 0) || !Number.isFinite(options[k])) throw new Error(`${k}: must be a positive number of milliseconds, got ${options[k]}`);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.name)) throw new Error(`--name: '${options.name}' must be letters, digits, '.', '_' or '-'`);
  if (options.maxQueue < options.maxBatch) throw new Error(`--max-queue (${options.maxQueue}) must be at least --max-batch (${options.maxBatch})`);
  const spec = modelSpec(options.name, config, options.maxBatch);
  const metrics = createMetrics({ maxBatch: options.maxBatch });
  const batcher = new Batcher({
    dir: opts.dir, workers: options.workers, maxBatch: options.maxBatch, batchTimeoutMs: options.batchTimeoutMs,
    maxQueue: options.maxQueue, instanceSize: spec.instanceSize, metrics,
  });
  let isReady = false, closing = false;
  const ready = batcher.ready.then(() => { isReady = true; });
  ready.catch(() => {});

  const app = Fastify({
    ...connectionOptions(options, (reason) => metrics.rejected.inc({ reason })),
    bodyLimit: options.maxBody,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false } },
    schemaErrorFormatter: (errors) => {
      const e = errors[0];
      return new HttpError(400, `${fieldPath(e.instancePath)}: ${e.message ?? 'is invalid'}`);
    },
  });

  const sockets = trackConnections(app);
  closeUnfinishedRequests(app);

  // Any content type is read as JSON (TF Serving does the same; curl -d sends form encoding).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') { done(new HttpError(400, 'empty request body: expected a JSON object'), undefined); return; }
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      const hint = /\bNaN\b|Infinity/.test(text) ? ' (NaN and Infinity are not JSON; inputs must be finite numbers)' : '';
      done(new HttpError(400, `malformed JSON body: ${describeJsonError(e, text)}${hint}`), undefined);
    }
  });

  // Per-request timing and counting, labelled by route pattern (not by the URL, which is unbounded).
  const started = new WeakMap<FastifyRequest, number>();
  app.addHook('onRequest', async (req) => { started.set(req, performance.now()); });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const t0 = started.get(req);
    metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    if (t0 !== undefined) metrics.latency.observe({ route }, (performance.now() - t0) / 1000);
  });

  // after the timing hook, so that refused requests are timed too
  if (opts.authToken !== undefined) {
    addBearerAuth(app, { token: opts.authToken, open: OPEN_PATHS, onReject: () => metrics.rejected.inc({ reason: 'unauthorized' }) });
  }

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    let status = err instanceof HttpError ? err.statusCode : err.statusCode ?? 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `request body is larger than the server's limit of ${options.maxBody} bytes (--max-body)`;
    else if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') message = 'request body length does not match Content-Length';
    else if (status >= 500 && !(err instanceof HttpError)) { status = 500; message = `internal error: ${err.message}`; }
    if (err instanceof HttpError) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    if (status === 413) metrics.rejected.inc({ reason: 'body_too_large' });
    else if (status === 400) metrics.rejected.inc({ reason: 'invalid' });
    void reply.code(status).send({ error: message });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]} (see /v2/models/${spec.name} and /v1/models/${spec.name})` });
  });

  const checkModel = (name: string, version?: string) => {
    if (name !== spec.name) throw new HttpError(404, `unknown model '${name}' (this server serves '${spec.name}')`);
    if (version !== undefined && version !== spec.version) throw new HttpError(404, `model '${name}' has no version '${version}' (versions: ${spec.version})`);
  };

  const unavailable = (why: string) => new HttpError(503, why, { 'Retry-After': String(options.retryAfterSeconds) });

  async function infer(parsed: ParsedInput) {
    if (!isReady) throw unavailable('the model is still loading; retry later');
    if (closing) throw unavailable('the server is shutting down');
    try {
      const r = await batcher.submit(parsed.values, parsed.n);
      const row = firstNonFiniteRow(r.output, parsed.n);
      if (row >= 0) {
        metrics.rejected.inc({ reason: 'non_finite_output' });
        throw new HttpError(422, `${parsed.instanceField(row)}: the model's output for this instance is not finite (NaN or Infinity); ` +
          'the input is probably far outside what the model was trained on');
      }
      return toOutputs(r.shape, r.output, r.probabilities, spec);
    } catch (e) {
      if (e instanceof QueueFullError) { metrics.rejected.inc({ reason: 'queue_full' }); throw unavailable(e.message); }
      if (e instanceof HttpError) throw e;
      throw new HttpError(500, (e as Error).message);
    }
  }

  const body = (req: FastifyRequest, what: string): Record<string, unknown> => {
    const b = req.body;
    if (b === undefined || b === null) throw new HttpError(400, `empty request body: expected ${what}`);
    if (typeof b !== 'object' || Array.isArray(b)) throw new HttpError(400, `body: expected ${what}, got ${Array.isArray(b) ? 'an array' : typeof b}`);
    return b as Record<string, unknown>;
  };

  // ---- TensorFlow Serving REST ----
  const v1Status = () => ({
    model_version_status: [{
      version: spec.version, state: isReady ? 'AVAILABLE' : 'LOADING', status: { error_code: 'OK', error_message: '' },
    }],
  });
  app.get<{ Params: { name: string; version?: string } }>('/v1/models/:name', async (req) => { checkModel(req.params.name); return v1Status(); });
  app.get<{ Params: { name: string; version: string } }>('/v1/models/:name/versions/:version', async (req) => {
    checkModel(req.params.name, req.params.version);
    return v1Status();
  });
  app.get<{ Params: { name: string } }>('/v1/models/:name/metadata', async (req) => {
    checkModel(req.params.name);
    return {
      model_spec: { name: spec.name, version: spec.version, signature_name: 'serving_default' },
      metadata: {
        signature_def: {
          signature_def: {
            serving_default: {
              inputs: { [spec.inputName]: { dtype: 'DT_FLOAT', tensor_shape: { dim: [-1, ...config.input.shape].map((size) => ({ size: String(size) })) }, name: spec.inputName } },
              outputs: Object.fromEntries(metadataOutputs().map((o) => [o.name, { dtype: o.datatype === 'FP32' ? 'DT_FLOAT' : o.datatype === 'INT64' ? 'DT_INT64' : 'DT_STRING', tensor_shape: { dim: o.shape.map((size) => ({ size: String(size) })) }, name: o.name }])),
              method_name: 'tensorflow/serving/predict',
            },
          },
        },
      },
      myelin: { labels: spec.labels, preprocessing: config.preprocessing, accepted_instance_shapes: spec.acceptedShapes },
    };
  });
  // `{name}:predict` and `{name}/versions/{v}:predict` (the colon form does not fit a route pattern).
  // The URL and an empty body are checked before the schema, so that they get their own errors.
  const v1Route = async (req: FastifyRequest<{ Params: { '*': string } }>) => {
    const m = /^([^/:]+)(?:\/versions\/([^/:]+))?:(predict|classify|regress)$/.exec(req.params['*']);
    if (!m) throw new HttpError(404, `no route POST ${req.url.split('?')[0]} (expected /v1/models/{name}:predict)`);
    checkModel(m[1], m[2]);
    if (m[3] !== 'predict') throw new HttpError(400, `:${m[3]} is not supported; use :predict`);
    body(req, "a JSON object with 'instances' or 'inputs'");
  };
  app.post<{ Params: { '*': string } }>('/v1/models/*', { schema: v1Schema, preValidation: v1Route }, async (req) => {
    const b = body(req, "a JSON object with 'instances' or 'inputs'");
    if (b.signature_name !== undefined && b.signature_name !== 'serving_default') {
      throw new HttpError(400, `signature_name: unknown signature '${String(b.signature_name)}' (this model has 'serving_default')`);
    }
    const out = await infer(parseV1(b, spec));
    return { predictions: v1Predictions(out) };
  });

  // ---- Open Inference Protocol v2 ----
  const metadataOutputs = () => {
    const k = Number(config.architecture?.numClasses ?? spec.labels?.length ?? -1);
    const shapes: Record<string, [string, number[]]> = {
      logits: ['FP32', [-1, k]], probabilities: ['FP32', [-1, k]], class: ['INT64', [-1]], label: ['BYTES', [-1]],
    };
    return v2OutputNames(spec).map((name) => ({ name, datatype: shapes[name][0], shape: shapes[name][1] }));
  };
  app.get('/v2', async () => ({ name: 'myelin', version: VERSION, extensions: [] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => {
    const ok = isReady && !closing;
    return reply.code(ok ? 200 : 503).send({ ready: ok });
  });
  app.get<{ Params: { name: string } }>('/v2/models/:name', async (req) => {
    checkModel(req.params.name);
    return {
      name: spec.name, versions: [spec.version], platform: 'myelin',
      inputs: [{ name: spec.inputName, datatype: 'FP32', shape: [-1, ...config.input.shape] }],
      outputs: metadataOutputs(),
      parameters: { model: config.model, backend: batcher.backend, labels: spec.labels, preprocessing: config.preprocessing, accepted_instance_shapes: spec.acceptedShapes, uint8_inputs: spec.pixelScale },
    };
  });
  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', async (req, reply) => {
    checkModel(req.params.name);
    const ok = isReady && !closing;
    return reply.code(ok ? 200 : 503).send({ name: spec.name, ready: ok });
  });
  app.get<{ Params: { name: string; version: string } }>('/v2/models/:name/versions/:version/ready', async (req, reply) => {
    checkModel(req.params.name, req.params.version);
    const ok = isReady && !closing;
    return reply.code(ok ? 200 : 503).send({ name: spec.name, ready: ok });
  });
  const v2Infer = async (req: FastifyRequest<{ Params: { name: string; version?: string } }>) => {
    checkModel(req.params.name, req.params.version);
    const b = body(req, "a JSON object with 'inputs'");
    const wanted = parseRequestedOutputs(b, spec);
    const out = await infer(parseV2(b, spec));
    return {
      model_name: spec.name, model_version: spec.version, ...(typeof b.id === 'string' ? { id: b.id } : {}),
      outputs: v2Outputs(out, wanted, spec),
    };
  };
  const v2Route = async (req: FastifyRequest<{ Params: { name: string; version?: string } }>) => {
    checkModel(req.params.name, req.params.version);
    body(req, "a JSON object with 'inputs'");
  };
  app.post('/v2/models/:name/infer', { schema: v2Schema, preValidation: v2Route }, v2Infer);
  app.post('/v2/models/:name/versions/:version/infer', { schema: v2Schema, preValidation: v2Route }, v2Infer);

  // ---- Prometheus ----
  app.get('/metrics', async (_req, reply: FastifyReply) => {
    metrics.queueDepth.set(batcher.queuedInstances);
    return reply.header('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  let closed: Promise<CloseResult> | null = null;
  return {
    app, spec, metrics, batcher, options, ready,
    async listen() {
      return app.listen({ port: options.port, host: options.host });
    },
    close() {
      closed ??= (async () => {
        closing = true;
        // Stop accepting connections and wait for the requests in flight, whose batches the
        // workers finish (queued requests go to the workers now, without waiting for their
        // batches to fill); keep-alive connections close as they go idle. Past the drain
        // deadline, connections still open (a client sending its body a byte a second, a
        // long batch) are cut and the queue abandoned. Then the workers stop.
        const result = await closeWithDeadline(app, sockets, options.drainTimeoutMs, batcher.drain(), () => batcher.abort());
        await batcher.close();
        return result;
      })();
      return closed;
    },
  };
}
