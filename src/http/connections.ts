// Connection limits shared by `myelin serve` and `myelin dashboard`: how long a client may take
// to send its headers and its whole request, how long an idle keep-alive connection stays open,
// how errors that end a request early close the connection, and a shutdown that cuts the
// connections still open at a deadline. A client that sends a byte a second (slowloris) thus
// holds a connection for at most the request timeout, and never holds up a shutdown for longer
// than the drain deadline.

import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

export interface ConnectionLimits {
  /** A request's headers must arrive within this many ms of its first byte (or of the connection). */
  headerTimeoutMs: number;
  /** The whole request, headers and body, within this many ms. */
  requestTimeoutMs: number;
  /** A keep-alive connection with no request in progress is closed after this many ms. */
  idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { headerTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 5_000 };

/** How long shutdown waits for requests in flight before it cuts their connections (ms). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** After an error answer, how long a connection may linger (its client reading the answer) before it is destroyed. */
const LINGER_MS = 2_000;

/** Why a connection was refused, for metrics: 'request_timeout', 'header_too_large', 'bad_http'. */
export type ClientErrorReason = 'request_timeout' | 'header_too_large' | 'bad_http';

const handled = new WeakSet<Duplex>();

function secondsText(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Destroys the socket once its client has read the answer and closed, or after LINGER_MS.
 * Destroying at once, with the client's unread bytes still arriving, would make the kernel
 * reset the connection, and the client might lose the answer.
 */
function lingerThenDestroy(socket: Duplex): void {
  const t = setTimeout(() => socket.destroy(), LINGER_MS);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

/**
 * Node's 'clientError' (a malformed request, headers over the limit, a request or header
 * timeout): an answer with `Connection: close`, so that a keep-alive client does not send its
 * next request on a connection that is about to close (Fastify's own answer lacks the header).
 */
export function clientErrorHandler(limits: ConnectionLimits, onReject?: (reason: ClientErrorReason) => void) {
  return (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (handled.has(socket) || socket.destroyed) return; // the parser reports again as more bytes or EOF arrive
    handled.add(socket);
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') { socket.destroy(); return; }
    let status: number, reason: ClientErrorReason, message: string;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408; reason = 'request_timeout';
      message = `request timeout: headers must arrive within ${secondsText(limits.headerTimeoutMs)} and the whole request within ${secondsText(limits.requestTimeoutMs)}`;
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431; reason = 'header_too_large';
      message = `request headers are larger than the server's limit of ${maxHeaderSize} bytes`;
    } else {
      status = 400; reason = 'bad_http';
      message = `malformed HTTP request (${err.code ?? 'parse error'})`;
    }
    onReject?.(reason);
    // an answer already under way on this connection cannot be followed by another one
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) { socket.destroy(); return; }
    const body = JSON.stringify({ error: message });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    lingerThenDestroy(socket);
  };
}

/** Fastify options that apply the limits (merge into the options given to Fastify()). */
export function connectionOptions(limits: ConnectionLimits, onReject?: (reason: ClientErrorReason) => void): Partial<FastifyServerOptions> {
  if (limits.headerTimeoutMs > limits.requestTimeoutMs) {
    throw new Error(`the header timeout (${secondsText(limits.headerTimeoutMs)}) must not exceed the request timeout (${secondsText(limits.requestTimeoutMs)})`);
  }
  // Node checks the header and request timeouts of every connection at this interval
  const interval = Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headerTimeoutMs, limits.requestTimeoutMs) / 10)));
  return {
    http: { headersTimeout: limits.headerTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: interval },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    clientErrorHandler: clientErrorHandler(limits, onReject),
  } as Partial<FastifyServerOptions>;
}

/**
 * Answers that leave part of the request body unread (413, 401 before the body, 400 on a bad
 * Content-Length...) say `Connection: close`: the rest of the body is not read, and the
 * connection cannot carry another request.
 */
export function closeUnfinishedRequests(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.raw.complete) reply.header('connection', 'close');
    return payload;
  });
}

/** The sockets of a server, for cutting those still open at a shutdown deadline. */
export function trackConnections(app: FastifyInstance): Set<Socket> {
  const sockets = new Set<Socket>();
  app.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return sockets;
}

export interface CloseResult {
  /** Connections still open at the deadline, destroyed. */
  cut: number;
}

/**
 * Stops the server: no new connections; idle keep-alive connections close as they go idle;
 * requests in flight (and `work`, e.g. queued inference) are given deadlineMs; then every
 * connection left is destroyed and `onDeadline` runs (abandon the work).
 */
export async function closeWithDeadline(
  app: FastifyInstance, sockets: Set<Socket>, deadlineMs: number, work: Promise<unknown> = Promise.resolve(), onDeadline?: () => void,
): Promise<CloseResult> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 20);
  let timer: NodeJS.Timeout | undefined;
  const closing = app.close();
  try {
    const finished = Promise.all([closing, work]).then(() => 'finished' as const);
    const deadline = new Promise<'deadline'>((resolve) => { timer = setTimeout(() => resolve('deadline'), deadlineMs); });
    if (await Promise.race([finished, deadline]) === 'finished') return { cut: 0 };
    const cut = sockets.size;
    for (const s of sockets) s.destroy();
    app.server.closeAllConnections();
    onDeadline?.();
    await closing;
    return { cut };
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
