// The dashboard's web server: the page (static files shipped in src/dashboard/public/, and
// Chart.js from node_modules) and a small JSON API over the run directories under one root.
//
//   GET /                          the page
//   GET /api/runs                  every run: id, model, dataset, status, final metrics, pictures
//   GET /api/run?run=ID            config.json of a run
//   GET /api/scalars?run=ID        the records of metrics.jsonl
//   GET /api/roc?run=ID            roc.json (ROC curves of the test set)
//   GET /api/image?run=ID&file=F   a PNG of the run
//   GET /healthz                   liveness (open without the token)
//
// Run files are read only as regular files under the runs folder's real path (runs.ts). With
// an auth token every route but /healthz needs it (a header, or the cookie set by /?token=...).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { packageRoot } from '../data/builtin.js';
import { findRuns, readScalars, runConfig, runDirOf, runImage, runRoc, RunsFolder, summarizeRun } from './runs.js';
import { addBearerAuth } from '../http/auth.js';
import {
  DEFAULT_CONNECTION_LIMITS, closeUnfinishedRequests, closeWithDeadline, connectionOptions, trackConnections, type CloseResult,
} from '../http/connections.js';

export interface DashboardOptions {
  /** Root of the run directories (default 'runs'). */
  runs?: string;
  port?: number;
  host?: string;
  /** Requests must carry this token (Authorization: Bearer, or the cookie set by /?token=...), but /healthz. */
  authToken?: string;
  /** close(): how long requests in flight may take before their connections are cut (default 2 s). */
  drainTimeoutMs?: number;
}

export const DASHBOARD_DEFAULTS = { runs: 'runs', port: 6006, host: '127.0.0.1' };

/** Where the page's files are: src/dashboard/public under the package root (shipped in the package). */
export function publicDir(): string {
  return join(packageRoot(), 'src', 'dashboard', 'public');
}

function chartJsFile(): string {
  // chart.js exports only its modules; its UMD build lies next to the CommonJS entry
  const main = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(main), 'chart.umd.min.js');
}

const STATIC: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

export interface Dashboard {
  app: FastifyInstance;
  root: string;
  listen(): Promise<string>;
  close(): Promise<CloseResult>;
}

export const DASHBOARD_COOKIE = 'myelin_dashboard_token';

export function createDashboard(options: DashboardOptions = {}): Dashboard {
  const root = resolve(options.runs ?? DASHBOARD_DEFAULTS.runs);
  const folder = new RunsFolder(root);
  const port = options.port ?? DASHBOARD_DEFAULTS.port;
  const host = options.host ?? DASHBOARD_DEFAULTS.host;
  const app = Fastify({ ...connectionOptions(DEFAULT_CONNECTION_LIMITS) });
  const sockets = trackConnections(app);
  closeUnfinishedRequests(app);
  if (options.authToken !== undefined) addBearerAuth(app, { token: options.authToken, open: ['/healthz'], cookie: DASHBOARD_COOKIE });
  const pub = publicDir();
  if (!existsSync(join(pub, 'index.html'))) throw new Error(`dashboard: page files not found in ${pub}`);
  app.get('/healthz', async () => ({ ok: true }));

  for (const [route, [file, type]] of Object.entries(STATIC)) {
    app.get(route, async (_req, reply) => reply.header('Content-Type', type).header('Cache-Control', 'no-cache').send(readFileSync(join(pub, file))));
  }
  app.get('/vendor/chart.umd.min.js', async (_req, reply) =>
    reply.header('Content-Type', 'text/javascript; charset=utf-8').header('Cache-Control', 'max-age=3600').send(readFileSync(chartJsFile())));

  const runOf = (id: unknown) => {
    if (typeof id !== 'string' || id === '') throw Object.assign(new Error("missing query parameter 'run'"), { statusCode: 400 });
    const dir = runDirOf(folder, id);
    if (!dir) throw Object.assign(new Error(`no run '${id.slice(0, 200)}' under ${root}`), { statusCode: 404 });
    return dir;
  };

  app.get('/api/runs', async () => ({
    root,
    runs: findRuns(folder).map((d) => summarizeRun(folder, d)).sort((a, b) => b.updated - a.updated),
  }));
  app.get<{ Querystring: { run?: string } }>('/api/run', async (req) => runConfig(runOf(req.query.run), folder) ?? {});
  app.get<{ Querystring: { run?: string } }>('/api/scalars', async (req) => ({ records: readScalars(runOf(req.query.run), folder) }));
  app.get<{ Querystring: { run?: string } }>('/api/roc', async (req, reply) => {
    const roc = runRoc(runOf(req.query.run), folder);
    return roc ? roc : reply.code(404).send({ error: 'this run has no roc.json' });
  });
  app.get<{ Querystring: { run?: string; file?: string } }>('/api/image', async (req, reply) => {
    const dir = runOf(req.query.run);
    const file = req.query.file ?? '';
    const png = runImage(dir, file, folder);
    if (!png) return reply.code(404).send({ error: `no picture '${file.slice(0, 200)}' in run '${String(req.query.run).slice(0, 200)}'` });
    return reply.header('Content-Type', 'image/png').header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-cache').send(png);
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    void reply.code(err.statusCode ?? 500).send({ error: err.message });
  });
  app.setNotFoundHandler((req, reply) => { void reply.code(404).send({ error: `no route ${req.method} ${req.url}` }); });

  return {
    app, root,
    listen: () => app.listen({ port, host }),
    close: () => closeWithDeadline(app, sockets, options.drainTimeoutMs ?? 2000),
  };
}
