import { BadRequestException } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import helmet from 'helmet';
import { isUtf8 } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseJson } from 'secure-json-parse';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { AccessLogRecorder, installAccessLog } from './access-log/access-log-recorder';
import { AppModule } from './app.module';
import { installAnonymousGate } from './auth/anonymous-gate';
import { jwtVerificationOf } from './auth/jwt.strategy';
import { AnonymousBlocks } from './common/rate-limit/anonymous-blocks';
import { RATE_LIMIT_STORAGE } from './common/rate-limit/rate-limit.module';
import { bodyProblem, markShapeChecked, mayHoldLoneSurrogate } from './common/validation/body-shape';
import { installDrainHook } from './common/http/drain';
import { requestId } from './common/http/logger-options';
import { setupSwagger } from './common/http/openapi';
import type { AppConfig } from './config/app-config';
import { installMetrics } from './metrics/install-metrics';
import { MetricsService } from './metrics/metrics.service';

export const BODY_LIMIT_BYTES = 1024 * 1024;
/** POST /leads/bulk and POST /leads/import (API.md section 11) take up to 10 MiB; every other route 1 MiB. */
export const BULK_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
/** The routes with the larger body limit (a host's global prefix ends up in front of them). */
export const BULK_ROUTE = /\/leads\/(bulk|import)$/;

/** Builds the whole HTTP application (adapter, parsers, pipes, filters, docs); main.ts and tests both use it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    genReqId: requestId,
    // Shutdown: requests on open keep-alive connections are answered normally (never 503), idle ones closed.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // A client gets REQUEST_TIMEOUT_MS to send a whole request (headers and body: one byte every few seconds
    // no longer holds a connection), and a connection silent for CONNECTION_TIMEOUT_MS is closed. Node checks
    // the request deadline every second (its default, 30 s, would let a slow client run on for that long).
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    http: { connectionsCheckingInterval: 1000, headersTimeout: Math.min(60_000, config.http.requestTimeoutMs) },
    clientErrorHandler: answerClientError,
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
  const fastify = app.getHttpAdapter().getInstance();
  // routes are registered later (app.init), so this sees every one of them
  fastify.addHook('onRoute', (route) => {
    if (BULK_ROUTE.test(route.url)) route.bodyLimit = BULK_BODY_LIMIT_BYTES;
  });
  useJsonOnly(fastify);
  installDrainHook(fastify);
  // Before the anonymous gate: the requests it refuses are recorded, and answered with their x-request-id and
  // the security headers, as every other answer.
  installAccessLog(fastify, app.get(AccessLogRecorder));
  // Off unless METRICS_PORT or METRICS_TOKEN is set; /metrics on this port only without METRICS_PORT.
  installMetrics(fastify, app.get(MetricsService), config.metrics.port === undefined);
  useSecurityHeaders(fastify);
  installAnonymousGate(fastify, {
    anonPerMinute: config.rateLimit.anonPerMinute,
    storage: app.get<ThrottlerStorage>(RATE_LIMIT_STORAGE),
    blocks: app.get(AnonymousBlocks),
    jwt: jwtVerificationOf(config),
  });
  // CORS is closed unless CORS_ORIGINS lists the browser origins allowed to call the API.
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    allowedHeaders: ['authorization', 'content-type', 'x-account-id', 'idempotency-key', 'x-request-id', 'x-consistency'],
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
  fastify.addHook('onRequest', (request, reply, done) => {
    // No answer of the API may be stored by a browser or a proxy (one carries a new API key); the
    // documentation's static files may.
    if (!DOCS_PATH.test(request.url)) reply.raw.setHeader('cache-control', 'no-store');
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
}

const DOCS_PATH = /^\/docs(\/|-|\?|$)/;

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (bad header bytes, headers past the size
 * limit, the request deadline): answered in the contract's shape, then the connection is closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request headers are too large']
        : [400, 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * JSON is the only body the API reads but for POST /leads/import's CSV: anything else is 415, bytes that are not UTF-8 400 (with or without a
 * Content-Length: chunked bodies too), malformed JSON 400, prototype keys 400, and a body past the shape
 * bounds of bodyProblem 400 (depth, keys per object, values, lone surrogates).
 */
function useJsonOnly(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(new BadRequestException('Request body is not valid UTF-8'), undefined);
    const text = bytes.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = parseJson(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(Object.assign(new Error('Malformed JSON in request body'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON' }), undefined);
    }
    const problem = bodyProblem(value, mayHoldLoneSurrogate(text));
    if (problem) return done(new BadRequestException(problem), undefined);
    markShapeChecked(value);
    done(null, value);
  });
  // CSV only where a route reads it (POST /leads/import), handed over as its bytes (at most the route's limit)
  fastify.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (request, body, done) => {
    if (!/\/leads\/import$/.test(request.routeOptions.url ?? '')) {
      return done(Object.assign(new Error('Content-Type must be application/json'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }), undefined);
    }
    done(null, body);
  });
}
