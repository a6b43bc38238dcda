import type { ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verify } from 'jsonwebtoken';
import { API_KEY_PREFIX } from '../accounts/api-keys.service';
import { bearerToken, type AnonymousBlocks } from '../common/rate-limit/anonymous-blocks';
import { anonymousCounterKey, RATE_LIMIT_WINDOW_MS } from '../common/rate-limit/rate-limit.module';
import type { JwtVerification } from './jwt.strategy';

/** Paths served without credentials (@Public routes, the documentation, and `/`, which redirects to it). */
const PUBLIC_PATH = /^\/((health|docs)(\/|\?|-|$)|(\?|$))/;
/** AccountGuard's sentence for the same case. */
export const AUTHENTICATION_REQUIRED = 'Authentication required: send a valid bearer token (JWT or API key)';
const TOO_MANY = 'Too many requests: slow down and retry after the time in Retry-After';

export interface AnonymousGateOptions {
  /** RATE_LIMIT_ANON_PER_MINUTE (0: not limited) */
  anonPerMinute: number;
  storage: ThrottlerStorage;
  blocks: AnonymousBlocks;
  jwt: JwtVerification;
}

/**
 * The standalone server's first look at a request, before its body is read (`onRequest`): a request that
 * cannot be authenticated must not cost a parse of up to 1 MiB of JSON.
 *
 * - No `Authorization: Bearer` on a route that needs one (every route but /health and /docs; an unknown route
 *   with a body too): counted against the client IP's anonymous limit, as the route guards count it, and
 *   answered 429 (over it) or 401 at once.
 * - A bearer token this process has refused with 429 (its principal is over its limit): 429 at once.
 * - A bearer token from an IP this process has refused with 429 for bad credentials: its JWT is verified here
 *   (only then, so the usual request pays nothing), and a bad one is answered 429 at once. API keys pass on to
 *   the guards (checking one costs a database read either way).
 *
 * CORS preflights (OPTIONS) and public paths pass untouched. Anything else goes on to the guards, which decide as before (a bad token still gets its 401 there).
 */
export function installAnonymousGate(fastify: FastifyInstance, options: AnonymousGateOptions): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    // CORS preflights carry no credentials by design (and no body): @fastify/cors answers them.
    if (request.method === 'OPTIONS' || PUBLIC_PATH.test(request.url)) return done();
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) {
      const tokenBlocked = options.blocks.tokenBlockedFor(token);
      if (tokenBlocked > 0) return refuse(reply, 429, tokenBlocked);
      if (options.blocks.blockedFor(request.ip) === 0 || token.startsWith(API_KEY_PREFIX) || jwtVerifies(token, options.jwt)) return done();
      return refuse(reply, 429, options.blocks.blockedFor(request.ip));
    }
    if (request.is404 && !hasBody(request)) return done(); // an unknown route without a body: its 404, as before
    if (options.anonPerMinute === 0) return refuse(reply, 401);
    const ip = request.ip;
    const limit = options.anonPerMinute;
    options.storage.increment(anonymousCounterKey(ip), RATE_LIMIT_WINDOW_MS, limit, RATE_LIMIT_WINDOW_MS, 'default').then(
      ({ isBlocked, timeToBlockExpire }) => {
        if (!isBlocked) return refuse(reply, 401);
        const retryAfter = Math.max(1, timeToBlockExpire);
        options.blocks.block(ip, retryAfter);
        refuse(reply, 429, retryAfter);
      },
      () => refuse(reply, 401), // the store failed: limiting fails open, authentication does not
    );
  });
}

function refuse(reply: FastifyReply, status: 401 | 429, retryAfter = 1): void {
  if (status === 429) reply.header('retry-after', String(retryAfter));
  // A body that follows is never parsed: Node discards its bytes after the answer (keep-alive goes on).
  void reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ error: status === 401 ? AUTHENTICATION_REQUIRED : TOO_MANY }));
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The strategy's checks that need no database: signature (HS256), expiry, issuer, audience. */
function jwtVerifies(token: string, jwt: JwtVerification): boolean {
  try {
    verify(token, jwt.key, { algorithms: ['HS256'], issuer: jwt.issuer, audience: jwt.audience });
    return true;
  } catch {
    return false;
  }
}
