// myelin serve DIR: answers inference requests for a saved model over HTTP (TF Serving REST
// and Open Inference Protocol v2), with Prometheus metrics, dynamic batching in worker
// threads, and a graceful stop on SIGTERM/SIGINT.

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createServer, DEFAULTS, defaultWorkers } from '../../serve/server.js';
import { positiveInt, seconds } from '../options.js';
import { readTokenFile } from '../../http/auth.js';

function nonNegativeNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number >= 0, got '${v}'`);
    return n;
  };
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be an integer 0..65535, got '${v}'`);
  return n;
}

export function register(program: Command): void {
  program.command('serve')
    .description('serve a saved model (a run directory or `myelin export` output) over HTTP: TF Serving REST, Open Inference Protocol v2, /metrics')
    .argument('<dir>', 'saved model directory (config.json + model.safetensors)')
    .option('--port <n>', 'port (0: any free port)', port, DEFAULTS.port)
    .option('--host <addr>', 'address to listen on (0.0.0.0 for every interface, as in a container)', DEFAULTS.host)
    .option('--name <name>', "model name in URLs (default: config.json's model)")
    .option('--workers <n>', `inference worker threads (default: half the CPUs, here ${defaultWorkers()})`, positiveInt('--workers'))
    .option('--max-batch <n>', 'most instances per batch and per request', positiveInt('--max-batch'), DEFAULTS.maxBatch)
    .option('--batch-timeout-ms <ms>', 'how long a batch waits to fill up (0: no wait)', nonNegativeNumber('--batch-timeout-ms'), DEFAULTS.batchTimeoutMs)
    .option('--max-queue <n>', 'most instances queued before requests get 503 + Retry-After', positiveInt('--max-queue'), DEFAULTS.maxQueue)
    .option('--max-body <bytes>', 'largest request body (413 above)', positiveInt('--max-body'), DEFAULTS.maxBody)
    .option('--header-timeout <s>', "seconds for a request's headers to arrive (then 408, connection closed)", seconds('--header-timeout'), DEFAULTS.headerTimeoutMs / 1000)
    .option('--request-timeout <s>', 'seconds for a whole request, headers and body, to arrive (then 408, connection closed)', seconds('--request-timeout'), DEFAULTS.requestTimeoutMs / 1000)
    .option('--idle-timeout <s>', 'seconds an idle keep-alive connection stays open', seconds('--idle-timeout'), DEFAULTS.idleTimeoutMs / 1000)
    .option('--drain-timeout <s>', 'on SIGTERM/SIGINT: seconds to finish requests in flight; then open connections are cut and the process exits 0', seconds('--drain-timeout'), DEFAULTS.drainTimeoutMs / 1000)
    .option('--auth-token-file <file>', 'require Authorization: Bearer <the token in FILE> on every route but /v2/health/live and /v2/health/ready')
    .action(async (dir: string, opts, command: Command) => {
      if (opts.headerTimeout > opts.requestTimeout) {
        command.error(`error: --header-timeout (${opts.headerTimeout}) must not exceed --request-timeout (${opts.requestTimeout})`, { exitCode: 2 });
      }
      const server = createServer({
        dir, port: opts.port, host: opts.host, name: opts.name, workers: opts.workers, maxBatch: opts.maxBatch,
        batchTimeoutMs: opts.batchTimeoutMs, maxQueue: opts.maxQueue, maxBody: opts.maxBody,
        headerTimeoutMs: opts.headerTimeout * 1000, requestTimeoutMs: opts.requestTimeout * 1000, idleTimeoutMs: opts.idleTimeout * 1000,
        drainTimeoutMs: opts.drainTimeout * 1000, authToken: opts.authTokenFile !== undefined ? readTokenFile(opts.authTokenFile) : undefined,
      });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`myelin serve: ${signal}: finishing requests in flight (at most ${opts.drainTimeout} s, --drain-timeout), then exiting\n`);
        // close() cuts what is left at the deadline; should stopping the workers still hang
        // (a native kernel in a long batch), exit anyway shortly after.
        setTimeout(() => {
          process.stderr.write('myelin serve: the workers did not stop in time; exiting\n');
          process.exit(0);
        }, opts.drainTimeout * 1000 + 500).unref();
        server.close().then(({ cut }) => {
          if (cut > 0) process.stderr.write(`myelin serve: cut ${cut} connection${cut === 1 ? '' : 's'} still open after ${opts.drainTimeout} s (--drain-timeout)\n`);
          process.stderr.write('myelin serve: stopped\n');
          process.exit(0);
        }, (e) => {
          process.stderr.write(`myelin serve: error while stopping: ${(e as Error).message}\n`);
          process.exit(1);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      let url: string;
      try {
        [url] = await Promise.all([server.listen(), server.ready]);
      } catch (e) {
        await server.close().catch(() => {});
        throw e;
      }
      const o = server.options;
      process.stderr.write(`myelin serve: model '${server.spec.name}' (${server.spec.config.model}, ${server.batcher.backend} backend) from ${dir}\n` +
        `  ${o.workers} worker${o.workers === 1 ? '' : 's'}, max batch ${o.maxBatch}, batch timeout ${o.batchTimeoutMs} ms, max queue ${o.maxQueue}\n` +
        (o.auth ? `  bearer token required (${opts.authTokenFile}), but on /v2/health/live and /v2/health/ready\n` : '') +
        `  POST ${url}/v1/models/${server.spec.name}:predict   POST ${url}/v2/models/${server.spec.name}/infer   GET ${url}/metrics\n`);
      process.stdout.write(`listening on ${url}\n`);
      // keep running until a signal stops the server
      await new Promise(() => {});
    });
}
