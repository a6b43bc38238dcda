import { BadRequestException } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import helmet from 'helmet';
import { parse as parseJson } from 'secure-json-parse';
import { AccessLogRecorder, installAccessLog } from './access-log/access-log-recorder';
import { AppModule } from './app.module';
import { installDrainHook } from './common/http/drain';
import { requestId } from './common/http/logger-options';
import { setupSwagger } from './common/http/openapi';
import type { AppConfig } from './config/app-config';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the whole HTTP application (adapter, parsers, pipes, filters, docs); main.ts and tests both use it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: requestId,
    // Shutdown: requests on open keep-alive connections are answered normally (never 503), idle ones closed.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Errors Fastify's router raises before any route (and so before Nest's filter) runs: a malformed
    // percent-encoding or an overlong path parameter. Without this Fastify answers them in its own shape.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const [status, message] =
        error.code === 'FST_ERR_BAD_URL'
          ? [400, 'The URL is malformed (bad percent-encoding)']
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? [400, 'A path parameter is too long']
            : [500, 'Internal server error'];
      void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({ error: message }));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false, // throw instead of process.exit, so callers (main.ts, tests, hosts) decide
  });
  app.useLogger(app.get(Logger));
  useJsonOnly(app.getHttpAdapter().getInstance());
  installDrainHook(app.getHttpAdapter().getInstance());
  installAccessLog(app.getHttpAdapter().getInstance(), app.get(AccessLogRecorder));
  useSecurityHeaders(app.getHttpAdapter().getInstance());
  // CORS is closed unless CORS_ORIGINS lists the browser origins allowed to call the API.
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    allowedHeaders: ['authorization', 'content-type', 'x-account-id', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['retry-after', 'x-request-id'],
    maxAge: 600,
  });
  setupSwagger(app);
  return app;
}

/**
 * helmet's security headers on every response. The middleware is built once here: @fastify/helmet rebuilds
 * it (parsing the CSP directives again) on every request, which showed in POST /leads profiles.
 *
 * The Swagger UI at /docs loads its own scripts and styles from this origin. No upgrade-insecure-requests
 * (helmet's default): over plain HTTP at any host but localhost (docker-compose on another machine, a LAN
 * address) the browser would fetch those same-origin files over HTTPS and the page would stay blank. Behind
 * TLS it changes nothing: every resource is same-origin and relative.
 */
function useSecurityHeaders(fastify: FastifyInstance): void {
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        upgradeInsecureRequests: null,
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
}

/** No API body nests anywhere near this deep; deeper ones would overflow the stack of the validation pipe. */
export const MAX_BODY_DEPTH = 32;
/** Half of a UTF-16 surrogate pair on its own: JSON can write it (`"\ud83d"`), no Unicode text contains it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * JSON is the only body the API reads: anything else is 415, malformed JSON 400, prototype keys 400,
 * nesting deeper than MAX_BODY_DEPTH 400, and text that is not valid Unicode 400 (the validators throw on it,
 * and PostgreSQL would silently store U+FFFD instead).
 */
function useJsonOnly(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = parseJson(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(Object.assign(new Error('Malformed JSON in request body'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON' }), undefined);
    }
    const problem = bodyProblem(value);
    if (problem) return done(new BadRequestException(problem), undefined);
    done(null, value);
  });
}

/** What makes a parsed body unreadable for the API, or null. Iterative, so it cannot overflow the stack itself. */
function bodyProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string' && LONE_SURROGATE.test(v)) return 'Request body contains text that is not valid Unicode (a lone surrogate)';
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_BODY_DEPTH) return `Request body is nested more than ${MAX_BODY_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(v)) stack.push([key, depth + 1], [child, depth + 1]);
  }
  return null;
}
