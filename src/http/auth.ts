// Optional bearer-token authentication for `myelin serve` and `myelin dashboard`
// (--auth-token-file FILE): every request but the health probes must carry
// `Authorization: Bearer <token>`; otherwise 401 with `WWW-Authenticate: Bearer` (RFC 6750).
// Tokens are compared in constant time (their SHA-256 digests, so that not even the length
// leaks). A browser cannot send a header when it opens a page, so the dashboard also takes the
// token once in its URL (`/?token=...`), answers with an HttpOnly, SameSite=Strict cookie and
// a redirect to the bare URL, and accepts the cookie afterwards.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readRegularTextFile } from '../io/read-file.js';

/** Tokens shorter than this are refused: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * The token in FILE: its one line, surrounding whitespace removed (e.g. `openssl rand -hex 32 >
 * FILE`, or a Kubernetes Secret mounted as a file). Errors name the file, never its contents.
 */
export function readTokenFile(path: string): string {
  const token = readRegularTextFile(path, MAX_TOKEN_FILE_BYTES).trim();
  if (token === '') throw new Error(`${path}: the token file is empty`);
  const bad = [...token].findIndex((ch) => ch < '!' || ch > '~');
  if (bad >= 0) throw new Error(`${path}: the token must be one line of printable ASCII without spaces (character ${bad + 1} is not)`);
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`${path}: the token has ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32 > ${path})`);
  }
  return token;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** a === b, in time that depends on neither (constant-time comparison of SHA-256 digests). */
export function tokensEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export interface BearerAuthOptions {
  token: string;
  /** Paths (without the query) answered without a token: the health and readiness probes. */
  open?: readonly string[];
  /** Accept the token as this cookie too, set by visiting `/?token=...` (browser pages). */
  cookie?: string;
  /** Called for each request refused (for metrics). */
  onReject?: () => void;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try { return decodeURIComponent(part.slice(eq + 1).trim()); } catch { return undefined; }
    }
  }
  return undefined;
}

function refuse(reply: FastifyReply, invalid: boolean, message: string): FastifyReply {
  return reply.code(401)
    .header('WWW-Authenticate', invalid ? 'Bearer realm="myelin", error="invalid_token"' : 'Bearer realm="myelin"')
    .send({ error: message });
}

/** Requires the token on every request of `app` but the open paths. */
export function addBearerAuth(app: FastifyInstance, options: BearerAuthOptions): void {
  const open = new Set(options.open ?? []);
  const { token, cookie } = options;
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const query = q < 0 ? '' : req.url.slice(q + 1);
    if (open.has(path)) return;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer +(\S+) *$/i.exec(header);
      if (m && tokensEqual(m[1], token)) return;
      options.onReject?.();
      return refuse(reply, m !== null, m ? 'invalid bearer token' : 'the Authorization header must be "Bearer <token>"');
    }
    if (cookie !== undefined) {
      const fromCookie = cookieValue(req.headers.cookie, cookie);
      if (fromCookie !== undefined && tokensEqual(fromCookie, token)) return;
      const fromUrl = path === '/' ? new URLSearchParams(query).get('token') : null;
      if (fromUrl !== null && tokensEqual(fromUrl, token)) {
        // the token leaves the URL (history, screenshots); the browser keeps it as a cookie
        return reply.code(303).header('Location', '/').header('Cache-Control', 'no-store')
          .header('Set-Cookie', `${cookie}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`)
          .send();
      }
      options.onReject?.();
      return refuse(reply, fromCookie !== undefined || fromUrl !== null,
        'this dashboard needs its token: open /?token=TOKEN once, or send Authorization: Bearer TOKEN');
    }
    options.onReject?.();
    return refuse(reply, false, 'this server needs a bearer token: send Authorization: Bearer TOKEN');
  });
}
